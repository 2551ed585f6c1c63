import { shapeSize } from "../strided/shape.js";
import { Contiguous } from "./functions.js";
import { checkOperand } from "./history_free_ops.js";
import type { Tensor } from "./tensor.js";

/** PyTorch's `torch.numel` and `torch.clone`, as functions of a tensor (the methods call them). */

/** Number of elements of `t` (`torch.numel`). */
export function numel(t: Tensor): number {
  checkOperand("numel", t, "a Tensor");
  return shapeSize(t.layout.shape);
}

/**
 * A contiguous copy of `t` with its own storage (`torch.clone`): writing to one never shows in
 * the other, and the gradient flows back through it unchanged.
 */
export function clone(t: Tensor): Tensor {
  checkOperand("clone", t, "a Tensor");
  return Contiguous.apply<Tensor>(t);
}
