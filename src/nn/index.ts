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
export { ModuleDict, ModuleList } from "./containers.js";
export { Conv1d, type Conv1dLayerOptions, Conv2d, type Conv2dLayerOptions } from "./conv.js";
export { Embedding, type EmbeddingLayerOptions } from "./embedding.js";
export * as functional from "./functional/index.js";
export {
  AvgPool2d,
  Dropout,
  type DropoutLayerOptions,
  Flatten,
  MaxPool2d,
  ReLU,
  Sigmoid,
} from "./layers.js";
export { Linear, type LinearOptions, MLP } from "./linear.js";
export { type LoadStateDictOptions, type LoadStateDictResult, Module } from "./module.js";
export { LayerNorm, type LayerNormLayerOptions } from "./normalization.js";
export { Parameter, type Shaped, shapeOf } from "./parameter.js";
export { ScalarLinear, ScalarMLP } from "./scalar_linear.js";
export { Sequential, type TensorModule } from "./sequential.js";
export * as utils from "./utils/index.js";
