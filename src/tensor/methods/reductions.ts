import type { ReduceArgs, ReduceOptions, ValuesIndices } from "../reduction_args.js";
import * as reductions from "../reductions.js";
import * as scans from "../scans.js";
import * as softmaxes from "../softmax.js";
import * as sorting from "../sorting.js";
import * as statistics from "../statistics.js";
import type { Tensor } from "../tensor.js";

/** max of all elements, max(other) elementwise, or max(dim) as `{values, indices}`. */
function max(this: Tensor): Tensor;
function max(this: Tensor, other: Tensor): Tensor;
function max(this: Tensor, dim: number, keepdim?: boolean | ReduceOptions): ValuesIndices;
function max(this: Tensor, ...args: reductions.ExtremeArgs): Tensor | ValuesIndices {
  return reductions.extreme("max", this, args);
}

/** min of all elements, min(other) elementwise, or min(dim) as `{values, indices}`. */
function min(this: Tensor): Tensor;
function min(this: Tensor, other: Tensor): Tensor;
function min(this: Tensor, dim: number, keepdim?: boolean | ReduceOptions): ValuesIndices;
function min(this: Tensor, ...args: reductions.ExtremeArgs): Tensor | ValuesIndices {
  return reductions.extreme("min", this, args);
}

/**
 * Tensor's reduction methods (a method group: see elementwise.ts), over reductions.ts,
 * statistics.ts, scans.ts and sorting.ts. `dim` is one dim or an array of them (all when omitted),
 * then `keepdim`, or both by name in a trailing options object: `x.sum([0, 2], {keepdim: true})`.
 */
export const reductionMethods = {
  /** Σ over `dim` (all elements when omitted, giving shape `[]`); `keepdim` keeps it as size 1. */
  sum(this: Tensor, ...args: ReduceArgs): Tensor {
    return reductions.sum(this, ...args);
  },
  /** The mean over `dim` (or of all elements). */
  mean(this: Tensor, ...args: ReduceArgs): Tensor {
    return reductions.mean(this, ...args);
  },
  /** Π over `dim` (or of all elements); 1 over an empty dim. */
  prod(this: Tensor, ...args: ReduceArgs): Tensor {
    return reductions.prod(this, ...args);
  },
  max,
  min,
  /** The max over `dim` (or of all elements); the gradient is split evenly between ties. */
  amax(this: Tensor, ...args: ReduceArgs): Tensor {
    return reductions.amax(this, ...args);
  },
  /** The min over `dim` (or of all elements); the gradient is split evenly between ties. */
  amin(this: Tensor, ...args: ReduceArgs): Tensor {
    return reductions.amin(this, ...args);
  },
  /** Index of the first max along `dim` (into the flattened tensor when omitted); no gradient. */
  argmax(this: Tensor, ...args: ReduceArgs): Tensor {
    return reductions.argmax(this, ...args);
  },
  /** Index of the first min along `dim` (into the flattened tensor when omitted); no gradient. */
  argmin(this: Tensor, ...args: ReduceArgs): Tensor {
    return reductions.argmin(this, ...args);
  },
  /** Whether every element over `dim` is nonzero (a mask). */
  all(this: Tensor, ...args: ReduceArgs): Tensor {
    return reductions.all(this, ...args);
  },
  /** Whether any element over `dim` is nonzero (a mask). */
  any(this: Tensor, ...args: ReduceArgs): Tensor {
    return reductions.any(this, ...args);
  },
  /** The variance over `dim`, divided by N − correction (`{correction}`, default 1). */
  var(this: Tensor, ...args: statistics.VarArgs): Tensor {
    return statistics.var(this, ...args);
  },
  /** The standard deviation over `dim`: √var. */
  std(this: Tensor, ...args: statistics.VarArgs): Tensor {
    return statistics.std(this, ...args);
  },
  /** log Σ exp over `dim`, computed stably. */
  logsumexp(this: Tensor, ...args: ReduceArgs): Tensor {
    return statistics.logsumexp(this, ...args);
  },
  /** exp(x) / Σ exp(x) along `dim`, computed stably (`torch.softmax`; float tensors). */
  softmax(this: Tensor, dim: number): Tensor {
    return softmaxes.softmax(this, dim);
  },
  /** log(softmax(x)) along `dim`, computed stably (`torch.log_softmax`). */
  logSoftmax(this: Tensor, dim: number): Tensor {
    return softmaxes.logSoftmax(this, dim);
  },
  /** The vector norm `(p = "fro", dim, keepdim)`: p = 1, 2, "fro", ±Infinity, 0 or any p > 0. */
  norm(this: Tensor, ...args: statistics.NormArgs): Tensor {
    return statistics.norm(this, ...args);
  },
  /** Cumulative sum along `dim`. */
  cumsum(this: Tensor, dim: number): Tensor {
    return scans.cumsum(this, dim);
  },
  /** Cumulative product along `dim`. */
  cumprod(this: Tensor, dim: number): Tensor {
    return scans.cumprod(this, dim);
  },
  /** `{values, indices}` sorted along `dim` (default −1): `(dim, descending)`; NaN is largest. */
  sort(this: Tensor, ...args: sorting.SortArgs): ValuesIndices {
    return sorting.sort(this, ...args);
  },
  /** The indices that sort along `dim` (default −1). */
  argsort(this: Tensor, ...args: sorting.SortArgs): Tensor {
    return sorting.argsort(this, ...args);
  },
  /** `{values, indices}` of the k largest (or smallest) along `dim`: `(k, dim, largest, sorted)`. */
  topk(this: Tensor, k: number, ...args: sorting.TopkArgs): ValuesIndices {
    return sorting.topk(this, k, ...args);
  },
};

/** The reduction methods' types, merged into Tensor's. */
export type ReductionMethods = typeof reductionMethods;
