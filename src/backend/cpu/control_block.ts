/**
 * The layout of the thread pool's control block: an Int32Array over its own SharedArrayBuffer that
 * the calling thread and the workers read and write with Atomics (see `thread_pool.ts` for the
 * protocol). Shared by the pool, its tasks (`pool_tasks.ts`) and the worker program, so the two
 * sides cannot disagree.
 *
 *   slot                     written by   meaning
 *   PENDING                  both         workers still running the current task
 *   FAILED                   worker       1 + index of the first worker whose kernel threw, else 0
 *   MESSAGE_LENGTH           worker       bytes of its error message (UTF-8, after the slots)
 *   TASK                     caller       the task to run (its index in `POOL_TASKS`)
 *   A, B, C, M, N, K         caller       the task: byte pointers (as u32) and sizes (row
 *                                         reductions: N columns)
 *   OP, SCALAR               caller       elementwise: the kernel (its index in
 *                                         `ELEMENTWISE_KERNELS`), and a scalar zip's scalar
 *                                         (a float64 over two slots)
 *   TRANS_A, TRANS_B,        caller       operand layouts: transposed (0/1) and leading
 *     LDA, LDB                            dimensions, as `matmul_f32_rows` takes them
 *   per worker w, at WORKERS + w·SLOT:
 *     GENERATION             caller       bumped to give worker w a task; it Atomics.waits on it
 *     ROW_START, ROW_END     caller       worker w's rows of C (elementwise: its elements,
 *                                         row reductions: its rows)
 *     DEAD                   both         the worker stopped (it cannot start, or it exited)
 *     RESULT                 worker       its partial result (float32) of a reduction of one run
 */

/** Workers still running the current task. */
export const PENDING = 0;
/** 1 + index of the first worker whose kernel threw, else 0. */
export const FAILED = 1;
/** Bytes of that worker's error message. */
export const MESSAGE_LENGTH = 2;
/** Which task runs (its index in `POOL_TASKS`). */
export const TASK = 3;
/** Byte pointer (u32) to the first operand. */
export const A = 4;
/** Byte pointer (u32) to the second operand. */
export const B = 5;
/** Byte pointer (u32) to the output. */
export const C = 6;
/** Matmul: rows of A and C. */
export const M = 7;
/** Matmul: columns of B and C; row reductions: columns of A. */
export const N = 8;
/** Matmul: columns of A, rows of B. */
export const K = 9;
/** Matmul: A stored transposed (0/1). */
export const TRANS_A = 10;
/** Matmul: B stored transposed (0/1). */
export const TRANS_B = 11;
/** Matmul: A's leading dimension. */
export const LDA = 12;
/** Matmul: B's leading dimension. */
export const LDB = 13;
/** Which elementwise kernel an elementwise task runs (its index in `ELEMENTWISE_KERNELS`). */
export const OP = 14;
/** Scalar operand of a scalar zip, as a float64 over slots 16–17 (Float64Array index 8). */
export const SCALAR = 16;
/** First per-worker slot group. */
export const WORKERS = 20;
/** Slots in each per-worker group. */
export const SLOT = 5;
/** In a worker's group: bumped to give it a task; it Atomics.waits on it. */
export const GENERATION = 0;
/** In a worker's group: the first row or element of its range. */
export const ROW_START = 1;
/** In a worker's group: the end of its range (exclusive). */
export const ROW_END = 2;
/** In a worker's group: the worker stopped. */
export const DEAD = 3;
/** In a worker's group: its partial result (as a float32) of a reduction of one run. */
export const RESULT = 4;
/** Room for one worker's error message (UTF-8), after the per-worker slots. */
export const MESSAGE_BYTES = 1024;

/** The control block as both sides read it: four views of its bytes (named so in the worker too). */
export interface ControlViews {
  readonly ctl: Int32Array<SharedArrayBuffer>;
  readonly u32: Uint32Array<SharedArrayBuffer>;
  readonly f32: Float32Array<SharedArrayBuffer>;
  /** Up to SCALAR's float64. */
  readonly f64: Float64Array<SharedArrayBuffer>;
}

/** The views of a control block. */
export function controlViews(control: SharedArrayBuffer): ControlViews {
  return {
    ctl: new Int32Array(control),
    u32: new Uint32Array(control),
    f32: new Float32Array(control),
    f64: new Float64Array(control, 0, SCALAR / 2 + 1),
  };
}

/** Bytes of a control block for `workers` workers, and where its message area starts. */
export function controlLayout(workers: number): { bytes: number; messageByte: number } {
  const messageByte = (WORKERS + workers * SLOT) * 4;
  return { bytes: messageByte + MESSAGE_BYTES, messageByte };
}
