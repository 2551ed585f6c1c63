/**
 * `mt.nn.functional`: the stateless operations networks are built from (PyTorch's
 * `torch.nn.functional`), each a function of tensors; the layers in `mt.nn` wrap them as Modules.
 */
export {
  type EluOptions,
  elu,
  type GeluOptions,
  gelu,
  type InplaceOptions,
  type LeakyReluOptions,
  leakyRelu,
  type SoftplusOptions,
  silu,
  softplus,
} from "../../tensor/activations.js";
export { sigmoid, tanh } from "../../tensor/math.js";
export { logSoftmax, softmax } from "../../tensor/softmax.js";
export { relu } from "./activations.js";
export {
  type AdaptiveMaxPool2dOptions,
  type AdaptiveSize2,
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveMaxPool2d,
} from "./adaptive_pooling.js";
export {
  type ScaledDotProductAttentionOptions,
  scaledDotProductAttention,
} from "./attention.js";
export { type BatchNormOptions, batchNorm } from "./batch_norm.js";
export { type Conv1dOptions, type Conv2dOptions, conv1d, conv2d } from "./conv.js";
export {
  type ConvTranspose1dOptions,
  type ConvTranspose2dOptions,
  convTranspose1d,
  convTranspose2d,
} from "./conv_transpose.js";
export { type DropoutOptions, dropout } from "./dropout.js";
export { type EmbeddingOptions, embedding, oneHot } from "./embedding.js";
export { type GroupNormOptions, groupNorm } from "./group_norm.js";
export { type InterpolateMode, type InterpolateOptions, interpolate } from "./interpolate.js";
export { linear } from "./linear.js";
export {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  huberLoss,
  klDiv,
  type LossOptions,
  type LossWeight,
  l1Loss,
  mseLoss,
  nllLoss,
  type Reduction,
  smoothL1Loss,
  type Targets,
} from "./loss.js";
export type {
  BinaryCrossEntropyOptions,
  BinaryCrossEntropyWithLogitsOptions,
  CrossEntropyOptions,
  HuberLossOptions,
  KlDivOptions,
  KlDivReduction,
  NllLossOptions,
  SmoothL1LossOptions,
} from "./loss_options.js";
export { type LayerNormOptions, layerNorm } from "./normalization.js";
export { type PadMode, type PadOptions, pad } from "./padding.js";
export * from "./pooling.js";
export type * from "./pooling_options.js";
