/**
 * Loads the WebAssembly SIMD kernels (AssemblyScript source in `assembly/`, compiled by
 * `npm run build:wasm` into `build/`) onto one shared WebAssembly.Memory.
 *
 * Every pointer argument is a byte offset into that memory; sizes are element counts. The kernels
 * never allocate: the caller owns every buffer, including matmul's scratch. Contract for callers:
 * - keep the low `WASM_RESERVED_BYTES` (64 KiB) of the memory free: AssemblyScript places its
 *   static data and stack there (the kernels use none today; the reservation keeps that possible);
 * - no alignment is required, but 16-byte-aligned buffers are fastest;
 * - an elementwise `out` may be exactly one of its inputs; matmul's `c` must not overlap `a`, `b`
 *   or `scratch`;
 * - one instance per thread: instantiate the same module in every worker on the same memory
 *   (the module has no data segments, globals or start function, so instantiating writes nothing).
 *
 * The first calls run V8's baseline code; optimized code takes over on a later call once the
 * function is hot, so time kernels only after a few warm-up calls.
 */

import { readFileSync } from "node:fs";
import { BackendError } from "../../errors.js";

/** Which binary runs: relaxed SIMD (fused multiply-add in matmul) or plain 128-bit SIMD. */
export type WasmVariant = "relaxed" | "simd";

/** Bytes at the bottom of the memory that belong to the module; buffers start at or above. */
export const WASM_RESERVED_BYTES = 65536;

/** A byte offset into the shared memory. */
type Ptr = number;

/** The kernels' exports, as JS sees them (wasm i32 / f32 arguments are JS numbers). */
export interface WasmKernels {
  /**
   * C[M×N] = A[M×K] · B[K×N] in f32 into a contiguous row-major C; `scratch` holds
   * `matmul_f32_scratch_bytes`. Each operand is read in place, row-major or stored transposed, with
   * a leading dimension in elements (≥ 0; below the width repeats values, e.g. 0 for one row):
   * - transA 0: A[i][k] at a + 4·(i·lda + k) (contiguous: lda = K); 1: at a + 4·(k·lda + i), A
   *   stored as Aᵀ (K×M, contiguous: lda = M);
   * - transB 0: B[k][j] at b + 4·(k·ldb + j) (contiguous: ldb = N); 1: at b + 4·(j·ldb + k), B
   *   stored as Bᵀ (N×K, contiguous: ldb = K).
   * The result is the same bit for bit whichever layout the operands come in.
   */
  matmul_f32(
    a: Ptr,
    b: Ptr,
    c: Ptr,
    M: number,
    N: number,
    K: number,
    transA: number,
    transB: number,
    lda: number,
    ldb: number,
    scratch: Ptr,
  ): void;
  /**
   * Rows [rowStart, rowEnd) of C = A · B only (one row range per thread, each with its own
   * scratch); operands as for `matmul_f32`.
   */
  matmul_f32_rows(
    a: Ptr,
    b: Ptr,
    c: Ptr,
    M: number,
    N: number,
    K: number,
    transA: number,
    transB: number,
    lda: number,
    ldb: number,
    rowStart: number,
    rowEnd: number,
    scratch: Ptr,
  ): void;
  /** Scratch bytes matmul needs for these sizes, any row range: 4·(min(K,256)·(⌈min(N,512)/8⌉·8 + ⌈min(M,64)/4⌉·4) + 32) ≤ 589,952. */
  matmul_f32_scratch_bytes(M: number, N: number, K: number): number;
  /** out[i] = a[i] + b[i] for i < n. */
  add_f32(a: Ptr, b: Ptr, out: Ptr, n: number): void;
  /** out[i] = a[i] − b[i] for i < n. */
  sub_f32(a: Ptr, b: Ptr, out: Ptr, n: number): void;
  /** out[i] = a[i] · b[i] for i < n. */
  mul_f32(a: Ptr, b: Ptr, out: Ptr, n: number): void;
  /** out[i] = a[i] / b[i] for i < n. */
  div_f32(a: Ptr, b: Ptr, out: Ptr, n: number): void;
  /** out[i] = a[i] + s for i < n. */
  add_scalar_f32(a: Ptr, s: number, out: Ptr, n: number): void;
  /** out[i] = a[i] − s for i < n. */
  sub_scalar_f32(a: Ptr, s: number, out: Ptr, n: number): void;
  /** out[i] = a[i] · s for i < n. */
  mul_scalar_f32(a: Ptr, s: number, out: Ptr, n: number): void;
  /** out[i] = a[i] / s for i < n. */
  div_scalar_f32(a: Ptr, s: number, out: Ptr, n: number): void;
  /** out[i] = s − a[i] for i < n. */
  rsub_scalar_f32(a: Ptr, s: number, out: Ptr, n: number): void;
  /** out[i] = s / a[i] for i < n. */
  rdiv_scalar_f32(a: Ptr, s: number, out: Ptr, n: number): void;
  /** Σ a[i] for i < n, in f32 with 16 partial sums. */
  sum_f32(a: Ptr, n: number): number;
  /** out[r] = Σ_j a[r·cols + j] for r < rows. */
  sum_rows_f32(a: Ptr, out: Ptr, rows: number, cols: number): void;
}

