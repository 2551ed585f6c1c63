import fc from "fast-check";
import type * as mt from "../src/index.js";
import type { BinaryOp, ReduceOp, UnaryOp } from "../src/strided/ops.js";
import type { Tolerance } from "./close.js";
import type { Rand } from "./gpu_views.js";

/**
 * One test row per row of the op table (src/strided/ops.ts), typed `Record<UnaryOp, …>`,
 * `Record<BinaryOp, …>`, `Record<ReduceOp, …>`: an op added to the table without its row here is
 * a compile error, and every test that iterates the ops takes them from these records. A row holds
 * what the tests need to know about its op: the op in plain JS (float64, written here, never taken
 * from the table), its input domain, how close a backend must come to the plain-JS value (the
 * conformance suite, every backend), and the values and tolerance of the WebGPU kernel test
 * (float32 on the GPU against the reference backend).
 */

type Tensor = mt.Tensor;

// --- tolerances -------------------------------------------------------------------------------------

/** One or two float32 roundings. */
export const EXACT: Tolerance = { rel: 1e-5, abs: 1e-6, equalNan: true };
/** Transcendental functions (a fast backend may use approximations good to a few ulp). */
export const LOOSE: Tolerance = { rel: 1e-4, abs: 1e-5, equalNan: true };
/** Sums of many float32 terms: reductions, matmul, gradients summed over broadcasts. */
export const SUMS: Tolerance = { rel: 1e-4, abs: 5e-4, equalNan: true };

/** A GPU kernel against the reference backend, both in float32: the same rounding, bit for bit. */
export const BITWISE: Tolerance = { rel: 0, abs: 0, equalNan: true };
/** Transcendental functions on the GPU, against double rounded once. */
const GPU_APPROXIMATE: Tolerance = { rel: 1e-5, abs: 1e-6, equalNan: true };
/** Division on the GPU: WGSL allows 2.5 ulp. */
const GPU_DIVIDING: Tolerance = { rel: 1e-6, abs: 0, equalNan: true };

// --- domains ----------------------------------------------------------------------------------------

/** For the property tests (fast-check): any moderate value. */
export const anyValue = fc.double({ min: -3, max: 3, noNaN: true });
/** Positive, away from 0: log's domain, pow's base. */
export const positive = fc.double({ min: 0.1, max: 4, noNaN: true });
/** |x| ≥ 0.25, either sign: a denominator, or where relu is smooth. */
export const awayFromZero = fc
  .tuple(fc.double({ min: 0.25, max: 4, noNaN: true }), fc.boolean())
  .map(([m, negative]) => (negative ? -m : m));
const exponent = fc.double({ min: -2, max: 2, noNaN: true });
/** Multiples of 0.004: many ties and near-ties, each difference ≥ 0.002 from isClose's 1e-2. */
const grid = fc.integer({ min: -6, max: 6 }).map((k) => k * 0.004);
/** Few distinct values: ties for max and argmax, and relu at exactly 0. */
export const smallInts = fc.integer({ min: -2, max: 2 });
/** NaN and the infinities, now and then among `values`. */
function orSpecial(values: fc.Arbitrary<number>): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: values, weight: 3 },
    fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  );
}

/** A value for the WebGPU kernel tests, drawn from their seeded generator. */
export type Sample = (r: Rand) => number;

