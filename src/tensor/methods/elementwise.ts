import * as activations from "../activations.js";
import * as arithmetic from "../arithmetic.js";
import { Add, Div, EQ, GT, IsClose, LT, Mul, Pow, Sub, unaryFunctions } from "../functions.js";
import * as math from "../math.js";
import type { Tensor, TensorLike } from "../tensor.js";

/**
 * Tensor's elementwise methods, one line each over the autograd Functions. A method group is a
 * plain object of `this: Tensor` functions that tensor.ts copies onto `Tensor.prototype` and
 * merges into the class's type, so the class file holds state and the groups hold methods — and
 * a method declared here cannot be missing at run time, since the type is the object's own.
 */
export const elementwiseMethods = {
  /** this + alpha·b (`{alpha}`, default 1) */
  add(this: Tensor, b: TensorLike, options?: arithmetic.AddOptions): Tensor {
    // No options: the Function directly, with no check and no options object (the hot path).
    return options === undefined ? Add.apply(this, b) : arithmetic.add(this, b, options);
  },
  /** this − alpha·b (`{alpha}`, default 1) */
  sub(this: Tensor, b: TensorLike, options?: arithmetic.AddOptions): Tensor {
    return options === undefined ? Sub.apply(this, b) : arithmetic.sub(this, b, options);
  },
  /** this · b */
  mul(this: Tensor, b: TensorLike): Tensor {
    return Mul.apply(this, b);
  },
  /** this / b; `{roundingMode: "trunc" | "floor"}` rounds the quotient (integers stay integers) */
  div(this: Tensor, b: TensorLike, options?: arithmetic.DivOptions): Tensor {
    return options === undefined ? Div.apply(this, b) : arithmetic.div(this, b, options);
  },
  /** ⌊this / b⌋ (torch.floor_divide: div with roundingMode "floor") */
  floorDivide(this: Tensor, b: TensorLike): Tensor {
    return arithmetic.floorDivide(this, b);
  },
  /** this + weight·(end − this), weight a number or a tensor (torch.lerp) */
  lerp(this: Tensor, end: Tensor, weight: TensorLike): Tensor {
    return arithmetic.lerp(this, end, weight);
  },
  /** this ^ b */
  pow(this: Tensor, b: TensorLike): Tensor {
    return Pow.apply(this, b);
  },
  /** −this */
  neg(this: Tensor): Tensor {
    return unaryFunctions.neg.apply<Tensor>(this);
  },
  /** eˣ */
  exp(this: Tensor): Tensor {
    return unaryFunctions.exp.apply<Tensor>(this);
  },
  /** ln x */
  log(this: Tensor): Tensor {
    return unaryFunctions.log.apply<Tensor>(this);
  },
  /** 1 / (1 + e⁻ˣ), in the stable form */
  sigmoid(this: Tensor): Tensor {
    return unaryFunctions.sigmoid.apply<Tensor>(this);
  },
  /** max(x, 0) */
  relu(this: Tensor): Tensor {
    return unaryFunctions.relu.apply<Tensor>(this);
  },
  /** tanh x */
  tanh(this: Tensor): Tensor {
    return unaryFunctions.tanh.apply<Tensor>(this);
  },
  /** 1 / x */
  reciprocal(this: Tensor): Tensor {
    return unaryFunctions.inv.apply<Tensor>(this);
  },
  /** √x */
  sqrt(this: Tensor): Tensor {
    return unaryFunctions.sqrt.apply<Tensor>(this);
  },
  /** 1 / √x */
  rsqrt(this: Tensor): Tensor {
    return unaryFunctions.rsqrt.apply<Tensor>(this);
  },
  /** |x| */
  abs(this: Tensor): Tensor {
    return unaryFunctions.abs.apply<Tensor>(this);
  },
  /** −1, 0 or 1 (0 at ±0 and at NaN, as PyTorch) */
  sign(this: Tensor): Tensor {
    return unaryFunctions.sign.apply<Tensor>(this);
  },
  /** x² */
  square(this: Tensor): Tensor {
    return unaryFunctions.square.apply<Tensor>(this);
  },
  /** sin x */
  sin(this: Tensor): Tensor {
    return unaryFunctions.sin.apply<Tensor>(this);
  },
  /** cos x */
  cos(this: Tensor): Tensor {
    return unaryFunctions.cos.apply<Tensor>(this);
  },
  /** tan x */
  tan(this: Tensor): Tensor {
    return unaryFunctions.tan.apply<Tensor>(this);
  },
  /** ln(1 + x), exact near 0 */
  log1p(this: Tensor): Tensor {
    return unaryFunctions.log1p.apply<Tensor>(this);
  },
  /** eˣ − 1, exact near 0 */
  expm1(this: Tensor): Tensor {
    return unaryFunctions.expm1.apply<Tensor>(this);
  },
  /** log₂ x */
  log2(this: Tensor): Tensor {
    return unaryFunctions.log2.apply<Tensor>(this);
  },
  /** 2ˣ */
  exp2(this: Tensor): Tensor {
    return unaryFunctions.exp2.apply<Tensor>(this);
  },
  /** The error function (2/√π) ∫₀ˣ e^(−t²) dt */
  erf(this: Tensor): Tensor {
    return unaryFunctions.erf.apply<Tensor>(this);
  },
  /** ⌊x⌋ */
  floor(this: Tensor): Tensor {
    return unaryFunctions.floor.apply<Tensor>(this);
  },
  /** ⌈x⌉ */
  ceil(this: Tensor): Tensor {
    return unaryFunctions.ceil.apply<Tensor>(this);
  },
  /** x to the nearest integer, halves to the even one (as torch.round); `{decimals}` places */
  round(this: Tensor, options?: arithmetic.RoundOptions): Tensor {
    if (options === undefined) return unaryFunctions.round.apply<Tensor>(this);
    return arithmetic.round(this, options);
  },
  /** x rounded toward 0 */
  trunc(this: Tensor): Tensor {
    return unaryFunctions.trunc.apply<Tensor>(this);
  },
  /** The larger of this and b elementwise (NaN where either is NaN); ties split the gradient. */
  maximum(this: Tensor, b: TensorLike): Tensor {
    return math.maximum(this, b);
  },
  /** The smaller of this and b elementwise (NaN where either is NaN); ties split the gradient. */
  minimum(this: Tensor, b: TensorLike): Tensor {
    return math.minimum(this, b);
  },
  /** C's fmod: the remainder of this / b with the sign of this. */
  fmod(this: Tensor, b: TensorLike): Tensor {
    return math.fmod(this, b);
  },
  /** Python's this % b: the remainder with the sign of b. */
  remainder(this: Tensor, b: TensorLike): Tensor {
    return math.remainder(this, b);
  },
  /** atan2(this, b): the angle of the point (b, this), in [−π, π]. */
  atan2(this: Tensor, b: TensorLike): Tensor {
    return math.atan2(this, b);
  },
  /** This limited to [min, max] (numbers or tensors, either omitted, or options `{min, max}`). */
  clamp(this: Tensor, min?: math.ClampBound | math.ClampOptions, max?: math.ClampBound): Tensor {
    return math.clamp(this, min, max);
  },
  /** clamp's other name, as torch.clip. */
  clip(this: Tensor, min?: math.ClampBound | math.ClampOptions, max?: math.ClampBound): Tensor {
    return math.clip(this, min, max);
  },
  /** This limited below by min. */
  clampMin(this: Tensor, min: TensorLike): Tensor {
    return math.clampMin(this, min);
  },
  /** This limited above by max. */
  clampMax(this: Tensor, max: TensorLike): Tensor {
    return math.clampMax(this, max);
  },
  /** GELU x·Φ(x); `{approximate: "tanh"}` for its tanh approximation. */
  gelu(this: Tensor, options?: activations.GeluOptions): Tensor {
    return activations.gelu(this, options);
  },
  /** SiLU (swish) x·σ(x). */
  silu(this: Tensor, options?: activations.InplaceOptions): Tensor {
    return activations.silu(this, options);
  },
  /** Softplus ln(1 + e^(βx))/β, linear past `threshold` (`{beta: 1, threshold: 20}`). */
  softplus(this: Tensor, options?: activations.SoftplusOptions): Tensor {
    return activations.softplus(this, options);
  },
  /** Leaky ReLU: x for x > 0, else negativeSlope·x (`{negativeSlope: 0.01}`). */
  leakyRelu(this: Tensor, options?: activations.LeakyReluOptions): Tensor {
    return activations.leakyRelu(this, options);
  },
  /** ELU: x for x > 0, else α(eˣ − 1) (`{alpha: 1}`). */
  elu(this: Tensor, options?: activations.EluOptions): Tensor {
    return activations.elu(this, options);
  },
  /** 1 where this < b, else 0 */
  lt(this: Tensor, b: TensorLike): Tensor {
    return LT.apply(this, b);
  },
  /** 1 where this > b, else 0 */
  gt(this: Tensor, b: TensorLike): Tensor {
    return GT.apply(this, b);
  },
  /** 1 where this = b, else 0 */
  eq(this: Tensor, b: TensorLike): Tensor {
    return EQ.apply(this, b);
  },
  /** 1 where |this − b| < 1e-2 (operators.isClose), else 0 */
  isClose(this: Tensor, b: TensorLike): Tensor {
    return IsClose.apply(this, b);
  },
};

/** The elementwise methods' types, merged into Tensor's. */
export type ElementwiseMethods = typeof elementwiseMethods;
