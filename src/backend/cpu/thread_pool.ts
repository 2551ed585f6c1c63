/**
 * Worker threads that share the cpu backend's WebAssembly.Memory and split a float32 matmul by
 * rows, and large float32 elementwise zips and sums by 16-aligned element (or row) ranges,
 * synchronously: the caller hands out ranges, computes its own range meanwhile, and returns once
 * every range is written.
 *
 * Dispatch goes through a small control block (an Int32Array over its own SharedArrayBuffer), not
 * through postMessage, so a task costs a few atomic stores and one futex wake per worker:
 *
 *   slot                     written by   meaning
 *   PENDING                  both         workers still running the current task
 *   FAILED                   worker       1 + index of the first worker whose kernel threw, else 0
 *   MESSAGE_LENGTH           worker       bytes of its error message (UTF-8, after the slots)
 *   TASK                     caller       the kernel to run (`Task`: matmul, zip, scalar zip,
 *                                         sum, row sums)
 *   A, B, C, M, N, K         caller       the task: byte pointers (as u32) and sizes (row sums:
 *                                         N columns)
 *   OP, SCALAR               caller       zips: which op (`ZIP_CODES`, 4/5 reversed sub/div),
 *                                         and the scalar (a float64 over two slots)
 *   TRANS_A, TRANS_B,        caller       operand layouts: transposed (0/1) and leading
 *     LDA, LDB                            dimensions, as `matmul_f32_rows` takes them
 *   per worker w, at WORKERS + w·SLOT:
 *     GENERATION             caller       bumped to give worker w a task; it Atomics.waits on it
 *     ROW_START, ROW_END     caller       worker w's rows of C (elementwise: its elements,
 *                                         row sums: its rows)
 *     DEAD                   both         the worker stopped (it cannot start, or it exited)
 *     RESULT                 worker       its partial sum (float32 bits) of a sum task
 *
 * The caller writes the task, sets PENDING, then for each worker stores its range, bumps its
 * GENERATION and notifies; each worker runs the task's kernel on its range, decrements PENDING and
 * notifies when it reaches 0. Atomics are sequentially consistent, so the plain argument stores
 * before a GENERATION bump are visible to a worker that sees the bump, and the worker's writes to C
 * are visible to the caller once it sees PENDING reach 0.
 *
 * Workers run a self-contained JS string (`new Worker(source, { eval: true })`), so nothing has to
 * resolve a worker file from `src/` (Vitest) or `dist/`. Each gets the compiled module, the memory,
 * the control block and its own scratch block (allocated by the backend: workers allocate nothing)
 * in `workerData`, and instantiates the kernels there. Workers are unref()'d: one idle in
 * Atomics.wait does not keep the process alive.
 */

import * as nodeModule from "node:module";
import type { Worker } from "node:worker_threads";
import { BackendError } from "../../errors.js";
import type { WasmKernels } from "./wasm_kernels.js";
import { type SimdOp, simdZip, simdZipScalar } from "./wasm_paths.js";

/** Control block slots (Int32 indices). */
const PENDING = 0;
const FAILED = 1;
const MESSAGE_LENGTH = 2;
const A = 4;
const B = 5;
const C = 6;
const M = 7;
const N = 8;
const K = 9;
const TRANS_A = 10;
const TRANS_B = 11;
const LDA = 12;
const LDB = 13;
/** Which kernel the task runs (a `Task`), and for elementwise tasks the op within it. */
const TASK = 3;
const OP = 14;
/** Scalar operand of a scalar zip, as a float64 over slots 16–17 (Float64Array index 8). */
const SCALAR = 16;
/** First per-worker slot group, and the slots in each group. */
const WORKERS = 20;
const SLOT = 5;
const GENERATION = 0;
const ROW_START = 1;
const ROW_END = 2;
const DEAD = 3;
/** A worker's partial sum (as a float32) of a `Task.Sum`. */
const RESULT = 4;

/** OP codes of the zips (scalar forms: sub and div reversed are 4 and 5). */
const ZIP_CODES: Record<SimdOp, number> = { add: 0, sub: 1, mul: 2, div: 3 };

