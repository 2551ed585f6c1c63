import type { Context } from "../autodiff/context.js";
import { AutogradFunction, comparisonFunction } from "../autodiff/function.js";
import type { DType } from "../backend/backend.js";
import { isFloating } from "../backend/dtypes.js";
import { DTypeError, ShapeError } from "../errors.js";
import { checkOptions, type OptionCheck } from "../options.js";
import { formatShape, sameShape, shapeBroadcast } from "../strided/shape.js";
import { Add, Div, Mul, Pow, Sub, unaryFunctions } from "./functions.js";
import { checkOperand, mapOp, matmulOp, zipOp } from "./history_free_ops.js";
import { resultType, scalarDType } from "./promotion.js";
import { Tensor, type TensorLike } from "./tensor.js";

/**
 * Arithmetic as top-level functions, PyTorch's `torch.add(a, b, alpha=…)` forms of the methods
 * `a.add(b, …)` — add, sub, mul, div, pow, floorDivide, round, lerp, addmm, baddbmm, detach — and
 * their keyword options, checked: `{alpha}` of add and sub, `{roundingMode}` of div, `{decimals}`
 * of round, `{beta, alpha}` of addmm and baddbmm. The methods call the autograd Function directly
 * when given no options (the hot path checks and allocates nothing), and these functions otherwise.
 */

/** torch.add's and torch.sub's keyword: a + alpha·b, a − alpha·b. */
export interface AddOptions {
  /** The multiplier of the second operand (default 1); an integer where the result is. */
  readonly alpha?: number;
}

/** torch.div's keyword: how the quotient is rounded (default: not at all, true division). */
export interface DivOptions {
  /** "trunc" toward 0, "floor" down (Python's //); null or omitted: true division. */
  readonly roundingMode?: "trunc" | "floor" | null;
}

/** torch.round's keyword. */
export interface RoundOptions {
  /** Round to this many decimal places (default 0; negative: to tens, hundreds…). */
  readonly decimals?: number;
}

/** torch.addmm's keywords: beta·input + alpha·(m1 @ m2). */
export interface AddmmOptions {
  readonly beta?: number;
  readonly alpha?: number;
}

const isNumber: OptionCheck = (v) => (typeof v === "number" ? null : "must be a number");
const isInteger: OptionCheck = (v) => (Number.isInteger(v) ? null : "must be an integer");
const isRoundingMode: OptionCheck = (v) =>
  v === "trunc" || v === "floor" || v === null ? null : 'must be "trunc", "floor" or null';

/** A number operand promotes as a 0-d tensor of its kind's dtype beside `like`. */
function typed(x: TensorLike, like: TensorLike): { dtype: DType; ndim: number } {
  if (typeof x !== "number") return x;
  return { dtype: scalarDType(x, typeof like === "number" ? "int32" : like.dtype), ndim: 0 };
}

/**
 * Throws a DTypeError naming `op` unless a is a Tensor, or a number beside a Tensor b (as
 * `torch.sub(1, x)`); b's own check is the op's (a Tensor or a number).
 */
function checkOperands(op: string, a: unknown, b: unknown): asserts a is TensorLike {
  if (typeof a === "number") checkOperand(op, b, "a Tensor beside a number");
  else checkOperand(op, a, "a Tensor (or a number beside a Tensor)");
}

/** The tensor of two operands (one is). */
function tensorOf(a: TensorLike, b: TensorLike): Tensor {
  return typeof a === "number" ? (b as Tensor) : a;
}

/**
 * alpha·b, for a ± alpha·b: b itself at alpha 1; else b times alpha as a 0-d tensor of the
 * result's dtype. An integer result needs an integer alpha (PyTorch's rule); a bool one takes
 * alpha as true or false (PyTorch's: True + True·2 is True).
 */
function scaled(op: string, a: TensorLike, b: TensorLike, options: AddOptions): TensorLike {
  const { alpha = 1 } = checkOptions(op, options, { alpha: isNumber });
  if (alpha === 1) return b;
  const dtype = resultType(typed(a, b), typed(b, a));
  if (!isFloating(dtype) && !Number.isInteger(alpha)) {
    throw new DTypeError(
      `${op}: for integer tensors, alpha must be an integer (as in PyTorch), got ${alpha}`,
    );
  }
  const backend = tensorOf(a, b).backendImpl;
  const factor = Tensor.full([], dtype === "bool" ? Number(alpha !== 0) : alpha, dtype, backend);
  const other = typeof b === "number" ? Tensor.full([], b, typed(b, a).dtype, backend) : b;
  return Mul.apply<Tensor>(other, factor);
}

