import type { Context } from "../autodiff/context.js";
import { AutogradFunction } from "../autodiff/function.js";
import type { Shape } from "../strided/shape.js";
import {
  flipLayout,
  type IndexStep,
  indexLayout,
  showsEverything,
  unindexLayout,
} from "../strided/slicing.js";
import type { Layout } from "../strided/tensor_data.js";
import { zipOp } from "./history_free_ops.js";
import { Tensor } from "./tensor.js";

/**
 * The autograd Functions of basic indexing (select, narrow, `index`), flip, and keeping elements
 * by a constant mask (tril, triu). An index is a view: it shares its input's storage, and its
 * gradient is g scattered into zeros of the input's shape. Flip and the masks copy.
 */

/** A history-free view of `t` through `steps` (the Functions' forward, and cat's backward). */
export function indexedView(t: Tensor, steps: readonly IndexStep[]): Tensor {
  return new Tensor(t.storage, indexLayout(t.layout, steps));
}

/**
 * ∂L/∂input of an index: zeros of the input's shape with g copied into the elements the index
 * showed (`Backend.copy` writes into any strided view of the zeros). When the index showed every
 * element (unsqueeze, squeeze, `x.index("...", null)`), g itself seen in the input's shape.
 */
export function scatterIntoZeros(g: Tensor, shape: Shape, steps: readonly IndexStep[]): Tensor {
  if (showsEverything(shape, steps)) return new Tensor(g.storage, unindexLayout(g.layout, steps));
  const zeros = Tensor.full(shape, 0, g.dtype, g.backendImpl);
  zeros.backendImpl.copy({ ...zeros.strided, ...indexLayout(zeros.layout, steps) }, g.strided);
  return zeros;
}

/** What an index Function saves: the input's shape and the steps. */
type IndexContext = Context<[shape: Shape, steps: readonly IndexStep[]]>;

/** The parameters of an index Function: resolved steps, one per input dim (and new axis). */
export interface IndexParams {
  readonly [key: string]: unknown;
  readonly steps: readonly IndexStep[];
}

/** An index Function, named as graph drawings show it. */
function indexFunction(name: string): typeof AutogradFunction {
  const fn = class extends AutogradFunction {
    static override forward(ctx: IndexContext, a: Tensor, p: IndexParams): Tensor {
      ctx.saveForBackward(a.shape, p.steps);
      return indexedView(a, p.steps);
    }
    static override backward(ctx: IndexContext, g: Tensor): Tensor {
      const [shape, steps] = ctx.savedValues;
      return scatterIntoZeros(g, shape, steps);
    }
  };
  Object.defineProperty(fn, "name", { value: name });
  return fn;
}

/** `select(dim, i)`: one index of a dim, which is dropped (a view). */
export const Select = indexFunction("Select");
/** `narrow(dim, start, length)`: a contiguous range of a dim (a view). */
export const Narrow = indexFunction("Narrow");
/** `index(…)`: Python's basic indexing, `x[1:3, None, ::2]` (a view). */
export const Index = indexFunction("Index");
/** `unsqueeze` and `squeeze`: size-1 dims inserted or removed (a view). */
export const Unsqueeze = indexFunction("Unsqueeze");
export const Squeeze = indexFunction("Squeeze");

/** A contiguous copy of `a` read through `layout` (a layout of `a`'s storage). */
function copyThrough(a: Tensor, layout: Layout): Tensor {
  const out = Tensor.empty(layout.shape, a.dtype, a.backendImpl);
  out.backendImpl.copy(out.strided, { ...a.strided, ...layout });
  return out;
}

/** Reverse `dims` (a copy, as PyTorch's flip); the gradient is g flipped back. */
export class Flip extends AutogradFunction {
  static override forward(
    ctx: Context<[dims: readonly number[]]>,
    a: Tensor,
    p: { dims: readonly number[] },
  ): Tensor {
    ctx.saveForBackward(p.dims);
    return copyThrough(a, flipLayout(a.layout, p.dims));
  }
  static override backward(ctx: Context<[dims: readonly number[]]>, g: Tensor): Tensor {
    const [dims] = ctx.savedValues;
    return copyThrough(g, flipLayout(g.layout, dims));
  }
}

/**
 * a where the constant `mask` (broadcast to a's shape) is non-zero, else 0 — a selection
 * (`keepWhere`), not a product, so a NaN or ∞ outside the mask becomes 0 as in PyTorch's tril.
 * The gradient is g masked the same way.
 */
export class KeepWhere extends AutogradFunction {
  static override forward(ctx: Context<[mask: Tensor]>, a: Tensor, p: { mask: Tensor }): Tensor {
    ctx.saveForBackward(p.mask);
    return zipOp("keepWhere", a, p.mask);
  }
  static override backward(ctx: Context<[mask: Tensor]>, g: Tensor): Tensor {
    const [mask] = ctx.savedValues;
    return zipOp("keepWhere", g, mask);
  }
}