/** Task kinds in the TASK slot. */
enum Task {
  /** `matmul_f32_rows` over rows [ROW_START, ROW_END). */
  Matmul = 0,
  /** Zip OP (0 add, 1 sub, 2 mul, 3 div) over elements [ROW_START, ROW_END) of A, B into C. */
  Zip = 1,
  /** Scalar zip OP (… 4 rsub, 5 rdiv) of A and SCALAR over elements [ROW_START, ROW_END) into C. */
  ZipScalar = 2,
  /** `sum_f32` over elements [ROW_START, ROW_END) of A into RESULT. */
  Sum = 3,
  /** `sum_rows_f32` over rows [ROW_START, ROW_END) of A (N columns) into C. */
  SumRows = 4,
}
/** Room for one worker's error message (UTF-8), after the per-worker slots. */
const MESSAGE_BYTES = 1024;

/** Most threads a pool runs (the caller included), whatever MINITORCH_THREADS says. */
export const MAX_THREADS = 64;
/** Default cap on the thread count, whatever the cores: the rest are left to the rest of the program. */
const DEFAULT_MAX_THREADS = 8;

/**
 * Smallest M·N·K split across threads, by whether the workers are still spinning after their last
 * task ("hot") or asleep in Atomics.wait ("cold": waking one costs 40–70 µs on the 2-core
 * development VM). Measured there with `node bench/matmul_threads.mjs --threshold` (Node 20, plain
 * SIMD kernels, 2 threads, three runs; the VM is noisy, so each crossover moved by a size step):
 * - hot, calls back to back: 2 threads beat 1 from 48³–64³ (0.8× at 32³; 1.1–1.8× at 64³, and at
 *   the skinny 256×32×32, 32×96×96, 128×64×32);
 * - cold, 2 ms of other work before each call: from 112³–160³ (0.7–0.9× at 2.1 M, 1.05–1.5× at
 *   4.1 M; skinny shapes of 4.2 M: 0.9–1.3×).
 * The thresholds sit at 64³ and about 146³; both need M ≥ 32 (two ranges of 16 rows).
 */
export interface SplitThresholds {
  hot: number;
  cold: number;
}
export const SPLIT_MIN_WORK: Readonly<SplitThresholds> = { hot: 1 << 18, cold: 3 << 20 };
/** Fewest rows one thread takes: below it, each thread packing its own copy of B dominates. */
export const MIN_ROWS_PER_THREAD = 16;
/**
 * Row ranges start on multiples of the micro-kernel's 4-row tile, so every range is tiled exactly as
 * the single-threaded product is (full tiles, no edge-tile copies in mid-matrix).
 */
const ROW_ALIGN = 4;
/**
 * Elementwise ranges start on multiples of 16 elements (64 bytes: one iteration of the kernels'
 * unrolled loop), so each range runs the kernels' full-width loop and only the last has a tail.
 */
export const ELEMENT_ALIGN = 16;

/**
 * Smallest float32 element count split across threads, for same-shape and scalar zips (`zip`:
 * add, sub, mul, div) and for sums (`sum`: `sum_f32` / `sum_rows_f32`), hot and cold as for
 * matmul. Measured on the 2-core development VM with `node bench/elementwise_threads.mjs
 * --threshold` (Node 20, plain SIMD kernels, 2 threads, every call split, mean of three medians;
 * one run, noisy by about a size step):
 * - add, hot: 2 threads beat 1 from 16 Ki elements (0.92× at 12 Ki, 1.25× at 16 Ki, 1.2–2.1× above);
 * - add, cold (2 ms of other work before each call): 1.0× at 384 Ki–512 Ki, 1.4× from 768 Ki;
 * - sum, hot: 0.9–1.1× at 24 Ki–48 Ki, 1.5× from 64 Ki;
 * - sum, cold: 0.88× at 1 Mi, 1.2× from 1.5 Mi.
 * A cold call pays 30–60 µs to wake a worker, which a sum (one read stream, ~70 µs per Mi
 * elements on one thread) earns back only over about a million elements.
 */
export interface ElementThresholds {
  zip: SplitThresholds;
  sum: SplitThresholds;
}
export const SPLIT_MIN_ELEMENTS: Readonly<ElementThresholds> = {
  zip: { hot: 1 << 14, cold: 3 << 18 },
  sum: { hot: 1 << 16, cold: 3 << 19 },
};

