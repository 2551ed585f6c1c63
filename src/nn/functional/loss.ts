/**
 * The losses of `torch.nn.functional`, each with PyTorch's options and `reduction`: classification
 * (nllLoss, crossEntropy), binary (binaryCrossEntropy, binaryCrossEntropyWithLogits), regression
 * (mseLoss, l1Loss, smoothL1Loss, huberLoss) and klDiv.
 */
export { binaryCrossEntropy, binaryCrossEntropyWithLogits } from "./loss_binary.js";
export { crossEntropy, nllLoss } from "./loss_classification.js";
export type { LossOptions, LossWeight, Reduction } from "./loss_reduction.js";
export { huberLoss, klDiv, l1Loss, mseLoss, smoothL1Loss } from "./loss_regression.js";
export type { Targets } from "./loss_targets.js";
