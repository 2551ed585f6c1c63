import type { Context } from "../autodiff/context.js";
import { AutogradFunction } from "../autodiff/function.js";
import { type Shape, shapeSize } from "../strided/shape.js";
import { type IndexStep, indexLayout } from "../strided/slicing.js";
import { copyOp } from "./history_free_ops.js";
import { readSync } from "./reading.js";
import { Tensor } from "./tensor.js";
import { indexedView } from "./view_functions.js";

/**
 * The autograd Functions of selecting.ts that no view or elementwise Function covers: a tensor
 * placed in the leading corner of a bigger one (scatter's result where the index does not reach
 * every element), and maskedSelect, whose result's size is the number of true mask elements.
 */

/** The steps of the leading corner of a bigger shape that `shape` covers. */
function cornerSteps(shape: Shape): IndexStep[] {
  return shape.map((length) => ({ kind: "range", start: 0, length, step: 1 }));
}

/**
 * A new tensor of `shape` (each dim at least x's) filled with `fill`, `x` copied into its
 * leading corner: out[i] = x[i] where i lies inside x's shape (history-free).
 */
export function padded(x: Tensor, shape: Shape, fill: number): Tensor {
  const out = Tensor.full(shape, fill, x.dtype, x.backendImpl);
  const corner = indexLayout(out.layout, cornerSteps(x.shape));
  out.backendImpl.copy({ ...out.strided, ...corner }, x.strided);
  return out;
}

/** `x` in the leading corner of zeros of `shape`; the gradient is g's corner (a view). */
export class PadCorner extends AutogradFunction {
  static override forward(ctx: Context<[shape: Shape]>, x: Tensor, p: { shape: Shape }): Tensor {
    ctx.saveForBackward(x.shape);
    return padded(x, p.shape, 0);
  }
  static override backward(ctx: Context<[shape: Shape]>, g: Tensor): Tensor {
    const [shape] = ctx.savedValues;
    return indexedView(g, cornerSteps(shape));
  }
}

/** MaskedSelect's parameters: the broadcast shape, and the row-major positions of true there. */
export interface MaskedSelectParams {
  readonly [key: string]: unknown;
  readonly shape: Shape;
  readonly positions: readonly number[];
}

/**
 * The elements of `a` (broadcast to `shape`) at `positions`, as a 1-D tensor. Read on the host,
 * which is why maskedSelect needs a backend that reads synchronously; the gradient is g put back
 * at the positions of zeros of `shape` (un-broadcast to a's shape by the autograd engine).
 */
export class MaskedSelect extends AutogradFunction {
  static override forward(
    ctx: Context<[p: MaskedSelectParams]>,
    a: Tensor,
    p: MaskedSelectParams,
  ): Tensor {
    ctx.saveForBackward(p);
    const spread = copyOp(a, p.shape);
    const values = readSync(spread, "maskedSelect");
    spread.dispose();
    const picked = p.positions.map((k) => values[k]);
    return Tensor.fromValues(picked, [picked.length], a.dtype, a.backendImpl);
  }
  static override backward(ctx: Context<[p: MaskedSelectParams]>, g: Tensor): Tensor {
    const [p] = ctx.savedValues;
    const values = readSync(g, "maskedSelect (backward)");
    const spread = new Array<number>(shapeSize(p.shape)).fill(0);
    p.positions.forEach((k, i) => {
      spread[k] = values[i];
    });
    return Tensor.fromValues(spread, p.shape, g.dtype, g.backendImpl);
  }
}
