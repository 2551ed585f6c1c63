import { checkOptions } from "../../options.js";
import type { Tensor } from "../../tensor/tensor.js";
import {
  type HuberLossOptions,
  huberLossChecks,
  type KlDivOptions,
  klDivChecks,
  lossChecks,
  type SmoothL1LossOptions,
  smoothL1LossChecks,
} from "./loss_options.js";
import { checkSameShape, type LossOptions, reduce, reductionOf } from "./loss_reduction.js";
import { KeepWhere } from "./loss_targets.js";

/**
 * The regression losses and the KL divergence. PyTorch broadcasts input and target of different
 * shapes here (with a warning: it is nearly always a bug, [N] against [N, 1] giving [N, N]);
 * minitorch refuses them with a ShapeError naming both shapes.
 */

/**
 * The mean squared error, as `torch.nn.functional.mse_loss`: mean of (input − target)² over all
 * elements (or their sum, or each).
 */
export function mseLoss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  checkOptions("mseLoss", options, lossChecks);
  checkSameShape("mseLoss", input, target);
  const diff = input.sub(target);
  return reduce("mseLoss", diff.mul(diff), options);
}

/**
 * The mean absolute error, as `torch.nn.functional.l1_loss`: mean of |input − target|; the
 * gradient at equal values is 0 (sign(0), as PyTorch).
 */
export function l1Loss(input: Tensor, target: Tensor, options: LossOptions = {}): Tensor {
  checkOptions("l1Loss", options, lossChecks);
  checkSameShape("l1Loss", input, target);
  return reduce("l1Loss", input.sub(target).abs(), options);
}

/**
 * d = |input − target| and q = min(d, β), for the two Huber-type losses: 0.5·q²/β + (d − q) is
 * 0.5·d²/β below β and d − 0.5·β above, one expression (no branch to select) with the right
 * gradient on both sides.
 */
function smoothParts(input: Tensor, target: Tensor, beta: number): { d: Tensor; q: Tensor } {
  const d = input.sub(target).abs();
  return { d, q: d.sub(d.sub(beta).relu()) };
}

/**
 * The smooth L1 loss, as `torch.nn.functional.smooth_l1_loss`: per element 0.5·d²/β where
 * d = |input − target| < β, else d − 0.5·β (β = `beta`, default 1; β = 0 is the L1 loss).
 */
export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  options: SmoothL1LossOptions = {},
): Tensor {
  checkOptions("smoothL1Loss", options, smoothL1LossChecks);
  checkSameShape("smoothL1Loss", input, target);
  const beta = options.beta ?? 1;
  if (beta === 0) return reduce("smoothL1Loss", input.sub(target).abs(), options);
  const { d, q } = smoothParts(input, target, beta);
  return reduce(
    "smoothL1Loss",
    q
      .mul(q)
      .mul(0.5 / beta)
      .add(d.sub(q)),
    options,
  );
}

/**
 * The Huber loss, as `torch.nn.functional.huber_loss`: per element 0.5·d² where
 * d = |input − target| < δ, else δ·(d − 0.5·δ) (δ = `delta`, default 1) — δ times the smooth L1
 * loss with β = δ.
 */
export function huberLoss(input: Tensor, target: Tensor, options: HuberLossOptions = {}): Tensor {
  checkOptions("huberLoss", options, huberLossChecks);
  checkSameShape("huberLoss", input, target);
  const delta = options.delta ?? 1;
  const { d, q } = smoothParts(input, target, delta);
  return reduce("huberLoss", q.mul(q).mul(0.5).add(d.sub(q).mul(delta)), options);
}

/**
 * The Kullback–Leibler divergence loss, as `torch.nn.functional.kl_div`, of log-probabilities
 * `input` against `target` (probabilities, or log-probabilities with `logTarget`): per element
 * t·(ln t − input), with 0 where t = 0 (xlogy), or e^t·(t − input) with logTarget. Reduction
 * "batchmean" is the sum divided by input.size(0) (the KL divergence's true mean over a batch);
 * "mean" (the default, as PyTorch) is the mean over every element.
 */
export function klDiv(input: Tensor, target: Tensor, options: KlDivOptions = {}): Tensor {
  checkOptions("klDiv", options, klDivChecks);
  checkSameShape("klDiv", input, target);
  const reduction = reductionOf("klDiv", options.reduction, ["mean", "batchmean", "sum", "none"]);
  let losses: Tensor;
  if (options.logTarget === true) {
    losses = target.exp().mul(target.sub(input));
  } else {
    // xlogy(t, t): t·ln t selected away where t = 0 (0·(−∞) is NaN), NaN for t < 0 or NaN; the
    // target's gradient at t = 0 is NaN, as PyTorch's (the derivative there is −∞).
    const xlogx = KeepWhere.apply<Tensor>(target.mul(target.log()), { mask: target.ne(0) });
    losses = xlogx.sub(target.mul(input));
  }
  if (reduction === "none") return losses;
  if (reduction === "mean") return losses.mean();
  const sum = losses.sum();
  return reduction === "sum" || input.ndim === 0 ? sum : sum.div(input.shape[0]);
}
