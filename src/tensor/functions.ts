import type { Context } from "../autodiff/context.js";
import { AutogradFunction, comparisonFunction, unaryFunction } from "../autodiff/function.js";
import type { DType } from "../backend/backend.js";
import { type UnaryOp, unaryOps } from "../strided/ops.js";
import { type Shape, sameShape } from "../strided/shape.js";
import { copyOp, mapOp, matmulOp, reduceOp, zipOp } from "./history_free_ops.js";
import type { Tensor } from "./tensor.js";

/**
 * The autograd Functions behind Tensor's methods: forward runs one or two kernels, backward
 * returns one gradient per tensor input. Gradients may come back with the broadcast shape of
 * the output: `unbroadcast`, applied by the engine in one place, sums them down to each input.
 */

/**
 * Sum a gradient down to `shape`, undoing broadcasting: leading dims the input did not have are
 * summed away, and dims where the input had size 1 are summed with keepdim. This is the one
 * place gradients are un-broadcast.
 * @task 2.4
 */
export function unbroadcast(grad: Tensor, shape: Shape): Tensor {
  if (sameShape(grad.shape, shape)) return grad;
  let g = grad;
  while (g.ndim > shape.length) g = reduceOp("sum", g, 0).view(g.shape.slice(1));
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1 && g.shape[i] !== 1) g = reduceOp("sum", g, i);
  }
  return g;
}

/** One Function per unary op of the table; its backward is the op's `back` row. */
function tensorUnaryFunction(op: UnaryOp): typeof AutogradFunction {
  return unaryFunction<Tensor>(
    unaryOps[op].name,
    (a) => mapOp(op, a),
    (a, g) => zipOp(unaryOps[op].back, a, g),
  );
}

/** The unary Functions, by op. */
export const unaryFunctions = Object.fromEntries(
  (Object.keys(unaryOps) as UnaryOp[]).map((op) => [op, tensorUnaryFunction(op)]),
) as Record<UnaryOp, typeof AutogradFunction>;

/** a + b */
export class Add extends AutogradFunction {
  static override forward(_ctx: Context, a: Tensor, b: Tensor): Tensor {
    return zipOp("add", a, b);
  }
  /** @task 2.4 */
  static override backward(_ctx: Context, g: Tensor): Tensor[] {
    return [g, g];
  }
}

/** a − b */
export class Sub extends AutogradFunction {
  static override forward(_ctx: Context, a: Tensor, b: Tensor): Tensor {
    return zipOp("sub", a, b);
  }
  static override backward(_ctx: Context, g: Tensor): Tensor[] {
    return [g, mapOp("neg", g)];
  }
}

/** a · b; ∂/∂a = b, ∂/∂b = a. */
export class Mul extends AutogradFunction {
  static override forward(ctx: Context<[a: Tensor, b: Tensor]>, a: Tensor, b: Tensor): Tensor {
    ctx.saveForBackward(a, b);
    return zipOp("mul", a, b);
  }
  /** @task 2.4 */
  static override backward(ctx: Context<[a: Tensor, b: Tensor]>, g: Tensor): (Tensor | null)[] {
    const [a, b] = ctx.savedValues;
    const [needA, needB] = ctx.needsInputGrad;
    return [needA ? zipOp("mul", g, b) : null, needB ? zipOp("mul", g, a) : null];
  }
}

/** a / b; ∂/∂a = 1/b, ∂/∂b = −a/b². */
export class Div extends AutogradFunction {
  static override forward(ctx: Context<[a: Tensor, b: Tensor]>, a: Tensor, b: Tensor): Tensor {
    ctx.saveForBackward(a, b);
    return zipOp("div", a, b);
  }
  /** @task 2.4 */
  static override backward(ctx: Context<[a: Tensor, b: Tensor]>, g: Tensor): (Tensor | null)[] {
    const [a, b] = ctx.savedValues;
    const [needA, needB] = ctx.needsInputGrad;
    const gb = zipOp("div", g, b);
    return [needA ? gb : null, needB ? mapOp("neg", zipOp("div", zipOp("mul", gb, a), b)) : null];
  }
}

/** Pow saves its operands and its result. */
type PowContext = Context<[a: Tensor, b: Tensor, out: Tensor]>;

/**
 * aᵇ; ∂/∂a = b·aᵇ⁻¹, ∂/∂b = aᵇ·ln a — the latter only when b wants it: with a constant exponent
 * and a negative base, ln a is NaN.
 */
