import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  loadWasmKernels,
  WASM_RESERVED_BYTES,
  type WasmKernels,
  type WasmVariant,
  wasmVariant,
} from "../src/backend/cpu/wasm_kernels.js";
import { BackendError } from "../src/errors.js";
import { Random } from "../src/random.js";

/**
 * The WebAssembly kernels against plain JS written here: elementwise results must match exactly
 * (IEEE f32 arithmetic rounds once, and a double result rounded to f32 is the same number), sums
 * and matmul within a rounding tolerance. Sizes straddle the SIMD widths (4, 16) and the matmul
 * tile (4×8) and blocks (K 256, N 512, M 64). Guard bytes around every output and around matmul's
 * scratch catch writes out of bounds.
 */

const memory = new WebAssembly.Memory({ initial: 512, maximum: 65536, shared: true });
// Every engine runs the plain build; the relaxed one is tested too where this engine validates it
// (Node 20 needs --experimental-wasm-relaxed-simd).
const variants: WasmVariant[] = wasmVariant() === "relaxed" ? ["relaxed", "simd"] : ["simd"];

/** A value no kernel computes from the test data: guards and untouched rows must still hold it. */
const SENTINEL = -12345.5;
const GUARD = 16;

/** Bump allocation of f32 runs above the reserved low 64 KiB; `reset` between cases. */
class Layout {
  #top = WASM_RESERVED_BYTES;
  /** Byte offset of n f32 (16-byte aligned + `misalign` bytes), with sentinel guards either side. */
  alloc(n: number, misalign = 0): number {
    const start = align16(this.#top) + GUARD * 4 + misalign;
    this.#top = start + (n + GUARD) * 4;
    view(start - GUARD * 4, GUARD).fill(SENTINEL);
    view(start + n * 4, GUARD).fill(SENTINEL);
    return start;
  }
  reset(): void {
    this.#top = WASM_RESERVED_BYTES;
  }
}

function align16(x: number): number {
  return Math.ceil(x / 16) * 16;
}

function view(ptr: number, n: number): Float32Array {
  return new Float32Array(memory.buffer, ptr, n);
}

/** Both guards around the n f32 at ptr still hold the sentinel. */
function expectGuards(ptr: number, n: number): void {
  for (const x of view(ptr - GUARD * 4, GUARD)) expect(x).toBe(SENTINEL);
  for (const x of view(ptr + n * 4, GUARD)) expect(x).toBe(SENTINEL);
}

/** n f32 values in [-1, 1) from `seed`, written at ptr; returns them. */
function fill(ptr: number, n: number, seed: number): Float32Array {
  const rng = new Random(seed);
  const v = view(ptr, n);
  for (let i = 0; i < n; i++) v[i] = rng.uniform(-1, 1);
  return v;
}

/** Like `fill`, with some zeros, signed zeros, infinities and NaNs mixed in. */
function fillSpecial(ptr: number, n: number, seed: number): Float32Array {
  const special = [0, -0, 1, -1, Infinity, -Infinity, Number.NaN, 3.4e38, 1e-45];
  const rng = new Random(seed + 1);
  const v = fill(ptr, n, seed);
  for (let i = 0; i < n; i++) if (rng.next() < 0.2) v[i] = special[rng.int(special.length)];
  return v;
}

/** The first index where got and want differ (Object.is: NaN equals NaN, 0 differs from -0). */
function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>): string | undefined {
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) return `index ${i}: got ${got[i]}, want ${want[i]}`;
  }
  return undefined;
}

const edgeSizes = [1, 3, 4, 5, 15, 16, 17, 63, 64, 65];
const size = fc.oneof(fc.constantFrom(...edgeSizes), fc.integer({ min: 1, max: 200 }));
const length = fc.oneof(fc.constantFrom(0, ...edgeSizes), fc.integer({ min: 0, max: 1000 }));
const seed = fc.integer({ min: 0, max: 2 ** 31 });
// Offsets are 16-byte aligned, or off by 4/8/12 bytes: no kernel requires alignment.
const misalign = fc.constantFrom(0, 0, 4, 8, 12);

type BinaryKernel = "add_f32" | "sub_f32" | "mul_f32" | "div_f32";
type ScalarKernel =
  | "add_scalar_f32"
  | "sub_scalar_f32"
  | "mul_scalar_f32"
  | "div_scalar_f32"
  | "rsub_scalar_f32"
  | "rdiv_scalar_f32";

const binary: Record<BinaryKernel, (x: number, y: number) => number> = {
  add_f32: (x, y) => x + y,
  sub_f32: (x, y) => x - y,
  mul_f32: (x, y) => x * y,
  div_f32: (x, y) => x / y,
};

