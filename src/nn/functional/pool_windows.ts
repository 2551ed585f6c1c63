import type { Context } from "../../autodiff/context.js";
import { AutogradFunction } from "../../autodiff/function.js";
import type { ConvGeometry } from "../../backend/backend.js";
import type { Shape } from "../../strided/shape.js";
import { copyOp, foldOp, reduceOp, unfoldOp, zipOp } from "../../tensor/history_free_ops.js";
import { cat } from "../../tensor/joining.js";
import { Tensor } from "../../tensor/tensor.js";

/**
 * The machinery the poolings share: cutting an image into windows (`Windows`, im2col with its
 * adjoint), PyTorch's rule for which element of a window is its max (`windowMax`), and the
 * Function that pools with that choice (`PickMax`), whose gradient goes to the chosen element.
 */

/** Windows saves the image's shape and the window. */
type WindowsContext = Context<[shape: Shape, g: ConvGeometry]>;

/**
 * image [M, 1, H, W] → its windows [M, kh·kw, OH·OW] (`unfold`, row i·kw + j holding offset
 * (i, j) of every window); backward is `fold`, unfold's adjoint, so overlapping windows add
 * their gradients.
 */
export class Windows extends AutogradFunction {
  /** The image's windows, one per column (unfold), saving what backward needs. @task 4.3 */
  static override forward(ctx: WindowsContext, image: Tensor, p: { g: ConvGeometry }): Tensor {
    ctx.saveForBackward(image.shape, p.g);
    return unfoldOp(image, p.g);
  }
  /**
   * Each window's gradient added back where the window read it (fold, unfold's adjoint).
   * @task 4.3
   */
  static override backward(ctx: WindowsContext, grad: Tensor): Tensor {
    const [shape, g] = ctx.savedValues;
    return foldOp(grad.isContiguous() ? grad : copyOp(grad), g, shape);
  }
}

/**
 * Which element of each window of `rows` along `dim` is its max `values` (kept with size 1), as
 * PyTorch's CPU kernel picks it: it walks the window in order and takes an element when
 * `val > max || isnan(val)`, so the first max wins a tie, the last NaN wins in a window holding
 * NaN, and padding is never picked (a window of real −∞ picks its first real element). `valid`
 * (1/0 in the rows' dtype, broadcasting to them) marks the real elements; null when all are.
 * Each candidate (an element equal to the max, NaN equal to NaN) gets a rank, n − i in an
 * ordinary window (the first is highest) and i + 1 in a NaN window (the last is), and the
 * highest rank wins: a handful of elementwise passes in the rows' dtype, no integer casts (the
 * backward of max pooling runs it at every training step). The result is 1/0 along `dim` in
 * the rows' dtype, without history.
 */
export function chooseMax(rows: Tensor, values: Tensor, dim: number, valid: Tensor | null): Tensor {
  const n = rows.shape[dim];
  const dtype = rows.dtype;
  const scalar = (v: number) => Tensor.full([], v, dtype, rows.backendImpl);
  const ties = copyOp(zipOp("eqNan", rows, values), rows.shape, dtype);
  const candidate = valid === null ? ties : zipOp("mul", ties, valid);
  // rank_i = (i + 1) + ordinary·(n − 2i − 1): n − i where the max is a number, i + 1 where NaN.
  // Built from window-sized rows joined along dim (a [n, 1] column broadcast against the rows
  // takes the backends' slow strided path; rows and scalars take the flat one).
  const ordinary = copyOp(zipOp("eq", values, values), values.shape, dtype);
  const ranks = Array.from({ length: n }, (_, i) =>
    zipOp("add", zipOp("mul", ordinary, scalar(n - 2 * i - 1)), scalar(i + 1)),
  );
  const key = zipOp("mul", candidate, cat(ranks, dim));
  const best = reduceOp("max", key, dim);
  return copyOp(zipOp("eq", key, best), key.shape, dtype);
}

/** What PickMax needs besides the rows: the window dim and which elements are real. */
export type PickParams = { readonly dim: number; readonly valid: Tensor | null };

/** PickMax saves the rows, their maxima and its parameters. */
type PickContext = Context<[rows: Tensor, values: Tensor, p: PickParams]>;

/**
 * rows → the max of each window along `dim` (kept with size 1): the gradient goes to the
 * element `chooseMax` picks, selected into place (`keepWhere`), so a NaN gradient reaches only
 * the element it belongs to, as PyTorch's scatter by index does. The choice is made in backward,
 * so a forward without gradient costs one reduction.
 */
export class PickMax extends AutogradFunction {
  /** The max of each window along `p.dim`, kept with size 1. @task 4.3 */
  static override forward(ctx: PickContext, rows: Tensor, p: PickParams): Tensor {
    const values = reduceOp("max", rows, p.dim);
    if (!ctx.noGrad) ctx.saveForBackward(rows, values, p);
    return values;
  }
  /**
   * The gradient, only to the element `chooseMax` picks in each window (0 elsewhere).
   * @task 4.3
   */
  static override backward(ctx: PickContext, grad: Tensor): Tensor {
    const [rows, values, p] = ctx.savedValues;
    return zipOp("keepWhere", grad, chooseMax(rows, values, p.dim, p.valid));
  }
}

/**
 * Each window's chosen element looked up in `table` (int32, broadcasting to `chosen`): the sum
 * along `dim` of the table where `chosen` is 1 — where the max is, as the table numbers it (an
 * int32 result).
 */
export function lookUp(chosen: Tensor, table: Tensor, dim: number): Tensor {
  const mask = copyOp(chosen, chosen.shape, table.dtype);
  return reduceOp("sum", zipOp("keepWhere", table, mask), dim);
}
