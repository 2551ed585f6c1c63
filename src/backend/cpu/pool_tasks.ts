/**
 * What the thread pool runs: one task per kind of kernel call, each with both of its sides in one
 * place — the caller's (write the arguments into the control block, run the caller's own range)
 * and the worker's (JavaScript source that reads them back and runs a worker's range). A task's
 * code in the TASK slot is its index in `POOL_TASKS`; the worker program splices the worker sides
 * in that order, so the codes are never written by hand.
 *
 * Every range comes from the same kernel code as the whole would, on the same alignment
 * (`split_policy.ts`), so a split task writes bit for bit what one thread writes.
 */

import {
  A,
  B,
  C,
  type ControlViews,
  K,
  LDA,
  LDB,
  M,
  N,
  OP,
  RESULT,
  SCALAR,
  TRANS_A,
  TRANS_B,
} from "./control_block.js";
import {
  kernelCode,
  type SimdReduceOp,
  type SimdZipOp,
  simdReduces,
  simdZips,
  type ZipForm,
} from "./simd_table.js";
import type { WasmKernels } from "./wasm_kernels.js";

/** A byte offset into the backend's memory. */
type Ptr = number;

/** A task's worker side, as the worker program splices it. */
export interface WorkerSide {
  /**
   * The body of a function of (start, end) that runs the range [start, end) from the control
   * block, in the scope the worker program gives it: `ctl`, `u32`, `f32`, `f64` (the block's
   * views, as `ControlViews`), `slot` (the worker's slot group), `ex` (its kernels' exports),
   * `kernels` (the exports of `ELEMENTWISE_KERNELS`, by code) and `scratch` (its matmul scratch).
   */
  readonly worker: string;
}

/** A task: how the caller hands it out and runs its own share, beside how a worker runs its share. */
export interface PoolTask<Args, Result = void> extends WorkerSide {
  /** Caller side: writes `args` into the control block's task slots. */
  encode(block: ControlViews, args: Args): void;
  /** Caller side: runs the range [start, end) on the calling thread, with its own kernels. */
  run(kernels: WasmKernels, args: Args, start: number, end: number): Result;
}

/** A product C = A · B, as `WasmKernels.matmul_f32` takes it; ranges are rows of C. */
export interface MatmulArgs {
  a: Ptr;
  b: Ptr;
  c: Ptr;
  m: number;
  n: number;
  k: number;
  transA: number;
  transB: number;
  lda: number;
  ldb: number;
  /** The caller's own scratch (each worker has its own). */
  scratch: Ptr;
}

/** `matmul_f32_rows` over a range of C's rows. */
export const matmulTask: PoolTask<MatmulArgs> = {
  encode({ ctl, u32 }, x) {
    u32[A] = x.a;
    u32[B] = x.b;
    u32[C] = x.c;
    ctl[M] = x.m;
    ctl[N] = x.n;
    ctl[K] = x.k;
    ctl[TRANS_A] = x.transA;
    ctl[TRANS_B] = x.transB;
    ctl[LDA] = x.lda;
    ctl[LDB] = x.ldb;
  },
  run(k, x, start, end) {
    const { a, b, c, m, n, transA, transB, lda, ldb, scratch } = x;
    k.matmul_f32_rows(a, b, c, m, n, x.k, transA, transB, lda, ldb, start, end, scratch);
  },
  worker: `ex.matmul_f32_rows(u32[${A}], u32[${B}], u32[${C}], ctl[${M}], ctl[${N}], ctl[${K}],
    ctl[${TRANS_A}], ctl[${TRANS_B}], ctl[${LDA}], ctl[${LDB}], start, end, scratch);`,
};

/**
 * out = a ∘ second by a binary op's kernel in one form (`simd_table.ts`): `a` steps, `second` is
 * the other operand's pointer ("zip") or its value (the scalar forms).
 */
export interface ZipArgs {
  op: SimdZipOp;
  form: ZipForm;
  a: Ptr;
  second: number;
  out: Ptr;
}

/** A same-shape zip over a range of elements: both operands and the output advance. */
export const zipTask: PoolTask<ZipArgs> = {
  encode({ ctl, u32 }, x) {
    ctl[OP] = kernelCode(simdZips[x.op][x.form]);
    u32[A] = x.a;
    u32[B] = x.second;
    u32[C] = x.out;
  },
  run(k, x, start, end) {
    k[simdZips[x.op][x.form]](
      x.a + 4 * start,
      x.second + 4 * start,
      x.out + 4 * start,
      end - start,
    );
  },
  worker: `kernels[ctl[${OP}]](u32[${A}] + 4 * start, u32[${B}] + 4 * start, u32[${C}] + 4 * start,
    end - start);`,
};

/** A scalar zip over a range of elements: the scalar stays. */
export const zipScalarTask: PoolTask<ZipArgs> = {
  encode({ ctl, u32, f64 }, x) {
    ctl[OP] = kernelCode(simdZips[x.op][x.form]);
    // The kernels take the scalar as f32; it is stored as f64 and rounded by each call alike.
    f64[SCALAR / 2] = x.second;
    u32[A] = x.a;
    u32[C] = x.out;
  },
  run(k, x, start, end) {
    k[simdZips[x.op][x.form]](x.a + 4 * start, x.second, x.out + 4 * start, end - start);
  },
  worker: `kernels[ctl[${OP}]](u32[${A}] + 4 * start, f64[${SCALAR / 2}], u32[${C}] + 4 * start,
    end - start);`,
};

/** A reduction of a run of float32 at `a`. */
export interface ReduceArgs {
  op: SimdReduceOp;
  a: Ptr;
}

/** A reduction of a range of elements: each worker leaves its partial result in its RESULT slot. */
export const reduceTask: PoolTask<ReduceArgs, number> = {
  encode({ ctl, u32 }, x) {
    ctl[OP] = kernelCode(simdReduces[x.op].all);
    u32[A] = x.a;
  },
  run: (k, x, start, end) => k[simdReduces[x.op].all](x.a + 4 * start, end - start),
  worker: `f32[slot + ${RESULT}] = kernels[ctl[${OP}]](u32[${A}] + 4 * start, end - start);`,
};

/** A reduction of each row of a contiguous rows×cols float32 matrix at `a`, into `out`. */
export interface ReduceRowsArgs extends ReduceArgs {
  out: Ptr;
  cols: number;
}

/** Row reductions over a range of rows. */
export const reduceRowsTask: PoolTask<ReduceRowsArgs> = {
  encode({ ctl, u32 }, x) {
    ctl[OP] = kernelCode(simdReduces[x.op].rows);
    ctl[N] = x.cols;
    u32[A] = x.a;
    u32[C] = x.out;
  },
  run(k, x, start, end) {
    k[simdReduces[x.op].rows](x.a + 4 * start * x.cols, x.out + 4 * start, end - start, x.cols);
  },
  worker: `kernels[ctl[${OP}]](u32[${A}] + 4 * start * ctl[${N}], u32[${C}] + 4 * start,
    end - start, ctl[${N}]);`,
};

/** Every task, in TASK-code order. */
export const POOL_TASKS: readonly WorkerSide[] = [
  matmulTask,
  zipTask,
  zipScalarTask,
  reduceTask,
  reduceRowsTask,
];

/** A task's code in the TASK slot. */
export function taskCode(task: WorkerSide): number {
  return POOL_TASKS.indexOf(task);
}
