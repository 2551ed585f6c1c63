/** Neural-network building blocks: the module tree, parameters, layers. */

export {
  ELU,
  GELU,
  Identity,
  LeakyReLU,
  LogSoftmax,
  SiLU,
  Softmax,
  Tanh,
} from "./activations.js";
export {
  MultiheadAttention,
  type MultiheadAttentionForwardOptions,
  type MultiheadAttentionOptions,
  NonDynamicallyQuantizableLinear,
} from "./attention.js";
export { BatchNorm1d, BatchNorm2d, type BatchNormLayerOptions } from "./batch_norm.js";
export { ModuleDict, ModuleList } from "./containers.js";
export {
  Conv1d,
  type Conv1dLayerOptions,
  Conv2d,
  type Conv2dLayerOptions,
  type PaddingMode,
} from "./conv.js";
export {
  ConvTranspose1d,
  type ConvTranspose1dLayerOptions,
  ConvTranspose2d,
  type ConvTranspose2dLayerOptions,
} from "./conv_transpose.js";
export { Embedding, type EmbeddingLayerOptions } from "./embedding.js";
export * as functional from "./functional/index.js";
export * as init from "./init/index.js";
export {
  Dropout,
  type DropoutLayerOptions,
  Flatten,
  ReLU,
  Sigmoid,
} from "./layers.js";
export { Linear, type LinearOptions, MLP } from "./linear.js";
export * from "./losses.js";
export { type LoadStateDictOptions, type LoadStateDictResult, Module } from "./module.js";
export {
  GroupNorm,
  type GroupNormLayerOptions,
  LayerNorm,
  type LayerNormLayerOptions,
} from "./normalization.js";
export { Parameter, type Shaped, shapeOf } from "./parameter.js";
export * from "./pooling.js";
export { ScalarLinear, ScalarMLP } from "./scalar_linear.js";
export { Sequential, type TensorModule } from "./sequential.js";
export {
  type TransformerActivation,
  TransformerEncoder,
  type TransformerEncoderForwardOptions,
  TransformerEncoderLayer,
  type TransformerEncoderLayerForwardOptions,
  type TransformerEncoderLayerOptions,
  type TransformerEncoderOptions,
} from "./transformer.js";
export * as utils from "./utils/index.js";