/** Whether an elementwise task of n float32 could be split at all: the caller's cue to start the pool. */
export function mightSplitElements(kind: keyof ElementThresholds, n: number): boolean {
  return n >= 2 * ELEMENT_ALIGN && n >= SPLIT_MIN_ELEMENTS[kind].hot;
}

/**
 * Element ranges [start, end) of n for up to `threads` threads: as even as the 16-element
 * alignment allows, each starting on a multiple of 16 (the last also takes the n mod 16 leftover).
 * One range [0, n) when n < 32.
 */
export function elementRanges(n: number, threads: number): [number, number][] {
  const blocks = Math.floor(n / ELEMENT_ALIGN);
  const parts = Math.max(1, Math.min(threads, blocks));
  const ranges: [number, number][] = [];
  let start = 0;
  for (let p = 0; p < parts; p++) {
    const q = Math.floor(blocks / parts) + (p < blocks % parts ? 1 : 0);
    const end = p === parts - 1 ? n : start + q * ELEMENT_ALIGN;
    ranges.push([start, end]);
    start = end;
  }
  return ranges;
}

/** Row ranges for a row sum: as even as can be, one row at least each, up to `threads`. */
function sumRowRanges(rows: number, threads: number): [number, number][] {
  const parts = Math.max(1, Math.min(threads, rows));
  const ranges: [number, number][] = [];
  let start = 0;
  for (let p = 0; p < parts; p++) {
    const end = start + Math.floor(rows / parts) + (p < rows % parts ? 1 : 0);
    ranges.push([start, end]);
    start = end;
  }
  return ranges;
}
/** How long a worker spins for its next task before it sleeps in Atomics.wait. */
const WORKER_SPIN_MS = 0.5;
/** Workers count as hot this soon after the caller's last split product ended (margin for skew). */
const HOT_WINDOW_MS = 0.3;
/** How long the caller spins for the workers to finish before it sleeps in Atomics.wait. */
const CALLER_SPIN_MS = 1;

/**
 * Whether an M×K · K×N float32 product could be split at all (it may still run on one thread if
 * the workers are asleep): the caller's cue to start the pool.
 */
export function mightSplit(m: number, n: number, k: number): boolean {
  return m >= 2 * MIN_ROWS_PER_THREAD && m * n * k >= SPLIT_MIN_WORK.hot;
}

/**
 * Row ranges [start, end) of M rows for up to `threads` threads: as even as the 4-row alignment
 * allows, every range ≥ MIN_ROWS_PER_THREAD rows and starting on a multiple of 4 (the last range
 * also takes the M mod 4 leftover rows). Fewer ranges than threads when M is small; one range
 * [0, M) when it cannot be split.
 */
export function rowRanges(rows: number, threads: number): [number, number][] {
  const parts = Math.max(1, Math.min(threads, Math.floor(rows / MIN_ROWS_PER_THREAD)));
  const quads = Math.floor(rows / ROW_ALIGN);
  const ranges: [number, number][] = [];
  let start = 0;
  for (let p = 0; p < parts; p++) {
    const q = Math.floor(quads / parts) + (p < quads % parts ? 1 : 0);
    const end = p === parts - 1 ? rows : start + q * ROW_ALIGN;
    ranges.push([start, end]);
    start = end;
  }
  return ranges;
}

/** The `process` global where there is one (Node), typed loosely: a browser has none. */
function nodeProcess(): NodeJS.Process | undefined {
  const p = (globalThis as { process?: NodeJS.Process }).process;
  return p?.versions?.node === undefined ? undefined : p;
}

/**
 * A Node built-in module, loaded synchronously without a static import of it (which would break a
 * browser bundle): `process.getBuiltinModule` (Node ≥ 20.16), else `require` from `createRequire`
 * (older Node 20). Undefined outside Node.
 */
function builtin<T>(id: string): T | undefined {
  const proc = nodeProcess();
  if (proc === undefined) return undefined;
  if (typeof proc.getBuiltinModule === "function") return proc.getBuiltinModule(id) as T;
  const createRequire = (nodeModule as Partial<typeof nodeModule>).createRequire;
  return createRequire === undefined ? undefined : (createRequire(import.meta.url)(id) as T);
}

