import type { Context } from "../../autodiff/context.js";
import { AutogradFunction } from "../../autodiff/function.js";
import { DTypeError, ShapeError } from "../../errors.js";
import { checkOptions } from "../../options.js";
import { formatShape, sameShape } from "../../strided/shape.js";
import { mapOp, zipOp } from "../../tensor/history_free_ops.js";
import { Tensor } from "../../tensor/tensor.js";
import {
  type BinaryCrossEntropyOptions,
  type BinaryCrossEntropyWithLogitsOptions,
  binaryCrossEntropyChecks,
  binaryCrossEntropyWithLogitsChecks,
} from "./loss_options.js";
import {
  broadcastsTo,
  hostTensor,
  type LossWeight,
  reduce,
  weightTensor,
} from "./loss_reduction.js";

/** ln p clamped below at −100, as PyTorch's binary cross-entropy does (so ln 0 counts as −100). */
function clampedLog(p: Tensor): Tensor {
  const hundred = Tensor.full([], 100, p.dtype, p.backendImpl);
  return zipOp("sub", mapOp("relu", zipOp("add", mapOp("log", p), hundred)), hundred);
}

/** BinaryCrossEntropy saves its inputs and their clamped logs ln p, ln(1 − p). */
type BinaryCrossEntropyContext = Context<[p: Tensor, t: Tensor, logP: Tensor, log1mP: Tensor]>;

/**
 * Elementwise −(t·ln p + (1 − t)·ln(1 − p)) with the logs clamped at −100, as one Function.
 * Backward uses PyTorch's formula ∂/∂p = (p − t) / max(p(1 − p), 1e−12), which stays finite at
 * p = 0 or 1, and ∂/∂t = ln(1 − p) − ln p (clamped logs).
 */
class BinaryCrossEntropy extends AutogradFunction {
  static override forward(ctx: BinaryCrossEntropyContext, p: Tensor, t: Tensor): Tensor {
    const one = Tensor.full([], 1, p.dtype, p.backendImpl);
    const logP = clampedLog(p);
    const log1mP = clampedLog(zipOp("sub", one, p));
    ctx.saveForBackward(p, t, logP, log1mP);
    // −(t·ln p + (1 − t)·ln(1 − p)) = −(ln(1 − p) + t·(ln p − ln(1 − p)))
    return mapOp("neg", zipOp("add", log1mP, zipOp("mul", t, zipOp("sub", logP, log1mP))));
  }
  static override backward(ctx: BinaryCrossEntropyContext, g: Tensor): (Tensor | null)[] {
    const [p, t, logP, log1mP] = ctx.savedValues;
    const [needP, needT] = ctx.needsInputGrad;
    let dp: Tensor | null = null;
    if (needP) {
      const eps = Tensor.full([], 1e-12, p.dtype, p.backendImpl);
      const one = Tensor.full([], 1, p.dtype, p.backendImpl);
      const variance = zipOp("mul", p, zipOp("sub", one, p));
      // max(v, ε) = ε + relu(v − ε): there is no binary max kernel.
      const denominator = zipOp("add", eps, mapOp("relu", zipOp("sub", variance, eps)));
      dp = zipOp("mul", g, zipOp("div", zipOp("sub", p, t), denominator));
    }
    const dt = needT ? zipOp("mul", g, zipOp("sub", log1mP, logP)) : null;
    return [dp, dt];
  }
}

/** `targets` as a tensor shaped and typed like `input`, or a typed error naming what differs. */
function binaryTargets(
  op: string,
  what: string,
  input: Tensor,
  targets: Tensor | readonly number[],
): Tensor {
  if (targets instanceof Tensor) {
    if (!sameShape(targets.shape, input.shape)) {
      throw new ShapeError(
        `${op}: targets of shape ${formatShape(targets.shape)} do not match ${what} of shape ${formatShape(input.shape)}`,
      );
    }
    if (targets.dtype !== input.dtype) {
      throw new DTypeError(
        `${op}: targets are ${targets.dtype} but ${what} are ${input.dtype}; convert with .float() or .double()`,
      );
    }
    return targets;
  }
  if (targets.length !== input.numel()) {
    throw new ShapeError(
      `${op}: ${targets.length} targets for ${what} of shape ${formatShape(input.shape)} (${input.numel()} elements)`,
    );
  }
  return hostTensor(targets, input.shape, input);
}

