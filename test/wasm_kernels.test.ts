import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ELEMENTWISE_KERNELS,
  type SimdCompareOp,
  type SimdZipOp,
  simdCompares,
  simdZips,
} from "../src/backend/cpu/simd_table.js";
import {
  instantiateWasmKernels,
  loadWasmKernels,
  WASM_RESERVED_BYTES,
  type WasmKernels,
  type WasmVariant,
  wasmKernelsModule,
  wasmVariant,
} from "../src/backend/cpu/wasm_kernels.js";
import { Random } from "../src/random.js";
import { binaryOps } from "../src/strided/ops.js";

/**
 * The WebAssembly kernels against plain JS written here: elementwise results must match exactly
 * (IEEE f32 arithmetic rounds once, and a double result rounded to f32 is the same number), sums
 * and matmul within a rounding tolerance. Sizes straddle the SIMD widths (4, 16) and the matmul
 * tile (4×8) and blocks (K 256, N 512, M 64). Guard bytes around every output and around matmul's
 * scratch catch writes out of bounds. Matmul operands come in all four layouts (A and B each
 * row-major or stored transposed, with leading dimensions up to a few elements past the width):
 * the gaps between their rows hold NaN, so a kernel that reads anything but the operand's own
 * elements gets a NaN into C.
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

const edgeSizes = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65];
const size = fc.oneof(fc.constantFrom(...edgeSizes), fc.integer({ min: 1, max: 200 }));
/** A product's sizes [M, N, K]: C (M×N) = A (M×K) · B (K×N). */
const mnk = fc.tuple(size, size, size);
const length = fc.oneof(fc.constantFrom(0, ...edgeSizes), fc.integer({ min: 0, max: 1000 }));
const seed = fc.integer({ min: 0, max: 2 ** 31 });
// Offsets are 16-byte aligned, or off by 4/8/12 bytes: no kernel requires alignment.
const misalign = fc.constantFrom(0, 0, 4, 8, 12);

/**
 * Every kernel of the SIMD table's binary rows, with what it must compute: the op table's `fn` of
 * its operands, in the order the form gives them (s ∘ a[i] for "scalarFirst").
 */
const zipKernels = (Object.keys(simdZips) as SimdZipOp[]).flatMap((op) =>
  (["zip", "scalar", "scalarFirst"] as const).map((form) => ({
    name: `${op} ${form} (${simdZips[op][form]})`,
    kernel: simdZips[op][form],
    form,
    fn: binaryOps[op].fn,
  })),
);
const pointerKernels = zipKernels.filter((z) => z.form === "zip");
const scalarKernels = zipKernels.filter((z) => z.form !== "zip");

/** How one matmul operand is stored: transposed or not, and how far its leading dimension pads. */
interface OperandStorage {
  trans: boolean;
  /** ld − (the stored matrix's row width), ≥ 0. */
  pad: number;
}
const contiguous: OperandStorage = { trans: false, pad: 0 };

/** An operand written into memory: the kernel's arguments and its values, logical row-major. */
interface Operand {
  ptr: number;
  ld: number;
  trans: 0 | 1;
  values: Float32Array;
  /** f32 from ptr that the storage spans (guards sit either side). */
  span: number;
}

/**
 * A rows×cols operand with values from `seed`, stored as `layout` says: row-major with rows ld
 * apart, or transposed (its transpose row-major, ld apart). The padding between stored rows is NaN.
 */
function writeOperand(
  layout: Layout,
  rows: number,
  cols: number,
  { trans, pad }: OperandStorage,
  seed: number,
  off = 0,
): Operand {
  const [outer, inner] = trans ? [cols, rows] : [rows, cols];
  const ld = inner + pad;
  const span = outer === 0 ? 0 : (outer - 1) * ld + inner;
  const ptr = layout.alloc(span, off);
  view(ptr, span).fill(Number.NaN);
  const rng = new Random(seed);
  const values = new Float32Array(rows * cols);
  const stored = view(ptr, span);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = Math.fround(rng.uniform(-1, 1));
      values[r * cols + c] = v;
      stored[trans ? c * ld + r : r * ld + c] = v;
    }
  }
  return { ptr, ld, trans: trans ? 1 : 0, values, span };
}

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

