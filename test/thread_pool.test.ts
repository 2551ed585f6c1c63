import { afterAll, describe, expect, it, vi } from "vitest";
import type { CpuBackend } from "../src/backend/cpu/cpu_backend.js";
import { type SimdZipOp, simdZips, type ZipForm } from "../src/backend/cpu/simd_table.js";
import {
  defaultThreadCount,
  ELEMENT_ALIGN,
  elementRanges,
  MIN_ROWS_PER_THREAD,
  reduceRowRanges,
  rowRanges,
  SPLIT_MIN_ELEMENTS,
  SPLIT_MIN_WORK,
} from "../src/backend/cpu/split_policy.js";
import { ThreadPool, type ThreadPoolOptions } from "../src/backend/cpu/thread_pool.js";
import {
  loadWasmKernels,
  WASM_RESERVED_BYTES,
  wasmKernelsModule,
} from "../src/backend/cpu/wasm_kernels.js";
import { BackendError } from "../src/errors.js";
import * as mt from "../src/index.js";
import { Random } from "../src/random.js";
import { foldOp, unfoldOp } from "../src/tensor/history_free_ops.js";

/**
 * The matmul thread pool against the single-threaded kernel: every row comes from the same kernel
 * with the same 4-row tiling, so results must match bit for bit (compared as Uint32 words). Pools
 * here run 3 threads (2 workers) even on a 2-core machine, so ranges of more than two threads are
 * exercised too; most split every product the rows allow (`minWork` 0).
 */

const PAGE = 65536;
const memory = new WebAssembly.Memory({ initial: 1024, maximum: 65536, shared: true });
const kernels = loadWasmKernels(memory);
const SCRATCH_BYTES = kernels.matmul_f32_scratch_bytes(1 << 20, 1 << 20, 1 << 20);
const SENTINEL = -12345.5;

/** Bump allocation above the reserved low 64 KiB; blocks are 64-byte aligned. */
let top = WASM_RESERVED_BYTES;
function allocate(bytes: number): number {
  const at = Math.ceil(top / 64) * 64;
  top = at + bytes;
  if (top > memory.buffer.byteLength)
    memory.grow(Math.ceil((top - memory.buffer.byteLength) / PAGE));
  return at;
}

const pools: ThreadPool[] = [];
function makePool(options: Partial<ThreadPoolOptions> = {}): ThreadPool {
  const pool = ThreadPool.create({
    module: wasmKernelsModule(),
    memory,
    threads: 3,
    scratchBytes: SCRATCH_BYTES,
    allocate,
    minWork: { hot: 0, cold: 0 },
    ...options,
  });
  if (pool === null) throw new Error("no thread pool");
  pools.push(pool);
  return pool;
}
afterAll(() => {
  for (const p of pools) p.close();
});

const callerScratch = allocate(SCRATCH_BYTES);
const pool = makePool();

function f32(ptr: number, n: number): Float32Array {
  return new Float32Array(memory.buffer, ptr, n);
}

function words(ptr: number, n: number): Uint32Array {
  return new Uint32Array(memory.buffer, ptr, n);
}

/** How A and B are stored: transposed or not (0/1), and padding past the width of their rows. */
interface Layouts {
  transA: number;
  transB: number;
  padA: number;
  padB: number;
}
const CONTIGUOUS: Layouts = { transA: 0, transB: 0, padA: 0, padB: 0 };

interface Operands {
  a: number;
  b: number;
  lda: number;
  ldb: number;
  one: number;
  many: number;
}

/**
 * Random A (m×k) and B (k×n), stored as `layouts` says (row-major, or transposed: the transpose
 * row-major; rows `ld` apart), and two C's (n + 16 guard floats each) in fresh blocks.
 */
