import { noGrad } from "../autodiff/grad_mode.js";
import { normalizeDim } from "../strided/shape.js";
import { Max, Sum } from "./functions.js";
import { reduceOp, zipOp } from "./history_free_ops.js";
import { Tensor } from "./tensor.js";

/**
 * Reductions as PyTorch has them: over one dim (negative counts from the end) or, when `dim` is
 * omitted, over all elements to shape `[]`; `keepdim` keeps the reduced dim with size 1. The
 * autograd Functions reduce one dim and keep it; the dim and keepdim handling is here, once.
 */

/** The reduction Functions: one dim `{ dim }`, kept with size 1. */
type ReduceFunction = typeof Sum | typeof Max;

/** Apply `fn` over `dim` of `t` (all elements when undefined), as PyTorch's `keepdim` says. */
function reduce(
  t: Tensor,
  name: string,
  fn: ReduceFunction,
  dim: number | undefined,
  keepdim: boolean,
): Tensor {
  if (dim === undefined) {
    const all = fn.apply<Tensor>(t.reshape(-1), { dim: 0 });
    return all.view(keepdim ? t.shape.map(() => 1) : []);
  }
  const d = normalizeDim(dim, t.ndim, name);
  const kept = fn.apply<Tensor>(t, { dim: d });
  return keepdim || t.ndim === 0 ? kept : kept.view(t.shape.filter((_, i) => i !== d));
}

/** Σ over `dim` (or of all elements). */
export function sum(t: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  return reduce(t, "sum", Sum, dim, keepdim);
}

/** The max over `dim` (or of all elements); the gradient is split between ties. */
export function max(t: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  return reduce(t, "max", Max, dim, keepdim);
}

/** The mean over `dim` (or of all elements): the sum divided by the count. */
export function mean(t: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  const count = dim === undefined ? t.size : (t.shape[normalizeDim(dim, t.ndim, "mean")] ?? 1);
  return sum(t, dim, keepdim).div(count);
}

/**
 * Index of the (first) max along `dim`, or into the flattened tensor when `dim` is omitted, as a
 * tensor of `t`'s dtype; as in PyTorch, NaN counts as larger than everything, so a slice holding
 * NaN gives its first NaN. Not differentiable: computed without history, from a max (NaN where
 * the slice holds one), a mask of where it is (`eqNan`: NaN matches NaN) and a min — the position
 * where the max is, and n (past the end) elsewhere; the min is the first max.
 */
export function argmax(t: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  return noGrad(() => {
    if (dim === undefined) {
      const flat = argmax(t.reshape(-1), 0, true);
      return keepdim ? flat.view(t.shape.map(() => 1)) : flat.view([]);
    }
    const d = normalizeDim(dim, t.ndim, "argmax");
    if (t.ndim === 0) return t.zerosLike();
    const n = t.shape[d];
    const isMax = zipOp("eqNan", t, reduceOp("max", t, d));
    const positions = Array.from({ length: n }, (_, i) => i);
    const index = Tensor.fromValues(
      positions,
      [n, ...t.shape.slice(d + 1).map(() => 1)],
      t.dtype,
      t.backendImpl,
    );
    const pastTheEnd = Tensor.full([], n, t.dtype, t.backendImpl);
    const candidates = zipOp(
      "add",
      zipOp("mul", isMax, index),
      zipOp("mul", zipOp("sub", isMax.onesLike(), isMax), pastTheEnd),
    );
    const first = reduceOp("min", candidates, d);
    return keepdim ? first : first.view(t.shape.filter((_, i) => i !== d));
  });
}
