import { DTypeError } from "../errors.js";
import type { IndexArg } from "./indexing.js";
import { Tensor } from "./tensor.js";

/**
 * Advanced indexing (PyTorch's `x[idx]` with an integer tensor, `x[mask]` with a boolean one),
 * which copies rather than views. `index(…)` hands it the whole argument list when any argument is
 * a Tensor, so basic steps mixed with tensors follow PyTorch's rules here, in one place.
 */

/**
 * `t` indexed by `indices`, at least one of which is a Tensor (an integer index or a boolean
 * mask). Not supported yet: a DTypeError naming the position of the first tensor argument.
 */
export function advancedIndex(t: Tensor, indices: readonly IndexArg[], op: string): Tensor {
  const position = indices.findIndex((x) => x instanceof Tensor);
  throw new DTypeError(
    `${op}: advanced indexing (an integer Tensor or a boolean mask, at argument ${position}) is not supported yet for a tensor of shape [${t.shape.join(",")}]; use numbers, [start, end, step] slices, null and "..."`,
  );
}