function operands(
  m: number,
  n: number,
  k: number,
  seed: number,
  layouts: Layouts = CONTIGUOUS,
): Operands {
  const rng = new Random(seed);
  const lda = (layouts.transA ? m : k) + layouts.padA;
  const ldb = (layouts.transB ? k : n) + layouts.padB;
  const aCount = lda * (layouts.transA ? k : m);
  const bCount = ldb * (layouts.transB ? n : k);
  const a = allocate(4 * aCount);
  const b = allocate(4 * bCount);
  const one = allocate(4 * (m * n + 16));
  const many = allocate(4 * (m * n + 16));
  const A = f32(a, aCount);
  for (let i = 0; i < A.length; i++) A[i] = rng.normal();
  const B = f32(b, bCount);
  for (let i = 0; i < B.length; i++) B[i] = rng.normal();
  f32(one, m * n + 16).fill(SENTINEL);
  f32(many, m * n + 16).fill(SENTINEL);
  return { a, b, lda, ldb, one, many };
}

/** The pool's product equals the single-threaded kernel's bit for bit, and writes nothing past C. */
function expectSameAsOneThread(
  p: ThreadPool,
  m: number,
  n: number,
  k: number,
  seed: number,
  layouts: Layouts = CONTIGUOUS,
): void {
  const start = top;
  const { a, b, lda, ldb, one, many } = operands(m, n, k, seed, layouts);
  const { transA, transB } = layouts;
  kernels.matmul_f32(a, b, one, m, n, k, transA, transB, lda, ldb, callerScratch);
  p.matmul(kernels, a, b, many, m, n, k, transA, transB, lda, ldb, callerScratch);
  expect(words(many, m * n)).toEqual(words(one, m * n));
  for (const x of f32(many + 4 * m * n, 16)) expect(x).toBe(SENTINEL);
  top = start;
}

describe("rowRanges", () => {
  it("covers the rows in aligned ranges of at least 16 rows, one per thread at most", () => {
    for (let rows = 1; rows <= 300; rows++) {
      for (const threads of [1, 2, 3, 4, 8]) {
        const ranges = rowRanges(rows, threads);
        expect(ranges.length).toBe(
          Math.max(1, Math.min(threads, Math.floor(rows / MIN_ROWS_PER_THREAD))),
        );
        expect(ranges[0][0]).toBe(0);
        expect(ranges[ranges.length - 1][1]).toBe(rows);
        for (let i = 0; i < ranges.length; i++) {
          const [start, end] = ranges[i];
          if (i > 0) expect(start).toBe(ranges[i - 1][1]);
          expect(start % 4).toBe(0);
          if (ranges.length > 1) expect(end - start).toBeGreaterThanOrEqual(MIN_ROWS_PER_THREAD);
        }
      }
    }
  });
});