const scalar: Record<ScalarKernel, (x: number, s: number) => number> = {
  add_scalar_f32: (x, s) => x + s,
  sub_scalar_f32: (x, s) => x - s,
  mul_scalar_f32: (x, s) => x * s,
  div_scalar_f32: (x, s) => x / s,
  rsub_scalar_f32: (x, s) => s - x,
  rdiv_scalar_f32: (x, s) => s / x,
};

/**
 * C = A·B (rows [r0, r1)) in doubles, and Σ_k |A[i][k]·B[k][j]| per entry, the scale of its
 * rounding error.
 */
function referenceMatmul(
  a: Float32Array,
  b: Float32Array,
  M: number,
  N: number,
  K: number,
  r0: number,
  r1: number,
): { sum: Float64Array; scale: Float64Array } {
  const sum = new Float64Array(M * N);
  const scale = new Float64Array(M * N);
  for (let i = r0; i < r1; i++) {
    for (let k = 0; k < K; k++) {
      const x = a[i * K + k];
      for (let j = 0; j < N; j++) {
        const p = x * b[k * N + j];
        sum[i * N + j] += p;
        scale[i * N + j] += Math.abs(p);
      }
    }
  }
  return { sum, scale };
}

/** Runs one matmul case (the whole of C, or rows [r0, r1) via matmul_f32_rows) and checks it. */
function checkMatmul(
  k: WasmKernels,
  layout: Layout,
  M: number,
  N: number,
  K: number,
  s: number,
  rows?: readonly [number, number],
): void {
  layout.reset();
  const pa = layout.alloc(M * K);
  const pb = layout.alloc(K * N);
  const pc = layout.alloc(M * N);
  const scratchBytes = k.matmul_f32_scratch_bytes(M, N, K);
  expect(scratchBytes % 4).toBe(0);
  const ps = layout.alloc(scratchBytes / 4);
  const a = fill(pa, M * K, s);
  const b = fill(pb, K * N, s + 7);
  view(pc, M * N).fill(SENTINEL);
  const [r0, r1] = rows ?? [0, M];
  if (rows === undefined) k.matmul_f32(pa, pb, pc, M, N, K, ps);
  else k.matmul_f32_rows(pa, pb, pc, M, N, K, r0, r1, ps);

  const { sum, scale } = referenceMatmul(a, b, M, N, K, r0, r1);
  const c = view(pc, M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const at = i * N + j;
      if (i < r0 || i >= r1) {
        if (c[at] !== SENTINEL)
          expect.fail(`C[${i}][${j}] outside rows [${r0}, ${r1}) was written`);
        continue;
      }
      const want = Math.fround(sum[at]);
      if (!(Math.abs(c[at] - want) <= 1e-4 * scale[at] + 1e-30)) {
        expect.fail(`C[${i}][${j}] = ${c[at]}, want ${want} (M=${M} N=${N} K=${K})`);
      }
    }
  }
  expectGuards(pa, M * K);
  expectGuards(pb, K * N);
  expectGuards(pc, M * N);
  expectGuards(ps, scratchBytes / 4);
}

