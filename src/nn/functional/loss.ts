import type { Context } from "../../autodiff/context.js";
import { AutogradFunction } from "../../autodiff/function.js";
import { noGrad } from "../../autodiff/grad_mode.js";
import { DataError, DTypeError, ShapeError } from "../../errors.js";
import { checkOptions } from "../../options.js";
import { formatShape, sameShape } from "../../strided/shape.js";
import { mapOp, zipOp } from "../../tensor/history_free_ops.js";
import { logSoftmax } from "../../tensor/softmax.js";
import { Tensor } from "../../tensor/tensor.js";
import {
  type BinaryCrossEntropyOptions,
  type BinaryCrossEntropyWithLogitsOptions,
  binaryCrossEntropyChecks,
  binaryCrossEntropyWithLogitsChecks,
  type CrossEntropyOptions,
  crossEntropyChecks,
  lossChecks,
  type NllLossOptions,
  nllLossChecks,
} from "./loss_options.js";

/** How a loss combines its per-element values: their mean (the default), their sum, or not at all. */
export type Reduction = "mean" | "sum" | "none";

/** Options of every loss. */
export interface LossOptions {
  /** `"mean"` (default, as PyTorch), `"sum"`, or `"none"` for the unreduced values. */
  reduction?: Reduction;
}

/** Class indices, one per sample: a 1-D tensor (float, as minitorch has no integer dtype) or numbers. */
export type Targets = Tensor | readonly number[];

const reductions: readonly string[] = ["mean", "sum", "none"];

function reduce(op: string, losses: Tensor, options: LossOptions): Tensor {
  const reduction = options.reduction ?? "mean";
  if (!reductions.includes(reduction)) {
    throw new DataError(
      `${op}: reduction must be "mean", "sum" or "none", got ${JSON.stringify(reduction)}`,
    );
  }
  if (reduction === "none") return losses;
  return reduction === "sum" ? losses.sum() : losses.mean();
}

/** `values` as a tensor of `like`'s dtype and backend. */
function hostTensor(values: ArrayLike<number>, shape: number[], like: Tensor): Tensor {
  return Tensor.fromValues(values, shape, like.dtype, like.backendImpl);
}

/**
 * The [N, C] one-hot mask of `targets` in `like`'s dtype and backend, checking each target is an
 * integer class index in [0, C). Built on the host from the indices (one upload); a target tensor
 * on a backend that reads only asynchronously (a GPU) is compared with 0..C−1 on the device
 * instead, which needs no read-back but cannot check the values: an invalid index (NaN, out of
 * range) there selects nothing, and `targetLosses` makes that row's loss NaN.
 */
function oneHot(op: string, targets: Targets, n: number, c: number, like: Tensor): Tensor {
  if (targets instanceof Tensor && targets.ndim !== 1) {
    throw new ShapeError(
      `${op}: targets must be a 1-D tensor of ${n} class indices, got shape ${formatShape(targets.shape)}`,
    );
  }
  const count = targets instanceof Tensor ? targets.numel() : targets.length;
  if (count !== n) {
    throw new ShapeError(`${op}: ${count} targets for a batch of ${n} samples (input [${n},${c}])`);
  }
  if (onDevice(targets)) {
    return noGrad(() => {
      const t = like.dtype === "float64" ? targets.detach().double() : targets.detach().float();
      const classes = Array.from({ length: c }, (_, j) => j);
      return t.reshape([n, 1]).eq(hostTensor(classes, [1, c], like));
    });
  }
  const values = targets instanceof Tensor ? targets.dataSync() : targets;
  const mask = like.dtype === "float64" ? new Float64Array(n * c) : new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    const t = values[i];
    if (!Number.isInteger(t) || t < 0 || t >= c) {
      throw new DataError(
        `${op}: target ${t} at index ${i} is not a class index in [0, ${c}) (input [${n},${c}])`,
      );
    }
    mask[i * c + t] = 1;
  }
  return hostTensor(mask, [n, c], like);
}

/** Whether `targets` is a tensor read only asynchronously, which `oneHot` cannot check. */
function onDevice(targets: Targets): targets is Tensor {
  return targets instanceof Tensor && !targets.backendImpl.synchronousRead;
}

/**
 * x where the one-hot `mask` is 1, else 0, as one Function: a selection (`keepWhere`), not
 * x · mask, so NaN or −∞ off the target stays out of the loss (NaN · 0 and −∞ · 0 are NaN), as
 * PyTorch's nll_loss reads only the target's entry; the gradient is selected likewise.
 */
class PickTargets extends AutogradFunction {
  static override forward(ctx: Context<[mask: Tensor]>, x: Tensor, p: { mask: Tensor }): Tensor {
    ctx.saveForBackward(p.mask);
    return zipOp("keepWhere", x, p.mask);
  }
  static override backward(ctx: Context<[mask: Tensor]>, g: Tensor): Tensor {
    const [mask] = ctx.savedValues;
    return zipOp("keepWhere", g, mask);
  }
}

/**
 * −input[i, tᵢ] for each row i of `input` [N, C]. A row whose target could not be checked (see
 * `oneHot`) and matches no class gets a NaN loss (0 / 0), the nearest a loss computed on the
 * device comes to PyTorch's error, instead of an ordinary-looking 0.
 */