describe("ThreadPool.matmul", () => {
  it("starts threads − 1 workers", () => {
    expect(pool.threads).toBe(3);
    expect(pool.workers.length).toBe(2);
    expect(pool.usable).toBe(true);
  });

  it("equals the single-threaded kernel bit for bit, at odd and block-crossing sizes", () => {
    const shapes: [number, number, number][] = [
      [32, 32, 32],
      [33, 17, 9],
      [37, 45, 29],
      [48, 1, 1],
      [50, 3, 300],
      [97, 131, 67],
      [130, 513, 257],
      [203, 77, 190],
      [64, 64, 0],
    ];
    shapes.forEach(([m, n, k], i) => {
      expectSameAsOneThread(pool, m, n, k, 100 + i);
    });
  });

  it("equals it with operands transposed and rows padded, in every combination", () => {
    const shapes: [number, number, number][] = [
      [33, 17, 9],
      [97, 131, 67],
      [130, 513, 257],
    ];
    let seed = 200;
    for (const [m, n, k] of shapes) {
      for (const transA of [0, 1]) {
        for (const transB of [0, 1]) {
          expectSameAsOneThread(pool, m, n, k, seed++, { transA, transB, padA: 0, padB: 0 });
          expectSameAsOneThread(pool, m, n, k, seed++, { transA, transB, padA: 3, padB: 7 });
        }
      }
    }
  });

  it("equals it around and above the default thresholds, with the default policy", () => {
    const defaults = makePool({ minWork: undefined, threads: 2 });
    const cold = Math.ceil(Math.cbrt(SPLIT_MIN_WORK.cold));
    const hot = Math.ceil(Math.cbrt(SPLIT_MIN_WORK.hot));
    for (const s of [hot - 1, hot, hot + 3, cold - 1, cold, cold + 5, 256]) {
      expectSameAsOneThread(defaults, s, s, s, s);
    }
    expectSameAsOneThread(defaults, 600, 150, 70, 1);
  });

  it("survives many calls", () => {
    const start = top;
    const m = 64;
    const { a, b, one, many } = operands(m, 40, 48, 5);
    kernels.matmul_f32(a, b, one, m, 40, 48, 0, 0, 48, 40, callerScratch);
    for (let i = 0; i < 500; i++) {
      f32(many, m * 40).fill(0);
      pool.matmul(kernels, a, b, many, m, 40, 48, 0, 0, 48, 40, callerScratch);
      if (i % 50 === 0) expect(words(many, m * 40)).toEqual(words(one, m * 40));
    }
    expect(words(many, m * 40)).toEqual(words(one, m * 40));
    top = start;
    expectSameAsOneThread(pool, 100, 100, 100, 9);
  });

  it("sees memory the caller grew after the workers started", () => {
    const before = memory.buffer.byteLength;
    // Fresh blocks above the current end: the memory grows under the running workers.
    top = before;
    expectSameAsOneThread(pool, 128, 256, 200, 11);
    expect(memory.buffer.byteLength).toBeGreaterThan(before);
  });

  it("throws a BackendError when a worker's kernel traps, and stays usable", () => {
    const p = makePool({ threads: 2 });
    // 64 rows split 32 / 32: the caller's rows end exactly at the end of the memory, the worker's
    // lie past it, so only the worker's kernel traps.
    const n = 16;
    const end = memory.buffer.byteLength;
    const { a, b } = operands(64, n, n, 3);
    const c = end - 4 * n * 32;
    expect(() => p.matmul(kernels, a, b, c, 64, n, n, 0, 0, n, n, callerScratch)).toThrow(
      /matmul failed in worker 0: .*out of bounds/,
    );
    expect(p.usable).toBe(true);
    expectSameAsOneThread(p, 64, 64, 64, 4);
  });

  it("throws a BackendError, without hanging, when a worker stopped between calls", async () => {
    const p = makePool({ threads: 2 });
    expectSameAsOneThread(p, 64, 64, 64, 1);
    await p.workers[0].terminate();
    expect(p.usable).toBe(false);
    expect(() => expectSameAsOneThread(p, 64, 64, 64, 2)).toThrow(BackendError);
  });

  it("throws a BackendError, after its timeout, when a worker stops during a call", () => {
    const p = makePool({ threads: 2, timeout: { slackMs: 300, factor: 0 } });
    expectSameAsOneThread(p, 64, 64, 64, 1);
    // terminate() stops the worker's thread now, but its 'exit' event needs the event loop, which
    // this synchronous test never yields to: only the timeout can notice.
    void p.workers[0].terminate();
    const until = performance.now() + 100;
    while (performance.now() < until) {}
    const started = performance.now();
    expect(() => expectSameAsOneThread(p, 64, 64, 64, 2)).toThrow(/did not finish within 300 ms/);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(p.usable).toBe(false);
  });

  it("is not made for one thread or an unshared memory", () => {
    expect(
      ThreadPool.create({
        module: wasmKernelsModule(),
        memory,
        threads: 1,
        scratchBytes: SCRATCH_BYTES,
        allocate,
      }),
    ).toBeNull();
    expect(
      ThreadPool.create({
        module: wasmKernelsModule(),
        memory: new WebAssembly.Memory({ initial: 1 }),
        threads: 2,
        scratchBytes: SCRATCH_BYTES,
        allocate,
      }),
    ).toBeNull();
  });
});

