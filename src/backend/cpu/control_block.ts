/**
 * The layout of the thread pool's control block: an Int32Array over its own SharedArrayBuffer that
 * the calling thread and the workers read and write with Atomics (see `thread_pool.ts` for the
 * protocol). Shared by the pool and the worker program, so the two sides cannot disagree.
 *
 *   slot                     written by   meaning
 *   PENDING                  both         workers still running the current task
 *   FAILED                   worker       1 + index of the first worker whose kernel threw, else 0
 *   MESSAGE_LENGTH           worker       bytes of its error message (UTF-8, after the slots)
 *   TASK                     caller       the kernel to run (`Task`)
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
 */

import type { SimdOp } from "./wasm_paths.js";

export const PENDING = 0;
export const FAILED = 1;
export const MESSAGE_LENGTH = 2;
/** Which kernel the task runs (a `Task`), and for elementwise tasks the op within it. */
export const TASK = 3;
export const A = 4;
export const B = 5;
export const C = 6;
export const M = 7;
export const N = 8;
export const K = 9;
export const TRANS_A = 10;
export const TRANS_B = 11;
export const LDA = 12;
export const LDB = 13;
export const OP = 14;
/** Scalar operand of a scalar zip, as a float64 over slots 16–17 (Float64Array index 8). */
export const SCALAR = 16;
/** First per-worker slot group, and the slots in each group. */
export const WORKERS = 20;
export const SLOT = 5;
export const GENERATION = 0;
export const ROW_START = 1;
export const ROW_END = 2;
export const DEAD = 3;
/** A worker's partial sum (as a float32) of a `Task.Sum`. */
export const RESULT = 4;
/** Room for one worker's error message (UTF-8), after the per-worker slots. */
export const MESSAGE_BYTES = 1024;

/** OP codes of the zips (scalar forms: sub and div reversed are 4 and 5). */
export const ZIP_CODES: Record<SimdOp, number> = { add: 0, sub: 1, mul: 2, div: 3 };

/** Task kinds in the TASK slot. */
export enum Task {
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

/** Bytes of a control block for `workers` workers, and where its message area starts. */
export function controlLayout(workers: number): { bytes: number; messageByte: number } {
  const messageByte = (WORKERS + workers * SLOT) * 4;
  return { bytes: messageByte + MESSAGE_BYTES, messageByte };
}
