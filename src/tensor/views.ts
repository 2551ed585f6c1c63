import { DataError, ShapeError } from "../errors.js";
import { formatShape, normalizeDim, sameShape } from "../strided/shape.js";
import { fullRange, type IndexStep } from "../strided/slicing.js";
import { inferShape } from "../strided/tensor_data.js";
import { Expand, Permute, View } from "./functions.js";
import { checkOperand } from "./history_free_ops.js";
import type { Tensor } from "./tensor.js";
import { Squeeze, Unsqueeze } from "./view_functions.js";

/**
 * The shape-changing methods' arguments, read as PyTorch reads them (negative dims, −1 sizes,
 * shapes given as numbers or one array) and checked, before the view Functions run. Every result
 * here shares `t`'s storage, except `reshape` (and `flatten`, `unflatten`) of a tensor that is
 * not contiguous, which copies.
 */

/** Shape arguments as PyTorch takes them: `view(2, 3)` or `view([2, 3])`. */
export type ShapeArgs = number[] | [readonly number[]];

/** Read shape arguments given either way. */
export function shapeFromArgs(args: ShapeArgs): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...args[0]] : (args as number[]);
}

/** Dims given as one number or an array, normalized; a `ShapeError` naming a repeated one. */
export function dimList(dims: number | readonly number[], ndim: number, op: string): number[] {
  const list = (typeof dims === "number" ? [dims] : [...dims]).map((d) =>
    normalizeDim(d, ndim, op),
  );
  list.forEach((d, i) => {
    if (list.indexOf(d) !== i) {
      throw new ShapeError(`${op}: dim ${d} appears more than once in ${formatShape(list)}`);
    }
  });
  return list;
}

/** `t` with its dims reordered: dim i of the result is dim `order[i]` of `t`. */
export function permute(t: Tensor, order: ShapeArgs): Tensor {
  checkOperand("permute", t, "a Tensor");
  const dims = shapeFromArgs(order).map((d) => normalizeDim(d, t.ndim, "permute"));
  return Permute.apply(t, dims);
}

/** `t` with two dims swapped. */
export function transpose(t: Tensor, dim0: number, dim1: number): Tensor {
  checkOperand("transpose", t, "a Tensor");
  const a = normalizeDim(dim0, t.ndim, "transpose");
  const b = normalizeDim(dim1, t.ndim, "transpose");
  return Permute.apply(
    t,
    t.shape.map((_, i) => (i === a ? b : i === b ? a : i)),
  );
}

/** `t` itself for ≤ 1 dims, a matrix transposed: `torch.t` (a ShapeError beyond 2 dims). */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2) {
    throw new ShapeError(
      `t: expects a tensor of at most 2 dims, got shape ${formatShape(x.shape)} (use transpose or .mT)`,
    );
  }
  return x.ndim < 2 ? x : transpose(x, 0, 1);
}

/** `x.T`: all dims reversed (PyTorch deprecates it beyond 2 dims, but allows it). */
export function reverseDims(x: Tensor): Tensor {
  return x.ndim < 2
    ? x
    : permute(
        x,
        x.shape.map((_, i) => x.ndim - 1 - i),
      );
}

/** `x.mT`: the last two dims swapped (a batch of matrices transposed). */
export function matrixTranspose(x: Tensor): Tensor {
  if (x.ndim < 2) {
    throw new ShapeError(
      `mT: needs a matrix or a batch of matrices, got a ${x.ndim}-d tensor of shape ${formatShape(x.shape)}`,
    );
  }
  return transpose(x, -2, -1);
}

/**
 * `t` with the dims `source` moved to positions `destination` (numbers or equal-length arrays),
 * the other dims keeping their order: `torch.movedim`.
 */
