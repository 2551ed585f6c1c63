import * as reductions from "../reductions.js";
import type { Tensor } from "../tensor.js";

/** Tensor's reduction methods (a method group: see elementwise.ts), over reductions.ts. */
export const reductionMethods = {
  /** Σ over `dim` (all elements when omitted, giving shape `[]`); `keepdim` keeps it as size 1. */
  sum(this: Tensor, dim?: number, keepdim = false): Tensor {
    return reductions.sum(this, dim, keepdim);
  },
  /** The mean over `dim` (or of all elements). */
  mean(this: Tensor, dim?: number, keepdim = false): Tensor {
    return reductions.mean(this, dim, keepdim);
  },
  /** The max over `dim` (or of all elements); the gradient is split between ties. */
  max(this: Tensor, dim?: number, keepdim = false): Tensor {
    return reductions.max(this, dim, keepdim);
  },
  /**
   * Index of the (first) max along `dim`, or into the flattened tensor when `dim` is omitted,
   * as a float tensor (minitorch has no integer dtype). Not differentiable.
   */
  argmax(this: Tensor, dim?: number, keepdim = false): Tensor {
    return reductions.argmax(this, dim, keepdim);
  },
};

/** The reduction methods' types, merged into Tensor's. */
export type ReductionMethods = typeof reductionMethods;