describe("defaultThreadCount", () => {
  it("follows MINITORCH_THREADS, else the cores (at most 8)", () => {
    const saved = process.env.MINITORCH_THREADS;
    try {
      process.env.MINITORCH_THREADS = "1";
      expect(defaultThreadCount()).toBe(1);
      process.env.MINITORCH_THREADS = "3";
      expect(defaultThreadCount()).toBe(3);
      delete process.env.MINITORCH_THREADS;
      const cores = defaultThreadCount();
      expect(cores).toBeGreaterThanOrEqual(1);
      expect(cores).toBeLessThanOrEqual(8);
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      process.env.MINITORCH_THREADS = "two";
      expect(defaultThreadCount()).toBe(cores);
      expect(warn).toHaveBeenCalledOnce();
      warn.mockRestore();
    } finally {
      if (saved === undefined) delete process.env.MINITORCH_THREADS;
      else process.env.MINITORCH_THREADS = saved;
    }
  });
});

describe("matmul through the Tensor API on the cpu backend", () => {
  /** The same product by the single-threaded kernel, on a memory of its own, batch by batch. */
  function oneThread(
    a: Float32Array,
    b: Float32Array,
    batches: number,
    m: number,
    n: number,
    k: number,
    bBatched: boolean,
  ): Float32Array {
    const own = new WebAssembly.Memory({
      initial:
        Math.ceil((WASM_RESERVED_BYTES + 4 * (a.length + b.length + batches * m * n)) / PAGE) + 10,
      shared: true,
      maximum: 65536,
    });
    const k1 = loadWasmKernels(own);
    const pa = WASM_RESERVED_BYTES;
    const pb = pa + 4 * a.length;
    const pc = pb + 4 * b.length;
    const scratch = pc + 4 * batches * m * n;
    new Float32Array(own.buffer, pa, a.length).set(a);
    new Float32Array(own.buffer, pb, b.length).set(b);
    for (let t = 0; t < batches; t++) {
      const bOffset = bBatched ? t * k * n : 0;
      const [a, b, c] = [pa + 4 * t * m * k, pb + 4 * bOffset, pc + 4 * t * m * n];
      k1.matmul_f32(a, b, c, m, n, k, 0, 0, k, n, scratch);
    }
    return new Float32Array(own.buffer, pc, batches * m * n).slice();
  }

  function bits(x: ArrayLike<number>): Uint32Array {
    return new Uint32Array(Float32Array.from(x).buffer);
  }

  it("gives the single-threaded result bit for bit, batched and broadcast", async () => {
    const [batches, m, n, k] = [3, 161, 150, 140];
    const a = mt.randn([batches, m, k], { backend: "cpu", seed: 1 });
    const b = mt.randn([k, n], { backend: "cpu", seed: 2 });
    const c = a.matmul(b);
    expect(c.shape).toEqual([batches, m, n]);
    const want = oneThread(
      Float32Array.from(await a.data()),
      Float32Array.from(await b.data()),
      batches,
      m,
      n,
      k,
      false,
    );
    expect(bits(await c.data())).toEqual(bits(want));
    if (defaultThreadCount() > 1) {
      expect((c.backendImpl as CpuBackend).pool()).not.toBeNull();
    }
  });

  it("gives it for batched operands and a transposed one", async () => {
    const [batches, m, n, k] = [2, 150, 170, 130];
    const a = mt.randn([batches, m, k], { backend: "cpu", seed: 3 });
    const bt = mt.randn([batches, n, k], { backend: "cpu", seed: 4 });
    const c = a.matmul(bt.transpose(1, 2));
    const want = oneThread(
      Float32Array.from(await a.data()),
      Float32Array.from(await bt.transpose(1, 2).contiguous().data()),
      batches,
      m,
      n,
      k,
      true,
    );
    expect(bits(await c.data())).toEqual(bits(want));
  });

  it("gives it with both operands transposed views, read in place", async () => {
    const [batches, m, n, k] = [2, 140, 90, 160];
    const at = mt.randn([batches, k, m], { backend: "cpu", seed: 5 });
    const bt = mt.randn([n, k], { backend: "cpu", seed: 6 });
    const c = at.transpose(1, 2).matmul(bt.transpose(0, 1));
    const want = oneThread(
      Float32Array.from(await at.transpose(1, 2).contiguous().data()),
      Float32Array.from(await bt.transpose(0, 1).contiguous().data()),
      batches,
      m,
      n,
      k,
      false,
    );
    expect(bits(await c.data())).toEqual(bits(want));
  });
});