export class Pow extends AutogradFunction {
  static override forward(ctx: PowContext, a: Tensor, b: Tensor): Tensor {
    const out = zipOp("pow", a, b);
    ctx.saveForBackward(a, b, out);
    return out;
  }
  static override backward(ctx: PowContext, g: Tensor): (Tensor | null)[] {
    const [a, b, out] = ctx.savedValues;
    const [needA, needB] = ctx.needsInputGrad;
    const bMinus1 = zipOp("sub", b, b.onesLike());
    const da = needA ? zipOp("mul", g, zipOp("mul", b, zipOp("pow", a, bMinus1))) : null;
    const db = needB ? zipOp("mul", g, zipOp("mul", out, mapOp("log", a))) : null;
    return [da, db];
  }
}

/** Comparisons are piecewise constant: derivative 0 wherever it exists. */
function comparison(op: "lt" | "gt" | "eq" | "isClose", name: string): typeof AutogradFunction {
  return comparisonFunction<Tensor>(
    name,
    (a, b) => zipOp(op, a, b),
    (g) => g.zerosLike(),
  );
}

export const LT = comparison("lt", "LT");
export const GT = comparison("gt", "GT");
export const EQ = comparison("eq", "EQ");
export const IsClose = comparison("isClose", "IsClose");

/** Σ along `dim`, kept with size 1; the gradient is g copied along that dim. */
export class Sum extends AutogradFunction {
  static override forward(ctx: Context<[shape: Shape]>, a: Tensor, p: { dim: number }): Tensor {
    ctx.saveForBackward(a.shape);
    return reduceOp("sum", a, p.dim);
  }
  /** @task 2.4 */
  static override backward(ctx: Context<[shape: Shape]>, g: Tensor): Tensor {
    const [shape] = ctx.savedValues;
    return g.expand(shape);
  }
}

/** Reorder dims (a view); the gradient is permuted back. */
export class Permute extends AutogradFunction {
  static override forward(
    ctx: Context<[order: readonly number[]]>,
    a: Tensor,
    order: readonly number[],
  ): Tensor {
    ctx.saveForBackward(order);
    return a.permuteView(order);
  }
  /** @task 2.4 */
  static override backward(ctx: Context<[order: readonly number[]]>, g: Tensor): Tensor {
    const [order] = ctx.savedValues;
    const inverse: number[] = [];
    order.forEach((d, i) => {
      inverse[d] = i;
    });
    return g.permuteView(inverse);
  }
}

/** The same elements with a new shape (contiguous input; a view); the gradient is reshaped back. */
export class View extends AutogradFunction {
  static override forward(
    ctx: Context<[shape: Shape]>,
    a: Tensor,
    shape: readonly number[],
  ): Tensor {
    ctx.saveForBackward(a.shape);
    return a.reshapeView(shape);
  }
  /** @task 2.4 */
  static override backward(ctx: Context<[shape: Shape]>, g: Tensor): Tensor {
    const [shape] = ctx.savedValues;
    return g.contiguous().reshapeView(shape);
  }
}

/** Broadcast to a bigger shape without copying; the gradient is summed back (unbroadcast). */
export class Expand extends AutogradFunction {
  static override forward(
    ctx: Context<[shape: Shape]>,
    a: Tensor,
    shape: readonly number[],
  ): Tensor {
    ctx.saveForBackward(a.shape);
    return a.expandView(shape);
  }
  /** @task 2.4 */
  static override backward(ctx: Context<[shape: Shape]>, g: Tensor): Tensor {
    const [shape] = ctx.savedValues;
    return unbroadcast(g, shape);
  }
}

/** A contiguous copy; the gradient passes through. */
export class Contiguous extends AutogradFunction {
  static override forward(_ctx: Context, a: Tensor): Tensor {
    return copyOp(a);
  }
  static override backward(_ctx: Context, g: Tensor): Tensor {
    return g;
  }
}

/** A copy in another dtype; the gradient is converted back. */
export class Cast extends AutogradFunction {
  static override forward(ctx: Context<[dtype: DType]>, a: Tensor, p: { dtype: DType }): Tensor {
    ctx.saveForBackward(a.dtype);
    return copyOp(a, a.shape, p.dtype);
  }
  static override backward(ctx: Context<[dtype: DType]>, g: Tensor): Tensor {
    const [dtype] = ctx.savedValues;
    return copyOp(g, g.shape, dtype);
  }
}

