import type { Context } from "../autodiff/context.js";
import { AutogradFunction } from "../autodiff/function.js";
import type { Shape } from "../strided/shape.js";
import { indexLayout, stepsAt } from "../strided/slicing.js";
import { copyOp, mapOp, reduceOp, zipOp } from "./history_free_ops.js";
import { Tensor } from "./tensor.js";

/**
 * The autograd Functions of the reductions and of what is built on them (reductions.ts,
 * statistics.ts, scans.ts, sorting.ts; Sum is functions.ts's): each reduces, shifts or gathers along one dim, and the
 * dim handling PyTorch's callers see (several dims, keepdim, negative dims) is done above them.
 */

/** An extreme saves its input, its result and the dim. */
type ExtremeContext = Context<[a: Tensor, out: Tensor, dim: number]>;

/**
 * The max (or min) along `dim`, kept with size 1. The gradient goes to the elements equal to it,
 * split evenly between ties (as torch.amax and torch.amin, and max() of all elements), so it
 * sums to g: g·[aᵢ = m] / #ties. A NaN result counts the NaNs as its ties (`eqNan`), as max() of
 * all elements does in PyTorch (its amax gives NaN to the whole slice instead); the share is
 * selected (`keepWhere`), not multiplied, so an infinite g reaches only the ties.
 */
function extremeFunction(op: "max" | "min", name: string): typeof AutogradFunction {
  const fn = class extends AutogradFunction {
    static override forward(ctx: ExtremeContext, a: Tensor, p: { dim: number }): Tensor {
      const out = reduceOp(op, a, p.dim);
      ctx.saveForBackward(a, out, p.dim);
      return out;
    }
    static override backward(ctx: ExtremeContext, g: Tensor): Tensor {
      const [a, out, dim] = ctx.savedValues;
      const mask = zipOp("eqNan", a, out);
      const ties = reduceOp("sum", mask, dim);
      return zipOp("keepWhere", zipOp("div", g, ties), mask);
    }
  };
  Object.defineProperty(fn, "name", { value: name });
  return fn;
}

/** max along a dim, kept; ties share the gradient. */
export const Max = extremeFunction("max", "Max");
/** min along a dim, kept; ties share the gradient. */
export const Min = extremeFunction("min", "Min");

/**
 * 1 where `index` (a tensor `[…, k, 1, …]` of positions along dim `dim + 1`) points, along a new
 * dim inserted at `dim + 1` of size `n`: the one-hot `[…, k, n, …]` that TakeAlongDim selects
 * with. Positions are compared as numbers in `like`'s dtype.
 */
function oneHot(index: Tensor, n: number, dim: number, like: Tensor): Tensor {
  const trailing = index.ndim - dim - 2;
  const positions = Tensor.fromValues(
    Array.from({ length: n }, (_, i) => i),
    [n, ...new Array<number>(trailing).fill(1)],
    like.dtype,
    like.backendImpl,
  );
  return asDType(zipOp("eq", index, positions), like.dtype);
}

/** `t` in `dtype` (itself when it already is): masks from comparisons used as numbers. */
export function asDType(t: Tensor, dtype: Tensor["dtype"]): Tensor {
  return t.dtype === dtype ? t : copyOp(t, t.shape, dtype);
}

/** TakeAlongDim saves the one-hot selection, the input's shape and the dim. */
type TakeContext = Context<[selection: Tensor, shape: Shape, dim: number]>;

/**
 * out[…, r, …] = a[…, index[…, r, …], …] along `dim` (torch.take_along_dim with an index of
 * a's shape but for `dim`): the values of max(dim), sort and topk at the indices they return.
 * The index holds positions read as numbers, in any dtype. Computed with a one-hot selection
 * `[…, k, n, …]` (a comparison with the positions), summed after `keepWhere` — a selection, so a
 * NaN or infinite element not chosen contributes 0, not NaN — and the gradient is g scattered
 * back through the same selection: each element gets the sum of g where it was taken.
 */
export class TakeAlongDim extends AutogradFunction {
  static override forward(ctx: TakeContext, a: Tensor, p: { dim: number; index: Tensor }): Tensor {
    const { dim, index } = p;
    const positions = asDType(index, a.dtype);
    const selection = oneHot(positions.unsqueeze(dim + 1), a.shape[dim], dim, a);
    ctx.saveForBackward(selection, a.shape, dim);
    const taken = reduceOp("sum", zipOp("keepWhere", a.unsqueeze(dim), selection), dim + 1);
    return taken.view(index.shape);
  }
  static override backward(ctx: TakeContext, g: Tensor): Tensor {
    const [selection, shape, dim] = ctx.savedValues;
    const spread = zipOp("keepWhere", g.unsqueeze(dim + 1), selection);
    return reduceOp("sum", spread, dim).view(shape);
  }
}

/** Shift's parameters: the dim, how far (negative: towards the start) and the fill. */
interface ShiftParams {
  readonly dim: number;
  readonly by: number;
  readonly fill: number;
}

/**
 * out[…, i, …] = a[…, i − by, …] along `dim`, and `fill` where i − by is outside a: one step of
 * the scans (cumsum adds a shifted copy of itself with fill 0, cumprod multiplies with fill 1).
 * The gradient is g shifted back with fill 0: each element of a went to one place. Written as a
 * copy into a window of the filled output (`Backend.copy` writes into any strided view).
 */
export class Shift extends AutogradFunction {
  static override forward(ctx: Context<[p: ShiftParams]>, a: Tensor, p: ShiftParams): Tensor {
    ctx.saveForBackward(p);
    return shifted(a, p);
  }
  static override backward(ctx: Context<[p: ShiftParams]>, g: Tensor): Tensor {
    const [p] = ctx.savedValues;
    return shifted(g, { dim: p.dim, by: -p.by, fill: 0 });
  }
}

/** `a` shifted by `by` along `dim`, `fill` where nothing lands (history-free). */
function shifted(a: Tensor, { dim, by, fill }: ShiftParams): Tensor {
  const out = Tensor.full(a.shape, fill, a.dtype, a.backendImpl);
  const length = a.shape[dim] - Math.abs(by);
  if (length <= 0) return out;
  const window = (t: Tensor, start: number) =>
    indexLayout(t.layout, stepsAt(t.shape, dim, { kind: "range", start, length, step: 1 }));
  const to = { ...out.strided, ...window(out, Math.max(by, 0)) };
  out.backendImpl.copy(to, { ...a.strided, ...window(a, Math.max(-by, 0)) });
  return out;
}

/** Root's context: its result, its input and the root's order. */
type RootContext = Context<[out: Tensor, a: Tensor, p: number]>;

/**
 * a^(1/p) (√a for p = 2) for a ≥ 0, whose gradient g·out/(p·a) is 0 where the result is 0
 * (instead of g·∞·0 = NaN), as PyTorch's std and p-norm backward mask it: the std of a
 * constant slice, the norm of zeros.
 */
export class RootZeroSafe extends AutogradFunction {
  static override forward(ctx: RootContext, a: Tensor, params: { p: number }): Tensor {
    const { p } = params;
    const out =
      p === 2 ? mapOp("sqrt", a) : zipOp("pow", a, Tensor.full([], 1 / p, a.dtype, a.backendImpl));
    ctx.saveForBackward(out, a, p);
    return out;
  }
  static override backward(ctx: RootContext, g: Tensor): Tensor {
    const [out, a, p] = ctx.savedValues;
    const slope = zipOp("div", out, zipOp("mul", a, Tensor.full([], p, a.dtype, a.backendImpl)));
    return zipOp("keepWhere", zipOp("mul", g, slope), out);
  }
}