/**
 * Elementwise zips and sums split over the pool. Zips: every element comes from the same kernel,
 * so the pool's output equals the single-threaded kernel's bit for bit. Sums of one long run: the
 * pool adds per-thread float32 partial sums (each from `sum_f32`) in float64, which rounds
 * differently from one `sum_f32`; both must lie within 2^-18 · Σ|x| of the float64 sum (for these
 * sizes the worst-case bound of a 16-lane float32 sum is larger, but its typical error on random
 * data is far below: ~1e-8 · Σ|x| here). Row sums split by rows are bit for bit again.
 */
/**
 * Whether n float32 words at two pointers are identical, reporting the first difference: a deep
 * `toEqual` on million-element arrays takes minutes.
 */
function expectSameWords(actual: number, expected: number, n: number, label = ""): void {
  const x = new Uint32Array(memory.buffer, actual, n);
  const y = new Uint32Array(memory.buffer, expected, n);
  let first = -1;
  for (let i = 0; i < n; i++) {
    if (x[i] !== y[i]) {
      first = i;
      break;
    }
  }
  expect(first, `${label} first differing element`).toBe(-1);
}

const SUM_TOLERANCE = 2 ** -18;
const NO_THRESHOLD = { zip: { hot: 0, cold: 0 }, reduce: { hot: 0, cold: 0 } };
/** Every op with SIMD zip kernels (the table's keys). */
const ZIP_OPS = Object.keys(simdZips) as SimdZipOp[];
const FORMS: readonly ZipForm[] = ["zip", "scalar", "scalarFirst"];

function randomBlock(n: number, seed: number, shift = 0): number {
  const ptr = allocate(4 * n);
  const rng = new Random(seed);
  const v = f32(ptr, n);
  for (let i = 0; i < n; i++) v[i] = rng.normal() + shift;
  return ptr;
}

/** The float64 sum and Σ|x| of n float32 at ptr. */
function exactSum(ptr: number, n: number): { sum: number; abs: number } {
  let sum = 0;
  let abs = 0;
  for (const x of f32(ptr, n)) {
    sum += x;
    abs += Math.abs(x);
  }
  return { sum, abs };
}

describe("elementRanges", () => {
  it("covers n in 16-aligned ranges, one per thread at most", () => {
    for (const n of [0, 1, 15, 16, 31, 32, 33, 47, 48, 100, 1000, 4097, 65537]) {
      for (const threads of [1, 2, 3, 8]) {
        const ranges = elementRanges(n, threads);
        expect(ranges.length).toBe(Math.max(1, Math.min(threads, Math.floor(n / ELEMENT_ALIGN))));
        expect(ranges[0][0]).toBe(0);
        expect(ranges[ranges.length - 1][1]).toBe(n);
        for (let i = 1; i < ranges.length; i++) {
          expect(ranges[i][0]).toBe(ranges[i - 1][1]);
          expect(ranges[i][0] % ELEMENT_ALIGN).toBe(0);
          expect(ranges[i][0]).toBeGreaterThan(ranges[i - 1][0]);
        }
      }
    }
  });
});

describe("reduceRowRanges", () => {
  it("covers the rows in ranges of one row at least, one per thread at most", () => {
    for (let rows = 0; rows <= 40; rows++) {
      for (const threads of [1, 2, 3, 8]) {
        const ranges = reduceRowRanges(rows, threads);
        expect(ranges.length).toBe(Math.max(1, Math.min(threads, rows)));
        expect(ranges[0][0]).toBe(0);
        expect(ranges[ranges.length - 1][1]).toBe(rows);
        for (let i = 1; i < ranges.length; i++) {
          expect(ranges[i][0]).toBe(ranges[i - 1][1]);
          expect(ranges[i][1] - ranges[i][0]).toBeGreaterThanOrEqual(1);
          expect(
            Math.abs(ranges[i][1] - ranges[i][0] - (ranges[0][1] - ranges[0][0])),
          ).toBeLessThanOrEqual(1);
        }
      }
    }
  });
});

