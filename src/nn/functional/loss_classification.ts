import { DataError, DTypeError } from "../../errors.js";
import { checkOptions } from "../../options.js";
import { formatShape, sameShape } from "../../strided/shape.js";
import { logSoftmax } from "../../tensor/softmax.js";
import { Tensor } from "../../tensor/tensor.js";
import {
  type CrossEntropyOptions,
  crossEntropyChecks,
  type NllLossOptions,
  nllLossChecks,
} from "./loss_options.js";
import { reductionOf, weightTensor } from "./loss_reduction.js";
import {
  type ClassLayout,
  classLayout,
  classTargets,
  KeepWhere,
  type Targets,
} from "./loss_targets.js";

/** The per-class weight option as a tensor shaped to broadcast along the class dim, or null. */
function classWeight(
  op: string,
  options: NllLossOptions,
  input: Tensor,
  layout: ClassLayout,
): Tensor | null {
  const c = layout.classes;
  const fits = (shape: readonly number[]) => shape.length === 1 && shape[0] === c;
  const w = weightTensor(op, "weight", options.weight, input, fits, `it needs shape [${c}]`);
  return w === null ? null : w.reshape(input.shape.map((d, i) => (i === layout.classDim ? d : 1)));
}

/** −x, with +0 (not −0) where x is 0, as PyTorch's losses of ignored targets print. */
function negate(x: Tensor): Tensor {
  return Tensor.full([], 0, x.dtype, x.backendImpl).sub(x);
}

/**
 * PyTorch's loss of class-index targets for log-probabilities `logp`, the mean divided by the
 * total weight w[tᵢ] of the counted targets (their number without weights):
 *   lᵢ = (1 − ε)·(−w[tᵢ]·logp[i, tᵢ]) + (ε / C)·(−Σ_c w_c·logp[i, c]),  0 where tᵢ = ignoreIndex,
 * which is torch 1.13's cross_entropy with label smoothing ε (nll_loss at ε = 0). Reduction
 * "mean" of no counted target is 0 / 0 = NaN, as in PyTorch.
 */
function classIndexLoss(
  op: string,
  logp: Tensor,
  targets: Targets,
  options: CrossEntropyOptions,
  layout: ClassLayout,
): Tensor {
  const reduction = reductionOf(op, options.reduction);
  const ignoreIndex = options.ignoreIndex ?? -100;
  const eps = options.labelSmoothing ?? 0;
  const { classDim, classes: c } = layout;
  const weight = classWeight(op, options, logp, layout);
  const { mask, kept, hits } = classTargets(op, targets, logp, layout, ignoreIndex);
  const picked = KeepWhere.apply<Tensor>(logp, { mask }).sum(classDim);
  const targetWeight = weight === null ? kept : mask.mul(weight).sum(classDim);
  let losses = negate(weight === null ? picked : picked.mul(targetWeight));
  if (eps > 0) {
    const all = negate((weight === null ? logp : logp.mul(weight)).sum(classDim));
    const smooth = KeepWhere.apply<Tensor>(all, { mask: kept });
    losses = losses.mul(1 - eps).add(smooth.mul(eps / c));
  }
  if (hits !== null) losses = losses.div(hits);
  if (reduction === "none") return losses;
  const total = losses.sum();
  return reduction === "sum" ? total : total.div(targetWeight.sum());
}

/**
 * PyTorch's loss of probability targets `target` (input-shaped) for log-probabilities `logp`:
 *   lᵢ = −Σ_c w_c·t'[i, c]·logp[i, c]  with  t' = (1 − ε)·t + ε/C,
 * and reduction "mean" divides by the number of samples (not by the weights, unlike class indices).
 */
function probabilityLoss(
  op: string,
  logp: Tensor,
  target: Tensor,
  options: CrossEntropyOptions,
  layout: ClassLayout,
): Tensor {
  const reduction = reductionOf(op, options.reduction);
  if (options.ignoreIndex !== undefined && options.ignoreIndex !== -100) {
    // As PyTorch: "ignore_index is not supported for floating point target".
    throw new DataError(
      `${op}: ignoreIndex (${options.ignoreIndex}) applies to class-index targets only, not to probabilities of shape ${formatShape(target.shape)}`,
    );
  }
  if (target.dtype !== logp.dtype) {
    throw new DTypeError(
      `${op}: probability targets are ${target.dtype} but the input is ${logp.dtype} (class indices would need shape ${formatShape(layout.targetShape)})`,
    );
  }
  const eps = options.labelSmoothing ?? 0;
  const weight = classWeight(op, options, logp, layout);
  const smoothed = eps > 0 ? target.mul(1 - eps).add(eps / layout.classes) : target;
  const products = weight === null ? logp.mul(smoothed) : logp.mul(smoothed).mul(weight);
  const losses = negate(products.sum(layout.classDim));
  if (reduction === "none") return losses;
  return reduction === "sum" ? losses.sum() : losses.mean();
}

/**
 * The negative log-likelihood loss, as `torch.nn.functional.nll_loss`: for log-probabilities
 * `input` ([C], [N, C] or [N, C, d1, …], e.g. from `logSoftmax`) and class-index targets ([], [N]
 * or [N, d1, …]), −weight[t]·input[…, t, …] per target, 0 where the target is `ignoreIndex`;
 * "mean" divides the sum by the total weight of the counted targets. Only the target's entry is
 * read, so NaN or −∞ elsewhere does not change the loss; targets get no gradient. A target that
 * is neither a class in [0, C) nor ignoreIndex is a DataError naming it (see `classTargets` for
 * targets on a GPU).
 */
export function nllLoss(input: Tensor, targets: Targets, options: NllLossOptions = {}): Tensor {
  checkOptions("nllLoss", options, nllLossChecks);
  return classIndexLoss("nllLoss", input, targets, options, classLayout("nllLoss", input));
}

/**
 * The cross-entropy loss of unnormalised scores `input` ([C], [N, C] or [N, C, d1, …]), as
 * `torch.nn.functional.cross_entropy`, on logSoftmax over the class dim (stable for large
 * scores). Targets are class indices (as `nllLoss`, with `weight`, `ignoreIndex`), or
 * probabilities: a float tensor of the input's shape. `labelSmoothing` ε mixes each target with
 * the uniform distribution as PyTorch does (see `classIndexLoss` and `probabilityLoss`).
 */
export function crossEntropy(
  input: Tensor,
  targets: Targets,
  options: CrossEntropyOptions = {},
): Tensor {
  checkOptions("crossEntropy", options, crossEntropyChecks);
  const layout = classLayout("crossEntropy", input);
  const logp = logSoftmax(input, layout.classDim);
  if (targets instanceof Tensor && input.ndim > 0 && sameShape(targets.shape, input.shape)) {
    return probabilityLoss("crossEntropy", logp, targets, options, layout);
  }
  return classIndexLoss("crossEntropy", logp, targets, options, layout);
}