interface MatmulCase {
  /** Rows [r0, r1) via matmul_f32_rows, else the whole of C via matmul_f32. */
  rows?: readonly [number, number];
  a?: OperandStorage;
  b?: OperandStorage;
  /** Misalignment of A's and B's storage, in bytes. */
  off?: number;
}

/** Runs one matmul case and checks it; returns C's words (Uint32, a copy) for bitwise comparisons. */
function checkMatmul(
  k: WasmKernels,
  layout: Layout,
  M: number,
  N: number,
  K: number,
  s: number,
  { rows, a: la = contiguous, b: lb = contiguous, off = 0 }: MatmulCase = {},
): Uint32Array {
  layout.reset();
  const A = writeOperand(layout, M, K, la, s, off);
  const B = writeOperand(layout, K, N, lb, s + 7, off);
  const pc = layout.alloc(M * N);
  const scratchBytes = k.matmul_f32_scratch_bytes(M, N, K);
  expect(scratchBytes % 4).toBe(0);
  const ps = layout.alloc(scratchBytes / 4);
  view(pc, M * N).fill(SENTINEL);
  const [r0, r1] = rows ?? [0, M];
  const how = `M=${M} N=${N} K=${K} transA=${A.trans} lda=${A.ld} transB=${B.trans} ldb=${B.ld}`;
  if (rows === undefined) {
    k.matmul_f32(A.ptr, B.ptr, pc, M, N, K, A.trans, B.trans, A.ld, B.ld, ps);
  } else {
    k.matmul_f32_rows(A.ptr, B.ptr, pc, M, N, K, A.trans, B.trans, A.ld, B.ld, r0, r1, ps);
  }

  const { sum, scale } = referenceMatmul(A.values, B.values, M, N, K, r0, r1);
  const c = view(pc, M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      const at = i * N + j;
      if (i < r0 || i >= r1) {
        if (c[at] !== SENTINEL)
          expect.fail(`C[${i}][${j}] outside rows [${r0}, ${r1}) was written (${how})`);
        continue;
      }
      const want = Math.fround(sum[at]);
      if (!(Math.abs(c[at] - want) <= 1e-4 * scale[at] + 1e-30)) {
        expect.fail(`C[${i}][${j}] = ${c[at]}, want ${want} (${how})`);
      }
    }
  }
  expectGuards(A.ptr, A.span);
  expectGuards(B.ptr, B.span);
  expectGuards(pc, M * N);
  expectGuards(ps, scratchBytes / 4);
  return new Uint32Array(memory.buffer, pc, M * N).slice();
}

/** One operand's layout: either orientation, the leading dimension often padded. */
const operandLayout = fc.record({
  trans: fc.boolean(),
  pad: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9 })),
});
/** The four (transA, transB) combinations, each with an unpadded and a padded example. */
const allLayouts: [OperandStorage, OperandStorage][] = [false, true].flatMap((ta) =>
  [false, true].flatMap((tb) => [
    [
      { trans: ta, pad: 0 },
      { trans: tb, pad: 0 },
    ],
    [
      { trans: ta, pad: 3 },
      { trans: tb, pad: 5 },
    ],
  ]),
) as [OperandStorage, OperandStorage][];

