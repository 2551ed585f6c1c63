import { checkedWhereUsed, notSupportedYet, type OptionChecks } from "../../options.js";
import type { LossOptions } from "./loss.js";

/** Options of `nllLoss`: PyTorch's keywords, the ones not implemented accepted only at their default. */
export interface NllLossOptions extends LossOptions {
  /** Per-class weights: not supported yet (only null, PyTorch's default). */
  weight?: null;
  /** A target value that adds nothing: not supported yet (only −100, PyTorch's default). */
  ignoreIndex?: -100;
}

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions extends NllLossOptions {
  /** Mixing the one-hot target with a uniform one: not supported yet (only 0). */
  labelSmoothing?: 0;
}

/** Options of `binaryCrossEntropy`. */
export interface BinaryCrossEntropyOptions extends LossOptions {
  /** Per-element weights: not supported yet (only null, PyTorch's default). */
  weight?: null;
}

/** Options of `binaryCrossEntropyWithLogits`. */
export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** Weights of the positive class: not supported yet (only null, PyTorch's default). */
  posWeight?: null;
}

/**
 * The checks of each loss's options. `reduction` is checked where the losses are reduced, in a
 * message naming the accepted values.
 */
export const lossChecks: OptionChecks<LossOptions> = { reduction: checkedWhereUsed };

export const binaryCrossEntropyChecks: OptionChecks<BinaryCrossEntropyOptions> = {
  ...lossChecks,
  weight: notSupportedYet(null),
};

export const binaryCrossEntropyWithLogitsChecks: OptionChecks<BinaryCrossEntropyWithLogitsOptions> =
  { ...binaryCrossEntropyChecks, posWeight: notSupportedYet(null) };

export const nllLossChecks: OptionChecks<NllLossOptions> = {
  ...lossChecks,
  weight: notSupportedYet(null),
  // Every target is checked to be a class index in [0, C), so none can equal −100.
  ignoreIndex: notSupportedYet(-100),
};

export const crossEntropyChecks: OptionChecks<CrossEntropyOptions> = {
  ...nllLossChecks,
  labelSmoothing: notSupportedYet(0),
};