export function movedim(
  t: Tensor,
  source: number | readonly number[],
  destination: number | readonly number[],
): Tensor {
  checkOperand("movedim", t, "a Tensor");
  const from = dimList(source, t.ndim, "movedim");
  const to = dimList(destination, t.ndim, "movedim");
  if (from.length !== to.length) {
    throw new ShapeError(
      `movedim: source ${formatShape(from)} and destination ${formatShape(to)} hold different numbers of dims`,
    );
  }
  if (t.ndim === 0) return t;
  const order = new Array<number>(t.ndim).fill(-1);
  from.forEach((d, i) => {
    order[to[i]] = d;
  });
  const rest = t.shape.map((_, i) => i).filter((d) => !from.includes(d));
  return Permute.apply(
    t,
    order.map((d) => (d === -1 ? (rest.shift() as number) : d)),
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
  return View.apply(t, inferShape(requested, t.numel(), "view"));
}

/** `view` when possible, else a contiguous copy with the new shape. */
export function reshape(t: Tensor, shape: ShapeArgs): Tensor {
  checkOperand("reshape", t, "a Tensor");
  const target = inferShape(shapeFromArgs(shape), t.numel(), "reshape");
  return view(t.contiguous(), [target]);
}

/**
 * Dims `startDim` … `endDim` (inclusive; negative from the end) merged into one, as
 * `torch.flatten`; a 0-d tensor becomes 1-D. A view when `t` is contiguous, else a copy.
 */
export function flatten(t: Tensor, startDim = 0, endDim = -1): Tensor {
  checkOperand("flatten", t, "a Tensor");
  if (t.ndim === 0) return reshape(t, [1]);
  const start = normalizeDim(startDim, t.ndim, "flatten");
  const end = normalizeDim(endDim, t.ndim, "flatten");
  if (start > end) {
    throw new ShapeError(
      `flatten: startDim ${startDim} comes after endDim ${endDim} for a ${t.ndim}-d tensor`,
    );
  }
  const shape = t.shape;
  return reshape(t, [[...shape.slice(0, start), -1, ...shape.slice(end + 1)]]);
}

/** Dim `dim` split into `sizes` (one may be −1), as `torch.unflatten`. */
export function unflatten(t: Tensor, dim: number, sizes: readonly number[]): Tensor {
  checkOperand("unflatten", t, "a Tensor");
  if (t.ndim === 0) throw new ShapeError("unflatten: cannot be applied to a 0-d tensor");
  const d = normalizeDim(dim, t.ndim, "unflatten");
  if (sizes.length === 0) throw new ShapeError("unflatten: sizes must not be empty");
  const split = inferShape(
    sizes,
    t.shape[d],
    `unflatten (dim ${d} of shape ${formatShape(t.shape)})`,
  );
  const shape = t.shape;
  shape.splice(d, 1, ...split);
  return reshape(t, [shape]);
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

/** `t` with a dim of size 1 inserted at `dim` (a view, whatever `t`'s layout). */
export function unsqueeze(t: Tensor, dim: number): Tensor {
  checkOperand("unsqueeze", t, "a Tensor");
  const d = normalizeDim(dim, t.ndim + 1, "unsqueeze");
  const steps: IndexStep[] = t.shape.map(fullRange);
  steps.splice(d, 0, { kind: "newAxis" });
  return Unsqueeze.apply(t, { steps });
}

/**
 * `t` without its dims of size 1: all of them, or those among `dim` (a number or, as PyTorch
 * 2.0, an array); dims named that are not of size 1 stay. A view, whatever `t`'s layout.
 */
export function squeeze(t: Tensor, dim?: number | readonly number[]): Tensor {
  checkOperand("squeeze", t, "a Tensor");
  if (dim !== undefined && typeof dim !== "number" && !Array.isArray(dim)) {
    throw new DataError(`squeeze: dim must be a number or an array of numbers, got ${String(dim)}`);
  }
  const dims = dim === undefined ? t.shape.map((_, i) => i) : dimList(dim, t.ndim, "squeeze");
  const gone = (i: number) => dims.includes(i) && t.shape[i] === 1;
  if (!t.shape.some((_, i) => gone(i))) return t;
  const steps: IndexStep[] = t.shape.map((size, i) =>
    gone(i) ? { kind: "select", index: 0 } : fullRange(size),
  );
  return Squeeze.apply(t, { steps });
}
