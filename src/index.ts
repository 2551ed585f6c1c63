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
export {
  DEFAULT_SEED,
  Generator,
  type GeneratorOptions,
  manualSeed,
  Random,
  type RandomSource,
} from "./random.js";
export {
  type Expression,
  evaluateExpression,
  expressionVariables,
  parseExpression,
} from "./scalar/expression.js";
export * as scalar from "./scalar/index.js";
export { Scalar, type ScalarLike, type ScalarOptions } from "./scalar/scalar.js";
/** Arithmetic in PyTorch's torch.f(a, b, …) forms, with its keyword options. */
export {
  type AddmmOptions,
  type AddOptions,
  add,
  addmm,
  baddbmm,
  type DivOptions,
  detach,
  div,
  floorDivide,
  lerp,
  mul,
  pow,
  type RoundOptions,
  round,
  sub,
} from "./tensor/arithmetic.js";
export { allclose, type CloseOptions, equal, isclose } from "./tensor/closeness.js";
export { clone, numel } from "./tensor/conveniences.js";
export {
  type BincountOptions,
  bincount,
  type UniqueOptions,
  type UniqueResult,
  unique,
} from "./tensor/counting.js";
export {
  empty,
  emptyLike,
  eye,
  fullLike,
  linspace,
  logspace,
  onesLike,
  zerosLike,
} from "./tensor/creation.js";
export {
  type DiagonalOptions,
  diag,
  diagonal,
  type FillDiagonalOptions,
  trace,
} from "./tensor/diagonal.js";
export { einsum } from "./tensor/einsum.js";
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
export { type IndexArg, narrow, type Slice, select } from "./tensor/indexing.js";
export { cat, chunk, split, stack, unbind } from "./tensor/joining.js";
export { bmm, dot, matmul, mm, mv, outer } from "./tensor/linalg.js";
/** Comparisons and logical ops, each a bool mask. */
export {
  eq,
  ge,
  gt,
  isFiniteOf as isFinite,
  isInf,
  isNaNOf as isNaN,
  le,
  logicalAnd,
  logicalNot,
  logicalOr,
  logicalXor,
  lt,
  ne,
} from "./tensor/logical.js";
export {
  abs,
  atan2,
  type ClampBound,
  type ClampOptions,
  ceil,
  clamp,
  clampMax,
  clampMin,
  clip,
  cos,
  erf,
  exp,
  exp2,
  expm1,
  floor,
  fmod,
  log,
  log1p,
  log2,
  maximum,
  minimum,
  neg,
  reciprocal,
  relu,
  remainder,
  rsqrt,
  sigmoid,
  sign,
  sin,
  sqrt,
  square,
  tan,
  tanh,
  trunc,
} from "./tensor/math.js";
export { type MeshgridOptions, meshgrid } from "./tensor/meshgrid.js";
export { argwhere, type NonzeroOptions, nonzero } from "./tensor/nonzero.js";
export {
  type MultinomialOptions,
  multinomial,
  normal,
  randint,
  randLike,
  randnLike,
  randperm,
} from "./tensor/random_creation.js";
export { flip, roll, tile, tril, triu } from "./tensor/rearranging.js";
/** Reductions over one dim, several, or all: sum, mean, prod, max/min, amax/amin, argmax/argmin, all/any. */
export {
  all,
  amax,
  amin,
  any,
  argmax,
  argmin,
  max,
  mean,
  min,
  prod,
  sum,
  type ValuesIndices,
} from "./tensor/reductions.js";
/** Cumulative sums and products along a dim. */
export { cumprod, cumsum } from "./tensor/scans.js";
export {
  gather,
  indexSelect,
  maskedFill,
  maskedSelect,
  scatter,
  scatterAdd,
  where,
} from "./tensor/selecting.js";
/** softmax and log-softmax along a dim (also in `mt.nn.functional`). */
export { logSoftmax, softmax } from "./tensor/softmax.js";
/** Sorting along a dim: sort, argsort, topk. */
export { argsort, sort, topk } from "./tensor/sorting.js";
/** Statistics over dims: var, std (with PyTorch's correction), logsumexp, norm. */
export { logsumexp, norm, std, var } from "./tensor/statistics.js";
export {
  flatten,
  movedim,
  permute,
  reshape,
  squeeze,
  t,
  transpose,
  unflatten,
  unsqueeze,
} from "./tensor/views.js";
export * as testing from "./testing/index.js";
export * as viz from "./viz/index.js";
