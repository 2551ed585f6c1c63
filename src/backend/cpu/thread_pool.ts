/**
 * Worker threads that share the cpu backend's WebAssembly.Memory and split a float32 matmul by
 * rows, and large float32 elementwise zips and sums by 16-aligned element (or row) ranges,
 * synchronously: the caller hands out ranges, computes its own range meanwhile, and returns once
 * every range is written.
 *
 * Dispatch goes through a small control block (an Int32Array over its own SharedArrayBuffer; its
 * slots are laid out in `control_block.ts`), not through postMessage, so a task costs a few atomic
 * stores and one futex wake per worker. The caller writes the task, sets PENDING, then for each
 * worker stores its range, bumps its GENERATION and notifies; each worker (`worker_program.ts`)
 * runs the task's kernel on its range, decrements PENDING and notifies when it reaches 0. Atomics
 * are sequentially consistent, so the plain argument stores before a GENERATION bump are visible to
 * a worker that sees the bump, and the worker's writes to C are visible to the caller once it sees
 * PENDING reach 0.
 *
 * Workers are Node worker threads or, in a browser, Web Workers (`worker_host.ts`). Each gets the
 * compiled module, the memory, the control block and its own scratch block (allocated by the
 * backend: workers allocate nothing), and instantiates the kernels there. A browser's main thread
 * may not block in Atomics.wait, so there the caller only spins while the workers finish.
 */

import { BackendError } from "../../errors.js";
import {
  canBlock,
  canShareMemory,
  hardwareThreads,
  isSharedMemory,
  nodeProcess,
} from "../../platform.js";
import {
  A,
  B,
  C,
  controlLayout,
  DEAD,
  FAILED,
  GENERATION,
  K,
  LDA,
  LDB,
  M,
  MESSAGE_LENGTH,
  N,
  OP,
  PENDING,
  RESULT,
  ROW_END,
  ROW_START,
  SCALAR,
  SLOT,
  TASK,
  Task,
  TRANS_A,
  TRANS_B,
  WORKERS,
  ZIP_CODES,
} from "./control_block.js";
import type { WasmKernels } from "./wasm_kernels.js";
import { type SimdOp, simdZip, simdZipScalar } from "./wasm_paths.js";
import {
  hasNodeWorkers,
  hasWebWorkers,
  type PoolWorker,
  spawnBrowserWorkers,
  spawnNodeWorker,
} from "./worker_host.js";
import type { WorkerInit } from "./worker_program.js";

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

/**
 * Threads to use, the caller's included: MINITORCH_THREADS (Node) when it is a positive integer (1:
 * no workers), else the machine's logical cores capped at 8; 1 where memory cannot be shared (a
 * browser page that is not cross-origin isolated).
 */
export function defaultThreadCount(): number {
  if (!canShareMemory()) return 1;
  const setting = nodeProcess()?.env.MINITORCH_THREADS;
  if (setting !== undefined && setting.trim() !== "") {
    const n = Number(setting);
    if (Number.isInteger(n) && n >= 1) return Math.min(n, MAX_THREADS);
    console.warn(
      `minitorch cpu backend: ignoring MINITORCH_THREADS=${JSON.stringify(setting)} (want a positive integer)`,
    );
  }
  return Math.max(1, Math.min(hardwareThreads(), DEFAULT_MAX_THREADS));
}

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

/** A pool's control block and its workers' start-up data, made before the workers start. */
interface PoolPlan {
  control: SharedArrayBuffer;
  messageByte: number;
  inits: WorkerInit[];
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
  readonly workers: readonly PoolWorker[];
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
  /** Whether the calling thread may sleep in Atomics.wait (not on a browser's main thread). */
  readonly #blocks = canBlock();

  /**
   * A pool started synchronously, in Node; null where that cannot be (outside Node, a memory that
   * is not shared, `threads` < 2) — then the caller computes alone. A failure to start is noted
   * once on the console, never thrown.
   */
  static create(options: ThreadPoolOptions): ThreadPool | null {
    if (!ThreadPool.#possible(options) || !hasNodeWorkers()) return null;
    try {
      const plan = ThreadPool.#plan(options);
      let pool: ThreadPool | undefined;
      const workers: PoolWorker[] = [];
      try {
        for (const init of plan.inits) {
          // Deaths arrive as events, from the event loop: after `pool` is assigned.
          workers.push(
            spawnNodeWorker(init, (why) => {
              if (pool !== undefined) pool.#died(init.index, why);
            }),
          );
        }
      } catch (e) {
        for (const w of workers) void w.terminate();
        throw e;
      }
      pool = new ThreadPool(options, plan, workers);
      return pool;
    } catch (e) {
      ThreadPool.#noteUnavailable(e);
      return null;
    }
  }

  /**
   * A pool on any platform, resolved once every worker is ready: in Node as `create`; in a browser
   * with Web Workers, which start only after the page's thread yields (so the pool must exist
   * before the work that uses it). Null, with a note on the console, where it cannot start.
   */
  static async start(options: ThreadPoolOptions): Promise<ThreadPool | null> {
    if (hasNodeWorkers()) return ThreadPool.create(options);
    if (!ThreadPool.#possible(options) || !hasWebWorkers()) return null;
    try {
      const plan = ThreadPool.#plan(options);
      let pool: ThreadPool | undefined;
      const workers = await spawnBrowserWorkers(plan.inits, (index, why) => {
        if (pool !== undefined) pool.#died(index, why);
      });
      pool = new ThreadPool(options, plan, workers);
      return pool;
    } catch (e) {
      ThreadPool.#noteUnavailable(e);
      return null;
    }
  }

  static #possible(options: ThreadPoolOptions): boolean {
    return options.threads >= 2 && isSharedMemory(options.memory);
  }

  static #noteUnavailable(e: unknown): void {
    const why = e instanceof Error ? e.message : String(e);
    console.warn(`minitorch cpu backend: worker threads unavailable, using one thread (${why})`);
  }

  /** The control block and what each worker is handed (its scratch allocated here). */
  static #plan(options: ThreadPoolOptions): PoolPlan {
    const workerCount = Math.min(options.threads, MAX_THREADS) - 1;
    const { bytes, messageByte } = controlLayout(workerCount);
    const control = new SharedArrayBuffer(bytes);
    const inits: WorkerInit[] = [];
    for (let index = 0; index < workerCount; index++) {
      inits.push({
        module: options.module,
        memory: options.memory,
        control,
        index,
        scratch: options.allocate(options.scratchBytes),
        messageByte,
      });
    }
    return { control, messageByte, inits };
  }

  private constructor(options: ThreadPoolOptions, plan: PoolPlan, workers: PoolWorker[]) {
    this.threads = workers.length + 1;
    this.workers = workers;
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT;
    this.#minWork = options.minWork ?? SPLIT_MIN_WORK;
    this.#minElements = options.minElements ?? SPLIT_MIN_ELEMENTS;
    this.#memory = options.memory;
    this.#messageByte = plan.messageByte;
    this.#control = new Int32Array(plan.control);
    this.#args = new Uint32Array(plan.control);
    this.#f32 = new Float32Array(plan.control);
    this.#f64 = new Float64Array(plan.control, 0, SCALAR / 2 + 1);
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
      if (this.#blocks) {
        Atomics.wait(ctl, PENDING, pending, Math.min(left, WAIT_SLICE_MS));
      } else {
        // A browser's main thread may not wait: spin, rechecking dead flags every slice.
        const sliceEnd = performance.now() + Math.min(left, WAIT_SLICE_MS);
        while (Atomics.load(ctl, PENDING) === pending && performance.now() < sliceEnd) {}
      }
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
