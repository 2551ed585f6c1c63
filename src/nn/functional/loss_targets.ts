import type { Context } from "../../autodiff/context.js";
import { AutogradFunction } from "../../autodiff/function.js";
import { noGrad } from "../../autodiff/grad_mode.js";
import { DataError, DTypeError, ShapeError } from "../../errors.js";
import { formatShape, sameShape, shapeSize } from "../../strided/shape.js";
import { zipOp } from "../../tensor/history_free_ops.js";
import { Tensor } from "../../tensor/tensor.js";
import { asDTypeOf, hostTensor } from "./loss_reduction.js";

/**
 * Class-index targets of `nllLoss` and `crossEntropy`, turned into a one-hot mask along the input's
 * class dim: input [C] with a 0-d target, [N, C] with [N], or [N, C, d1, …] with [N, d1, …].
 */

/** Class indices, one per sample (and position): an int32 (or integer-valued float) tensor, or numbers in row-major order. */
export type Targets = Tensor | readonly number[];

/** Where the classes of `input` lie: its class dim (0 unbatched, else 1), C, and the target shape. */
export interface ClassLayout {
  readonly classDim: number;
  readonly classes: number;
  /** The input's shape without its class dim: that of class-index targets and of unreduced losses. */
  readonly targetShape: readonly number[];
}

/** The class layout of `input`, or a ShapeError for a 0-d input. */
export function classLayout(op: string, input: Tensor): ClassLayout {
  if (input.ndim === 0) {
    throw new ShapeError(
      `${op}: input must have shape [C], [N, C] or [N, C, d1, …], got ${formatShape(input.shape)}`,
    );
  }
  const classDim = input.ndim === 1 ? 0 : 1;
  const targetShape = input.shape.filter((_, d) => d !== classDim);
  return { classDim, classes: input.shape[classDim], targetShape };
}

/** The one-hot mask of class-index targets, and which targets count. */
export interface ClassTargets {
  /** Input-shaped, in the input's dtype: 1 at each counted target's class, 0 elsewhere. */
  readonly mask: Tensor;
  /** Target-shaped: 1 where the target counts, 0 where it is ignoreIndex. */
  readonly kept: Tensor;
  /**
   * Only for targets left on the device (unchecked): target-shaped, 1 where the target is a class
   * or ignoreIndex, 0 where it is neither; dividing a loss by it makes the latter NaN.
   */
  readonly hits: Tensor | null;
}

/** Whether `targets` is a tensor read only asynchronously (a GPU's), whose values are not checked. */
function onDevice(targets: Targets): targets is Tensor {
  return targets instanceof Tensor && !targets.backendImpl.synchronousRead;
}

/** A ShapeError unless the targets have the layout's target shape (or count, for numbers). */
function checkTargetShape(op: string, targets: Targets, input: Tensor, layout: ClassLayout): void {
  const need = layout.targetShape;
  const inputShape = formatShape(input.shape);
  if (targets instanceof Tensor) {
    if (targets.dtype === "bool") {
      throw new DTypeError(`${op}: class-index targets must be int32 (or int64), got bool`);
    }
    if (sameShape(targets.shape, need)) return;
    throw new ShapeError(
      `${op}: targets of shape ${formatShape(targets.shape)} do not fit input of shape ${inputShape}: ` +
        `class indices need shape ${formatShape(need)} (${need.length}-D), probabilities shape ${inputShape}`,
    );
  }
  const count = targets.length;
  if (count === shapeSize(need)) return;
  const which =
    input.ndim === 1
      ? `an unbatched input of shape ${inputShape}, which needs one`
      : `a batch of ${input.shape[0]} samples: input of shape ${inputShape} needs targets of shape ${formatShape(need)}`;
  throw new ShapeError(`${op}: ${count} targets for ${which}`);
}

/** Position `i` of a row-major `shape` as an index list ("1", "[0,2]"). */
function positionOf(i: number, shape: readonly number[]): string {
  if (shape.length === 1) return String(i);
  const index: number[] = [];
  for (let d = shape.length - 1, rest = i; d >= 0; d--) {
    index.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  return formatShape(index);
}

/**
 * The one-hot mask of `targets` for `input`. Targets readable synchronously are checked on the
 * host (each an integer in [0, C) or ignoreIndex, else a DataError naming it and its position) and
 * the mask is uploaded once. Targets on a device that reads only asynchronously (a GPU) are
 * compared with 0…C−1 there instead: reading them back would stall every training step, so their
 * values cannot be checked, and one that is neither a class nor ignoreIndex (out of range, NaN)
 * selects no class and gets `hits` 0, which the loss turns into NaN rather than a plausible 0.
 */
export function classTargets(
  op: string,
  targets: Targets,
  input: Tensor,
  layout: ClassLayout,
  ignoreIndex: number,
): ClassTargets {
  checkTargetShape(op, targets, input, layout);
  const { classDim, classes: c, targetShape } = layout;
  if (onDevice(targets)) {
    return noGrad(() => {
      const withClassDim = [...targetShape];
      withClassDim.splice(classDim, 0, 1);
      const classShape = input.shape.map((d, i) => (i === classDim ? d : 1));
      const t = targets.detach();
      const range = Array.from({ length: c }, (_, j) => j);
      const kept = asDTypeOf(t.ne(ignoreIndex), input);
      const isClass = t
        .reshape(withClassDim)
        .eq(Tensor.fromValues(range, classShape, t.dtype, t.backendImpl));
      const mask = asDTypeOf(isClass, input).mul(kept.reshape(withClassDim));
      return { mask, kept, hits: mask.sum(classDim).sub(kept).add(1) };
    });
  }
  const values = targets instanceof Tensor ? targets.dataSync() : targets;
  const m = values.length;
  // Positions per sample after the class dim (1 for [C] and [N, C]).
  const inner = input.ndim <= 2 ? 1 : shapeSize(targetShape.slice(1));
  const mask = new Float64Array(m * c);
  const kept = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const t = values[i];
    if (t === ignoreIndex) continue;
    if (!Number.isInteger(t) || t < 0 || t >= c) {
      const at = input.ndim === 1 ? "" : ` at index ${positionOf(i, targetShape)}`;
      throw new DataError(
        `${op}: target ${t}${at} is not a class index in [0, ${c}) nor ignoreIndex ${ignoreIndex} (input ${formatShape(input.shape)})`,
      );
    }
    kept[i] = 1;
    const sample = Math.floor(i / inner);
    mask[(sample * c + t) * inner + (i % inner)] = 1;
  }
  return {
    mask: hostTensor(mask, input.shape, input),
    kept: hostTensor(kept, targetShape, input),
    hits: null,
  };
}

/**
 * x where `mask` ≠ 0, else 0, as one Function: a selection (`keepWhere`), not x · mask, so NaN or
 * −∞ outside the mask stays out of the loss (NaN · 0 and −∞ · 0 are NaN), as PyTorch's nll_loss
 * reads only the target's entry; the gradient is selected likewise.
 */
export class KeepWhere extends AutogradFunction {
  static override forward(ctx: Context<[mask: Tensor]>, x: Tensor, p: { mask: Tensor }): Tensor {
    ctx.saveForBackward(p.mask);
    return zipOp("keepWhere", x, p.mask);
  }
  static override backward(ctx: Context<[mask: Tensor]>, g: Tensor): Tensor {
    const [mask] = ctx.savedValues;
    return zipOp("keepWhere", g, mask);
  }
}