/** An integer in [lo, hi]. */
export function int(r: Rand, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

/** Multiples of 1/8 in [lo, hi]: exact in float32, and equal values are frequent (eq, max). */
export function eighths(r: Rand, lo: number, hi: number): number {
  return int(r, Math.ceil(lo * 8), Math.floor(hi * 8)) / 8;
}

/** Any moderate value, for the WebGPU kernel tests. */
export const gpuAnyValue: Sample = (r) => eighths(r, -3, 3);
/** Nonzero, |v| in [0.25, 4], either sign. */
const gpuAwayFromZero: Sample = (r) => (r() < 0.5 ? -1 : 1) * eighths(r, 0.25, 4);
/** Small integers, or now and then NaN or an infinity (for the NaN-aware rows). */
const gpuSpecial: Sample = (r) => {
  const u = r();
  if (u < 0.1) return Number.NaN;
  if (u < 0.15) return Number.POSITIVE_INFINITY;
  if (u < 0.2) return Number.NEGATIVE_INFINITY;
  return int(r, -2, 2);
};
/** Saturating inputs too (sigmoid, tanh). */
const gpuWide: Sample = (r) => eighths(r, -12, 12);

/** The WebGPU kernel test of an op: values per operand, and the tolerance against the reference. */
export interface GpuCase<Samples extends readonly Sample[]> {
  readonly values: Samples;
  readonly tol: Tolerance;
}

// --- unary ops --------------------------------------------------------------------------------------

/** A unary op: y = f(x), run by a Tensor method. */
export interface UnaryCase {
  /** The Tensor method that runs the op. */
  readonly apply: (t: Tensor) => Tensor;
  readonly f: (x: number) => number;
  /** dy/dx. */
  readonly df: (x: number) => number;
  readonly domain: fc.Arbitrary<number>;
  /** Where f is smooth (for central differences); `domain` when omitted. */
  readonly smooth?: fc.Arbitrary<number>;
  readonly tol: Tolerance;
  readonly gpu: GpuCase<readonly [Sample]>;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export const unaryCases: Record<UnaryOp, UnaryCase> = {
  neg: {
    apply: (t) => t.neg(),
    f: (x) => -x,
    df: () => -1,
    domain: anyValue,
    tol: EXACT,
    gpu: { values: [gpuAnyValue], tol: BITWISE },
  },
  exp: {
    apply: (t) => t.exp(),
    f: Math.exp,
    df: Math.exp,
    domain: anyValue,
    tol: LOOSE,
    gpu: { values: [gpuAnyValue], tol: GPU_APPROXIMATE },
  },
  log: {
    apply: (t) => t.log(),
    f: Math.log,
    df: (x) => 1 / x,
    domain: positive,
    tol: LOOSE,
    gpu: { values: [(r) => eighths(r, 0.125, 6)], tol: GPU_APPROXIMATE },
  },
  sigmoid: {
    apply: (t) => t.sigmoid(),
    f: sigmoid,
    df: (x) => sigmoid(x) * (1 - sigmoid(x)),
    domain: anyValue,
    tol: LOOSE,
    gpu: { values: [gpuWide], tol: GPU_APPROXIMATE },
  },
  relu: {
    apply: (t) => t.relu(),
    f: (x) => Math.max(x, 0),
    df: (x) => (x > 0 ? 1 : 0),
    domain: fc.oneof(anyValue, smallInts),
    smooth: awayFromZero,
    tol: EXACT,
    gpu: { values: [gpuAnyValue], tol: BITWISE },
  },
  tanh: {
    apply: (t) => t.tanh(),
    f: Math.tanh,
    df: (x) => 1 - Math.tanh(x) ** 2,
    domain: anyValue,
    tol: LOOSE,
    gpu: { values: [gpuWide], tol: GPU_APPROXIMATE },
  },
  inv: {
    apply: (t) => t.reciprocal(),
    f: (x) => 1 / x,
    df: (x) => -1 / (x * x),
    domain: awayFromZero,
    tol: LOOSE,
    gpu: { values: [gpuAwayFromZero], tol: GPU_DIVIDING },
  },
};

// --- binary ops -------------------------------------------------------------------------------------

interface BinaryRow {
  readonly f: (a: number, b: number) => number;
  readonly left: fc.Arbitrary<number>;
  readonly right: fc.Arbitrary<number>;
  readonly tol: Tolerance;
  readonly gpu: GpuCase<readonly [Sample, Sample]>;
}

/** A binary op users call as a Tensor method (the second operand may be a number). */
export interface MethodCase extends BinaryRow {
  readonly kind: "method";
  readonly apply: (a: Tensor, b: mt.TensorLike) => Tensor;
  /** ∂f/∂a. */
  readonly da: (a: number, b: number) => number;
  /** ∂f/∂b. */
  readonly db: (a: number, b: number) => number;
  /** Comparisons are piecewise constant: their gradient is 0 and central differences say nothing. */
  readonly smooth: boolean;
}

/**
 * A derivative row `back(x, g) = g·f'(x)` of the unary op `of`: no Tensor method runs it, the
 * backward of `of` does (the tests run it as the kernel, and through `of`'s gradient).
 */
export interface DerivativeCase extends BinaryRow {
  readonly kind: "derivative";
  readonly of: UnaryOp;
}

/**
 * A binary row that only minitorch's own functions run (no Tensor method, not a derivative): the
 * tests run it as the kernel.
 */
export interface KernelCase extends BinaryRow {
  readonly kind: "kernel";
}

export type BinaryCase = MethodCase | DerivativeCase | KernelCase;

const zero = () => 0;

function comparison(
  apply: (a: Tensor, b: mt.TensorLike) => Tensor,
  f: (a: number, b: number) => boolean,
): MethodCase {
  return {
    kind: "method",
    apply,
    f: (a, b) => (f(a, b) ? 1 : 0),
    da: zero,
    db: zero,
    left: grid,
    right: grid,
    tol: EXACT,
    smooth: false,
    gpu: { values: [gpuAnyValue, gpuAnyValue], tol: BITWISE },
  };
}

/** The derivative row of `of`, from its unary row: x in its domain, g any value. */
function derivativeOf(of: UnaryOp): DerivativeCase {
  const u = unaryCases[of];
  return {
    kind: "derivative",
    of,
    f: (x, g) => g * u.df(x),
    left: u.domain,
    right: anyValue,
    tol: u.tol,
    gpu: { values: [u.gpu.values[0], gpuAnyValue], tol: u.gpu.tol },
  };
}

export const binaryCases: Record<BinaryOp, BinaryCase> = {
  add: {
    kind: "method",
    apply: (a, b) => a.add(b),
    f: (a, b) => a + b,
    da: () => 1,
    db: () => 1,
    left: anyValue,
    right: anyValue,
    tol: EXACT,
    smooth: true,
    gpu: { values: [gpuAnyValue, gpuAnyValue], tol: BITWISE },
  },
  sub: {
    kind: "method",
    apply: (a, b) => a.sub(b),
    f: (a, b) => a - b,
    da: () => 1,
    db: () => -1,
    left: anyValue,
    right: anyValue,
    tol: EXACT,
    smooth: true,
    gpu: { values: [gpuAnyValue, gpuAnyValue], tol: BITWISE },
  },
  mul: {
    kind: "method",
    apply: (a, b) => a.mul(b),
    f: (a, b) => a * b,
    da: (_a, b) => b,
    db: (a) => a,
    left: anyValue,
    right: anyValue,
    tol: EXACT,
    smooth: true,
    gpu: { values: [gpuAnyValue, gpuAnyValue], tol: BITWISE },
  },
  div: {
    kind: "method",
    apply: (a, b) => a.div(b),
    f: (a, b) => a / b,
    da: (_a, b) => 1 / b,
    db: (a, b) => -a / (b * b),
    left: anyValue,
    right: awayFromZero,
    tol: EXACT,
    smooth: true,
    gpu: { values: [gpuAnyValue, gpuAwayFromZero], tol: GPU_DIVIDING },
  },
  pow: {
    kind: "method",
    apply: (a, b) => a.pow(b),
    f: (a, b) => a ** b,
    da: (a, b) => b * a ** (b - 1),
    db: (a, b) => a ** b * Math.log(a),
    left: positive,
    right: exponent,
    tol: LOOSE,
    smooth: true,
    // Negative bases too: integer exponents give real powers, fractional ones NaN (both sides).
    gpu: {
      values: [
        (r) => (r() < 0.5 ? -1 : 1) * eighths(r, 0.25, 3),
        (r) => (r() < 0.5 ? int(r, -3, 3) : eighths(r, -2, 2)),
      ],
      tol: GPU_APPROXIMATE,
    },
  },
  lt: comparison(
    (a, b) => a.lt(b),
    (a, b) => a < b,
  ),
  gt: comparison(
    (a, b) => a.gt(b),
    (a, b) => a > b,
  ),
  eq: comparison(
    (a, b) => a.eq(b),
    (a, b) => a === b,
  ),
  isClose: comparison(
    (a, b) => a.isClose(b),
    (a, b) => Math.abs(a - b) < 1e-2,
  ),
  eqNan: {
    kind: "kernel",
    f: (a, b) => (a === b || (Number.isNaN(a) && Number.isNaN(b)) ? 1 : 0),
    left: orSpecial(smallInts),
    right: orSpecial(smallInts),
    tol: EXACT,
    gpu: { values: [gpuSpecial, gpuSpecial], tol: BITWISE },
  },
  keepWhere: {
    kind: "kernel",
    f: (a, m) => (m === 0 ? 0 : a),
    left: orSpecial(anyValue),
    right: fc.constantFrom(0, 1, -0.5),
    tol: EXACT,
    gpu: { values: [gpuSpecial, (r) => int(r, 0, 1)], tol: BITWISE },
  },
  negBack: derivativeOf("neg"),
  expBack: derivativeOf("exp"),
  logBack: derivativeOf("log"),
  sigmoidBack: derivativeOf("sigmoid"),
  reluBack: derivativeOf("relu"),
  tanhBack: derivativeOf("tanh"),
  invBack: derivativeOf("inv"),
};

// --- reductions -------------------------------------------------------------------------------------

/** A reduction as the tests model it: a fold over the reduced elements, and its gradient. */
export interface Reduction {
  /** The result for the elements `xs` of one reduced row. */
  readonly fold: (xs: readonly number[]) => number;
  /** ∂fold/∂xs[i] (max and min split the gradient evenly between ties, as minitorch does). */
  readonly local: (xs: readonly number[], i: number) => number;
  /** Input domain for the property tests. */
  readonly domain: fc.Arbitrary<number>;
  /** The Tensor method `t.op(dim?, keepdim)`; null where only minitorch itself calls the kernel. */
  readonly method: ((t: Tensor, dim: number | undefined, keepdim: boolean) => Tensor) | null;
}

/** A reduction of the op table. */
export interface ReduceCase extends Reduction {
  /** What an empty dim reduces to. */
  readonly identity: number;
  /** The WebGPU kernel test of large reductions: values, and the tolerance against the reference. */
  readonly gpu: GpuCase<readonly [Sample]>;
}

const total = (xs: readonly number[]) => xs.reduce((p, x) => p + x, 0);

/** d extreme / d xs[i]: split evenly between the elements equal to the extreme. */
function splitBetweenTies(extreme: (xs: readonly number[]) => number) {
  return (xs: readonly number[], i: number) => {
    const top = extreme(xs);
    return xs[i] === top ? 1 / xs.filter((x) => x === top).length : 0;
  };
}

const largest = (xs: readonly number[]) => Math.max(...xs);
const smallest = (xs: readonly number[]) => Math.min(...xs);

export const reduceCases: Record<ReduceOp, ReduceCase> = {
  sum: {
    fold: total,
    local: () => 1,
    domain: anyValue,
    method: (t, dim, keepdim) => t.sum(dim, keepdim),
    identity: 0,
    // Positive values, so the relative tolerance is against the sum's own size.
    gpu: { values: [(r) => r()], tol: { rel: 1e-5, abs: 0, equalNan: true } },
  },
  max: {
    fold: largest,
    local: splitBetweenTies(largest),
    domain: fc.oneof(anyValue, smallInts),
    method: (t, dim, keepdim) => t.max(dim, keepdim),
    identity: Number.NEGATIVE_INFINITY,
    gpu: { values: [(r) => r() * 2 - 1], tol: BITWISE },
  },
  // No Tensor method: argmax is built on it.
  min: {
    fold: smallest,
    local: splitBetweenTies(smallest),
    domain: fc.oneof(anyValue, smallInts),
    method: null,
    identity: Number.POSITIVE_INFINITY,
    gpu: { values: [(r) => r() * 2 - 1], tol: BITWISE },
  },
};

/** The keys of a record typed by op, typed as the ops (Object.keys says `string`). */
export function opsOf<Op extends string>(cases: Record<Op, unknown>): Op[] {
  return Object.keys(cases) as Op[];
}

/** [op, row] pairs of a record typed by op (for `it.each(...)("%s …", (op, row) => …)`). */
export function rowsOf<Op extends string, Row>(cases: Record<Op, Row>): [Op, Row][] {
  return opsOf(cases).map((op) => [op, cases[op]]);
}