function targetLosses(op: string, input: Tensor, targets: Targets, n: number, c: number): Tensor {
  const mask = oneHot(op, targets, n, c, input);
  const losses = PickTargets.apply<Tensor>(input, { mask }).sum(1).neg();
  return onDevice(targets) ? losses.div(mask.sum(1)) : losses;
}

function checkBatch(op: string, input: Tensor, what: string): [number, number] {
  if (input.ndim !== 2) {
    throw new ShapeError(`${op}: ${what} must have shape [N, C], got ${formatShape(input.shape)}`);
  }
  const [n, c] = input.shape;
  return [n, c];
}

/**
 * The negative log-likelihood loss, as `torch.nn.functional.nll_loss`: for `logProbs` [N, C]
 * (log-probabilities, e.g. from `logSoftmax`) and one class index per sample, −logProbs[n, tₙ],
 * averaged over the batch (or summed, or per sample). Only the target's entry is read, so NaN or
 * −∞ elsewhere in a row does not change the loss (as in PyTorch); targets get no gradient. A
 * target that is not an integer in [0, C) is a `DataError` naming it and its index.
 */
export function nllLoss(logProbs: Tensor, targets: Targets, options: NllLossOptions = {}): Tensor {
  checkOptions("nllLoss", options, nllLossChecks);
  const [n, c] = checkBatch("nllLoss", logProbs, "logProbs");
  return reduce("nllLoss", targetLosses("nllLoss", logProbs, targets, n, c), options);
}

/**
 * The cross-entropy loss of `logits` [N, C] (unnormalised scores) against one class index per
 * sample, as `torch.nn.functional.cross_entropy`: nllLoss(logSoftmax(logits, 1), targets), stable
 * for large logits, averaged over the batch by default.
 */
export function crossEntropy(
  logits: Tensor,
  targets: Targets,
  options: CrossEntropyOptions = {},
): Tensor {
  checkOptions("crossEntropy", options, crossEntropyChecks);
  const [n, c] = checkBatch("crossEntropy", logits, "logits");
  const losses = targetLosses("crossEntropy", logSoftmax(logits, 1), targets, n, c);
  return reduce("crossEntropy", losses, options);
}

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

/**
 * The binary cross-entropy of probabilities `probs` against `targets` (same shape, values in
 * [0, 1]; numbers are taken in row-major order), as `torch.nn.functional.binary_cross_entropy`:
 * mean of −(t·ln p + (1 − t)·ln(1 − p)). As in PyTorch, each log is clamped at −100, so p = 0 or 1
 * gives a finite loss, and the gradient (p − t) / max(p(1 − p), 1e−12) stays finite too.
 */
export function binaryCrossEntropy(
  probs: Tensor,
  targets: Tensor | readonly number[],
  options: BinaryCrossEntropyOptions = {},
): Tensor {
  checkOptions("binaryCrossEntropy", options, binaryCrossEntropyChecks);
  const t = binaryTargets("binaryCrossEntropy", "probs", probs, targets);
  return reduce("binaryCrossEntropy", BinaryCrossEntropy.apply<Tensor>(probs, t), options);
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

/**
 * Binary cross-entropy straight from logits z (before the sigmoid), as
 * `torch.nn.functional.binary_cross_entropy_with_logits`: mean of −(t·ln σ(z) + (1 − t)·ln(1 − σ(z))),
 * computed in the stable form (1 − t)·z + max(−z, 0) + ln(1 + e^−|z|), which never takes the log
 * of a probability that rounded to 0 or 1 (σ(z) is exactly 1 in float32 for z > 17).
 */
export function binaryCrossEntropyWithLogits(
  logits: Tensor,
  targets: Tensor | readonly number[],
  options: BinaryCrossEntropyWithLogitsOptions = {},
): Tensor {
  checkOptions("binaryCrossEntropyWithLogits", options, binaryCrossEntropyWithLogitsChecks);
  const t = binaryTargets("binaryCrossEntropyWithLogits", "logits", logits, targets);
  const z = logits;
  const absZ = z.relu().add(z.neg().relu());
  // (1 − t)·z + max(−z, 0) rather than the equal max(z, 0) − z·t: at z = +∞ and t = 0 it gives
  // PyTorch's +∞ where z·t would be ∞ · 0 = NaN (PyTorch: (1 − t)·z − log σ(z)).
  const losses = t.neg().add(1).mul(z).add(z.neg().relu()).add(absZ.neg().exp().add(1).log());
  return reduce("binaryCrossEntropyWithLogits", losses, options);
}

/**
 * The mean squared error, as `torch.nn.functional.mse_loss`: mean of (input − target)² over all
 * elements. The shapes must be equal (PyTorch only warns when they broadcast; here it is a
 * `ShapeError`).
 */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  checkOptions("mseLoss", options, lossChecks);
  if (!sameShape(input.shape, target.shape)) {
    throw new ShapeError(
      `mseLoss: input of shape ${formatShape(input.shape)} and target of shape ${formatShape(target.shape)} differ`,
    );
  }
  const diff = input.sub(target);
  return reduce("mseLoss", diff.mul(diff), options);
}
