/**
 * Scalar math used everywhere: the forward ops on plain JS numbers, their derivatives (`*Back`,
 * which take the input `x` and the upstream gradient `d` and return d · f'(x)), and the
 * higher-order helpers map / zipWith / reduce that the list functions are built from.
 */

import { ShapeError } from "./errors.js";

// ---------------------------------------------------------------------------------------------
// Forward ops
// ---------------------------------------------------------------------------------------------

/** Product: x · y. @task 0.1 */
export function mul(x: number, y: number): number {
  return x * y;
}

/** Identity: x. @task 0.1 */
export function id(x: number): number {
  return x;
}

/** Sum: x + y. @task 0.1 */
export function add(x: number, y: number): number {
  return x + y;
}

/** Negation: −x. @task 0.1 */
export function neg(x: number): number {
  return -x;
}

/** Less-than as a number: 1.0 if x < y, else 0.0. @task 0.1 */
export function lt(x: number, y: number): number {
  return x < y ? 1.0 : 0.0;
}

/** Equality as a number: 1.0 if x = y, else 0.0. @task 0.1 */
export function eq(x: number, y: number): number {
  return x === y ? 1.0 : 0.0;
}

/** Larger of the two: max(x, y); NaN if either is NaN (Math.max's rule, and torch.maximum's). @task 0.1 */
export function max(x: number, y: number): number {
  return Math.max(x, y);
}

/** Whether x and y are close: |x − y| < 1e-2 (the MiniTorch course's tolerance). @task 0.1 */
export function isClose(x: number, y: number): boolean {
  return Math.abs(x - y) < 1e-2;
}

/**
 * Logistic sigmoid σ(x) = 1 / (1 + e^−x), in the numerically stable form: for x < 0 it uses the
 * equal e^x / (1 + e^x), so e^(−x) is never evaluated for large negative x (no overflow, no NaN).
 * @task 0.1
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
 * @task 0.1
 */
export function relu(x: number): number {
  return x > 0 || Number.isNaN(x) ? x : 0.0;
}

/** Natural logarithm: ln x. @task 0.1 */
export function log(x: number): number {
  return Math.log(x);
}

/** Exponential: eˣ. @task 0.1 */
export function exp(x: number): number {
  return Math.exp(x);
}

/** Reciprocal: 1 / x. @task 0.1 */
export function inv(x: number): number {
  return 1.0 / x;
}

// ---------------------------------------------------------------------------------------------
// Derivatives: each returns d · f'(x)
// ---------------------------------------------------------------------------------------------

/** Derivative of log times d: d / x. @task 0.1 */
export function logBack(x: number, d: number): number {
  return d / x;
}

/** Derivative of inv times d: −d / x². @task 0.1 */
export function invBack(x: number, d: number): number {
  return -d / (x * x);
}

/**
 * Derivative of relu times d: 0 if x ≤ 0 (the subgradient 0 is taken at x = 0), else d — d at
 * x = NaN too, as PyTorch's threshold_backward(grad, relu(x), 0) passes grad wherever the output
 * is not ≤ 0. A value, not d · [x > 0], so a NaN d stays out of the x ≤ 0 positions.
 * @task 0.1
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
// Elementwise math (the everyday tensor toolkit): PyTorch's values at NaN, ±inf and ±0
// ---------------------------------------------------------------------------------------------

/** √x (NaN for x < 0). */
export function sqrt(x: number): number {
  return Math.sqrt(x);
}

/** 1 / √x (inf at +0, −inf at −0, as C's 1 / sqrt(x)). */
export function rsqrt(x: number): number {
  return 1 / Math.sqrt(x);
}

/** |x|. */
export function abs(x: number): number {
  return Math.abs(x);
}

/**
 * −1, 0 or 1 as PyTorch computes it, (0 < x) − (x < 0): 0 at ±0 and at NaN (Math.sign gives −0
 * and NaN there).
 */
export function sign(x: number): number {
  return (x > 0 ? 1 : 0) - (x < 0 ? 1 : 0);
}

/** x². */
export function square(x: number): number {
  return x * x;
}

/** 2ˣ. */
export function exp2(x: number): number {
  return 2 ** x;
}

/**
 * x rounded to the nearest integer, halves to the even one (torch.round, IEEE roundeven):
 * Math.round sends every half up, so a half that went to an odd integer steps back by one.
 */
export function round(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * The error function erf x = (2/√π) ∫₀ˣ e^(−t²) dt, to float64's precision (relative error below
 * 1e-14 where |erf x| > 1e-300; JS's Math has no erf). For |x| < 3 the series of positive terms
 * erf x = (2/√π) e^(−x²) Σₙ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)), which has no cancellation; beyond, 1 −
 * erfc x with erfc from Laplace's continued fraction erfc x = (e^(−x²)/√π) / (x + ½/(x + 1/(x +
 * (3/2)/(x + …)))), evaluated from its 60th level up (converged to ~1e-16 for x ≥ 3).
 */