describe("ThreadPool elementwise", () => {
  const split = makePool({ minElements: NO_THRESHOLD });

  /** Pool zip (every op and form) equals its kernel on one thread bit for bit, nothing past n. */
  function expectZipsSame(p: ThreadPool, n: number, seed: number): void {
    const start = top;
    const a = randomBlock(n, seed);
    const b = randomBlock(n, seed + 1);
    const one = allocate(4 * (n + 16));
    const many = allocate(4 * (n + 16));
    const s = 1.2345678901;
    for (const op of ZIP_OPS) {
      for (const form of FORMS) {
        f32(one, n + 16).fill(SENTINEL);
        f32(many, n + 16).fill(SENTINEL);
        const second = form === "zip" ? b : s;
        kernels[simdZips[op][form]](a, second, one, n);
        p.zip(kernels, op, form, a, second, many, n);
        expectSameWords(many, one, n, `${op} ${form} n=${n}`);
        for (const x of f32(many + 4 * n, 16)) expect(x).toBe(SENTINEL);
      }
    }
    top = start;
  }

  it("zips equal the single-threaded kernels bit for bit at odd and small sizes", () => {
    [1, 15, 16, 31, 32, 33, 47, 100, 1001, 4099, 65537].forEach((n, i) => {
      expectZipsSame(split, n, 300 + i);
    });
  });

  it("zips equal them around and above the default thresholds, with the default policy", () => {
    const defaults = makePool({ threads: 2 });
    const { hot, cold } = SPLIT_MIN_ELEMENTS.zip;
    for (const n of [hot - 1, hot, hot + 5, cold - 1, cold, cold + 7, 2 * cold + 3]) {
      expectZipsSame(defaults, n, n);
      // Back to back: the workers are still spinning, so the hot threshold applies.
      expectZipsSame(defaults, n, n + 1);
    }
  });

  it("zips in place (out === a, out === b)", () => {
    const start = top;
    const n = 100_003;
    const a = randomBlock(n, 7);
    const b = randomBlock(n, 8);
    const want = allocate(4 * n);
    for (const op of ZIP_OPS) {
      const x = allocate(4 * n);
      f32(x, n).set(f32(a, n));
      kernels[simdZips[op].zip](a, b, want, n);
      split.zip(kernels, op, "zip", x, b, x, n);
      expectSameWords(x, want, n);
      f32(x, n).set(f32(b, n));
      split.zip(kernels, op, "zip", a, x, x, n);
      expectSameWords(x, want, n);
      f32(x, n).set(f32(a, n));
      kernels[simdZips[op].scalarFirst](a, 3, want, n);
      split.zip(kernels, op, "scalarFirst", x, 3, x, n);
      expectSameWords(x, want, n);
    }
    top = start;
  });

  it("sums within 2^-18 · Σ|x| of the float64 sum, split or not", () => {
    const defaults = makePool({ threads: 2 });
    const { hot, cold } = SPLIT_MIN_ELEMENTS.reduce;
    const sizes = [0, 1, 17, 33, 1000, 65537, hot - 1, hot, cold - 1, cold, cold + 9, 1 << 22];
    sizes.forEach((n, i) => {
      const start = top;
      for (const shift of [0, 1]) {
        const a = randomBlock(n, 400 + i, shift);
        const { sum, abs } = exactSum(a, n);
        for (const got of [kernels.sum_f32(a, n), split.reduce(kernels, "sum", a, n)]) {
          expect(Math.abs(got - sum)).toBeLessThanOrEqual(SUM_TOLERANCE * abs);
        }
        for (let r = 0; r < 2; r++) {
          expect(Math.abs(defaults.reduce(kernels, "sum", a, n) - sum)).toBeLessThanOrEqual(
            SUM_TOLERANCE * abs,
          );
        }
      }
      top = start;
    });
  });

  it("row sums equal the kernel bit for bit when split by rows, one row within tolerance", () => {
    const shapes: [number, number][] = [
      [2, 1000],
      [3, 17],
      [7, 4097],
      [1000, 3],
      [64, 1 << 15],
      [5, 0],
    ];
    shapes.forEach(([rows, cols], i) => {
      const start = top;
      const a = randomBlock(rows * cols, 500 + i);
      const one = allocate(4 * (rows + 16));
      const many = allocate(4 * (rows + 16));
      f32(many, rows + 16).fill(SENTINEL);
      kernels.sum_rows_f32(a, one, rows, cols);
      split.reduceRows(kernels, "sum", a, many, rows, cols);
      expectSameWords(many, one, rows);
      for (const x of f32(many + 4 * rows, 16)) expect(x).toBe(SENTINEL);
      top = start;
    });
    const n = 1_000_003;
    const a = randomBlock(n, 9);
    const out = allocate(4);
    split.reduceRows(kernels, "sum", a, out, 1, n);
    const { sum, abs } = exactSum(a, n);
    expect(Math.abs(f32(out, 1)[0] - sum)).toBeLessThanOrEqual(SUM_TOLERANCE * abs);
  });
});

