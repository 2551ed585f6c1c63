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
/** Multiples of 1/256, exact in float32 (so a tie stays a tie after rounding), ≥ 1/256 apart. */
const ties = fc.integer({ min: -6, max: 6 }).map((k) => k / 256);
/** Few distinct values: ties for max and argmax, and relu at exactly 0. */
export const smallInts = fc.integer({ min: -2, max: 2 });
/** Integers and halves among moderate values: the ties and edges of floor, ceil, round, trunc. */
const withHalves = fc.oneof(
  anyValue,
  fc.integer({ min: -6, max: 6 }).map((k) => k / 2),
);
/** k ± 0.25: a quarter away from every integer and half, where the roundings are flat. */
const offGrid = fc.integer({ min: -12, max: 11 }).map((k) => k / 2 + 0.25);
/** tan away from its poles at ±π/2. */
const nearZeroAngle = fc.double({ min: -1.2, max: 1.2, noNaN: true });
/** log1p's domain: greater than −1, away from the pole. */
const aboveMinusOne = fc.oneof(
  fc.double({ min: -0.9, max: 4, noNaN: true }),
  fc.double({ min: -0.01, max: 0.01, noNaN: true }),
);
/** A dividend off 0, of either sign: where fmod and remainder are smooth (see their rows). */
const dividend = fc
  .tuple(fc.double({ min: 0.1, max: 2.9, noNaN: true }), fc.boolean())
  .map(([m, negative]) => (negative ? -m : m));
/** Either side of softplus's threshold 20 too. */
const wideValue = fc.oneof(anyValue, fc.double({ min: -30, max: 30, noNaN: true }));
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
/** `sample`, or now and then NaN, an infinity or a signed zero: the special values C defines. */
function gpuOrSpecial(sample: Sample): Sample {
  return (r) => {
    const u = r();
    if (u < 0.04) return Number.NaN;
    if (u < 0.08) return Number.POSITIVE_INFINITY;
    if (u < 0.12) return Number.NEGATIVE_INFINITY;
    if (u < 0.16) return u < 0.14 ? 0 : -0;
    return sample(r);
  };
}
/** `sample`, or now and then a value near 0 (|v| < 0.01), where log1p and expm1 need care. */
function gpuOrTiny(sample: Sample): Sample {
  return (r) => (r() < 0.3 ? (r() - 0.5) * 0.02 : sample(r));
}

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

const zero = () => 0;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * erf x = (2/√π) ∫₀ˣ e^(−t²) dt by Simpson's rule on 400 intervals (error < 1e-12 for |x| ≤ 6),
 * 1 or −1 beyond: a different computation from minitorch's series and continued fraction.
 */
function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  if (Math.abs(x) > 6) return Math.sign(x);
  const n = 400;
  const h = x / n;
  let s = 1 + Math.exp(-x * x);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * Math.exp(-((i * h) ** 2));
  return ((2 / Math.sqrt(Math.PI)) * (s * h)) / 3;
}
/** The standard normal CDF Φ and density φ. */
const normalCdf = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
const normalPdf = (x: number) => Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
/** GELU's tanh approximation, as PyTorch writes it, and its derivative. */
const K = Math.sqrt(2 / Math.PI);
const geluTanh = (x: number) => 0.5 * x * (1 + Math.tanh(K * (x + 0.044715 * x ** 3)));
function geluTanhSlope(x: number): number {
  const t = Math.tanh(K * (x + 0.044715 * x ** 3));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * K * (1 + 3 * 0.044715 * x * x);
}
/** PyTorch's sign, 0 at 0 (and so abs's gradient, 0 at 0). */
const signOf = (x: number) => (x > 0 ? 1 : x < 0 ? -1 : 0);
/** Rounding half to even, as torch.round: a half goes to the even neighbour. */
const roundHalfEven = (x: number) =>
  x - Math.floor(x) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x);