/** An elementwise weight option, broadcast to `input`'s shape as PyTorch expands it, or null. */
function elementWeight(op: string, name: string, w: LossWeight | undefined, input: Tensor) {
  const fits = (shape: readonly number[]) => broadcastsTo(shape, input.shape);
  const needs = `it must broadcast to ${formatShape(input.shape)}`;
  return weightTensor(op, name, w, input, fits, needs);
}

/**
 * The binary cross-entropy of probabilities `probs` against `targets` (same shape, values in
 * [0, 1]; numbers are taken in row-major order), as `torch.nn.functional.binary_cross_entropy`:
 * mean of −w·(t·ln p + (1 − t)·ln(1 − p)), with `weight` w broadcast to the input (default 1). As
 * in PyTorch, each log is clamped at −100, so p = 0 or 1 gives a finite loss, and the gradient
 * (p − t) / max(p(1 − p), 1e−12) stays finite too.
 */
export function binaryCrossEntropy(
  probs: Tensor,
  targets: Tensor | readonly number[],
  options: BinaryCrossEntropyOptions = {},
): Tensor {
  const op = "binaryCrossEntropy";
  checkOptions(op, options, binaryCrossEntropyChecks);
  const t = binaryTargets(op, "probs", probs, targets);
  const weight = elementWeight(op, "weight", options.weight, probs);
  const losses = BinaryCrossEntropy.apply<Tensor>(probs, t);
  return reduce(op, weight === null ? losses : losses.mul(weight), options);
}

/**
 * Binary cross-entropy straight from logits z (before the sigmoid), as
 * `torch.nn.functional.binary_cross_entropy_with_logits`: mean of
 * −w·(p·t·ln σ(z) + (1 − t)·ln(1 − σ(z))), with `weight` w and `posWeight` p (per class, on the
 * positive term) broadcast to the input. Computed in PyTorch's stable form
 *   (1 − t)·z + (1 + (p − 1)·t)·(max(−z, 0) + ln(1 + e^−|z|)),
 * which never takes the log of a probability that rounded to 0 or 1 (σ(z) is exactly 1 in float32
 * for z > 17) and never overflows e^x.
 */
export function binaryCrossEntropyWithLogits(
  logits: Tensor,
  targets: Tensor | readonly number[],
  options: BinaryCrossEntropyWithLogitsOptions = {},
): Tensor {
  const op = "binaryCrossEntropyWithLogits";
  checkOptions(op, options, binaryCrossEntropyWithLogitsChecks);
  const t = binaryTargets(op, "logits", logits, targets);
  const weight = elementWeight(op, "weight", options.weight, logits);
  const posWeight = elementWeight(op, "posWeight", options.posWeight, logits);
  const z = logits;
  // −ln σ(z) = ln(1 + e^−z) = max(−z, 0) + ln(1 + e^−|z|).
  const minusLogSigmoid = z.neg().relu().add(z.abs().neg().exp().log1p());
  const positive =
    posWeight === null ? minusLogSigmoid : minusLogSigmoid.mul(posWeight.sub(1).mul(t).add(1));
  // (1 − t)·z rather than the equal max(z, 0) − z·t: at z = +∞ and t = 0 it gives PyTorch's +∞
  // where z·t would be ∞ · 0 = NaN.
  const losses = t.neg().add(1).mul(z).add(positive);
  return reduce(op, weight === null ? losses : losses.mul(weight), options);
}