/**
 * Threads to use, the caller's included: MINITORCH_THREADS when it is a positive integer (1: no
 * workers), else the machine's available parallelism capped at 8; 1 outside Node.
 */
export function defaultThreadCount(): number {
  const proc = nodeProcess();
  if (proc === undefined) return 1;
  const setting = proc.env.MINITORCH_THREADS;
  if (setting !== undefined && setting.trim() !== "") {
    const n = Number(setting);
    if (Number.isInteger(n) && n >= 1) return Math.min(n, MAX_THREADS);
    console.warn(
      `minitorch cpu backend: ignoring MINITORCH_THREADS=${JSON.stringify(setting)} (want a positive integer)`,
    );
  }
  const os = builtin<typeof import("node:os")>("node:os");
  const cores = os === undefined ? 1 : (os.availableParallelism?.() ?? os.cpus().length);
  return Math.max(1, Math.min(cores, DEFAULT_MAX_THREADS));
}

/**
 * The worker's whole program (CommonJS, run with `eval: true`). Slot numbers are spliced in from
 * the constants above so the two sides cannot disagree.
 */
const workerSource = `"use strict";
const { workerData } = require("node:worker_threads");
const { module, memory, control, index, scratch, messageByte } = workerData;
const ctl = new Int32Array(control);
const u32 = new Uint32Array(control);
const f32 = new Float32Array(control);
const f64 = new Float64Array(control, 0, ${SCALAR / 2 + 1});
const slot = ${WORKERS} + index * ${SLOT};
function fail(error) {
  if (Atomics.compareExchange(ctl, ${FAILED}, 0, index + 1) !== 0) return;
  const text = new TextEncoder().encode(String((error && error.message) || error));
  const bytes = text.subarray(0, ${MESSAGE_BYTES});
  new Uint8Array(control, messageByte, ${MESSAGE_BYTES}).set(bytes);
  Atomics.store(ctl, ${MESSAGE_LENGTH}, bytes.length);
}
try {
  const env = {
    memory,
    abort(_message, _file, line, column) {
      throw new Error("WebAssembly kernel aborted at " + line + ":" + column);
    },
  };
  const ex = new WebAssembly.Instance(module, { env }).exports;
  const rows = ex.matmul_f32_rows;
  const zips = [ex.add_f32, ex.sub_f32, ex.mul_f32, ex.div_f32];
  const scalars = [ex.add_scalar_f32, ex.sub_scalar_f32, ex.mul_scalar_f32, ex.div_scalar_f32,
    ex.rsub_scalar_f32, ex.rdiv_scalar_f32];
  let seen = 0;
  for (;;) {
    // Spin a little before sleeping: waking a thread from Atomics.wait costs 40-70 µs here.
    const until = performance.now() + ${WORKER_SPIN_MS};
    while (Atomics.load(ctl, slot + ${GENERATION}) === seen && performance.now() < until) {}
    Atomics.wait(ctl, slot + ${GENERATION}, seen);
    const generation = Atomics.load(ctl, slot + ${GENERATION});
    if (generation === seen) continue;
    seen = generation;
    try {
      const task = ctl[${TASK}];
      const start = ctl[slot + ${ROW_START}];
      const end = ctl[slot + ${ROW_END}];
      if (task === ${Task.Matmul}) {
        rows(u32[${A}], u32[${B}], u32[${C}], ctl[${M}], ctl[${N}], ctl[${K}],
          ctl[${TRANS_A}], ctl[${TRANS_B}], ctl[${LDA}], ctl[${LDB}], start, end, scratch);
      } else if (task === ${Task.Zip}) {
        zips[ctl[${OP}]](u32[${A}] + 4 * start, u32[${B}] + 4 * start, u32[${C}] + 4 * start,
          end - start);
      } else if (task === ${Task.ZipScalar}) {
        scalars[ctl[${OP}]](u32[${A}] + 4 * start, f64[${SCALAR / 2}], u32[${C}] + 4 * start,
          end - start);
      } else if (task === ${Task.Sum}) {
        f32[slot + ${RESULT}] = ex.sum_f32(u32[${A}] + 4 * start, end - start);
      } else {
        ex.sum_rows_f32(u32[${A}] + 4 * start * ctl[${N}], u32[${C}] + 4 * start, end - start,
          ctl[${N}]);
      }
    } catch (error) {
      fail(error);
    }
    if (Atomics.sub(ctl, ${PENDING}, 1) === 1) Atomics.notify(ctl, ${PENDING});
  }
} catch (error) {
  fail(error);
} finally {
  Atomics.store(ctl, slot + ${DEAD}, 1);
  Atomics.notify(ctl, ${PENDING});
}
`;

