import { afterAll, describe, expect, it, vi } from "vitest";
import type { CpuBackend } from "../src/backend/cpu/cpu_backend.js";
import {
  defaultThreadCount,
  MIN_ROWS_PER_THREAD,
  rowRanges,
  SPLIT_MIN_WORK,
  ThreadPool,
  type ThreadPoolOptions,
} from "../src/backend/cpu/thread_pool.js";
import {
  loadWasmKernels,
  WASM_RESERVED_BYTES,
  wasmKernelsModule,
} from "../src/backend/cpu/wasm_kernels.js";
import { BackendError } from "../src/errors.js";
import * as mt from "../src/index.js";
import { Random } from "../src/random.js";

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
