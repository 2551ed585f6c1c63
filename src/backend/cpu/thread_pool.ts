/**
 * Worker threads that share the cpu backend's WebAssembly.Memory and split a float32 matmul by
 * rows, and large float32 elementwise zips and reductions by 16-aligned element (or row) ranges,
 * synchronously: the caller hands out ranges, computes its own range meanwhile, and returns once
 * every range is written. When to split and how to cut the ranges is `split_policy.ts`; what a
 * task writes into the control block and how a worker reads it back is `pool_tasks.ts`.
 *
 * Dispatch goes through a small control block (an Int32Array over its own SharedArrayBuffer; its
 * slots are laid out in `control_block.ts`), not through postMessage, so a task costs a few atomic
 * stores and one futex wake per worker. The caller writes the task, sets PENDING, then for each
 * worker stores its range, bumps its GENERATION and notifies; each worker (`worker_program.ts`)
 * runs the task on its range, decrements PENDING and notifies when it reaches 0. Atomics
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
import { canBlock, isSharedMemory } from "../../platform.js";
import { reduceOps } from "../../strided/ops.js";
import {
  type ControlViews,
  controlLayout,
  controlViews,
  DEAD,
  FAILED,
  GENERATION,
  MESSAGE_LENGTH,
  PENDING,
  RESULT,
  ROW_END,
  ROW_START,
  SLOT,
  TASK,
  WORKERS,
} from "./control_block.js";
import {
  matmulTask,
  type PoolTask,
  reduceRowsTask,
  reduceTask,
  taskCode,
  zipScalarTask,
  zipTask,
} from "./pool_tasks.js";
import type { SimdReduceOp, SimdZipOp, ZipForm } from "./simd_table.js";
import {
  type ElementThresholds,
  MAX_THREADS,
  type Range,
  SplitPolicy,
  type SplitThresholds,
} from "./split_policy.js";
import type { WasmKernels } from "./wasm_kernels.js";
import {
  hasNodeWorkers,
  hasWebWorkers,
  type PoolWorker,
  spawnBrowserWorkers,
  spawnNodeWorker,
} from "./worker_host.js";
import type { WorkerInit } from "./worker_program.js";

/** A byte offset into the backend's memory. */
type Ptr = number;

/** How long the caller spins for the workers to finish before it sleeps in Atomics.wait. */
const CALLER_SPIN_MS = 1;

/** How long the caller waits for workers before it declares one hung. */
export interface PoolTimeout {
  /** Fixed allowance in ms (covers the workers' start-up on the first task). */
  slackMs: number;
  /** Plus this multiple of the time the caller took for its own (equal-sized) range. */
  factor: number;
}

/** What a pool is made of, and its split policy. */
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

/** The default `PoolTimeout`. */
const DEFAULT_TIMEOUT: PoolTimeout = { slackMs: 10_000, factor: 50 };
/** Longest single Atomics.wait while waiting for workers: dead flags are checked between waits. */
const WAIT_SLICE_MS = 50;

/**
 * `threads − 1` workers on the backend's shared memory. `matmul`, `zip`, `reduce` and
 * `reduceRows` split their work over them and the calling thread when it pays. A worker that dies,
 * or a task that runs past the timeout, makes the call throw a BackendError and closes the pool
 * (`usable` turns false); a kernel that traps in a worker throws a BackendError too but leaves the
 * pool usable.
 */
