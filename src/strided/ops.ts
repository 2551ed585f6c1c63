import * as op from "../operators.js";
import { wgslMath } from "./wgsl_math.js";

/**
 * The op table: every elementwise op and reduction, defined once. Each row holds the op's JS
 * implementation (used by the CPU backends) and its WGSL expression (for the WebGPU backend), and
 * each unary op names its derivative, itself a binary row `back(x, g)`. The tables are typed as
 * `Record<Op, Row>`, so a backend that generates kernels from them covers every op, and adding an
 * op here without its row is a compile error.
 *
 * WGSL expressions use `a` (and `b`) for the operands, `acc` and `x` in reductions, and may call
 * the helpers in `wgslPrelude`.
 */

/** Elementwise ops of one tensor. */
export type UnaryOp =
  | "neg"
  | "exp"
  | "log"
  | "sigmoid"
  | "relu"
  | "tanh"
  | "inv"
  | "sqrt"
  | "rsqrt"
  | "abs"
  | "sign"
  | "square"
  | "sin"
  | "cos"
  | "tan"
  | "log1p"
  | "expm1"
  | "log2"
  | "exp2"
  | "erf"
  | "floor"
  | "ceil"
  | "round"
  | "trunc"
  | "gelu"
  | "geluTanh"
  | "silu"
  | "softplus";

/** Elementwise ops of two tensors (broadcast), including the derivative rows `*Back(x, g)`. */
export type BinaryOp =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "pow"
  | "lt"
  | "gt"
  | "eq"
  | "isClose"
  | "eqNan"
  | "keepWhere"
  | "negBack"
  | "expBack"
  | "logBack"
  | "sigmoidBack"
  | "reluBack"
  | "tanhBack"
  | "invBack"
  | "maximum"
  | "minimum"
  | "maximumShare"
  | "fmod"
  | "remainder"
  | "divTrunc"
  | "divFloor"
  | "atan2"
  | "leakyRelu"
  | "leakyReluSlope"
  | "elu"
  | "eluSlope"
  | "sqrtBack"
  | "rsqrtBack"
  | "absBack"
  | "signBack"
  | "squareBack"
  | "sinBack"
  | "cosBack"
  | "tanBack"
  | "log1pBack"
  | "expm1Back"
  | "log2Back"
  | "exp2Back"
  | "erfBack"
  | "floorBack"
  | "ceilBack"
  | "roundBack"
  | "truncBack"
  | "geluBack"
  | "geluTanhBack"
  | "siluBack"
  | "softplusBack";

/** Reductions along one dim. */
export type ReduceOp = "sum" | "max" | "min";

/** A unary op: y = fn(a); its derivative is the binary row `back`: dL/da = back(a, dL/dy). */
export interface UnaryRow {
  readonly fn: (a: number) => number;
  readonly wgsl: string;
  /** The op on i32 operands (int32 and bool tensors): see `BinaryRow.wgslInt`. */
  readonly wgslInt?: string;
  /** What graph drawings and error messages call its autograd Function: "Exp", "ReLU"… */
  readonly name: string;
  readonly back: BinaryOp;
}

/** A binary op: y = fn(a, b). */
export interface BinaryRow {
  readonly fn: (a: number, b: number) => number;
  readonly wgsl: string;
  /**
   * The op on i32 operands, for the ops integer and bool tensors compute in their own dtype
   * (promotion.ts: add, comparisons, maximum…). Without one, a GPU kernel that must compute the
   * op in i32 converts to f32 and back (exact for integers below 2^24).
   */
  readonly wgslInt?: string;
}

/** A reduction: acc ← fn(acc, x) from `identity` over the reduced dim. */
export interface ReduceRow {
  readonly fn: (acc: number, x: number) => number;
  readonly identity: number;
  readonly wgsl: string;
  /** The identity as a WGSL f32 expression (WGSL has no infinity literal). */
  readonly wgslIdentity: string;
  /** The fold on i32 or u32 operands (integer and bool tensors). */
  readonly wgslInt: string;
  /** The identity as a WGSL i32 and a u32 (bool: 0 or 1) expression. */
  readonly wgslIntIdentity: { readonly i32: string; readonly u32: string };
}

