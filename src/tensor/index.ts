/** Tensors: strided n-dimensional arrays with autodiff on a backend. */

export { collectGarbage, memory } from "./allocations.js";
export {
  arange,
  full,
  ones,
  type RandomOptions,
  rand,
  randn,
  type TensorOptions,
  tensor,
  zeros,
} from "./creation.js";
export { getBackend, setBackend } from "./default_backend.js";
export type { Nested } from "./format.js";
export * as functions from "./functions.js";
export { Tensor, type TensorLike } from "./tensor.js";
export { keep, tidy } from "./tidy.js";
export type { ShapeArgs } from "./views.js";