/** How long the caller waits for workers before it declares one hung. */
export interface PoolTimeout {
  /** Fixed allowance in ms (covers the workers' start-up on the first task). */
  slackMs: number;
  /** Plus this multiple of the time the caller took for its own (equal-sized) range. */
  factor: number;
}

export interface ThreadPoolOptions {
  /** The compiled kernels (`wasmKernelsModule()`), instantiated once in each worker. */
  module: WebAssembly.Module;
  /** The backend's memory; must be shared. */
  memory: WebAssembly.Memory;
  /** Threads in all, the caller's included (so threads − 1 workers); at least 2. */
  threads: number;
  /** Bytes of matmul scratch each worker needs (`matmul_f32_scratch_bytes` of the largest sizes). */
  scratchBytes: number;
  /** Allocates a block in `memory` and returns its byte offset (the backend's arena). */
  allocate(bytes: number): number;
  /** When a hang is declared (default: 10 s plus 50× the caller's own time). */
  timeout?: PoolTimeout;
  /** Smallest M·N·K to split (default `SPLIT_MIN_WORK`; 0 splits whatever the rows allow). */
  minWork?: SplitThresholds;
  /** Smallest elementwise n to split (default `SPLIT_MIN_ELEMENTS`; 0 splits whatever n allows). */
  minElements?: ElementThresholds;
}

const DEFAULT_TIMEOUT: PoolTimeout = { slackMs: 10_000, factor: 50 };
/** Longest single Atomics.wait while waiting for workers: dead flags are checked between waits. */
const WAIT_SLICE_MS = 50;

/**
 * `threads − 1` workers on the backend's shared memory. `matmul` splits a product by rows over
 * them and the calling thread. A worker that dies, or a task that runs past the timeout, makes
 * `matmul` throw a BackendError and closes the pool (`usable` turns false); a kernel that traps in
 * a worker throws a BackendError too but leaves the pool usable.
 */
export class ThreadPool {
  /** Threads in all, the caller's included. */
  readonly threads: number;
  /** The workers, in index order (exposed for tests and diagnostics). */
  readonly workers: readonly Worker[];
  readonly #control: Int32Array<SharedArrayBuffer>;
  readonly #args: Uint32Array<SharedArrayBuffer>;
  readonly #f32: Float32Array<SharedArrayBuffer>;
  readonly #f64: Float64Array<SharedArrayBuffer>;
  readonly #memory: WebAssembly.Memory;
  readonly #minElements: ElementThresholds;
  readonly #messageByte: number;
  readonly #timeout: PoolTimeout;
  readonly #minWork: SplitThresholds;
  /** performance.now() when the last split product ended (the workers spin for a while after). */
  #lastSplitEnd = Number.NEGATIVE_INFINITY;
  /** Why the pool stopped (a worker's exit or error), or null while it is usable. */
  #broken: string | null = null;

  /**
   * A pool, or null where worker threads are unavailable (outside Node, a memory that is not
   * shared, `threads` < 2) — then the caller computes alone. A failure to start is noted once on
   * the console, never thrown.
   */
  static create(options: ThreadPoolOptions): ThreadPool | null {
    if (options.threads < 2 || !(options.memory.buffer instanceof SharedArrayBuffer)) return null;
    try {
      const threads = builtin<typeof import("node:worker_threads")>("node:worker_threads");
      if (threads === undefined) return null;
      return new ThreadPool(threads.Worker, options);
    } catch (e) {
      console.warn(
        `minitorch cpu backend: worker threads unavailable, using one thread (${(e as Error).message})`,
      );
      return null;
    }
  }