/** WGSL helpers the expressions below may call. */
export const wgslPrelude = `
// Infinity and NaN from their bits at run time: WGSL evaluates a constant bitcast when the shader
// is created and rejects a non-finite result, but a function argument is not a constant.
fn mt_f32_bits(bits: u32) -> f32 { return bitcast<f32>(bits); }
fn mt_inf() -> f32 { return mt_f32_bits(0x7f800000u); }
fn mt_nan() -> f32 { return mt_f32_bits(0x7fc00000u); }
// NaN and infinity told by their bits: WGSL lets an implementation assume that no float is NaN or
// infinite, so a float test such as x != x may be folded away; an integer test may not.
fn mt_is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn mt_is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
// WGSL's max and min need not propagate NaN (IEEE maxNum returns the other operand); torch.max
// and torch.min give NaN when either operand is NaN, as Math.max and Math.min do.
fn mt_max(a: f32, b: f32) -> f32 {
  return select(max(a, b), mt_nan(), mt_is_nan(a) || mt_is_nan(b));
}
fn mt_min(a: f32, b: f32) -> f32 {
  return select(min(a, b), mt_nan(), mt_is_nan(a) || mt_is_nan(b));
}
fn mt_tanh(x: f32) -> f32 {
  // Written out at NaN (llvmpipe's tanh gives −1) and past |x| = 10, where tanh is ±1 in f32 (an
  // implementation may compute it from exponentials, giving inf / inf = NaN at ±inf).
  if (mt_is_nan(x)) { return x; }
  return select(tanh(x), sign(x), abs(x) > 10.0);
}
fn mt_sigmoid(x: f32) -> f32 {
  // NaN stays NaN whatever the exp of this implementation makes of it.
  if (mt_is_nan(x)) { return x; }
  // Stable form: exp only ever sees a non-positive argument.
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
fn mt_pow(a: f32, b: f32) -> f32 {
  // C's pow (PyTorch's; see cPow): WGSL's pow is exp2(b·log2(a)), undefined for a ≤ 0 and wrong
  // at every special value, so those are written out and pow only sees |a| finite and nonzero.
  if (b == 0.0 || a == 1.0) { return 1.0; }
  if (mt_is_nan(a) || mt_is_nan(b)) { return mt_nan(); }
  let m = abs(a);
  if (mt_is_inf(b)) {
    if (m == 1.0) { return 1.0; }
    return select(0.0, mt_inf(), (m > 1.0) == (b > 0.0));
  }
  // The sign bit, so −0 counts as negative (−0 to an odd power is −0, or −inf).
  let negative = (bitcast<u32>(a) >> 31u) == 1u;
  var r: f32;
  if (m == 0.0 || mt_is_inf(a)) {
    r = select(0.0, mt_inf(), (m == 0.0) == (b < 0.0));
  } else {
    if (negative && fract(b) != 0.0) { return mt_nan(); }
    r = pow(m, b);
  }
  return select(r, -r, negative && fract(b * 0.5) == 0.5);
}
// Integer fmod and remainder, as C's % (the sign of a) and Python's % (the sign of b). WGSL's %
// of i32 truncates, as C's. By 0 both give 0, as the CPU backends do (NaN stored in an int32);
// PyTorch raises there.
fn mt_ifmod(a: i32, b: i32) -> i32 { return select(a % b, 0, b == 0); }
fn mt_iremainder(a: i32, b: i32) -> i32 {
  let r = mt_ifmod(a, b);
  return select(r, r + b, r != 0 && ((r < 0) != (b < 0)));
}
// Integer division rounded toward 0 (WGSL's i32 /) or down, 0 by 0 as fmod's.
fn mt_idiv_trunc(a: i32, b: i32) -> i32 { return select(a / b, 0, b == 0); }
fn mt_idiv_floor(a: i32, b: i32) -> i32 {
  let r = mt_ifmod(a, b);
  let q = mt_idiv_trunc(a, b);
  return select(q, q - 1, r != 0 && ((r < 0) != (b < 0)));
}
${wgslMath}`;

/**
 * a^b as C's pow (and so PyTorch's): JS's ** agrees except that C gives 1 for 1^y and (−1)^±inf
 * where JS gives NaN (1 ** NaN, 1 ** Infinity, (−1) ** −Infinity).
 */