export function erf(x: number): number {
  const m = Math.abs(x);
  if (!(m < 3)) {
    if (Number.isNaN(x)) return x;
    return Math.sign(x) * (1 - erfcLarge(m));
  }
  const x2 = x * x;
  let term = x;
  let total = x;
  for (let n = 1; term !== 0 && Math.abs(term) > Math.abs(total) * 1e-17; n++) {
    term *= (2 * x2) / (2 * n + 1);
    total += term;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * total;
}

/** erfc x for x ≥ 3 from its continued fraction (see erf); 0 past x ≈ 27, as in float64. */
function erfcLarge(x: number): number {
  let f = x;
  for (let k = 60; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * GELU, x·Φ(x) with Φ the standard normal CDF, ½(1 + erf(x/√2)) (torch's approximate="none").
 * At ±inf the limits, inf and 0: PyTorch's formula gives −inf·0 = NaN there, a known bug.
 */
export function gelu(x: number): number {
  if (x === Number.NEGATIVE_INFINITY) return 0;
  return x * normalCdf(x);
}

/** Φ(x) = ½(1 + erf(x/√2)), from erfc in the left tail, where 1 + erf cancels. */
function normalCdf(x: number): number {
  const z = -x * SQRT1_2;
  return z >= 3 ? 0.5 * erfcLarge(z) : 0.5 * (1 + erf(-z));
}

const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

/** GELU's tanh approximation: ½x(1 + tanh(√(2/π)(x + 0.044715x³))); 0 at −inf (see gelu). */
export function geluTanh(x: number): number {
  if (x === Number.NEGATIVE_INFINITY) return 0;
  return 0.5 * x * (1 + Math.tanh(GELU_K * (x + GELU_C * x * x * x)));
}

/** SiLU (swish), x·σ(x) with the stable sigmoid; 0 at −inf, where x·σ(x) is −inf·0. */
export function silu(x: number): number {
  if (x === Number.NEGATIVE_INFINITY) return 0;
  return x * sigmoid(x);
}

/** Softplus at PyTorch's defaults (β = 1, threshold 20): ln(1 + eˣ), and x itself past x > 20. */
export function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

/** Leaky ReLU: x for x > 0, else slope·x (NaN stays NaN). */
export function leakyRelu(x: number, slope: number): number {
  return x > 0 ? x : x * slope;
}

/** ELU: x for x > 0, else α·(eˣ − 1) (with expm1, exact near 0). */
export function elu(x: number, alpha: number): number {
  return x > 0 ? x : alpha * Math.expm1(x);
}

/** C's fmod: the remainder of x / y truncated, with the sign of x (JS's % is exactly it). */
export function fmod(x: number, y: number): number {
  return x % y;
}

/**
 * Python's x % y (torch.remainder): the remainder of x / y floored, with the sign of y; as
 * PyTorch computes it, fmod moved by y when the signs differ.
 */
export function remainder(x: number, y: number): number {
  const r = x % y;
  return r !== 0 && r < 0 !== y < 0 ? r + y : r;
}

/** x / y rounded toward 0: the exact quotient truncated (of integers, C's integer division). */
export function divTrunc(x: number, y: number): number {
  return Math.trunc(x / y);
}

/**
 * x / y rounded down (torch.div's rounding_mode "floor", Python's //), as PyTorch computes it:
 * the exact multiple x − fmod(x, y) of y divided by y, one less where the remainder's sign
 * differs from y's, floored and moved to the nearest integer — so 1 // 0.1 is 9, as in Python,
 * where ⌊1 / 0.1⌋ would be 10. By 0 it is x / y.
 */
export function divFloor(x: number, y: number): number {
  if (y === 0) return x / y;
  const mod = x % y;
  let div = (x - mod) / y;
  if (mod !== 0 && y < 0 !== mod < 0) div -= 1;
  if (div === 0) {
    const q = x / y;
    return q < 0 || Object.is(q, -0) ? -0 : 0;
  }
  const floor = Math.floor(div);
  return div - floor > 0.5 ? floor + 1 : floor;
}

// ---------------------------------------------------------------------------------------------
// Derivatives of the elementwise math: each returns d · f'(x) (PyTorch's formulas)
// ---------------------------------------------------------------------------------------------

/** Derivative of rsqrt times d: −d / (2 x^(3/2)). */
export function rsqrtBack(x: number, d: number): number {
  const r = 1 / Math.sqrt(x);
  return -0.5 * d * r * r * r;
}

/** Derivative of erf times d: d · (2/√π) e^(−x²). */
export function erfBack(x: number, d: number): number {
  return d * TWO_OVER_SQRT_PI * Math.exp(-x * x);
}

/** GELU's slope Φ(x) + x·φ(x); the limits 1 and 0 at ±inf (x·φ(x) is inf·0 there). */
function geluSlope(x: number): number {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? x : x > 0 ? 1 : 0;
  return normalCdf(x) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

/** Derivative of gelu times d. */
export function geluBack(x: number, d: number): number {
  return d * geluSlope(x);
}

/**
 * GELU-tanh's slope, PyTorch's formula: ½(1 + t) + ½x(1 − t²)·k(1 + 3c x²) with
 * t = tanh(k(x + c x³)); the limits 1 and 0 at ±inf.
 */
function geluTanhSlope(x: number): number {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? x : x > 0 ? 1 : 0;
  const t = Math.tanh(GELU_K * (x + GELU_C * x * x * x));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_K * (1 + 3 * GELU_C * x * x);
}

/** Derivative of geluTanh times d. */
export function geluTanhBack(x: number, d: number): number {
  return d * geluTanhSlope(x);
}

/** SiLU's slope σ(x)(1 + x(1 − σ(x))); the limits 1 and 0 at ±inf. */
function siluSlope(x: number): number {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? x : x > 0 ? 1 : 0;
  const s = sigmoid(x);
  return s * (1 + x * (1 - s));
}

/** Derivative of silu times d. */
export function siluBack(x: number, d: number): number {
  return d * siluSlope(x);
}

/** Derivative of softplus times d: d past the threshold, else d · σ(x). */
export function softplusBack(x: number, d: number): number {
  return x > 20 ? d : d * sigmoid(x);
}

/** Leaky ReLU's slope at x (its derivative, not times d): 1 for x > 0, else `slope`. */
export function leakyReluSlope(x: number, slope: number): number {
  return x > 0 ? 1 : slope;
}

/** ELU's slope at x (its derivative, not times d): α·eˣ for x ≤ 0, else 1 (at NaN too, as PyTorch). */
export function eluSlope(x: number, alpha: number): number {
  return x <= 0 ? alpha * Math.exp(x) : 1;
}

/**
 * The share of maximum(a, b)'s gradient that a gets (and, swapped, minimum's that b gets): 1 where
 * a > b, ½ at a tie (PyTorch splits it), 0 where a < b, and 1 where NaN makes them unordered (as
 * PyTorch's masks, which then pass the whole gradient to both).
 */
export function maximumShare(a: number, b: number): number {
  if (a === b) return 0.5;
  return a < b ? 0 : 1;
}

// ---------------------------------------------------------------------------------------------
// Functional helpers
// ---------------------------------------------------------------------------------------------

/** Lifts a unary function to lists: map(f)([x₁, …, xₙ]) = [f(x₁), …, f(xₙ)]. @task 0.2 */
export function map<A = number, B = number>(fn: (x: A) => B): (xs: readonly A[]) => B[] {
  return (xs) => xs.map((x) => fn(x));
}

/**
 * Lifts a binary function to pairs of lists: zipWith(f)(xs, ys)[i] = f(xs[i], ys[i]).
 * Throws `ShapeError` when the lengths differ.
 * @task 0.2
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

/** Left fold from `start`: reduce(f, s)([x₁, …, xₙ]) = f(…f(f(s, x₁), x₂)…, xₙ). @task 0.2 */
export function reduce<A = number, B = number>(
  fn: (acc: B, x: A) => B,
  start: B,
): (xs: readonly A[]) => B {
  return (xs) => xs.reduce<B>((acc, x) => fn(acc, x), start);
}

// ---------------------------------------------------------------------------------------------
// List functions, built from the helpers
// ---------------------------------------------------------------------------------------------

// Each builds its helper on the call, not at import: a course workspace imports this file with
// map, zipWith and reduce still unwritten (Task 0.2), and the rest of minitorch must still load.

/** Elementwise negation: [−x₁, …, −xₙ]. @task 0.2 */
export function negList(xs: readonly number[]): number[] {
  return map(neg)(xs);
}

/** Elementwise sum of two equal-length lists: [x₁ + y₁, …, xₙ + yₙ]; throws `ShapeError` otherwise. @task 0.2 */
export function addLists(xs: readonly number[], ys: readonly number[]): number[] {
  return zipWith(add)(xs, ys);
}

/** Sum of a list: Σ xᵢ (0 for the empty list). @task 0.2 */
export function sum(xs: readonly number[]): number {
  return reduce(add, 0.0)(xs);
}

/** Product of a list: Π xᵢ (1 for the empty list). @task 0.2 */
export function prod(xs: readonly number[]): number {
  return reduce(mul, 1.0)(xs);
}