describe("elementwise ops through the Tensor API on the cpu backend", () => {
  const n = 2 * SPLIT_MIN_ELEMENTS.zip.cold + 5;

  /** A Float32Array's values copied into a fresh block of the test memory. */
  function block(values: Float32Array): number {
    const ptr = allocate(4 * values.length);
    f32(ptr, values.length).set(values);
    return ptr;
  }

  it("zips large tensors bit for bit as the single-threaded kernels do", async () => {
    const start = top;
    const a = mt.randn([n], { backend: "cpu", seed: 11 });
    const b = mt.randn([n], { backend: "cpu", seed: 12 }).add(2);
    const [xa, xb] = [Float32Array.from(await a.data()), Float32Array.from(await b.data())];
    const [pa, pb, out] = [block(xa), block(xb), allocate(4 * n)];
    const cases: [mt.Tensor, (o: number) => void][] = [
      [a.add(b), (o) => kernels.add_f32(pa, pb, o, n)],
      [a.sub(b), (o) => kernels.sub_f32(pa, pb, o, n)],
      [a.mul(b), (o) => kernels.mul_f32(pa, pb, o, n)],
      [a.div(b), (o) => kernels.div_f32(pa, pb, o, n)],
      [a.mul(0.3), (o) => kernels.mul_scalar_f32(pa, 0.3, o, n)],
      [a.sub(0.7), (o) => kernels.sub_scalar_f32(pa, 0.7, o, n)],
      [mt.tensor(1.5, { backend: "cpu" }).div(b), (o) => kernels.rdiv_scalar_f32(pb, 1.5, o, n)],
      [mt.tensor(1.5, { backend: "cpu" }).sub(b), (o) => kernels.rsub_scalar_f32(pb, 1.5, o, n)],
    ];
    for (const [got, want] of cases) {
      want(out);
      const gotWords = new Uint32Array(Float32Array.from(await got.data()).buffer);
      const wantWords = words(out, n);
      expect(gotWords.findIndex((w, i) => w !== wantWords[i])).toBe(-1);
    }
    if (defaultThreadCount() > 1) {
      expect((a.backendImpl as CpuBackend).pool()).not.toBeNull();
    }
    top = start;
  });

  it("sums large tensors: rows bit for bit, all elements within tolerance", async () => {
    const start = top;
    const [rows, cols] = [64, 1 << 15];
    const a = mt.randn([rows, cols], { backend: "cpu", seed: 13 });
    const x = Float32Array.from(await a.data());
    const pa = block(x);
    const out = allocate(4 * rows);
    kernels.sum_rows_f32(pa, out, rows, cols);
    const got = Float32Array.from(await a.sum(1).data());
    expect(new Uint32Array(got.buffer)).toEqual(words(out, rows));
    const total = (await a.sum().data())[0];
    const { sum, abs } = exactSum(pa, rows * cols);
    expect(Math.abs(total - sum)).toBeLessThanOrEqual(SUM_TOLERANCE * abs);
    top = start;
  });
});

