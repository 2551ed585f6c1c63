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
export { type Conv1dOptions, type Conv2dOptions, conv1d, conv2d } from "./conv.js";
export { type DropoutOptions, dropout } from "./dropout.js";
export { type EmbeddingOptions, embedding, oneHot } from "./embedding.js";
export { linear } from "./linear.js";
export {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  type LossOptions,
  mseLoss,
  nllLoss,
  type Reduction,
  type Targets,
} from "./loss.js";
export type {
  BinaryCrossEntropyOptions,
  BinaryCrossEntropyWithLogitsOptions,
  CrossEntropyOptions,
  NllLossOptions,
} from "./loss_options.js";
export { type LayerNormOptions, layerNorm } from "./normalization.js";
export { type PadMode, type PadOptions, pad } from "./padding.js";
export { argmax, avgpool2d, type KernelSize, max, maxpool2d, tile } from "./pooling.js";
export type { AvgPool2dOptions, MaxPool2dOptions } from "./pooling_options.js";