function cPow(a: number, b: number): number {
  if (a === 1 || (a === -1 && Math.abs(b) === Number.POSITIVE_INFINITY)) return 1;
  return a ** b;
}

export const unaryOps: Record<UnaryOp, UnaryRow> = {
  neg: { fn: op.neg, wgsl: "-a", wgslInt: "-a", name: "Neg", back: "negBack" },
  exp: { fn: op.exp, wgsl: "exp(a)", name: "Exp", back: "expBack" },
  log: { fn: op.log, wgsl: "log(a)", name: "Log", back: "logBack" },
  sigmoid: { fn: op.sigmoid, wgsl: "mt_sigmoid(a)", name: "Sigmoid", back: "sigmoidBack" },
  relu: {
    fn: op.relu,
    wgsl: "select(0.0, a, a > 0.0 || mt_is_nan(a))",
    wgslInt: "max(a, 0)",
    name: "ReLU",
    back: "reluBack",
  },
  tanh: { fn: Math.tanh, wgsl: "mt_tanh(a)", name: "Tanh", back: "tanhBack" },
  inv: { fn: op.inv, wgsl: "1.0 / a", name: "Inv", back: "invBack" },
  sqrt: { fn: op.sqrt, wgsl: "mt_sqrt(a)", name: "Sqrt", back: "sqrtBack" },
  rsqrt: { fn: op.rsqrt, wgsl: "mt_rsqrt(a)", name: "Rsqrt", back: "rsqrtBack" },
  abs: { fn: op.abs, wgsl: "mt_abs(a)", wgslInt: "abs(a)", name: "Abs", back: "absBack" },
  sign: { fn: op.sign, wgsl: "mt_sign(a)", wgslInt: "sign(a)", name: "Sign", back: "signBack" },
  square: { fn: op.square, wgsl: "a * a", wgslInt: "a * a", name: "Square", back: "squareBack" },
  sin: { fn: Math.sin, wgsl: "mt_sin(a)", name: "Sin", back: "sinBack" },
  cos: { fn: Math.cos, wgsl: "mt_cos(a)", name: "Cos", back: "cosBack" },
  tan: { fn: Math.tan, wgsl: "mt_tan(a)", name: "Tan", back: "tanBack" },
  log1p: { fn: Math.log1p, wgsl: "mt_log1p(a)", name: "Log1p", back: "log1pBack" },
  expm1: { fn: Math.expm1, wgsl: "mt_expm1(a)", name: "Expm1", back: "expm1Back" },
  log2: { fn: Math.log2, wgsl: "mt_log2(a)", name: "Log2", back: "log2Back" },
  exp2: { fn: op.exp2, wgsl: "mt_exp2(a)", name: "Exp2", back: "exp2Back" },
  erf: { fn: op.erf, wgsl: "mt_erf(a)", name: "Erf", back: "erfBack" },
  floor: { fn: Math.floor, wgsl: "mt_floor(a)", wgslInt: "a", name: "Floor", back: "floorBack" },
  ceil: { fn: Math.ceil, wgsl: "mt_ceil(a)", wgslInt: "a", name: "Ceil", back: "ceilBack" },
  round: { fn: op.round, wgsl: "mt_round(a)", wgslInt: "a", name: "Round", back: "roundBack" },
  trunc: { fn: Math.trunc, wgsl: "mt_trunc(a)", wgslInt: "a", name: "Trunc", back: "truncBack" },
  gelu: { fn: op.gelu, wgsl: "mt_gelu(a)", name: "GELU", back: "geluBack" },
  geluTanh: { fn: op.geluTanh, wgsl: "mt_gelu_tanh(a)", name: "GELUTanh", back: "geluTanhBack" },
  silu: { fn: op.silu, wgsl: "mt_silu(a)", name: "SiLU", back: "siluBack" },
  softplus: { fn: op.softplus, wgsl: "mt_softplus(a)", name: "Softplus", back: "softplusBack" },
};

/** The derivative of a piecewise-constant op (sign and the roundings): 0, as in PyTorch. */
const zeroDerivative: BinaryRow = { fn: () => 0, wgsl: "0.0" };

