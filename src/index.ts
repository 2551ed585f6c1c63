/**
 * minitorch: a PyTorch-style deep-learning framework written from scratch in TypeScript.
 * `import * as mt from "minitorch"`; layers in the course's order: operators → autodiff →
 * Scalar → nn → optim → data → viz.
 */
export * as autodiff from "./autodiff/index.js";
export {
  AutogradFunction,
  AutogradFunction as Function,
  Context,
  centralDifference,
  isGradEnabled,
  noGrad,
} from "./autodiff/index.js";
export type { Backend, BackendName, DType, HostArray } from "./backend/backend.js";
export { backendNames } from "./backend/registry.js";
export * as data from "./data/index.js";
export * from "./errors.js";
export * as io from "./io/index.js";
export * as models from "./models/index.js";
export * as nn from "./nn/index.js";
export * as operators from "./operators.js";
export * as optim from "./optim/index.js";
export { DEFAULT_SEED, manualSeed, Random } from "./random.js";
export {
  type Expression,
  evaluateExpression,
  expressionVariables,
  parseExpression,
} from "./scalar/expression.js";
export * as scalar from "./scalar/index.js";
export { Scalar, type ScalarLike, type ScalarOptions } from "./scalar/scalar.js";
export {
  arange,
  collectGarbage,
  full,
  functions,
  getBackend,
  keep,
  memory,
  type Nested,
  ones,
  type RandomOptions,
  rand,
  randn,
  type ShapeArgs,
  setBackend,
  Tensor,
  type TensorLike,
  type TensorOptions,
  tensor,
  tidy,
  zeros,
} from "./tensor/index.js";
export * as testing from "./testing/index.js";
export * as viz from "./viz/index.js";
