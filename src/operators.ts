/**
 * Scalar math used everywhere: the forward ops on plain JS numbers, their derivatives (`*Back`,
 * which take the input `x` and the upstream gradient `d` and return d · f'(x)), and the
 * higher-order helpers map / zipWith / reduce that the list functions are built from.
 */

import { ShapeError } from "./errors.js";

// ---------------------------------------------------------------------------------------------
// Forward ops
// ---------------------------------------------------------------------------------------------

/** Product: x · y. */
export function mul(x: number, y: number): number {
  return x * y;
}

/** Identity: x. */
export function id(x: number): number {
  return x;
}

/** Sum: x + y. */
export function add(x: number, y: number): number {
  return x + y;
}

/** Negation: −x. */
export function neg(x: number): number {
  return -x;
}

/** Less-than as a number: 1.0 if x < y, else 0.0. */
export function lt(x: number, y: number): number {
  return x < y ? 1.0 : 0.0;
}

/** Equality as a number: 1.0 if x = y, else 0.0. */
export function eq(x: number, y: number): number {
  return x === y ? 1.0 : 0.0;
}

/** Larger of the two: max(x, y); NaN if either is NaN (Math.max's rule, and torch.maximum's). */
export function max(x: number, y: number): number {
  return Math.max(x, y);
}

/** Whether x and y are close: |x − y| < 1e-2 (the MiniTorch course's tolerance). */
export function isClose(x: number, y: number): boolean {
  return Math.abs(x - y) < 1e-2;
}

/**
 * Logistic sigmoid σ(x) = 1 / (1 + e^−x), in the numerically stable form: for x < 0 it uses the
 * equal e^x / (1 + e^x), so e^(−x) is never evaluated for large negative x (no overflow, no NaN).
 */
export function sigmoid(x: number): number {
  if (x >= 0) {
    return 1.0 / (1.0 + Math.exp(-x));
  }
  const e = Math.exp(x);
  return e / (1.0 + e);
}

/**
 * Rectified linear unit: relu(x) = x if x > 0, else 0 — and NaN for NaN, as PyTorch's relu (a
 * clamp at 0) gives: a NaN must not turn into an ordinary-looking 0.
 */
export function relu(x: number): number {
  return x > 0 || Number.isNaN(x) ? x : 0.0;
}

/** Natural logarithm: ln x. */
export function log(x: number): number {
  return Math.log(x);
}

/** Exponential: eˣ. */
export function exp(x: number): number {
  return Math.exp(x);
}

/** Reciprocal: 1 / x. */
export function inv(x: number): number {
  return 1.0 / x;
}

// ---------------------------------------------------------------------------------------------
// Derivatives: each returns d · f'(x)
// ---------------------------------------------------------------------------------------------

/** Derivative of log times d: d / x. */
export function logBack(x: number, d: number): number {
  return d / x;
}

/** Derivative of inv times d: −d / x². */
export function invBack(x: number, d: number): number {
  return -d / (x * x);
}

/**
 * Derivative of relu times d: 0 if x ≤ 0 (the subgradient 0 is taken at x = 0), else d — d at
 * x = NaN too, as PyTorch's threshold_backward(grad, relu(x), 0) passes grad wherever the output
 * is not ≤ 0. A value, not d · [x > 0], so a NaN d stays out of the x ≤ 0 positions.
 */
export function reluBack(x: number, d: number): number {
  return x <= 0 ? 0.0 : d;
}

/** Derivative of sigmoid times d: d · σ(x) · (1 − σ(x)). */
export function sigmoidBack(x: number, d: number): number {
  const s = sigmoid(x);
  return d * s * (1.0 - s);
}

/** Derivative of exp times d: d · eˣ. */
export function expBack(x: number, d: number): number {
  return d * Math.exp(x);
}

// ---------------------------------------------------------------------------------------------
// Functional helpers
// ---------------------------------------------------------------------------------------------

/** Lifts a unary function to lists: map(f)([x₁, …, xₙ]) = [f(x₁), …, f(xₙ)]. */
export function map<A = number, B = number>(fn: (x: A) => B): (xs: readonly A[]) => B[] {
  return (xs) => xs.map((x) => fn(x));
}

/**
 * Lifts a binary function to pairs of lists: zipWith(f)(xs, ys)[i] = f(xs[i], ys[i]).
 * Throws `ShapeError` when the lengths differ.
 */
export function zipWith<A = number, B = number, C = number>(
  fn: (x: A, y: B) => C,
): (xs: readonly A[], ys: readonly B[]) => C[] {
  return (xs, ys) => {
    if (xs.length !== ys.length) {
      throw new ShapeError(`zipWith: lists of length ${xs.length} and ${ys.length} differ`);
    }
    return xs.map((x, i) => fn(x, ys[i]));
  };
}

/** Left fold from `start`: reduce(f, s)([x₁, …, xₙ]) = f(…f(f(s, x₁), x₂)…, xₙ). */
export function reduce<A = number, B = number>(
  fn: (acc: B, x: A) => B,
  start: B,
): (xs: readonly A[]) => B {
  return (xs) => xs.reduce<B>((acc, x) => fn(acc, x), start);
}

// ---------------------------------------------------------------------------------------------
// List functions, built from the helpers
// ---------------------------------------------------------------------------------------------

const negMapped = map(neg);
const addZipped = zipWith(add);
const sumReduced = reduce(add, 0.0);
const prodReduced = reduce(mul, 1.0);

/** Elementwise negation: [−x₁, …, −xₙ]. */
export function negList(xs: readonly number[]): number[] {
  return negMapped(xs);
}

/** Elementwise sum of two equal-length lists: [x₁ + y₁, …, xₙ + yₙ]; throws `ShapeError` otherwise. */
export function addLists(xs: readonly number[], ys: readonly number[]): number[] {
  return addZipped(xs, ys);
}

/** Sum of a list: Σ xᵢ (0 for the empty list). */
export function sum(xs: readonly number[]): number {
  return sumReduced(xs);
}

/** Product of a list: Π xᵢ (1 for the empty list). */
export function prod(xs: readonly number[]): number {
  return prodReduced(xs);
}
