import * as op from "../operators.js";

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
export type UnaryOp = "neg" | "exp" | "log" | "sigmoid" | "relu" | "tanh" | "inv";

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
  | "invBack";

/** Reductions along one dim. */
export type ReduceOp = "sum" | "max" | "min";

/** A unary op: y = fn(a); its derivative is the binary row `back`: dL/da = back(a, dL/dy). */
export interface UnaryRow {
  readonly fn: (a: number) => number;
  readonly wgsl: string;
  /** What graph drawings and error messages call its autograd Function: "Exp", "ReLU"… */
  readonly name: string;
  readonly back: BinaryOp;
}

/** A binary op: y = fn(a, b). */
export interface BinaryRow {
  readonly fn: (a: number, b: number) => number;
  readonly wgsl: string;
}

/** A reduction: acc ← fn(acc, x) from `identity` over the reduced dim. */
export interface ReduceRow {
  readonly fn: (acc: number, x: number) => number;
  readonly identity: number;
  readonly wgsl: string;
  /** The identity as a WGSL f32 expression (WGSL has no infinity literal). */
  readonly wgslIdentity: string;
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
`;

/**
 * a^b as C's pow (and so PyTorch's): JS's ** agrees except that C gives 1 for 1^y and (−1)^±inf
 * where JS gives NaN (1 ** NaN, 1 ** Infinity, (−1) ** −Infinity).
 */
function cPow(a: number, b: number): number {
  if (a === 1 || (a === -1 && Math.abs(b) === Number.POSITIVE_INFINITY)) return 1;
  return a ** b;
}

export const unaryOps: Record<UnaryOp, UnaryRow> = {
  neg: { fn: op.neg, wgsl: "-a", name: "Neg", back: "negBack" },
  exp: { fn: op.exp, wgsl: "exp(a)", name: "Exp", back: "expBack" },
  log: { fn: op.log, wgsl: "log(a)", name: "Log", back: "logBack" },
  sigmoid: { fn: op.sigmoid, wgsl: "mt_sigmoid(a)", name: "Sigmoid", back: "sigmoidBack" },
  relu: {
    fn: op.relu,
    wgsl: "select(0.0, a, a > 0.0 || mt_is_nan(a))",
    name: "ReLU",
    back: "reluBack",
  },
  tanh: { fn: Math.tanh, wgsl: "mt_tanh(a)", name: "Tanh", back: "tanhBack" },
  inv: { fn: op.inv, wgsl: "1.0 / a", name: "Inv", back: "invBack" },
};

export const binaryOps: Record<BinaryOp, BinaryRow> = {
  add: { fn: op.add, wgsl: "a + b" },
  sub: { fn: (a, b) => a - b, wgsl: "a - b" },
  mul: { fn: op.mul, wgsl: "a * b" },
  div: { fn: (a, b) => a / b, wgsl: "a / b" },
  pow: { fn: cPow, wgsl: "mt_pow(a, b)" },
  lt: { fn: op.lt, wgsl: "select(0.0, 1.0, a < b)" },
  gt: { fn: (a, b) => op.lt(b, a), wgsl: "select(0.0, 1.0, a > b)" },
  eq: { fn: op.eq, wgsl: "select(0.0, 1.0, a == b)" },
  // |a − b| < 1e-2, as operators.isClose (the course's tolerance), as 1/0.
  isClose: { fn: (a, b) => Number(op.isClose(a, b)), wgsl: "select(0.0, 1.0, abs(a - b) < 1e-2)" },
  // a = b as 1/0, with NaN equal to NaN: where a slice's max is, when the max may be NaN
  // (argmax, max pooling's gradient).
  eqNan: {
    fn: (a, b) => (a === b || (Number.isNaN(a) && Number.isNaN(b)) ? 1 : 0),
    wgsl: "select(0.0, 1.0, a == b || (mt_is_nan(a) && mt_is_nan(b)))",
  },
  // a where b ≠ 0, else 0: torch.where(b != 0, a, 0), a selection, not a · b, so a NaN or
  // infinite a outside the mask gives 0 (NaN · 0 is NaN).
  keepWhere: { fn: (a, b) => (b !== 0 ? a : 0), wgsl: "select(0.0, a, b != 0.0)" },
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
};

export const reduceOps: Record<ReduceOp, ReduceRow> = {
  sum: { fn: op.add, identity: 0, wgsl: "acc + x", wgslIdentity: "0.0" },
  max: {
    fn: op.max,
    identity: Number.NEGATIVE_INFINITY,
    wgsl: "mt_max(acc, x)",
    wgslIdentity: "-mt_inf()",
  },
  min: {
    fn: Math.min,
    identity: Number.POSITIVE_INFINITY,
    wgsl: "mt_min(acc, x)",
    wgslIdentity: "mt_inf()",
  },
};
