import * as counting from "../counting.js";
import type { Tensor } from "../tensor.js";

/**
 * The distinct values, flattened (sorted unless `{sorted: false}`), or with `{returnInverse}` /
 * `{returnCounts}` `{values, inverse?, counts?}` (CPU backends: the size depends on the values).
 */
function unique(
  this: Tensor,
  options?: counting.UniqueOptions & { returnInverse?: false; returnCounts?: false },
): Tensor;
function unique(
  this: Tensor,
  options: counting.UniqueOptions & ({ returnInverse: true } | { returnCounts: true }),
): counting.UniqueResult;
function unique(this: Tensor, options?: counting.UniqueOptions): Tensor | counting.UniqueResult;
function unique(this: Tensor, options?: counting.UniqueOptions): Tensor | counting.UniqueResult {
  return counting.unique(this, options);
}

/** Tensor's counting methods (a method group: see elementwise.ts), over counting.ts. */
export const countingMethods = {
  unique,
  /** The count of each value 0…max of this 1-D int32 tensor (`{weights, minlength}`). */
  bincount(this: Tensor, options?: counting.BincountOptions): Tensor {
    return counting.bincount(this, options);
  },
};

/** The counting methods' types, merged into Tensor's. */
export type CountingMethods = typeof countingMethods;