describe.each(variants)("wasm kernels (%s)", (variant) => {
  const k = loadWasmKernels(memory, variant);
  const layout = new Layout();

  it("computes elementwise a ∘ b exactly, in place too", () => {
    const names = Object.keys(binary) as BinaryKernel[];
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        length,
        seed,
        misalign,
        fc.boolean(),
        (name, n, s, off, inPlace) => {
          layout.reset();
          const pa = layout.alloc(n, off);
          const pb = layout.alloc(n);
          const pout = inPlace ? pa : layout.alloc(n, (16 - off) % 16);
          const a = Array.from(fillSpecial(pa, n, s));
          const b = Array.from(fillSpecial(pb, n, s + 1));
          const want = a.map((x, i) => Math.fround(binary[name](x, b[i])));
          k[name](pa, pb, pout, n);
          expect(firstMismatch(view(pout, n), want)).toBeUndefined();
          expectGuards(pout, n);
        },
      ),
      { numRuns: 120 },
    );
  });

  it("computes elementwise a ∘ s and s ∘ a exactly", () => {
    const names = Object.keys(scalar) as ScalarKernel[];
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        length,
        seed,
        misalign,
        fc.constantFrom(0, -0, 1, -2.5, 0.1, Infinity, Number.NaN),
        (name, n, s, off, sv) => {
          layout.reset();
          const pa = layout.alloc(n, off);
          const pout = layout.alloc(n);
          const a = Array.from(fillSpecial(pa, n, s));
          const s32 = Math.fround(sv);
          const want = a.map((x) => Math.fround(scalar[name](x, s32)));
          k[name](pa, sv, pout, n);
          expect(firstMismatch(view(pout, n), want)).toBeUndefined();
          expectGuards(pout, n);
        },
      ),
      { numRuns: 120 },
    );
  });

  it("sums a run and each row of a matrix", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), length, seed, misalign, (rows, cols, s, off) => {
        layout.reset();
        const pa = layout.alloc(rows * cols, off);
        const pout = layout.alloc(rows);
        const a = fill(pa, rows * cols, s);
        k.sum_rows_f32(pa, pout, rows, cols);
        const out = view(pout, rows);
        for (let r = 0; r <= rows; r++) {
          // Row r of sum_rows_f32; and for r = rows, sum_f32 over the whole matrix.
          const lo = r < rows ? r * cols : 0;
          const hi = r < rows ? lo + cols : rows * cols;
          let want = 0;
          let scale = 0;
          for (let i = lo; i < hi; i++) {
            want += a[i];
            scale += Math.abs(a[i]);
          }
          const got = r < rows ? out[r] : k.sum_f32(pa, rows * cols);
          expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-5 * scale + 1e-30);
        }
        expectGuards(pout, rows);
      }),
      { numRuns: 100 },
    );
  });

  it("matmul_f32 matches a double-precision product", () => {
    fc.assert(
      fc.property(size, size, size, seed, (M, N, K, s) => checkMatmul(k, layout, M, N, K, s)),
      { numRuns: 40 },
    );
  });

  it("matmul_f32_rows writes exactly its row range", () => {
    fc.assert(
      fc.property(size, size, size, seed, fc.nat(), fc.nat(), (M, N, K, s, x, y) => {
        const r0 = Math.min(x % (M + 1), y % (M + 1));
        const r1 = Math.max(x % (M + 1), y % (M + 1));
        checkMatmul(k, layout, M, N, K, s, [r0, r1]);
      }),
      { numRuns: 40 },
    );
  });

  it("matmul crosses its K, N and M blocks", () => {
    // K > 256 and 512 (accumulation over K blocks), N > 512 and 1024 (B blocks), M > 64 (A blocks).
    checkMatmul(k, layout, 70, 530, 300, 1);
    checkMatmul(k, layout, 5, 1030, 513, 2);
    checkMatmul(k, layout, 131, 9, 600, 3);
    checkMatmul(k, layout, 131, 9, 600, 4, [61, 130]);
  });

  it("matmul with K = 0 writes zeros", () => {
    layout.reset();
    const pc = layout.alloc(15);
    view(pc, 15).fill(SENTINEL);
    const ps = layout.alloc(k.matmul_f32_scratch_bytes(3, 5, 0) / 4);
    k.matmul_f32(0, 0, pc, 3, 5, 0, ps);
    expect(Array.from(view(pc, 15))).toEqual(new Array(15).fill(0));
    expectGuards(pc, 15);
  });

  it("states its scratch size by the documented formula", () => {
    const up = (x: number, m: number) => Math.ceil(x / m) * m;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 5000 }),
        (M, N, K) => {
          const kc = Math.min(K, 256);
          const want = 4 * (kc * (up(Math.min(N, 512), 8) + up(Math.min(M, 64), 4)) + 32);
          expect(k.matmul_f32_scratch_bytes(M, N, K)).toBe(want);
        },
      ),
    );
    expect(k.matmul_f32_scratch_bytes(4096, 4096, 4096)).toBe(589_952);
  });
});

describe("loadWasmKernels", () => {
  it("picks relaxed SIMD exactly when the engine validates it", () => {
    // The smallest relaxed-SIMD module: one function computing relaxed_madd of three zero vectors.
    const zero = (): number[] => [0xfd, 0x0c, ...new Array<number>(16).fill(0)]; // v128.const 0
    const body = [0, ...zero(), ...zero(), ...zero(), 0xfd, 0x85, 0x02, 0x1a, 0x0b]; // madd, drop, end
    const header = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0];
    const code = [10, body.length + 2, 1, body.length, ...body];
    const relaxedOk = WebAssembly.validate(new Uint8Array([...header, ...code]));
    expect(wasmVariant()).toBe(relaxedOk ? "relaxed" : "simd");
  });

  it("rejects a memory that is not shared", () => {
    const plain = new WebAssembly.Memory({ initial: 1, maximum: 10 });
    expect(() => loadWasmKernels(plain)).toThrow(BackendError);
  });
});
