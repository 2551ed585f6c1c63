import type { Shape } from "../../strided/shape.js";
import { copyOp } from "../../tensor/history_free_ops.js";
import { Tensor } from "../../tensor/tensor.js";

/**
 * The views convolutions and transposed convolutions take of their tensors: 1-D inputs seen as
 * images of height 1 (so one pair of unfold/fold kernels serves both ranks), and results reshaped
 * without copying whenever the layout allows.
 */

/** `t` seen as [N, C, 1, L] (rank 1) or as it is (rank 2): a view, whatever its strides. */
export function asImage(t: Tensor, rank: 1 | 2): Tensor {
  if (rank === 2) return t;
  const { shape, strides, offset } = t.layout;
  return new Tensor(t.storage, {
    shape: [shape[0], shape[1], 1, shape[2]],
    strides: [strides[0], strides[1], 0, strides[2]],
    offset,
  });
}

/** The 4-D image shape of a rank-1 or rank-2 input shape. */
export function imageShape(shape: Shape, rank: 1 | 2): Shape {
  return rank === 2 ? shape : [shape[0], shape[1], 1, shape[2]];
}

/** A fresh result `t` seen with `shape`, letting go of `t` itself (the view keeps the storage). */
export function viewOf(t: Tensor, shape: Shape): Tensor {
  const view = t.reshapeView(shape);
  t.dispose();
  return view;
}

/** `t` seen with `shape`: a view when it is contiguous, else a view of a contiguous copy. */
export function reshaped(t: Tensor, shape: Shape): Tensor {
  return t.isContiguous() ? t.reshapeView(shape) : viewOf(copyOp(t), shape);
}

/** `t` with its last two dims swapped: a view (the matmul kernels take any strides). */
export function transposedView(t: Tensor): Tensor {
  const order = t.shape.map((_, i) => i);
  const last = order.length - 1;
  [order[last - 1], order[last]] = [order[last], order[last - 1]];
  return t.permuteView(order);
}

/**
 * [...lead, groups, ...tail], with no groups dim for one group: the ungrouped convolution keeps
 * the shapes (and the backends' fast paths) it always had, a grouped one batches its groups.
 */
export function groupedShape(lead: Shape, groups: number, tail: Shape): Shape {
  return groups === 1 ? [...lead, ...tail] : [...lead, groups, ...tail];
}