/** a + alpha·b (`{alpha}`, default 1), broadcast; a number operand takes the tensor's dtype. */
export function add(a: TensorLike, b: TensorLike, options?: AddOptions): Tensor {
  checkOperands("add", a, b);
  if (options === undefined) return Add.apply<Tensor>(a, b);
  return Add.apply<Tensor>(a, scaled("add", a, b, options));
}

/** a − alpha·b (`{alpha}`, default 1), broadcast. */
export function sub(a: TensorLike, b: TensorLike, options?: AddOptions): Tensor {
  checkOperands("sub", a, b);
  if (options === undefined) return Sub.apply<Tensor>(a, b);
  return Sub.apply<Tensor>(a, scaled("sub", a, b, options));
}

/** a · b, broadcast. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  checkOperands("mul", a, b);
  return Mul.apply<Tensor>(a, b);
}

/** aᵇ, broadcast (`mt.pow(2, x)` too). */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  checkOperands("pow", a, b);
  return Pow.apply<Tensor>(a, b);
}

/**
 * a / b rounded toward 0. Integers: the exact quotient truncated (one kernel). Floats as PyTorch,
 * the quotient rounded to the dtype, then truncated — 1 / 0.1 is 10 in float32, where the exact
 * quotient of float32's 0.1 is 9.99… — written as: the rounded quotient where it is an integer,
 * else the exact truncation, so that a GPU's division, a few ulp off, cannot drop an exact integer
 * quotient to the one below.
 */
function truncatedQuotient(a: Tensor, b: Tensor): Tensor {
  const exact = zipOp("divTrunc", a, b);
  if (!isFloating(exact.dtype)) return exact;
  const q = zipOp("div", a, b);
  return select(zipOp("eq", mapOp("trunc", q), q), q, exact);
}

/** A rounded quotient: piecewise constant, so its gradient is 0 for both operands (PyTorch's). */
const DivTrunc = comparisonFunction<Tensor>("DivTrunc", truncatedQuotient, (g) => g.zerosLike());
const DivFloor = comparisonFunction<Tensor>(
  "DivFloor",
  (a, b) => zipOp("divFloor", a, b),
  (g) => g.zerosLike(),
);

/** a / b rounded toward 0 or down; of integer operands an integer (exact), as PyTorch. */
function roundedDivision(op: string, mode: "trunc" | "floor", a: TensorLike, b: TensorLike) {
  if (resultType(typed(a, b), typed(b, a)) === "bool") {
    throw new DTypeError(
      `${op}: rounding mode "${mode}" of bool tensors is not supported (as in PyTorch); convert with .int()`,
    );
  }
  return (mode === "trunc" ? DivTrunc : DivFloor).apply<Tensor>(a, b);
}

/**
 * a / b, broadcast: true division (a float result) without `roundingMode`; with "trunc" or
 * "floor" the quotient rounded toward 0 or down, which stays integer for integer operands (by 0
 * it is 0, where PyTorch raises) and has gradient 0, as PyTorch's.
 */
export function div(a: TensorLike, b: TensorLike, options?: DivOptions): Tensor {
  checkOperands("div", a, b);
  if (options === undefined) return Div.apply<Tensor>(a, b);
  const { roundingMode } = checkOptions("div", options, { roundingMode: isRoundingMode });
  if (roundingMode == null) return Div.apply<Tensor>(a, b);
  return roundedDivision("div", roundingMode, a, b);
}

/** ⌊a / b⌋, as torch.floor_divide (div with roundingMode "floor"; gradient 0). */
export function floorDivide(a: TensorLike, b: TensorLike): Tensor {
  checkOperands("floorDivide", a, b);
  return roundedDivision("floorDivide", "floor", a, b);
}

/** round(x·10ᵈ)/10ᵈ (or round(x/10⁻ᵈ)·10⁻ᵈ for negative d), in x's dtype, as PyTorch; gradient 0. */
class RoundDecimals extends AutogradFunction {
  static override forward(_ctx: Context, x: Tensor, p: { decimals: number }): Tensor {
    const scale = Tensor.full([], 10 ** Math.abs(p.decimals), x.dtype, x.backendImpl);
    if (p.decimals > 0) return zipOp("div", mapOp("round", zipOp("mul", x, scale)), scale);
    return zipOp("mul", mapOp("round", zipOp("div", x, scale)), scale);
  }
  static override backward(_ctx: Context, g: Tensor): Tensor {
    return g.zerosLike();
  }
}

/**
 * x rounded to the nearest integer, halves to the even one (torch.round); with `{decimals: d}`
 * to d decimal places (tens, hundreds… for negative d), a float tensor's only, as PyTorch.
 */
