import {
  checkedWhereUsed,
  isBoolean,
  isNonNegativeNumber,
  isPositiveNumber,
  type OptionCheck,
  type OptionChecks,
} from "../../options.js";
import { Tensor } from "../../tensor/tensor.js";
import type { LossOptions, LossWeight } from "./loss_reduction.js";

/** Options of `nllLoss`: PyTorch's keywords. */
export interface NllLossOptions extends LossOptions {
  /** Per-class weights, a [C] tensor (or C numbers); null (default) weighs every class 1. */
  weight?: LossWeight;
  /** A target value that adds nothing to the loss nor to the mean's divisor (default −100). */
  ignoreIndex?: number;
}

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions extends NllLossOptions {
  /** ε in [0, 1]: the target is mixed with the uniform distribution, (1 − ε)·target + ε/C (default 0). */
  labelSmoothing?: number;
}

/** Options of `binaryCrossEntropy`. */
export interface BinaryCrossEntropyOptions extends LossOptions {
  /** Per-element weights, broadcast to the input's shape; null (default) for none. */
  weight?: LossWeight;
}

/** Options of `binaryCrossEntropyWithLogits`. */
export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weight of the positive term (per class, broadcast to the input's shape); null for none. */
  posWeight?: LossWeight;
}

/** Options of `smoothL1Loss`. */
export interface SmoothL1LossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (≥ 0, default 1; 0 is the L1 loss). */
  beta?: number;
}

/** Options of `huberLoss`. */
export interface HuberLossOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear (> 0, default 1). */
  delta?: number;
}

/** How `klDiv` reduces: also "batchmean", the sum divided by the batch size (input.size(0)). */
export type KlDivReduction = "mean" | "sum" | "none" | "batchmean";

/** Options of `klDiv`. */
export interface KlDivOptions {
  /** "mean" (default: the mean over every element, as PyTorch), "batchmean", "sum" or "none". */
  reduction?: KlDivReduction;
  /** Whether the target is given as log-probabilities (default false). */
  logTarget?: boolean;
}

/** null, a Tensor, a finite number, or an array of finite numbers. */
const isWeight: OptionCheck = (v) =>
  v === null ||
  v instanceof Tensor ||
  (typeof v === "number" && Number.isFinite(v)) ||
  (Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isFinite(x)))
    ? null
    : "must be a Tensor, a number, an array of numbers or null";

const isInteger: OptionCheck = (v) => (Number.isInteger(v) ? null : "must be an integer");

const isProbability: OptionCheck = (v) =>
  typeof v === "number" && v >= 0 && v <= 1 ? null : "must be a number in [0, 1]";

/**
 * The checks of each loss's options. `reduction` is checked where the losses are reduced, in a
 * message naming the accepted values.
 */
export const lossChecks: OptionChecks<LossOptions> = { reduction: checkedWhereUsed };

export const binaryCrossEntropyChecks: OptionChecks<BinaryCrossEntropyOptions> = {
  ...lossChecks,
  weight: isWeight,
};

export const binaryCrossEntropyWithLogitsChecks: OptionChecks<BinaryCrossEntropyWithLogitsOptions> =
  { ...binaryCrossEntropyChecks, posWeight: isWeight };

export const nllLossChecks: OptionChecks<NllLossOptions> = {
  ...lossChecks,
  weight: isWeight,
  ignoreIndex: isInteger,
};

export const crossEntropyChecks: OptionChecks<CrossEntropyOptions> = {
  ...nllLossChecks,
  labelSmoothing: isProbability,
};

export const smoothL1LossChecks: OptionChecks<SmoothL1LossOptions> = {
  ...lossChecks,
  beta: isNonNegativeNumber,
};

export const huberLossChecks: OptionChecks<HuberLossOptions> = {
  ...lossChecks,
  delta: isPositiveNumber,
};

export const klDivChecks: OptionChecks<KlDivOptions> = {
  reduction: checkedWhereUsed,
  logTarget: isBoolean,
};