/*
 * max and min across a middle dim run as one SIMD maximum/minimum pass per slice (max pooling
 * reduces its windows this way): bit for bit the reference backend's left fold, NaN and ±0 too.
 */
describe("max and min across a middle dim on the cpu backend", () => {
  const special = [Number.NaN, -0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

  it("match the reference backend bit for bit, with NaN, ±0 and infinities in the data", async () => {
    const rng = new Random(5);
    for (const shape of [
      [2, 5, 37],
      [1, 4, 16],
      [3, 1, 9],
      [2, 3, 2, 5],
    ]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: n }, () =>
        rng.next() < 0.25 ? special[rng.int(special.length)] : Math.fround(rng.uniform(-2, 2)),
      );
      for (const op of ["amax", "amin"] as const) {
        const on = (backend: mt.BackendName) =>
          mt.tensor(values, { backend, dtype: "float32" }).reshape(shape)[op](1, true);
        const got = Array.from(await on("cpu").data());
        const want = Array.from(await on("reference").data());
        const i = want.findIndex((w, k) => !Object.is(got[k], w));
        expect(i, `${op} over dim 1 of [${shape}]: at ${i} got ${got[i]}, want ${want[i]}`).toBe(
          -1,
        );
      }
    }
  });
});

/*
 * unfold and fold of float32 run as WebAssembly (assembly/conv.ts) on the cpu backend: the same
 * columns as the reference backend's loops for any geometry and any input layout, and the same
 * image from columns in any layout (sums of overlaps within float32 rounding).
 */
describe("im2col and col2im on the cpu backend", () => {
  const geometries = [
    { kh: 3, kw: 2, sh: 1, sw: 1, ph: 0, pw: 0 },
    { kh: 3, kw: 3, sh: 2, sw: 1, ph: 1, pw: 2 },
    { kh: 2, kw: 3, sh: 1, sw: 2, ph: 2, pw: 1, dh: 2, dw: 1 },
    { kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0 },
  ];
  const values = (n: number, seed: number) => {
    const rng = new Random(seed);
    return Array.from({ length: n }, () => Math.fround(rng.uniform(-1, 1)));
  };

  it("unfolds contiguous and permuted images exactly as the reference backend", async () => {
    const v = values(2 * 3 * 7 * 6, 1);
    for (const g of geometries) {
      for (const permuted of [false, true]) {
        const image = (backend: mt.BackendName) =>
          permuted
            ? mt.tensor(v, { backend }).reshape([2, 7, 3, 6]).permute(0, 2, 1, 3)
            : mt.tensor(v, { backend }).reshape([2, 3, 7, 6]);
        const got = Array.from(await unfoldOp(image("cpu"), g).data());
        const want = Array.from(await unfoldOp(image("reference"), g).data());
        expect(got, `unfold ${JSON.stringify(g)}${permuted ? " of a permuted image" : ""}`).toEqual(
          want,
        );
      }
    }
  });

  it("folds contiguous and transposed columns as the reference backend", async () => {
    const shape = [2, 3, 7, 6];
    for (const g of geometries) {
      const probe = unfoldOp(mt.zeros(shape, { backend: "reference" }), g);
      const [n, rows, cols] = probe.shape;
      const v = values(n * rows * cols, 2);
      for (const transposed of [false, true]) {
        const columns = (backend: mt.BackendName) =>
          transposed
            ? mt.tensor(v, { backend }).reshape([n, cols, rows]).transpose(1, 2)
            : mt.tensor(v, { backend }).reshape([n, rows, cols]);
        const got = Array.from(await foldOp(columns("cpu"), g, shape).data());
        const want = Array.from(await foldOp(columns("reference"), g, shape).data());
        const i = want.findIndex((w, k) => Math.abs(got[k] - w) > 1e-6);
        expect(
          i,
          `fold ${JSON.stringify(g)}${transposed ? " of transposed columns" : ""} at ${i}: got ${got[i]}, want ${want[i]}`,
        ).toBe(-1);
      }
    }
  });
});