/**
 * Where each binary lives: the repository's `build/`, three levels up from this file both as
 * `src/backend/cpu/wasm_kernels.ts` and as `dist/backend/cpu/wasm_kernels.js`. Literal URLs, so
 * that bundlers can find the files.
 */
const binaryUrls: Record<WasmVariant, () => URL> = {
  relaxed: () => new URL("../../../build/kernels-relaxed.wasm", import.meta.url),
  simd: () => new URL("../../../build/kernels-simd.wasm", import.meta.url),
};

/** The bytes of one binary; a missing file says how to build it. */
function readBinary(variant: WasmVariant): Uint8Array<ArrayBuffer> {
  const url = binaryUrls[variant]();
  try {
    return readFileSync(url);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new BackendError(
      `cpu backend: cannot read the WebAssembly kernels ${url.pathname} (${why}); run \`npm run build:wasm\``,
    );
  }
}

const modules = new Map<WasmVariant, WebAssembly.Module>();
let detected: WasmVariant | undefined;

/** The variant this engine runs: "relaxed" when it validates the relaxed-SIMD binary, else "simd". */
export function wasmVariant(): WasmVariant {
  detected ??= WebAssembly.validate(readBinary("relaxed")) ? "relaxed" : "simd";
  return detected;
}

/**
 * The compiled module of a variant (compiled once, then cached). Post it to workers and
 * instantiate it there with `instantiateWasmKernels`, rather than compiling in every worker.
 */
export function wasmKernelsModule(variant: WasmVariant = wasmVariant()): WebAssembly.Module {
  let module = modules.get(variant);
  if (module === undefined) {
    module = new WebAssembly.Module(readBinary(variant));
    modules.set(variant, module);
  }
  return module;
}

/** Instantiates compiled kernels on `memory`, which must be a shared WebAssembly.Memory. */
export function instantiateWasmKernels(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): WasmKernels {
  if (!(memory.buffer instanceof SharedArrayBuffer)) {
    throw new BackendError(
      "cpu backend: the WebAssembly kernels need a shared memory (new WebAssembly.Memory({ …, shared: true }))",
    );
  }
  const env = {
    memory,
    // AssemblyScript's runtime calls abort(message, file, line, column) on a failed assertion; the
    // kernels contain none, so this only guards against a future one failing silently.
    abort: (_message: number, _file: number, line: number, column: number): never => {
      throw new BackendError(`cpu backend: WebAssembly kernel aborted at ${line}:${column}`);
    },
  };
  const { exports } = new WebAssembly.Instance(module, { env });
  return {
    matmul_f32: kernel(exports, "matmul_f32"),
    matmul_f32_rows: kernel(exports, "matmul_f32_rows"),
    matmul_f32_scratch_bytes: kernel(exports, "matmul_f32_scratch_bytes"),
    add_f32: kernel(exports, "add_f32"),
    sub_f32: kernel(exports, "sub_f32"),
    mul_f32: kernel(exports, "mul_f32"),
    div_f32: kernel(exports, "div_f32"),
    add_scalar_f32: kernel(exports, "add_scalar_f32"),
    sub_scalar_f32: kernel(exports, "sub_scalar_f32"),
    mul_scalar_f32: kernel(exports, "mul_scalar_f32"),
    div_scalar_f32: kernel(exports, "div_scalar_f32"),
    rsub_scalar_f32: kernel(exports, "rsub_scalar_f32"),
    rdiv_scalar_f32: kernel(exports, "rdiv_scalar_f32"),
    sum_f32: kernel(exports, "sum_f32"),
    sum_rows_f32: kernel(exports, "sum_rows_f32"),
  };
}

/** Compiles (once) and instantiates the kernels on `memory`: the relaxed build where it validates. */
export function loadWasmKernels(
  memory: WebAssembly.Memory,
  variant: WasmVariant = wasmVariant(),
): WasmKernels {
  return instantiateWasmKernels(wasmKernelsModule(variant), memory);
}

/** One export, checked to be a function; its signature is the one the AssemblyScript source gives. */
function kernel<K extends keyof WasmKernels>(
  exports: WebAssembly.Exports,
  name: K,
): WasmKernels[K] {
  const value = exports[name];
  if (typeof value !== "function") {
    throw new BackendError(
      `cpu backend: the WebAssembly kernels lack ${name}; rebuild them with \`npm run build:wasm\``,
    );
  }
  return value as WasmKernels[K];
}
