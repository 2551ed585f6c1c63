import { DataError, DTypeError, ShapeError } from "../../errors.js";
import { describeValue } from "../../options.js";
import { formatShape, sameShape, shapeBroadcast } from "../../strided/shape.js";
import { Tensor } from "../../tensor/tensor.js";

/** How a loss combines its per-element values: their mean (the default), their sum, or not at all. */
export type Reduction = "mean" | "sum" | "none";

/** Options of every loss. */
export interface LossOptions {
  /** `"mean"` (default, as PyTorch), `"sum"`, or `"none"` for the unreduced values. */
  reduction?: Reduction;
}

/** A weight option's value: a tensor, numbers (a 1-D tensor), a number (0-d), or null for none. */
export type LossWeight = Tensor | readonly number[] | number | null;

const reductions: readonly string[] = ["mean", "sum", "none"];

/** `options.reduction` (default "mean"), or a DataError naming the accepted values. */
export function reductionOf(
  op: string,
  reduction: string | undefined,
  accepted: readonly string[] = reductions,
): string {
  const r = reduction ?? "mean";
  if (!accepted.includes(r)) {
    const names = accepted.map((a) => JSON.stringify(a));
    throw new DataError(
      `${op}: reduction must be ${names.slice(0, -1).join(", ")} or ${names.at(-1)}, got ${describeValue(r)}`,
    );
  }
  return r;
}

/** The per-element `losses` reduced as `options.reduction` says: their mean, sum, or themselves. */
export function reduce(op: string, losses: Tensor, options: LossOptions): Tensor {
  const reduction = reductionOf(op, options.reduction);
  if (reduction === "none") return losses;
  return reduction === "sum" ? losses.sum() : losses.mean();
}

/** `values` as a tensor of `like`'s dtype and backend. */
export function hostTensor(
  values: ArrayLike<number>,
  shape: readonly number[],
  like: Tensor,
): Tensor {
  return Tensor.fromValues(values, [...shape], like.dtype, like.backendImpl);
}

/** `t` converted to `like`'s float dtype (a mask, say), without history. */
export function asDTypeOf(t: Tensor, like: Tensor): Tensor {
  return like.dtype === "float64" ? t.double() : t.float();
}

/** A ShapeError unless `input` and `target` have the same shape (PyTorch's losses need it too). */
export function checkSameShape(op: string, input: Tensor, target: Tensor, what = "input"): void {
  if (!sameShape(input.shape, target.shape)) {
    throw new ShapeError(
      `${op}: ${what} of shape ${formatShape(input.shape)} and target of shape ${formatShape(target.shape)} differ`,
    );
  }
}

/**
 * A weight option as a tensor of `input`'s dtype and backend (numbers are made one; a tensor must
 * already have the dtype), or null. `fits` says whether its shape is accepted, `needs` what is.
 */
export function weightTensor(
  op: string,
  name: string,
  weight: LossWeight | undefined,
  input: Tensor,
  fits: (shape: readonly number[]) => boolean,
  needs: string,
): Tensor | null {
  if (weight === null || weight === undefined) return null;
  let w: Tensor;
  if (weight instanceof Tensor) {
    if (weight.dtype !== input.dtype) {
      throw new DTypeError(
        `${op}: ${name} is ${weight.dtype} but the input is ${input.dtype}; convert it with .float() or .double()`,
      );
    }
    w = weight;
  } else {
    w =
      typeof weight === "number"
        ? hostTensor([weight], [], input)
        : hostTensor(weight, [weight.length], input);
  }
  if (!fits(w.shape)) {
    throw new ShapeError(
      `${op}: ${name} of shape ${formatShape(w.shape)} does not fit input of shape ${formatShape(input.shape)}: ${needs}`,
    );
  }
  return w;
}

/** Whether `shape` broadcasts to exactly `target` (PyTorch expands an elementwise weight so). */
export function broadcastsTo(shape: readonly number[], target: readonly number[]): boolean {
  try {
    return sameShape(shapeBroadcast(shape, target), target);
  } catch (error) {
    if (error instanceof ShapeError) return false;
    throw error;
  }
}