export const binaryOps: Record<BinaryOp, BinaryRow> = {
  add: { fn: op.add, wgsl: "a + b", wgslInt: "a + b" },
  sub: { fn: (a, b) => a - b, wgsl: "a - b", wgslInt: "a - b" },
  mul: { fn: op.mul, wgsl: "a * b", wgslInt: "a * b" },
  div: { fn: (a, b) => a / b, wgsl: "a / b" },
  pow: { fn: cPow, wgsl: "mt_pow(a, b)" },
  lt: { fn: op.lt, wgsl: "select(0.0, 1.0, a < b)", wgslInt: "select(0, 1, a < b)" },
  gt: {
    fn: (a, b) => op.lt(b, a),
    wgsl: "select(0.0, 1.0, a > b)",
    wgslInt: "select(0, 1, a > b)",
  },
  eq: { fn: op.eq, wgsl: "select(0.0, 1.0, a == b)", wgslInt: "select(0, 1, a == b)" },
  // |a − b| < 1e-2, as operators.isClose (the course's tolerance), as 1/0.
  isClose: {
    fn: (a, b) => Number(op.isClose(a, b)),
    wgsl: "select(0.0, 1.0, abs(a - b) < 1e-2)",
    wgslInt: "select(0, 1, a == b)",
  },
  // a = b as 1/0, with NaN equal to NaN: where a slice's max is, when the max may be NaN
  // (argmax, max pooling's gradient).
  eqNan: {
    fn: (a, b) => (a === b || (Number.isNaN(a) && Number.isNaN(b)) ? 1 : 0),
    wgsl: "select(0.0, 1.0, a == b || (mt_is_nan(a) && mt_is_nan(b)))",
    wgslInt: "select(0, 1, a == b)",
  },
  // a where b ≠ 0, else 0: torch.where(b != 0, a, 0), a selection, not a · b, so a NaN or
  // infinite a outside the mask gives 0 (NaN · 0 is NaN).
  keepWhere: {
    fn: (a, b) => (b !== 0 ? a : 0),
    wgsl: "select(0.0, a, b != 0.0)",
    wgslInt: "select(0, a, b != 0)",
  },
  negBack: { fn: (_a, g) => -g, wgsl: "-b" },
  expBack: { fn: op.expBack, wgsl: "b * exp(a)" },
  logBack: { fn: op.logBack, wgsl: "b / a" },
  sigmoidBack: { fn: op.sigmoidBack, wgsl: "b * mt_sigmoid(a) * (1.0 - mt_sigmoid(a))" },
  reluBack: { fn: op.reluBack, wgsl: "select(0.0, b, a > 0.0 || mt_is_nan(a))" },
  tanhBack: {
    fn: (a, g) => {
      const t = Math.tanh(a);
      return g * (1 - t * t);
    },
    wgsl: "b * (1.0 - mt_tanh(a) * mt_tanh(a))",
  },
  invBack: { fn: op.invBack, wgsl: "-b / (a * a)" },
  // NaN-propagating, as torch.maximum and torch.minimum (Math.max and Math.min are).
  maximum: { fn: Math.max, wgsl: "mt_max(a, b)", wgslInt: "max(a, b)" },
  minimum: { fn: Math.min, wgsl: "mt_min(a, b)", wgslInt: "min(a, b)" },
  // The share of the gradient of maximum(a, b) that a gets (backward of maximum and minimum).
  maximumShare: { fn: op.maximumShare, wgsl: "mt_maximum_share(a, b)" },
  fmod: { fn: op.fmod, wgsl: "mt_fmod(a, b)", wgslInt: "mt_ifmod(a, b)" },
  remainder: {
    fn: op.remainder,
    wgsl: "mt_remainder(a, b)",
    wgslInt: "mt_iremainder(a, b)",
  },
  // Division rounded toward 0 or down (div's roundingMode "trunc" and "floor"): integers stay
  // integers, exact. divTrunc truncates the exact quotient (div's float form builds PyTorch's on
  // it, arithmetic.ts); divFloor is PyTorch's float algorithm (operators.divFloor).
  divTrunc: { fn: op.divTrunc, wgsl: "mt_div_trunc(a, b)", wgslInt: "mt_idiv_trunc(a, b)" },
  divFloor: { fn: op.divFloor, wgsl: "mt_div_floor(a, b)", wgslInt: "mt_idiv_floor(a, b)" },
  atan2: { fn: Math.atan2, wgsl: "mt_atan2(a, b)" },
  // The parameterised activations take their parameter as the second operand (a number lifted to
  // a 0-d tensor): one kernel forward, and their slopes (f'(x), not times g) for backward.
  leakyRelu: { fn: op.leakyRelu, wgsl: "select(a * b, a, a > 0.0 || mt_is_nan(a))" },
  leakyReluSlope: { fn: op.leakyReluSlope, wgsl: "select(b, 1.0, a > 0.0 && !mt_is_nan(a))" },
  elu: { fn: op.elu, wgsl: "select(b * mt_expm1(a), a, a > 0.0 || mt_is_nan(a))" },
  eluSlope: {
    fn: op.eluSlope,
    wgsl: "select(1.0, b * exp(max(a, -104.0)), a <= 0.0 && !mt_is_nan(a))",
  },
  sqrtBack: { fn: (a, g) => g / (2 * Math.sqrt(a)), wgsl: "b / (2.0 * mt_sqrt(a))" },
  rsqrtBack: { fn: op.rsqrtBack, wgsl: "-0.5 * b * mt_rsqrt(a) * mt_rsqrt(a) * mt_rsqrt(a)" },
  // PyTorch's g·sgn(x): 0 at 0 (and at NaN, where sign is 0).
  absBack: { fn: (a, g) => g * op.sign(a), wgsl: "b * mt_sign(a)" },
  signBack: zeroDerivative,
  squareBack: { fn: (a, g) => g * 2 * a, wgsl: "b * 2.0 * a" },
  sinBack: { fn: (a, g) => g * Math.cos(a), wgsl: "b * mt_cos(a)" },
  cosBack: { fn: (a, g) => -g * Math.sin(a), wgsl: "-b * mt_sin(a)" },
  tanBack: {
    fn: (a, g) => {
      const t = Math.tan(a);
      return g * (1 + t * t);
    },
    wgsl: "b * (1.0 + mt_tan(a) * mt_tan(a))",
  },
  log1pBack: { fn: (a, g) => g / (1 + a), wgsl: "b / (1.0 + a)" },
  expm1Back: { fn: (a, g) => g * Math.exp(a), wgsl: "b * (mt_expm1(a) + 1.0)" },
  log2Back: { fn: (a, g) => g / (a * Math.LN2), wgsl: "b / (a * 0.6931472)" },
  exp2Back: { fn: (a, g) => g * 2 ** a * Math.LN2, wgsl: "b * mt_exp2(a) * 0.6931472" },
  erfBack: { fn: op.erfBack, wgsl: "b * mt_erf_slope(a)" },
  floorBack: zeroDerivative,
  ceilBack: zeroDerivative,
  roundBack: zeroDerivative,
  truncBack: zeroDerivative,
  geluBack: { fn: op.geluBack, wgsl: "b * mt_gelu_slope(a)" },
  geluTanhBack: { fn: op.geluTanhBack, wgsl: "b * mt_gelu_tanh_slope(a)" },
  siluBack: { fn: op.siluBack, wgsl: "b * mt_silu_slope(a)" },
  softplusBack: { fn: op.softplusBack, wgsl: "select(b * mt_sigmoid(a), b, a > 20.0)" },
};

export const reduceOps: Record<ReduceOp, ReduceRow> = {
  sum: {
    fn: op.add,
    identity: 0,
    wgsl: "acc + x",
    wgslIdentity: "0.0",
    wgslInt: "acc + x",
    wgslIntIdentity: { i32: "0", u32: "0u" },
  },
  max: {
    fn: op.max,
    identity: Number.NEGATIVE_INFINITY,
    wgsl: "mt_max(acc, x)",
    wgslIdentity: "-mt_inf()",
    wgslInt: "max(acc, x)",
    // The least i32 (written as a difference: the literal 2147483648 is out of i32's range).
    wgslIntIdentity: { i32: "(-2147483647 - 1)", u32: "0u" },
  },
  min: {
    fn: Math.min,
    identity: Number.POSITIVE_INFINITY,
    wgsl: "mt_min(acc, x)",
    wgslIdentity: "mt_inf()",
    wgslInt: "min(acc, x)",
    // Bool is 0 or 1: its min starts from true.
    wgslIntIdentity: { i32: "2147483647", u32: "1u" },
  },
};