export class ThreadPool {
  /** Threads in all, the caller's included. */
  readonly threads: number;
  /** The workers, in index order (exposed for tests and diagnostics). */
  readonly workers: readonly PoolWorker[];
  readonly #block: ControlViews;
  readonly #control: Int32Array<SharedArrayBuffer>;
  readonly #memory: WebAssembly.Memory;
  readonly #messageByte: number;
  readonly #timeout: PoolTimeout;
  readonly #policy: SplitPolicy;
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
    this.#policy = new SplitPolicy(this.threads, options.minWork, options.minElements);
    this.#memory = options.memory;
    this.#messageByte = plan.messageByte;
    this.#block = controlViews(plan.control);
    this.#control = this.#block.ctl;
  }

  /** False once a worker died or timed out (or after `close`): the caller then computes alone. */
  get usable(): boolean {
    return this.#broken === null;
  }

  /**
   * C = A · B (M×K times K×N float32 at byte pointers, into a contiguous row-major C); returns once
   * all of C is written. A and B are each row-major or stored transposed, with leading dimensions
   * `lda`, `ldb` in elements, exactly as `WasmKernels.matmul_f32` takes them. A product worth
   * splitting (`SplitPolicy.worthSplitting`) is split by rows between the calling thread (which
   * uses `kernels` and `scratch`, its own) and the workers; a smaller one runs on the calling
   * thread alone. Either way each row comes from the same kernel code with the same tiling, so the
   * result is bit-for-bit the single-threaded one.
   */
  matmul(
    kernels: WasmKernels,
    a: Ptr,
    b: Ptr,
    c: Ptr,
    m: number,
    n: number,
    k: number,
    transA: number,
    transB: number,
    lda: number,
    ldb: number,
    scratch: Ptr,
  ): void {
    this.#checkOpen("matmul");
    const ranges = this.#policy.matmulRanges(m, n, k);
    if (ranges.length < 2) {
      kernels.matmul_f32(a, b, c, m, n, k, transA, transB, lda, ldb, scratch);
      return;
    }
    const args = { a, b, c, m, n, k, transA, transB, lda, ldb, scratch };
    this.#dispatch("matmul", matmulTask, kernels, args, ranges);
  }

  /**
   * out[i] = a[i] ∘ second[i] ("zip"), a[i] ∘ second or second ∘ a[i] (the scalar forms) over n
   * float32, by `op`'s kernel in that form (`simd_table.ts`); `second` is a pointer for "zip", the
   * scalar's value otherwise, and `out` may be `a` (or the second pointer). Split into 16-aligned
   * element ranges when worth it (`SplitPolicy.worthSplittingElements("zip", n)`), else on the
   * calling thread. Every element comes from the same kernel either way: bit for bit the
   * single-threaded result.
   */
  zip(
    kernels: WasmKernels,
    op: SimdZipOp,
    form: ZipForm,
    a: Ptr,
    second: number,
    out: Ptr,
    n: number,
  ): void {
    this.#checkOpen("elementwise");
    const task = form === "zip" ? zipTask : zipScalarTask;
    const args = { op, form, a, second, out };
    const ranges = this.#policy.elementRanges("zip", n);
    if (ranges.length < 2) task.run(kernels, args, 0, n);
    else this.#dispatch("elementwise", task, kernels, args, ranges);
  }

  /**
   * `op` over n float32 at `a` (`sum`: Σ a[i]). Split (`worthSplittingElements("reduce", n)`),
   * each thread reduces a 16-aligned range with the same kernel and the caller combines the float32
   * partial results in float64 with the op table's `fn`, in range order: deterministic for a given
   * thread count, but a sum rounds differently from one kernel call over everything (both are
   * within rounding of the exact sum; see the tests).
   */
  reduce(kernels: WasmKernels, op: SimdReduceOp, a: Ptr, n: number): number {
    this.#checkOpen("elementwise");
    const ranges = this.#policy.elementRanges("reduce", n);
    if (ranges.length < 2) return reduceTask.run(kernels, { op, a }, 0, n);
    let total = this.#dispatch("elementwise", reduceTask, kernels, { op, a }, ranges);
    const { fn } = reduceOps[op];
    const f32 = this.#block.f32;
    for (let w = 0; w < ranges.length - 1; w++) total = fn(total, f32[WORKERS + w * SLOT + RESULT]);
    return total;
  }

  /**
   * out[r] = `op` over row r of a contiguous rows×cols float32 matrix at `a`. Split when
   * rows·cols is worth it: by rows when there are two or more (each row reduced by the same
   * kernel: bit for bit the single-threaded result), and one row by `reduce` (partial results).
   */
  reduceRows(
    kernels: WasmKernels,
    op: SimdReduceOp,
    a: Ptr,
    out: Ptr,
    rows: number,
    cols: number,
  ): void {
    this.#checkOpen("elementwise");
    if (rows === 1) {
      const total = this.reduce(kernels, op, a, cols);
      new Float32Array(this.#memory.buffer, out, 1)[0] = total;
      return;
    }
    const args = { op, a, out, cols };
    const ranges = this.#policy.reduceRowRanges(rows, cols);
    if (ranges.length < 2) reduceRowsTask.run(kernels, args, 0, rows);
    else this.#dispatch("elementwise", reduceRowsTask, kernels, args, ranges);
  }

  #checkOpen(what: string): void {
    if (this.#broken !== null) {
      throw new BackendError(`cpu backend: ${what} thread pool is closed (${this.#broken})`);
    }
  }

  /**
   * Runs `task` over `ranges`: range w + 1 on worker w, range 0 on the calling thread (whose
   * result it returns), and returns once all are done.
   */
  #dispatch<Args, Result>(
    what: string,
    task: PoolTask<Args, Result>,
    kernels: WasmKernels,
    args: Args,
    ranges: Range[],
  ): Result {
    const ctl = this.#control;
    ctl[TASK] = taskCode(task);
    task.encode(this.#block, args);
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
      return task.run(kernels, args, ranges[0][0], ranges[0][1]);
    } finally {
      // Even when the caller's own range threw: the next task must not start under running workers.
      this.#waitForWorkers(what, ranges.length - 1, performance.now() - started);
      this.#policy.splitEnded();
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

  /** Stops the workers; every task throws afterwards and `usable` is false. */
  close(): void {
    this.#broken ??= "closed";
    for (const w of this.workers) void w.terminate();
  }
}
