/**
 * Worker threads that share the cpu backend's WebAssembly.Memory and split a float32 matmul by
 * rows, synchronously: the caller hands out row ranges, computes its own range meanwhile, and
 * returns once every range is written.
 *
 * Dispatch goes through a small control block (an Int32Array over its own SharedArrayBuffer), not
 * through postMessage, so a task costs a few atomic stores and one futex wake per worker:
 *
 *   slot                     written by   meaning
 *   PENDING                  both         workers still running the current task
 *   FAILED                   worker       1 + index of the first worker whose kernel threw, else 0
 *   MESSAGE_LENGTH           worker       bytes of its error message (UTF-8, after the slots)
 *   A, B, C, M, N, K         caller       the task: byte pointers (as u32) and sizes
 *   TRANS_A, TRANS_B,        caller       operand layouts: transposed (0/1) and leading
 *     LDA, LDB                            dimensions, as `matmul_f32_rows` takes them
 *   per worker w, at WORKERS + w·SLOT:
 *     GENERATION             caller       bumped to give worker w a task; it Atomics.waits on it
 *     ROW_START, ROW_END     caller       worker w's rows of C
 *     DEAD                   both         the worker stopped (it cannot start, or it exited)
 *
 * The caller writes the task, sets PENDING, then for each worker stores its range, bumps its
 * GENERATION and notifies; each worker runs `matmul_f32_rows` on its range, decrements PENDING and
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
/** First per-worker slot group, and the slots in each group. */
const WORKERS = 16;
const SLOT = 4;
const GENERATION = 0;
const ROW_START = 1;
const ROW_END = 2;
const DEAD = 3;
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
  const rows = new WebAssembly.Instance(module, { env }).exports.matmul_f32_rows;
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
      rows(u32[${A}], u32[${B}], u32[${C}], ctl[${M}], ctl[${N}], ctl[${K}],
        ctl[${TRANS_A}], ctl[${TRANS_B}], ctl[${LDA}], ctl[${LDB}],
        ctl[slot + ${ROW_START}], ctl[slot + ${ROW_END}], scratch);
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
    this.#messageByte = (WORKERS + workerCount * SLOT) * 4;
    const control = new SharedArrayBuffer(this.#messageByte + MESSAGE_BYTES);
    this.#control = new Int32Array(control);
    this.#args = new Uint32Array(control);
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
    if (this.#broken !== null) {
      throw new BackendError(`cpu backend: matmul thread pool is closed (${this.#broken})`);
    }
    const ranges = this.worthSplitting(m, n, k) ? rowRanges(m, this.threads) : [];
    if (ranges.length < 2) {
      kernels.matmul_f32(a, b, c, m, n, k, transA, transB, lda, ldb, scratch);
      return;
    }
    const ctl = this.#control;
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
    Atomics.store(ctl, PENDING, ranges.length - 1);
    // The caller keeps range 0; worker w takes range w + 1.
    for (let w = 0; w < ranges.length - 1; w++) {
      const slot = WORKERS + w * SLOT;
      ctl[slot + ROW_START] = ranges[w + 1][0];
      ctl[slot + ROW_END] = ranges[w + 1][1];
      Atomics.add(ctl, slot + GENERATION, 1);
      Atomics.notify(ctl, slot + GENERATION, 1);
    }
    const started = performance.now();
    try {
      kernels.matmul_f32_rows(
        a,
        b,
        c,
        m,
        n,
        k,
        transA,
        transB,
        lda,
        ldb,
        ranges[0][0],
        ranges[0][1],
        scratch,
      );
    } finally {
      // Even when the caller's own range threw: the next task must not start under running workers.
      this.#waitForWorkers(ranges.length - 1, performance.now() - started);
      this.#lastSplitEnd = performance.now();
    }
  }

  /** Blocks until PENDING reaches 0; throws if a worker died, hung, or its kernel threw. */
  #waitForWorkers(count: number, ownMs: number): void {
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
          this.#fail(`worker ${w} stopped${this.#workerMessage(w)}`);
        }
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        this.#fail(`${pending} worker(s) did not finish within ${Math.round(allowedMs)} ms`);
      }
      Atomics.wait(ctl, PENDING, pending, Math.min(left, WAIT_SLICE_MS));
    }
    const failed = Atomics.load(ctl, FAILED);
    if (failed !== 0) {
      const message = this.#workerMessage(failed - 1);
      Atomics.store(ctl, MESSAGE_LENGTH, 0);
      Atomics.store(ctl, FAILED, 0);
      throw new BackendError(`cpu backend: matmul failed in worker ${failed - 1}${message}`);
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
  #fail(why: string): never {
    this.#broken ??= why;
    this.close();
    throw new BackendError(
      `cpu backend: matmul thread pool failed (${why}); later products run on one thread`,
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