describe.each(variants)("wasm kernels (%s)", (variant) => {
  const k = loadWasmKernels(memory, variant);
  const layout = new Layout();

  it("exports exactly matmul's and im2col/col2im's kernels and those the SIMD table names", () => {
    const exported = WebAssembly.Module.exports(wasmKernelsModule(variant))
      .filter((e) => e.kind === "function")
      .map((e) => e.name);
    const named = [
      "matmul_f32",
      "matmul_f32_rows",
      "matmul_f32_scratch_bytes",
      "unfold_f32",
      "fold_f32",
    ];
    expect(exported.sort()).toEqual([...named, ...ELEMENTWISE_KERNELS].sort());
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

  it("compares runs into bool bytes as the op table does, NaN and ±0 included, writing n bytes", () => {
    const forms = ["zip", "scalar", "scalarFirst"] as const;
    const rows = (Object.keys(simdCompares) as SimdCompareOp[]).flatMap((op) =>
      forms.map((form) => ({ op, form, kernel: simdCompares[op][form], fn: binaryOps[op].fn })),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...rows),
        length,
        seed,
        misalign,
        fc.constantFrom(0, -0, 1, -1, Infinity, Number.NaN, 0.5),
        ({ op, form, kernel, fn }, n, s, off, sv) => {
          layout.reset();
          const pa = layout.alloc(n, off);
          const second = form === "zip" ? layout.alloc(n) : sv;
          const a = Array.from(fillSpecial(pa, n, s));
          // b repeats some of a, so equal pairs (and NaN pairs) are common.
          const b =
            form === "zip"
              ? Array.from(fillSpecial(second, n, s + 1)).map((v, i) => (i % 3 === 0 ? a[i] : v))
              : new Array<number>(n).fill(Math.fround(sv));
          if (form === "zip") view(second, n).set(b);
          // Bytes after the n written must stay as they are; any byte offset will do for out.
          const pout = layout.alloc(Math.ceil((n + 20) / 4)) + (s % 4);
          const bytes = new Uint8Array(memory.buffer, pout, n + 16);
          bytes.fill(7);
          k[kernel](pa, second, pout, n);
          const want = a.map((x, i) => (form === "scalarFirst" ? fn(b[i], x) : fn(x, b[i])));
          const i = want.findIndex((w, j) => bytes[j] !== w);
          expect(
            i,
            `${op} ${form}: at ${i} of ${a[i]}, ${b[i]} got ${bytes[i]}, want ${want[i]}`,
          ).toBe(-1);
          expect(Array.from(bytes.subarray(n)), `${op} ${form}: bytes past n`).toEqual(
            new Array(16).fill(7),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

/**
 * The elementwise and sum kernels (assembly/elementwise.ts, assembly/reduce.ts), and the matmul
 * kernel (assembly/matmul.ts and the micro-kernel it runs), each in a block of its own: the course
 * (src/course/modules/m3_fast.ts) names these blocks as the tests of the tasks that write them.
 */
describe("wasm elementwise and sum kernels", () => {
  describe.each(variants)("%s build", (variant) => {
    const k = loadWasmKernels(memory, variant);
    const layout = new Layout();

    // Small integers first: every length through the 16-wide body, the 4-wide steps and the tail.
    it("adds and sums runs of 0 to 40 small integers exactly", () => {
      for (let n = 0; n <= 40; n++) {
        layout.reset();
        const pa = layout.alloc(n);
        const pb = layout.alloc(n);
        const pout = layout.alloc(n);
        const a = Array.from({ length: n }, (_, i) => i + 1);
        const b = Array.from({ length: n }, (_, i) => (i % 5) - 2);
        view(pa, n).set(a);
        view(pb, n).set(b);
        k.add_f32(pa, pb, pout, n);
        expect(Array.from(view(pout, n)), `add_f32, n = ${n}`).toEqual(a.map((x, i) => x + b[i]));
        expectGuards(pout, n);
        expect(k.sum_f32(pa, n), `sum_f32 of 1…${n}`).toBe((n * (n + 1)) / 2);
      }
    });

    it.each([
      ["a ∘ b", pointerKernels],
      ["a ∘ s and s ∘ a", scalarKernels],
    ])("computes elementwise %s exactly, in place too", (_, kernels) => {
      fc.assert(
        fc.property(
          fc.constantFrom(...kernels),
          length,
          seed,
          misalign,
          fc.boolean(),
          fc.constantFrom(0, -0, 1, -2.5, 0.1, Infinity, Number.NaN),
          ({ name, kernel, form, fn }, n, s, off, inPlace, sv) => {
            layout.reset();
            const pa = layout.alloc(n, off);
            // The second operand: an array b (its pointer), or the scalar, read as f32 at every i.
            const second = form === "zip" ? layout.alloc(n) : sv;
            const pout = inPlace ? pa : layout.alloc(n, (16 - off) % 16);
            const a = Array.from(fillSpecial(pa, n, s));
            const b =
              form === "zip"
                ? Array.from(fillSpecial(second, n, s + 1))
                : new Array<number>(n).fill(Math.fround(sv));
            const want = a.map((x, i) =>
              Math.fround(form === "scalarFirst" ? fn(b[i], x) : fn(x, b[i])),
            );
            k[kernel](pa, second, pout, n);
            expect(firstMismatch(view(pout, n), want), name).toBeUndefined();
            expectGuards(pout, n);
          },
        ),
        { numRuns: 120 },
      );
    });

    it("sums a run and each row of a matrix", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 40 }),
          length,
          seed,
          misalign,
          (rows, cols, s, off) => {
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
          },
        ),
        { numRuns: 100 },
      );
    });
  });
});

describe("wasm matmul kernel", () => {
  describe.each(variants)("%s build", (variant) => {
    const k = loadWasmKernels(memory, variant);
    const layout = new Layout();

    // Small integers first, exact in f32: one 4×8 micro-tile, the same over two K blocks (the
    // second added onto the first), and a 5×9 product whose edge tiles go through the scratch tile.
    it("multiplies small integer matrices exactly: one 4×8 tile, two K blocks, edge tiles", () => {
      for (const [M, N, K] of [
        [4, 8, 3],
        [4, 8, 300],
        [5, 9, 2],
      ]) {
        layout.reset();
        const a = Array.from({ length: M * K }, (_, i) => (i % 5) - 2);
        const b = Array.from({ length: K * N }, (_, i) => (i % 7) - 3);
        const pa = layout.alloc(M * K);
        const pb = layout.alloc(K * N);
        const pc = layout.alloc(M * N);
        const ps = layout.alloc(k.matmul_f32_scratch_bytes(M, N, K) / 4);
        view(pa, M * K).set(a);
        view(pb, K * N).set(b);
        k.matmul_f32(pa, pb, pc, M, N, K, 0, 0, K, N, ps);
        const want = new Array<number>(M * N).fill(0);
        for (let i = 0; i < M; i++) {
          for (let j = 0; j < N; j++) {
            for (let p = 0; p < K; p++) want[i * N + j] += a[i * K + p] * b[p * N + j];
          }
        }
        expect(Array.from(view(pc, M * N)), `${M}×${K} · ${K}×${N}`).toEqual(want);
        expectGuards(pc, M * N);
      }
    });

    it("matmul_f32 matches a double-precision product", () => {
      fc.assert(
        fc.property(mnk, seed, ([M, N, K], s) => {
          checkMatmul(k, layout, M, N, K, s);
        }),
        { numRuns: 40 },
      );
    });

    it("matmul_f32 reads A and B row-major or transposed, with any leading dimension", () => {
      fc.assert(
        fc.property(
          mnk,
          seed,
          operandLayout,
          operandLayout,
          misalign,
          ([M, N, K], s, a, b, off) => {
            checkMatmul(k, layout, M, N, K, s, { a, b, off });
          },
        ),
        { numRuns: 120 },
      );
    });

    it("matmul_f32 gives the same bits for every operand layout", () => {
      // The packed panels hold the same values whichever layout they come from, so C must too.
      for (const [M, N, K] of [
        [1, 1, 1],
        [7, 9, 8],
        [17, 63, 5],
        [65, 15, 300],
        [64, 530, 16],
      ]) {
        const want = checkMatmul(k, layout, M, N, K, 42);
        for (const [a, b] of allLayouts) {
          expect(checkMatmul(k, layout, M, N, K, 42, { a, b })).toEqual(want);
        }
      }
    });

    it("matmul_f32_rows writes exactly its row range", () => {
      fc.assert(
        fc.property(
          mnk,
          seed,
          fc.nat(),
          fc.nat(),
          operandLayout,
          operandLayout,
          ([M, N, K], s, x, y, a, b) => {
            const r0 = Math.min(x % (M + 1), y % (M + 1));
            const r1 = Math.max(x % (M + 1), y % (M + 1));
            checkMatmul(k, layout, M, N, K, s, { rows: [r0, r1], a, b });
          },
        ),
        { numRuns: 80 },
      );
    });

    it("matmul crosses its K, N and M blocks, in every layout", () => {
      // K > 256 and 512 (accumulation over K blocks), N > 512 and 1024 (B blocks), M > 64 (A blocks).
      for (const [a, b] of allLayouts) {
        checkMatmul(k, layout, 70, 530, 300, 1, { a, b });
        checkMatmul(k, layout, 5, 1030, 513, 2, { a, b });
        checkMatmul(k, layout, 131, 9, 600, 3, { a, b });
        checkMatmul(k, layout, 131, 9, 600, 4, { rows: [61, 130], a, b });
      }
    });

    it("matmul reads a repeated row or column through a leading dimension of 0", () => {
      layout.reset();
      const [M, N, K] = [9, 11, 6];
      const pa = layout.alloc(K);
      const pb = layout.alloc(K);
      const row = fill(pa, K, 5); // A: 9 copies of one row (lda 0)
      const col = fill(pb, K, 6); // B: 11 copies of one column (stored as Bᵀ, ldb 0)
      const pc = layout.alloc(M * N);
      const ps = layout.alloc(k.matmul_f32_scratch_bytes(M, N, K) / 4);
      k.matmul_f32(pa, pb, pc, M, N, K, 0, 1, 0, 0, ps);
      let dot = 0;
      for (let p = 0; p < K; p++) dot += row[p] * col[p];
      for (const x of view(pc, M * N)) expect(x).toBeCloseTo(dot, 5);
      // One row of it, A now stored transposed: Aᵀ is K×1, its rows 1 f32 apart.
      k.matmul_f32(pa, pb, pc, 1, N, K, 1, 1, 1, 0, ps);
      for (const x of view(pc, N)) expect(x).toBeCloseTo(dot, 5);
    });

    it("matmul with K = 0 writes zeros", () => {
      layout.reset();
      const pc = layout.alloc(15);
      view(pc, 15).fill(SENTINEL);
      const ps = layout.alloc(k.matmul_f32_scratch_bytes(3, 5, 0) / 4);
      k.matmul_f32(0, 0, pc, 3, 5, 0, 0, 0, 0, 5, ps);
      view(pc, 15).fill(SENTINEL);
      k.matmul_f32_rows(0, 0, pc, 3, 5, 0, 1, 1, 3, 0, 0, 3, ps);
      expect(Array.from(view(pc, 15))).toEqual(new Array(15).fill(0));
      expectGuards(pc, 15);
    });
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

  it("runs the unshared build on a plain memory (a page that is not cross-origin isolated)", () => {
    const plain = new WebAssembly.Memory({ initial: 2, maximum: 10 });
    const k = loadWasmKernels(plain);
    const f = new Float32Array(plain.buffer);
    const base = WASM_RESERVED_BYTES / 4;
    f.set([1, 2, 3, 4, 5, 6], base); // A = [[1, 2], [3, 4]], then b = [5, 6]
    k.add_f32(4 * base, 4 * base + 8, 4 * (base + 8), 2); // [1+3, 2+4]
    expect(Array.from(f.subarray(base + 8, base + 10))).toEqual([4, 6]);
    k.matmul_f32(4 * base, 4 * (base + 4), 4 * (base + 16), 2, 1, 2, 0, 0, 2, 1, 4 * (base + 64));
    expect(Array.from(f.subarray(base + 16, base + 18))).toEqual([17, 39]);
  });

  it("says which memory a build needs when it cannot link", () => {
    const plain = new WebAssembly.Memory({ initial: 1, maximum: 10 });
    expect(() => instantiateWasmKernels(wasmKernelsModule(undefined, true), plain)).toThrow(
      /do not link to this unshared memory/,
    );
  });
});
