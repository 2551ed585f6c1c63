/** Scalars: single numbers with autodiff (the course's first autodiff layer). */

export { Scalar, type ScalarLike, type ScalarOptions } from "./scalar.js";
export * from "./scalar_functions.js";