  private constructor(WorkerClass: typeof Worker, options: ThreadPoolOptions) {
    const workerCount = Math.min(options.threads, MAX_THREADS) - 1;
    this.threads = workerCount + 1;
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT;
    this.#minWork = options.minWork ?? SPLIT_MIN_WORK;
    this.#minElements = options.minElements ?? SPLIT_MIN_ELEMENTS;
    this.#memory = options.memory;
    this.#messageByte = (WORKERS + workerCount * SLOT) * 4;
    const control = new SharedArrayBuffer(this.#messageByte + MESSAGE_BYTES);
    this.#control = new Int32Array(control);
    this.#args = new Uint32Array(control);
    this.#f32 = new Float32Array(control);
    this.#f64 = new Float64Array(control, 0, SCALAR / 2 + 1);
    const workers: Worker[] = [];
    try {
      for (let index = 0; index < workerCount; index++) {
        const workerData = {
          module: options.module,
          memory: options.memory,
          control,
          index,
          scratch: options.allocate(options.scratchBytes),
          messageByte: this.#messageByte,
        };
        const worker = new WorkerClass(workerSource, { eval: true, workerData });
        worker.unref();
        worker.on("error", (error: Error) => this.#died(index, `failed: ${error.message}`));
        worker.on("exit", (code: number) => this.#died(index, `exited with code ${code}`));
        workers.push(worker);
      }
    } catch (e) {
      for (const w of workers) void w.terminate();
      throw e;
    }
    this.workers = workers;
  }

  /** False once a worker died or timed out (or after `close`): the caller then computes alone. */
  get usable(): boolean {
    return this.#broken === null;
  }

  /**
   * Whether this product is split now: enough rows for two ranges, and M·N·K over the threshold
   * for the workers' state (spinning right after a split product, else asleep).
   */
  worthSplitting(m: number, n: number, k: number): boolean {
    const hot = performance.now() - this.#lastSplitEnd < HOT_WINDOW_MS;
    const minWork = hot ? this.#minWork.hot : this.#minWork.cold;
    return m >= 2 * MIN_ROWS_PER_THREAD && m * n * k >= minWork;
  }

  /**
   * C = A · B (M×K times K×N float32 at byte pointers, into a contiguous row-major C); returns once
   * all of C is written. A and B are each row-major or stored transposed, with leading dimensions
   * `lda`, `ldb` in elements, exactly as `WasmKernels.matmul_f32` takes them. A product worth
   * splitting (`worthSplitting`) is split by rows between the calling thread (which uses `kernels`
   * and `scratch`, its own) and the workers; a smaller one runs on the calling thread alone. Either
   * way each row comes from the same kernel code with the same tiling, so the result is
   * bit-for-bit the single-threaded one.
   */
  matmul(
    kernels: WasmKernels,
    a: number,
    b: number,
    c: number,
    m: number,
    n: number,
    k: number,
    transA: number,
    transB: number,
    lda: number,
    ldb: number,
    scratch: number,
  ): void {
    this.#checkOpen("matmul");
    const ranges = this.worthSplitting(m, n, k) ? rowRanges(m, this.threads) : [];
    if (ranges.length < 2) {
      kernels.matmul_f32(a, b, c, m, n, k, transA, transB, lda, ldb, scratch);
      return;
    }
    const ctl = this.#control;
    ctl[TASK] = Task.Matmul;
    this.#args[A] = a;
    this.#args[B] = b;
    this.#args[C] = c;
    ctl[M] = m;
    ctl[N] = n;
    ctl[K] = k;
    ctl[TRANS_A] = transA;
    ctl[TRANS_B] = transB;
    ctl[LDA] = lda;
    ctl[LDB] = ldb;
    this.#dispatch("matmul", ranges, ([start, end]) =>
      kernels.matmul_f32_rows(a, b, c, m, n, k, transA, transB, lda, ldb, start, end, scratch),
    );
  }

  /**
   * Whether an elementwise task of n float32 is split now: n over the `kind`'s threshold for the
   * workers' state (as `worthSplitting`), and at least two 16-element blocks.
   */
  worthSplittingElements(kind: keyof ElementThresholds, n: number): boolean {
    const hot = performance.now() - this.#lastSplitEnd < HOT_WINDOW_MS;
    const t = this.#minElements[kind];
    return n >= 2 * ELEMENT_ALIGN && n >= (hot ? t.hot : t.cold);
  }

  /**
   * out[i] = a[i] ∘ b[i] over n float32 at byte pointers (`simdZip`); `out` may be `a` or `b`.
   * Split into 16-aligned element ranges when worth it (`worthSplittingElements("zip", n)`), else
   * on the calling thread. Every element comes from the same kernel either way: bit for bit the
   * single-threaded result.
   */
  zip(kernels: WasmKernels, op: SimdOp, a: number, b: number, out: number, n: number): void {
    this.#checkOpen("elementwise");
    const ranges = this.worthSplittingElements("zip", n) ? elementRanges(n, this.threads) : [];
    if (ranges.length < 2) {
      simdZip(kernels, op, a, b, out, n);
      return;
    }
    this.#control[TASK] = Task.Zip;
    this.#control[OP] = ZIP_CODES[op];
    this.#args[A] = a;
    this.#args[B] = b;
    this.#args[C] = out;
    this.#dispatch("elementwise", ranges, ([start, end]) =>
      simdZip(kernels, op, a + 4 * start, b + 4 * start, out + 4 * start, end - start),
    );
  }

  /** out[i] = a[i] ∘ s (s ∘ a[i] when `scalarFirst`), as `simdZipScalar`, split as `zip` is. */
  zipScalar(
    kernels: WasmKernels,
    op: SimdOp,
    a: number,
    s: number,
    out: number,
    n: number,
    scalarFirst: boolean,
  ): void {
    this.#checkOpen("elementwise");
    const ranges = this.worthSplittingElements("zip", n) ? elementRanges(n, this.threads) : [];
    if (ranges.length < 2) {
      simdZipScalar(kernels, op, a, s, out, n, scalarFirst);
      return;
    }
    this.#control[TASK] = Task.ZipScalar;
    this.#control[OP] =
      scalarFirst && op === "sub" ? 4 : scalarFirst && op === "div" ? 5 : ZIP_CODES[op];
    // The kernels take s as f32; it is stored as f64 and rounded by each call alike.
    this.#f64[SCALAR / 2] = s;
    this.#args[A] = a;
    this.#args[C] = out;
    this.#dispatch("elementwise", ranges, ([start, end]) =>
      simdZipScalar(kernels, op, a + 4 * start, s, out + 4 * start, end - start, scalarFirst),
    );
  }