/** A piecewise-constant op: 0 gradient; tested on its ties, differentiated off them. */
function rounding(apply: (t: Tensor) => Tensor, f: (x: number) => number): UnaryCase {
  return {
    apply,
    f,
    df: zero,
    domain: withHalves,
    smooth: offGrid,
    tol: EXACT,
    gpu: { values: [gpuOrSpecial(gpuAnyValue)], tol: BITWISE },
  };
}

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
  sqrt: {
    apply: (t) => t.sqrt(),
    f: Math.sqrt,
    df: (x) => 1 / (2 * Math.sqrt(x)),
    domain: positive,
    tol: LOOSE,
    gpu: { values: [gpuOrSpecial((r) => eighths(r, 0.125, 6))], tol: GPU_APPROXIMATE },
  },
  rsqrt: {
    apply: (t) => t.rsqrt(),
    f: (x) => 1 / Math.sqrt(x),
    df: (x) => -0.5 * x ** -1.5,
    domain: positive,
    tol: LOOSE,
    gpu: { values: [gpuOrSpecial((r) => eighths(r, 0.125, 6))], tol: GPU_APPROXIMATE },
  },
  abs: {
    apply: (t) => t.abs(),
    f: Math.abs,
    df: signOf,
    domain: fc.oneof(anyValue, smallInts),
    smooth: awayFromZero,
    tol: EXACT,
    gpu: { values: [gpuOrSpecial(gpuAnyValue)], tol: BITWISE },
  },
  sign: {
    apply: (t) => t.sign(),
    f: signOf,
    df: zero,
    domain: fc.oneof(anyValue, smallInts),
    smooth: awayFromZero,
    tol: EXACT,
    gpu: { values: [gpuOrSpecial(gpuAnyValue)], tol: BITWISE },
  },
  square: {
    apply: (t) => t.square(),
    f: (x) => x * x,
    df: (x) => 2 * x,
    domain: anyValue,
    tol: EXACT,
    gpu: { values: [gpuOrSpecial(gpuAnyValue)], tol: BITWISE },
  },
  sin: {
    apply: (t) => t.sin(),
    f: Math.sin,
    df: Math.cos,
    domain: anyValue,
    tol: LOOSE,
    gpu: { values: [gpuOrSpecial(gpuAnyValue)], tol: GPU_APPROXIMATE },
  },
  cos: {
    apply: (t) => t.cos(),
    f: Math.cos,
    df: (x) => -Math.sin(x),
    domain: anyValue,
    tol: LOOSE,
    gpu: { values: [gpuOrSpecial(gpuAnyValue)], tol: GPU_APPROXIMATE },
  },
  tan: {
    apply: (t) => t.tan(),
    f: Math.tan,
    df: (x) => 1 / Math.cos(x) ** 2,
    domain: nearZeroAngle,
    tol: LOOSE,
    gpu: { values: [gpuOrSpecial((r) => eighths(r, -1.25, 1.25))], tol: GPU_APPROXIMATE },
  },
  log1p: {
    apply: (t) => t.log1p(),
    f: Math.log1p,
    df: (x) => 1 / (1 + x),
    domain: aboveMinusOne,
    tol: LOOSE,
    gpu: { values: [gpuOrSpecial(gpuOrTiny((r) => eighths(r, -1, 6)))], tol: GPU_APPROXIMATE },
  },
  expm1: {
    apply: (t) => t.expm1(),
    f: Math.expm1,
    df: Math.exp,
    domain: fc.oneof(anyValue, fc.double({ min: -0.01, max: 0.01, noNaN: true })),
    tol: LOOSE,
    gpu: { values: [gpuOrSpecial(gpuOrTiny(gpuWide))], tol: GPU_APPROXIMATE },
  },
  log2: {
    apply: (t) => t.log2(),
    f: Math.log2,
    df: (x) => 1 / (x * Math.LN2),
    domain: positive,
    tol: LOOSE,
    gpu: { values: [gpuOrSpecial((r) => eighths(r, 0.125, 6))], tol: GPU_APPROXIMATE },
  },
  exp2: {
    apply: (t) => t.exp2(),
    f: (x) => 2 ** x,
    df: (x) => 2 ** x * Math.LN2,
    domain: anyValue,
    tol: LOOSE,
    gpu: { values: [gpuOrSpecial(gpuWide)], tol: GPU_APPROXIMATE },
  },
  erf: {
    apply: (t) => t.erf(),
    f: erf,
    df: (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x),
    domain: anyValue,
    tol: LOOSE,
    gpu: { values: [gpuOrSpecial(gpuOrTiny(gpuAnyValue))], tol: GPU_APPROXIMATE },
  },
  floor: rounding((t) => t.floor(), Math.floor),
  ceil: rounding((t) => t.ceil(), Math.ceil),
  round: rounding((t) => t.round(), roundHalfEven),
  trunc: rounding((t) => t.trunc(), Math.trunc),
  gelu: {
    apply: (t) => t.gelu(),
    f: (x) => x * normalCdf(x),
    df: (x) => normalCdf(x) + x * normalPdf(x),
    domain: anyValue,
    tol: LOOSE,
    gpu: { values: [gpuOrSpecial(gpuWide)], tol: GPU_APPROXIMATE },
  },
  geluTanh: {
    apply: (t) => t.gelu({ approximate: "tanh" }),
    f: geluTanh,
    df: geluTanhSlope,
    domain: anyValue,
    tol: LOOSE,
    gpu: { values: [gpuOrSpecial(gpuWide)], tol: GPU_APPROXIMATE },
  },
  silu: {
    apply: (t) => t.silu(),
    f: (x) => x * sigmoid(x),
    df: (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x))),
    domain: anyValue,
    tol: LOOSE,
    gpu: { values: [gpuOrSpecial(gpuWide)], tol: GPU_APPROXIMATE },
  },
  // PyTorch's defaults: β = 1, and x itself past the threshold 20.
  softplus: {
    apply: (t) => t.softplus(),
    f: (x) => (x > 20 ? x : Math.log(1 + Math.exp(x))),
    df: (x) => (x > 20 ? 1 : sigmoid(x)),
    domain: wideValue,
    tol: LOOSE,
    gpu: { values: [gpuOrSpecial((r) => eighths(r, -25, 25))], tol: GPU_APPROXIMATE },
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
  /** Comparisons give a bool mask, which records no history (PyTorch's): no gradient to test. */
  readonly mask?: boolean;
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
    mask: true,
    gpu: { values: [gpuAnyValue, gpuAnyValue], tol: BITWISE },
  };
}