/** Batched a @ b; ∂/∂a = g @ bᵀ, ∂/∂b = aᵀ @ g (batch dims summed back by unbroadcast). */
export class MatMul extends AutogradFunction {
  static override forward(ctx: Context<[a: Tensor, b: Tensor]>, a: Tensor, b: Tensor): Tensor {
    ctx.saveForBackward(a, b);
    return matmulOp(a, b);
  }
  static override backward(ctx: Context<[a: Tensor, b: Tensor]>, g: Tensor): (Tensor | null)[] {
    const [a, b] = ctx.savedValues;
    const [needA, needB] = ctx.needsInputGrad;
    // When an input is itself a transposed view (Linear's Wᵀ), compute its gradient transposed,
    // (Bᵀ)ᵀ-style: dB = (gᵀ A)ᵀ, so that once the view's own backward transposes it back, the
    // parameter's gradient is contiguous like the parameter (PyTorch's gradient layout rule).
    const transposed = (t: Tensor) => !t.isContiguous() && t.transpose(-1, -2).isContiguous();
    const t = (x: Tensor) => x.transpose(-1, -2);
    const dA = () => (transposed(a) ? t(matmulOp(b, t(g))) : matmulOp(g, t(b)));
    const dB = () => (transposed(b) ? t(matmulOp(t(g), a)) : matmulOp(t(a), g));
    return [needA ? dA() : null, needB ? dB() : null];
  }
}

// --- the elementwise math of two operands -----------------------------------------------------

/** Functions that save both operands for backward. */
type PairContext = Context<[a: Tensor, b: Tensor]>;

/**
 * g·share where share ≠ 0, else 0: the share selects (`keepWhere`) rather than multiplies, so a
 * NaN or infinite g reaches only the inputs it belongs to, as PyTorch's masked gradients do.
 */
function shared(g: Tensor, share: Tensor): Tensor {
  return zipOp("keepWhere", zipOp("mul", g, share), share);
}

/**
 * torch.maximum (NaN if either is NaN); the gradient goes to the larger operand, split in halves
 * at a tie, and whole to both where NaN leaves them unordered (PyTorch's rule).
 */
export class Maximum extends AutogradFunction {
  static override forward(ctx: PairContext, a: Tensor, b: Tensor): Tensor {
    ctx.saveForBackward(a, b);
    return zipOp("maximum", a, b);
  }
  static override backward(ctx: PairContext, g: Tensor): (Tensor | null)[] {
    const [a, b] = ctx.savedValues;
    const [needA, needB] = ctx.needsInputGrad;
    return [
      needA ? shared(g, zipOp("maximumShare", a, b)) : null,
      needB ? shared(g, zipOp("maximumShare", b, a)) : null,
    ];
  }
}

/** torch.minimum, Maximum's mirror image: the gradient goes to the smaller operand. */
export class Minimum extends AutogradFunction {
  static override forward(ctx: PairContext, a: Tensor, b: Tensor): Tensor {
    ctx.saveForBackward(a, b);
    return zipOp("minimum", a, b);
  }
  static override backward(ctx: PairContext, g: Tensor): (Tensor | null)[] {
    const [a, b] = ctx.savedValues;
    const [needA, needB] = ctx.needsInputGrad;
    return [
      needA ? shared(g, zipOp("maximumShare", b, a)) : null,
      needB ? shared(g, zipOp("maximumShare", a, b)) : null,
    ];
  }
}

/** 1 where a > b or a = b, as a mask (0 at NaN, as a ≥ b is false there). */
function atLeast(a: Tensor, b: Tensor): Tensor {
  return zipOp("add", zipOp("gt", a, b), zipOp("eq", a, b));
}

/**
 * clamp(x, min) = maximum(x, min), with torch.clamp's gradient: g to x where x ≥ min, to min where
 * x < min — ties go to x whole (maximum splits them).
 */
export class ClampMin extends AutogradFunction {
  static override forward(ctx: PairContext, x: Tensor, min: Tensor): Tensor {
    ctx.saveForBackward(x, min);
    return zipOp("maximum", x, min);
  }
  static override backward(ctx: PairContext, g: Tensor): (Tensor | null)[] {
    const [x, min] = ctx.savedValues;
    const [needX, needMin] = ctx.needsInputGrad;
    return [
      needX ? zipOp("keepWhere", g, atLeast(x, min)) : null,
      needMin ? zipOp("keepWhere", g, zipOp("lt", x, min)) : null,
    ];
  }
}