  /**
   * Σ a[i] over n float32 (`sum_f32`). Split (`worthSplittingElements("sum", n)`), each thread sums
   * a 16-aligned range with `sum_f32` and the caller adds the float32 partial sums in float64, in
   * range order: deterministic for a given thread count, but rounded differently from one
   * `sum_f32` over everything (both are within rounding of the exact sum; see the tests).
   */
  sum(kernels: WasmKernels, a: number, n: number): number {
    this.#checkOpen("elementwise");
    const ranges = this.worthSplittingElements("sum", n) ? elementRanges(n, this.threads) : [];
    if (ranges.length < 2) return kernels.sum_f32(a, n);
    this.#control[TASK] = Task.Sum;
    this.#args[A] = a;
    let own = 0;
    this.#dispatch("elementwise", ranges, ([start, end]) => {
      own = kernels.sum_f32(a + 4 * start, end - start);
    });
    let total = own;
    for (let w = 0; w < ranges.length - 1; w++) total += this.#f32[WORKERS + w * SLOT + RESULT];
    return total;
  }

  /**
   * out[r] = Σ_j a[r·cols + j] for r < rows, float32 (`sum_rows_f32`). Split when rows·cols is
   * worth it: by rows when there are two or more (each row summed by the same kernel: bit for bit
   * the single-threaded result), and one row by `sum` (partial sums, rounded differently).
   */
  sumRows(kernels: WasmKernels, a: number, out: number, rows: number, cols: number): void {
    this.#checkOpen("elementwise");
    if (rows === 1) {
      const total = this.sum(kernels, a, cols);
      new Float32Array(this.#memory.buffer, out, 1)[0] = total;
      return;
    }
    const split = this.worthSplittingElements("sum", rows * cols);
    const ranges = split ? sumRowRanges(rows, this.threads) : [];
    if (ranges.length < 2) {
      kernels.sum_rows_f32(a, out, rows, cols);
      return;
    }
    this.#control[TASK] = Task.SumRows;
    this.#control[N] = cols;
    this.#args[A] = a;
    this.#args[C] = out;
    this.#dispatch("elementwise", ranges, ([start, end]) =>
      kernels.sum_rows_f32(a + 4 * start * cols, out + 4 * start, end - start, cols),
    );
  }

  #checkOpen(what: string): void {
    if (this.#broken !== null) {
      throw new BackendError(`cpu backend: ${what} thread pool is closed (${this.#broken})`);
    }
  }

  /**
   * Runs the task already written to the control block: range w + 1 on worker w, range 0 on the
   * calling thread (`own`), and returns once all are done.
   */
  #dispatch(
    what: string,
    ranges: [number, number][],
    own: (range: [number, number]) => void,
  ): void {
    const ctl = this.#control;
    Atomics.store(ctl, PENDING, ranges.length - 1);
    for (let w = 0; w < ranges.length - 1; w++) {
      const slot = WORKERS + w * SLOT;
      ctl[slot + ROW_START] = ranges[w + 1][0];
      ctl[slot + ROW_END] = ranges[w + 1][1];
      Atomics.add(ctl, slot + GENERATION, 1);
      Atomics.notify(ctl, slot + GENERATION, 1);
    }
    const started = performance.now();
    try {
      own(ranges[0]);
    } finally {
      // Even when the caller's own range threw: the next task must not start under running workers.
      this.#waitForWorkers(what, ranges.length - 1, performance.now() - started);
      this.#lastSplitEnd = performance.now();
    }
  }

  /** Blocks until PENDING reaches 0; throws if a worker died, hung, or its kernel threw. */
  #waitForWorkers(what: string, count: number, ownMs: number): void {
    const ctl = this.#control;
    const allowedMs = this.#timeout.slackMs + this.#timeout.factor * ownMs;
    const deadline = performance.now() + allowedMs;
    // Spin first: the workers should finish about when the caller did, and a wake from
    // Atomics.wait would add 40-70 µs.
    const spinUntil = performance.now() + CALLER_SPIN_MS;
    while (Atomics.load(ctl, PENDING) !== 0 && performance.now() < spinUntil) {}
    for (;;) {
      const pending = Atomics.load(ctl, PENDING);
      if (pending === 0) break;
      for (let w = 0; w < count; w++) {
        if (Atomics.load(ctl, WORKERS + w * SLOT + DEAD) !== 0) {
          this.#fail(what, `worker ${w} stopped${this.#workerMessage(w)}`);
        }
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        this.#fail(what, `${pending} worker(s) did not finish within ${Math.round(allowedMs)} ms`);
      }
      Atomics.wait(ctl, PENDING, pending, Math.min(left, WAIT_SLICE_MS));
    }
    const failed = Atomics.load(ctl, FAILED);
    if (failed !== 0) {
      const message = this.#workerMessage(failed - 1);
      Atomics.store(ctl, MESSAGE_LENGTH, 0);
      Atomics.store(ctl, FAILED, 0);
      throw new BackendError(`cpu backend: ${what} failed in worker ${failed - 1}${message}`);
    }
  }

  /** ": <message>" a worker left in the control block, or "". */
  #workerMessage(worker: number): string {
    if (Atomics.load(this.#control, FAILED) !== worker + 1) return "";
    const length = Atomics.load(this.#control, MESSAGE_LENGTH);
    const bytes = new Uint8Array(this.#control.buffer, this.#messageByte, length).slice();
    return `: ${new TextDecoder().decode(bytes)}`;
  }

  /** Closes the pool for good and throws why. */
  #fail(what: string, why: string): never {
    this.#broken ??= why;
    this.close();
    throw new BackendError(
      `cpu backend: ${what} thread pool failed (${why}); later work runs on one thread`,
    );
  }

  /** A worker's 'error' or 'exit' (delivered between tasks, when the event loop runs). */
  #died(worker: number, why: string): void {
    Atomics.store(this.#control, WORKERS + worker * SLOT + DEAD, 1);
    this.#broken ??= `worker ${worker} ${why}`;
  }

  /** Stops the workers; `matmul` throws afterwards and `usable` is false. */
  close(): void {
    this.#broken ??= "closed";
    for (const w of this.workers) void w.terminate();
  }
}