/** ∂ maximum(a, b) / ∂a, PyTorch's: 1 where a is larger, 0 where smaller, ½ at a tie. */
const largerShare = (a: number, b: number) => (a > b ? 1 : a === b ? 0.5 : 0);

/** A binary op of the math toolkit that users call as a Tensor method. */
function mathMethod(
  apply: (a: Tensor, b: mt.TensorLike) => Tensor,
  row: Omit<MethodCase, "kind" | "apply" | "smooth">,
): MethodCase {
  return { kind: "method", apply, smooth: true, ...row };
}

/**
 * maximum or minimum, with ∂/∂a = share(a, b) and ∂/∂b = share(b, a). Ties are frequent on its
 * values: the gradient splits there, and central differences agree (½ at a tie too).
 */
function extremeCase(
  apply: (a: Tensor, b: mt.TensorLike) => Tensor,
  f: (a: number, b: number) => number,
  share: (a: number, b: number) => number,
): MethodCase {
  return mathMethod(apply, {
    f,
    da: share,
    db: (a, b) => share(b, a),
    left: ties,
    right: ties,
    tol: EXACT,
    gpu: { values: [gpuSpecial, gpuSpecial], tol: BITWISE },
  });
}

/**
 * fmod or remainder, a − b·q(a/b) with q the truncation or the floor: ∂/∂a = 1, ∂/∂b = −q(a/b).
 * The dividend stays off 0 and the small multiples of the divisor's edge values, where the
 * remainder jumps (central differences would straddle the jump); the GPU's dyadic values hit
 * them, and keep the kernel exact.
 */
function remainderCase(
  apply: (a: Tensor, b: mt.TensorLike) => Tensor,
  f: (a: number, b: number) => number,
  q: (quotient: number) => number,
): MethodCase {
  return mathMethod(apply, {
    f,
    da: () => 1,
    db: (a, b) => -q(a / b),
    left: dividend,
    right: awayFromZero,
    tol: EXACT,
    gpu: {
      values: [gpuOrSpecial((r) => eighths(r, -8, 8)), gpuOrSpecial(gpuAwayFromZero)],
      tol: BITWISE,
    },
  });
}

/**
 * a / b rounded by `q` (trunc or floor). Its values include integers and halves, so quotients are
 * often exact integers, which a GPU's inexact division must not round to the integer below; the
 * GPU's values include NaN, the infinities and signed zeros, in either place.
 */
function roundedDivision(
  apply: (a: Tensor, b: mt.TensorLike) => Tensor,
  q: (quotient: number) => number,
): MethodCase {
  return {
    kind: "method",
    apply,
    f: (a, b) => q(a / b),
    da: zero,
    db: zero,
    left: fc.oneof(anyValue, withHalves, smallInts),
    right: fc.oneof(awayFromZero, fc.constantFrom(-2, -1, -0.5, 0.5, 1, 2)),
    tol: EXACT,
    smooth: false,
    gpu: {
      values: [gpuOrSpecial((r) => eighths(r, -8, 8)), gpuOrSpecial(gpuAwayFromZero)],
      tol: BITWISE,
    },
  };
}