export function round(x: Tensor, options?: RoundOptions): Tensor {
  checkOperand("round", x, "a Tensor");
  const { decimals = 0 } = checkOptions("round", options, { decimals: isInteger });
  if (decimals === 0) return unaryFunctions.round.apply<Tensor>(x);
  if (!isFloating(x.dtype)) {
    throw new DTypeError(
      `round: decimals of a ${x.dtype} tensor are not supported (as in PyTorch); convert with .float()`,
    );
  }
  return RoundDecimals.apply<Tensor>(x, { decimals });
}

/** What Lerp saves: end − start and the weight. */
type LerpContext = Context<[diff: Tensor, weight: Tensor]>;

/** a where mask is true, else b (neither's NaN or infinity leaks into the other's places). */
function select(mask: Tensor, a: Tensor, b: Tensor): Tensor {
  const otherwise = zipOp("eq", mask, Tensor.full([], 0, "bool", mask.backendImpl));
  return zipOp("add", zipOp("keepWhere", a, mask), zipOp("keepWhere", b, otherwise));
}

/**
 * start + weight·(end − start), PyTorch's way: for |weight| ≥ ½ as end − (end − start)·(1 −
 * weight), so weight 1 gives end exactly. ∂/∂start = 1 − w, ∂/∂end = w, ∂/∂w = end − start.
 */
class Lerp extends AutogradFunction {
  static override forward(ctx: LerpContext, start: Tensor, end: Tensor, w: Tensor): Tensor {
    const constant = (v: number) => Tensor.full([], v, w.dtype, w.backendImpl);
    const diff = zipOp("sub", end, start);
    ctx.saveForBackward(diff, w);
    const small = zipOp("lt", mapOp("abs", w), constant(0.5));
    const low = zipOp("add", start, zipOp("mul", w, diff));
    const high = zipOp("sub", end, zipOp("mul", diff, zipOp("sub", constant(1), w)));
    return select(small, low, high);
  }
  static override backward(ctx: LerpContext, g: Tensor): (Tensor | null)[] {
    const [diff, w] = ctx.savedValues;
    const [needStart, needEnd, needWeight] = ctx.needsInputGrad;
    const one = Tensor.full([], 1, w.dtype, w.backendImpl);
    return [
      needStart ? zipOp("mul", g, zipOp("sub", one, w)) : null,
      needEnd ? zipOp("mul", g, w) : null,
      needWeight ? zipOp("mul", g, diff) : null,
    ];
  }
}

/** Throws a DTypeError naming `op` unless `t` has the float dtype `dtype` (of the first operand). */
function checkSameFloat(op: string, name: string, t: Tensor, dtype: DType): void {
  if (!isFloating(t.dtype)) {
    throw new DTypeError(
      `${op}: expected float tensors, got ${name} of ${t.dtype}; convert with .float()`,
    );
  }
  if (t.dtype !== dtype) {
    throw new DTypeError(
      `${op}: expected ${name} of dtype ${dtype}, as the first operand, got ${t.dtype} (PyTorch does not promote here); convert with .to("${dtype}")`,
    );
  }
}

/**
 * start + weight·(end − start), broadcast (torch.lerp): weight a number or a tensor, gradients
 * to every tensor input. Float tensors of one dtype, as PyTorch.
 */
export function lerp(start: Tensor, end: Tensor, weight: TensorLike): Tensor {
  checkOperand("lerp", start, "a Tensor");
  checkOperand("lerp", end, "a Tensor (end)");
  checkSameFloat("lerp", "start", start, start.dtype);
  checkSameFloat("lerp", "end", end, start.dtype);
  if (typeof weight !== "number") {
    checkOperand("lerp", weight, "a number or a Tensor (weight)");
    checkSameFloat("lerp", "weight", weight, start.dtype);
  }
  return Lerp.apply<Tensor>(start, end, weight);
}

/** What Addmm saves: its matrices, and beta and alpha as 0-d tensors (null for 1). */
type AddmmContext = Context<[m1: Tensor, m2: Tensor, beta: Tensor | null, alpha: Tensor | null]>;

/** g · factor, or g itself for no factor (1). */
function times(g: Tensor, factor: Tensor | null): Tensor {
  return factor === null ? g : zipOp("mul", g, factor);
}

/**
 * beta·input + alpha·(m1 @ m2), matrices or batches of them (the last two dims transpose);
 * ∂/∂input = beta·g, ∂/∂m1 = alpha·g m2ᵀ, ∂/∂m2 = alpha·m1ᵀ g.
 */