/** clamp(x, max = max) = minimum(x, max): g to x where x ≤ max, to max where x > max. */
export class ClampMax extends AutogradFunction {
  static override forward(ctx: PairContext, x: Tensor, max: Tensor): Tensor {
    ctx.saveForBackward(x, max);
    return zipOp("minimum", x, max);
  }
  static override backward(ctx: PairContext, g: Tensor): (Tensor | null)[] {
    const [x, max] = ctx.savedValues;
    const [needX, needMax] = ctx.needsInputGrad;
    return [
      needX ? zipOp("keepWhere", g, atLeast(max, x)) : null,
      needMax ? zipOp("keepWhere", g, zipOp("gt", x, max)) : null,
    ];
  }
}

/**
 * A remainder a − b·q(a/b), with q the truncation (fmod) or the floor (remainder): ∂/∂a = 1 and
 * ∂/∂b = −q(a/b), PyTorch's formulas.
 */
function remainderFunction(op: "fmod" | "remainder", q: "trunc" | "floor", name: string) {
  const fn = class extends AutogradFunction {
    static override forward(ctx: PairContext, a: Tensor, b: Tensor): Tensor {
      ctx.saveForBackward(a, b);
      return zipOp(op, a, b);
    }
    static override backward(ctx: PairContext, g: Tensor): (Tensor | null)[] {
      const [a, b] = ctx.savedValues;
      const [needA, needB] = ctx.needsInputGrad;
      const quotient = () => mapOp(q, zipOp("div", a, b));
      return [needA ? g : null, needB ? mapOp("neg", zipOp("mul", g, quotient())) : null];
    }
  };
  Object.defineProperty(fn, "name", { value: name });
  return fn;
}

/** C's fmod (sign of the dividend); ∂/∂b = −trunc(a/b). */
export const Fmod = remainderFunction("fmod", "trunc", "Fmod");
/** Python's % (sign of the divisor); ∂/∂b = −floor(a/b). */
export const Remainder = remainderFunction("remainder", "floor", "Remainder");

/** atan2(a, b), the angle of (b, a); ∂/∂a = b/(a² + b²), ∂/∂b = −a/(a² + b²). */
export class Atan2 extends AutogradFunction {
  static override forward(ctx: PairContext, a: Tensor, b: Tensor): Tensor {
    ctx.saveForBackward(a, b);
    return zipOp("atan2", a, b);
  }
  static override backward(ctx: PairContext, g: Tensor): (Tensor | null)[] {
    const [a, b] = ctx.savedValues;
    const [needA, needB] = ctx.needsInputGrad;
    const scaled = zipOp("div", g, zipOp("add", zipOp("mul", a, a), zipOp("mul", b, b)));
    return [
      needA ? zipOp("mul", scaled, b) : null,
      needB ? mapOp("neg", zipOp("mul", scaled, a)) : null,
    ];
  }
}

/**
 * An activation with a parameter (its second operand, a number lifted to a 0-d tensor, given no
 * gradient): y = op(x, p), ∂L/∂x = g · slope(x, p).
 */
function parameterisedActivation(
  op: "leakyRelu" | "elu",
  slope: "leakyReluSlope" | "eluSlope",
  name: string,
) {
  const fn = class extends AutogradFunction {
    static override forward(ctx: PairContext, x: Tensor, p: Tensor): Tensor {
      ctx.saveForBackward(x, p);
      return zipOp(op, x, p);
    }
    static override backward(ctx: PairContext, g: Tensor): (Tensor | null)[] {
      const [x, p] = ctx.savedValues;
      return [zipOp("mul", g, zipOp(slope, x, p)), null];
    }
  };
  Object.defineProperty(fn, "name", { value: name });
  return fn;
}

/** leaky_relu(x, slope): x for x > 0, else slope·x; ∂/∂x = 1 or slope. */
export const LeakyReLU = parameterisedActivation("leakyRelu", "leakyReluSlope", "LeakyReLU");
/** elu(x, α): x for x > 0, else α(eˣ − 1); ∂/∂x = 1 or α·eˣ. */
export const ELU = parameterisedActivation("elu", "eluSlope", "ELU");