/**
 * A kernel of a parameterised activation (x, its parameter, any value): their Tensor-level forms
 * take the parameter as an option (test/conformance/math_toolkit.test.ts). An "exact" one is a
 * multiply or a select (one rounding), a "transcendental" one calls exp.
 */
function parameterised(
  f: (x: number, p: number) => number,
  kind: "exact" | "transcendental",
): KernelCase {
  const exact = kind === "exact";
  return {
    kind: "kernel",
    f,
    left: orSpecial(fc.oneof(anyValue, smallInts)),
    right: anyValue,
    tol: exact ? EXACT : LOOSE,
    gpu: {
      values: [gpuOrSpecial(exact ? gpuAnyValue : gpuWide), gpuAnyValue],
      tol: exact ? BITWISE : GPU_APPROXIMATE,
    },
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
  maximum: extremeCase((a, b) => a.maximum(b), Math.max, largerShare),
  minimum: extremeCase(
    (a, b) => a.minimum(b),
    Math.min,
    (a, b) => largerShare(b, a),
  ),
  // The backward of maximum and minimum: a's share; NaN leaves them unordered, and both get it all.
  maximumShare: {
    kind: "kernel",
    f: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? 1 : largerShare(a, b)),
    left: orSpecial(smallInts),
    right: orSpecial(smallInts),
    tol: EXACT,
    gpu: { values: [gpuSpecial, gpuSpecial], tol: BITWISE },
  },
  // JS's % is C's fmod (the sign of the dividend), exact.
  fmod: remainderCase(
    (a, b) => a.fmod(b),
    (a, b) => a % b,
    Math.trunc,
  ),
  // Python's %: the sign of the divisor, a − b·⌊a/b⌋.
  remainder: remainderCase(
    (a, b) => a.remainder(b),
    (a, b) => {
      const r = a % b;
      return r !== 0 && r < 0 !== b < 0 ? r + b : r;
    },
    Math.floor,
  ),
  // Division rounded toward 0 and down (div's roundingMode): piecewise constant, gradient 0 (as
  // PyTorch's). Small integers and halves give exact integer quotients, where rounding must not slip.
  divTrunc: roundedDivision((a, b) => a.div(b, { roundingMode: "trunc" }), Math.trunc),
  divFloor: roundedDivision((a, b) => a.div(b, { roundingMode: "floor" }), Math.floor),
  // y away from 0, off the branch cut along the negative x axis.
  atan2: mathMethod((a, b) => a.atan2(b), {
    f: Math.atan2,
    da: (a, b) => b / (a * a + b * b),
    db: (a, b) => -a / (a * a + b * b),
    left: awayFromZero,
    right: anyValue,
    tol: LOOSE,
    gpu: { values: [gpuOrSpecial(gpuAnyValue), gpuOrSpecial(gpuAnyValue)], tol: GPU_APPROXIMATE },
  }),
  leakyRelu: parameterised((x, slope) => (x > 0 ? x : x * slope), "exact"),
  leakyReluSlope: parameterised((x, slope) => (x > 0 ? 1 : slope), "exact"),
  elu: parameterised((x, alpha) => (x > 0 ? x : alpha * Math.expm1(x)), "transcendental"),
  // PyTorch's elu_backward: α·eˣ where x ≤ 0, else 1 (and so 1 at NaN).
  eluSlope: parameterised((x, alpha) => (x <= 0 ? alpha * Math.exp(x) : 1), "transcendental"),
  sqrtBack: derivativeOf("sqrt"),
  rsqrtBack: derivativeOf("rsqrt"),
  absBack: derivativeOf("abs"),
  signBack: derivativeOf("sign"),
  squareBack: derivativeOf("square"),
  sinBack: derivativeOf("sin"),
  cosBack: derivativeOf("cos"),
  tanBack: derivativeOf("tan"),
  log1pBack: derivativeOf("log1p"),
  expm1Back: derivativeOf("expm1"),
  log2Back: derivativeOf("log2"),
  exp2Back: derivativeOf("exp2"),
  erfBack: derivativeOf("erf"),
  floorBack: derivativeOf("floor"),
  ceilBack: derivativeOf("ceil"),
  roundBack: derivativeOf("round"),
  truncBack: derivativeOf("trunc"),
  geluBack: derivativeOf("gelu"),
  geluTanhBack: derivativeOf("geluTanh"),
  siluBack: derivativeOf("silu"),
  softplusBack: derivativeOf("softplus"),
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
    method: (t, dim, keepdim) => t.amax(dim, keepdim),
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
