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
 * Each variant is built twice: over a shared memory (threads) and over a plain one, for a browser
 * page that is not cross-origin isolated and so has no SharedArrayBuffer (a module that imports a
 * shared memory cannot link to a plain one). `loadWasmKernels` picks by the memory it is given.
 *
 * Loading: Node reads the binaries from disk, synchronously or not; a browser fetches them, so
 * there only the asynchronous `compileWasmKernels` works (the backend's `await mt.setBackend`).
 *
 * The first calls run V8's baseline code; optimized code takes over on a later call once the
 * function is hot, so time kernels only after a few warm-up calls.
 */

import { BackendError } from "../../errors.js";
import { builtin, isSharedMemory } from "../../platform.js";
import { ELEMENTWISE_KERNELS, type ElementwiseKernels } from "./simd_table.js";

/** Which binary runs: relaxed SIMD (fused multiply-add in matmul) or plain 128-bit SIMD. */
export type WasmVariant = "relaxed" | "simd";

/** Bytes at the bottom of the memory that belong to the module; buffers start at or above. */
export const WASM_RESERVED_BYTES = 65536;

/** A byte offset into the shared memory. */
type Ptr = number;

/**
 * The operands both matmul kernels take first, in the AssemblyScript sources' order: A, B and C,
 * the sizes, and how A and B are laid out (see `matmul_f32`).
 */
type MatmulOperands = [
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
];

/**
 * The kernels' exports, as JS sees them (wasm i32 / f32 arguments are JS numbers): matmul's, and
 * the elementwise ones the SIMD table (`simd_table.ts`) lists.
 */
export interface WasmKernels extends ElementwiseKernels {
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
  matmul_f32(...args: [...MatmulOperands, scratch: Ptr]): void;
  /**
   * Rows [rowStart, rowEnd) of C = A · B only (one row range per thread, each with its own
   * scratch); operands as for `matmul_f32`.
   */
  matmul_f32_rows(
    ...args: [...MatmulOperands, rowStart: number, rowEnd: number, scratch: Ptr]
  ): void;
  /** Scratch bytes matmul needs for these sizes, any row range: 4·(min(K,256)·(⌈min(N,512)/8⌉·8 + ⌈min(M,64)/4⌉·4) + 32) ≤ 589,952. */
  matmul_f32_scratch_bytes(M: number, N: number, K: number): number;
  /** im2col of a float32 image into contiguous columns (assembly/conv.ts: the arguments). */
  unfold_f32(
    o: Ptr,
    x: Ptr,
    ...sizes: [...Image, sn: number, sc: number, sy: number, sx: number, ...Window]
  ): void;
  /** col2im of float32 columns into a contiguous image, summing overlaps (assembly/conv.ts). */
  fold_f32(
    o: Ptr,
    y: Ptr,
    ...sizes: [...Image, tn: number, tr: number, tl: number, ...Window]
  ): void;
}

/** The image's sizes, as unfold_f32 and fold_f32 take them. */
type Image = [n: number, c: number, h: number, w: number];

/** The window: kernel, stride, padding and dilation, then the output's spatial size. */
type Window = [
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  ph: number,
  pw: number,
  dh: number,
  dw: number,
  oh: number,
  ow: number,
];

/**
 * Where each binary lives: the repository's `build/`, three levels up from this file both as
 * `src/backend/cpu/wasm_kernels.ts` and as `dist/backend/cpu/wasm_kernels.js`. Literal URLs, so
 * that bundlers can find the files.
 */
function binaryUrl(variant: WasmVariant, shared: boolean): URL {
  if (shared) {
    return variant === "relaxed"
      ? new URL("../../../build/kernels-relaxed.wasm", import.meta.url)
      : new URL("../../../build/kernels-simd.wasm", import.meta.url);
  }
  return variant === "relaxed"
    ? new URL("../../../build/kernels-relaxed-unshared.wasm", import.meta.url)
    : new URL("../../../build/kernels-simd-unshared.wasm", import.meta.url);
}

/** A BackendError for a binary that cannot be had, saying how to build it. */
function missing(url: URL, error: unknown): BackendError {
  const why = error instanceof Error ? error.message : String(error);
  return new BackendError(
    `cpu backend: cannot read the WebAssembly kernels ${url.href} (${why}); run \`npm run build:wasm\``,
  );
}

/** The bytes of one binary, synchronously: Node only (a browser must fetch, asynchronously). */
function readBinarySync(variant: WasmVariant, shared: boolean): Uint8Array<ArrayBuffer> {
  const url = binaryUrl(variant, shared);
  const fs = builtin<typeof import("node:fs")>("node:fs");
  if (fs === undefined) {
    throw new BackendError(
      'cpu backend: the WebAssembly kernels load asynchronously here; call `await mt.setBackend("cpu")` before creating tensors',
    );
  }
  try {
    return fs.readFileSync(url);
  } catch (error) {
    throw missing(url, error);
  }
}

/** The bytes of one binary: read from disk in Node, fetched elsewhere. */
async function readBinary(variant: WasmVariant, shared: boolean): Promise<Uint8Array<ArrayBuffer>> {
  const url = binaryUrl(variant, shared);
  const fs = builtin<typeof import("node:fs")>("node:fs");
  try {
    if (fs !== undefined) return new Uint8Array(await fs.promises.readFile(url));
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw missing(url, error);
  }
}

const modules = new Map<string, WebAssembly.Module>();
const key = (variant: WasmVariant, shared: boolean): string => `${variant}/${shared}`;
let detected: WasmVariant | undefined;

/** The variant this engine runs: "relaxed" when it validates the relaxed-SIMD binary, else "simd". */
export function wasmVariant(): WasmVariant {
  detected ??= WebAssembly.validate(readBinarySync("relaxed", true)) ? "relaxed" : "simd";
  return detected;
}

/**
 * The compiled module of a variant over a shared memory (default) or a plain one, compiled once
 * then cached. Post it to workers and instantiate it there with `instantiateWasmKernels`, rather
 * than compiling in every worker. Synchronous: Node, or after `compileWasmKernels` compiled it.
 */
export function wasmKernelsModule(
  variant: WasmVariant = wasmVariant(),
  shared = true,
): WebAssembly.Module {
  let module = modules.get(key(variant, shared));
  if (module === undefined) {
    module = new WebAssembly.Module(readBinarySync(variant, shared));
    modules.set(key(variant, shared), module);
  }
  return module;
}

/**
 * Compiles (once) the best variant this engine runs, for a shared memory or a plain one, without
 * blocking: how a browser loads the kernels. Afterwards `wasmVariant` and `wasmKernelsModule` answer
 * synchronously for it.
 */
export async function compileWasmKernels(shared: boolean): Promise<WebAssembly.Module> {
  if (detected === undefined) {
    const relaxed = await readBinary("relaxed", shared);
    detected = WebAssembly.validate(relaxed) ? "relaxed" : "simd";
    if (detected === "relaxed")
      modules.set(key("relaxed", shared), await WebAssembly.compile(relaxed));
  }
  let module = modules.get(key(detected, shared));
  if (module === undefined) {
    module = await WebAssembly.compile(await readBinary(detected, shared));
    modules.set(key(detected, shared), module);
  }
  return module;
}

/** The imports the kernels link against: the memory, and AssemblyScript's abort hook. */
function imports(memory: WebAssembly.Memory): WebAssembly.Imports {
  return {
    env: {
      memory,
      // AssemblyScript's runtime calls abort(message, file, line, column) on a failed assertion;
      // the kernels contain none, so this only guards against a future one failing silently.
      abort: (_message: number, _file: number, line: number, column: number): never => {
        throw new BackendError(`cpu backend: WebAssembly kernel aborted at ${line}:${column}`);
      },
    },
  };
}

/**
 * Instantiates compiled kernels on `memory`: the shared build on a shared memory, the unshared
 * build on a plain one (a mismatch cannot link, and says so).
 */
export function instantiateWasmKernels(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): WasmKernels {
  try {
    return kernelsOf(new WebAssembly.Instance(module, imports(memory)).exports);
  } catch (error) {
    throw linkError(error, memory);
  }
}

/** `instantiateWasmKernels` without blocking (browsers prefer it on the page's thread). */
export async function instantiateWasmKernelsAsync(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): Promise<WasmKernels> {
  try {
    return kernelsOf((await WebAssembly.instantiate(module, imports(memory))).exports);
  } catch (error) {
    throw linkError(error, memory);
  }
}

function linkError(error: unknown, memory: WebAssembly.Memory): unknown {
  if (!(error instanceof WebAssembly.LinkError)) return error;
  const kind = isSharedMemory(memory) ? "shared" : "unshared";
  return new BackendError(
    `cpu backend: the WebAssembly kernels do not link to this ${kind} memory (${error.message}); load the build for a ${kind} memory`,
  );
}

/**
 * Compiles (once) and instantiates the kernels on `memory`, synchronously (Node): the relaxed
 * build where it validates, built for a shared or a plain memory as `memory` is.
 */
export function loadWasmKernels(
  memory: WebAssembly.Memory,
  variant: WasmVariant = wasmVariant(),
): WasmKernels {
  const shared = isSharedMemory(memory);
  return instantiateWasmKernels(wasmKernelsModule(variant, shared), memory);
}

/** The kernels' exports, each checked to be a function. */
function kernelsOf(exports: WebAssembly.Exports): WasmKernels {
  // The names are ElementwiseKernels' own (both come from the SIMD table), each checked to be a
  // function; their signatures are the AssemblyScript sources'.
  const elementwise = Object.fromEntries(
    ELEMENTWISE_KERNELS.map((name) => [name, kernel(exports, name)]),
  ) as ElementwiseKernels;
  return {
    ...elementwise,
    matmul_f32: kernel(exports, "matmul_f32"),
    matmul_f32_rows: kernel(exports, "matmul_f32_rows"),
    matmul_f32_scratch_bytes: kernel(exports, "matmul_f32_scratch_bytes"),
    unfold_f32: kernel(exports, "unfold_f32"),
    fold_f32: kernel(exports, "fold_f32"),
  };
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
