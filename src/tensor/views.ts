import { ShapeError } from "../errors.js";
import { formatShape, normalizeDim, sameShape } from "../strided/shape.js";
import { inferShape } from "../strided/tensor_data.js";
import { Expand, Permute, View } from "./functions.js";
import type { Tensor } from "./tensor.js";

/**
 * The shape-changing methods' arguments, read as PyTorch reads them (negative dims, −1 sizes,
 * shapes given as numbers or one array) and checked, before the view Functions run. Every result
 * here shares `t`'s storage, except `reshape` of a non-contiguous tensor, which copies.
 */

/** Shape arguments as PyTorch takes them: `view(2, 3)` or `view([2, 3])`. */
export type ShapeArgs = number[] | [readonly number[]];

/** Read shape arguments given either way. */
export function shapeFromArgs(args: ShapeArgs): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...args[0]] : (args as number[]);
}

/** `t` with its dims reordered: dim i of the result is dim `order[i]` of `t`. */
export function permute(t: Tensor, order: ShapeArgs): Tensor {
  const dims = shapeFromArgs(order).map((d) => normalizeDim(d, t.ndim, "permute"));
  return Permute.apply(t, dims);
}

/** `t` with two dims swapped. */
export function transpose(t: Tensor, dim0: number, dim1: number): Tensor {
  const a = normalizeDim(dim0, t.ndim, "transpose");
  const b = normalizeDim(dim1, t.ndim, "transpose");
  return Permute.apply(
    t,
    t.shape.map((_, i) => (i === a ? b : i === b ? a : i)),
  );
}

/** `t`'s elements with a new shape (one dim may be −1); `t` must be contiguous. */
export function view(t: Tensor, shape: ShapeArgs): Tensor {
  const requested = shapeFromArgs(shape);
  if (!t.isContiguous()) {
    throw new ShapeError(
      `view: a tensor of shape ${formatShape(t.shape)} with strides ${formatShape(t.layout.strides)} is not contiguous; call .contiguous() first, or use .reshape()`,
    );
  }
  return View.apply(t, inferShape(requested, t.size, "view"));
}

/** `view` when possible, else a contiguous copy with the new shape. */
export function reshape(t: Tensor, shape: ShapeArgs): Tensor {
  const target = inferShape(shapeFromArgs(shape), t.size, "reshape");
  return view(t.contiguous(), [target]);
}

/** `t` broadcast to a bigger shape without copying (−1 keeps a dim's size). */
export function expand(t: Tensor, shape: ShapeArgs): Tensor {
  const requested = shapeFromArgs(shape);
  const shift = requested.length - t.ndim;
  const target = requested.map((d, i) => (d === -1 && i >= shift ? t.shape[i - shift] : d));
  if (target.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(
      `expand: cannot expand shape ${formatShape(t.shape)} to ${formatShape(requested)} (-1 only keeps an existing dim)`,
    );
  }
  if (sameShape(target, t.shape)) return t;
  return Expand.apply(t, target);
}

/** `t` with a dim of size 1 inserted at `dim`. */
export function unsqueeze(t: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, t.ndim + 1, "unsqueeze");
  const shape = t.shape;
  shape.splice(d, 0, 1);
  return reshape(t, [shape]);
}

/** `t` without its dims of size 1 (all of them, or just `dim`). */
export function squeeze(t: Tensor, dim?: number): Tensor {
  if (dim === undefined) return reshape(t, [t.shape.filter((s) => s !== 1)]);
  const d = normalizeDim(dim, t.ndim, "squeeze");
  return t.shape[d] === 1 ? reshape(t, [t.shape.filter((_, i) => i !== d)]) : t;
}