class Addmm extends AutogradFunction {
  static override forward(
    ctx: AddmmContext,
    input: Tensor,
    m1: Tensor,
    m2: Tensor,
    p: { beta: number; alpha: number },
  ): Tensor {
    const factor = (v: number) => (v === 1 ? null : Tensor.full([], v, m1.dtype, m1.backendImpl));
    const [beta, alpha] = [factor(p.beta), factor(p.alpha)];
    ctx.saveForBackward(m1, m2, beta, alpha);
    const product = times(matmulOp(m1, m2), alpha);
    // beta 0 ignores input, NaN and infinities included (PyTorch's rule).
    return p.beta === 0 ? product : zipOp("add", times(input, beta), product);
  }
  static override backward(ctx: AddmmContext, g: Tensor): (Tensor | null)[] {
    const [m1, m2, beta, alpha] = ctx.savedValues;
    const [needInput, needM1, needM2] = ctx.needsInputGrad;
    const t = (x: Tensor) => x.transpose(-2, -1);
    return [
      needInput ? times(g, beta) : null,
      needM1 ? times(matmulOp(g, t(m2)), alpha) : null,
      needM2 ? times(matmulOp(t(m1), g), alpha) : null,
    ];
  }
}

/** Addmm over batches, under the name graph drawings show (PyTorch's BaddbmmBackward). */
class Baddbmm extends Addmm {}

/**
 * addmm's and baddbmm's checks: options, float tensors of input's dtype, m1 and m2 of `rank` dims
 * (2: matrices; 3: batches of one size) that multiply, input broadcasting to the product's shape.
 */
function checkedAddmm(
  op: "addmm" | "baddbmm",
  input: Tensor,
  m1: Tensor,
  m2: Tensor,
  options: AddmmOptions | undefined,
): { beta: number; alpha: number } {
  const { beta = 1, alpha = 1 } = checkOptions(op, options, { beta: isNumber, alpha: isNumber });
  const [rank, names] = op === "addmm" ? [2, ["mat1", "mat2"]] : [3, ["batch1", "batch2"]];
  checkOperand(op, input, "a Tensor (input)");
  for (const [m, name] of [
    [m1, names[0]],
    [m2, names[1]],
  ] as const) {
    checkOperand(op, m, `a Tensor (${name})`);
    if (m.ndim !== rank) {
      const what = rank === 2 ? "a matrix" : "a 3-D tensor";
      throw new ShapeError(`${op}: ${name} must be ${what}, got shape ${formatShape(m.shape)}`);
    }
    checkSameFloat(op, name, m, input.dtype);
  }
  checkSameFloat(op, "input", input, input.dtype);
  const [n, k] = m1.shape.slice(-2);
  const [k2, p] = m2.shape.slice(-2);
  const batch = m1.shape.slice(0, -2);
  if (k !== k2 || !sameShape(batch, m2.shape.slice(0, -2))) {
    throw new ShapeError(
      `${op}: ${names[0]} and ${names[1]} shapes cannot be multiplied (${m1.shape.join("x")} and ${m2.shape.join("x")})`,
    );
  }
  const out = [...batch, n, p];
  if (!sameShape(shapeBroadcast(input.shape, out, op), out)) {
    throw new ShapeError(
      `${op}: input of shape ${formatShape(input.shape)} does not broadcast to the product's ${formatShape(out)}`,
    );
  }
  return { beta, alpha };
}

/**
 * beta·input + alpha·(m1 @ m2) (torch.addmm; `{beta, alpha}`, default 1): m1 [n, k] and m2
 * [k, p] matrices, input broadcast to [n, p]; beta 0 ignores input's values (its gradient is 0).
 * Float tensors of one dtype, as minitorch's matrix products.
 */
export function addmm(input: Tensor, m1: Tensor, m2: Tensor, options?: AddmmOptions): Tensor {
  return Addmm.apply<Tensor>(input, m1, m2, checkedAddmm("addmm", input, m1, m2, options));
}

/**
 * beta·input + alpha·(b1 @ b2) batched (torch.baddbmm; `{beta, alpha}`, default 1): b1 [B, n, k]
 * and b2 [B, k, p] of one batch size (no broadcasting, as bmm), input broadcast to [B, n, p];
 * beta 0 ignores input's values. Float tensors of one dtype; gradients to all three.
 */
export function baddbmm(input: Tensor, b1: Tensor, b2: Tensor, options?: AddmmOptions): Tensor {
  return Baddbmm.apply<Tensor>(input, b1, b2, checkedAddmm("baddbmm", input, b1, b2, options));
}

/** x's data cut from the graph: no history, no gradient (torch.detach). */
export function detach(x: Tensor): Tensor {
  checkOperand("detach", x, "a Tensor");
  return x.detach();
}
