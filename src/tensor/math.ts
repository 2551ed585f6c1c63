import { DataError } from "../errors.js";
import { checkOptions, describeValue, type OptionCheck } from "../options.js";
import { Atan2, ClampMax, ClampMin, Fmod, Maximum, Minimum, Remainder } from "./functions.js";
import { Tensor, type TensorLike } from "./tensor.js";

/**
 * The elementwise math as top-level functions, `mt.sqrt(x)`, `mt.clamp(x, 0, 1)`,
 * `mt.maximum(a, b)` — PyTorch's `torch.f(x)` forms of the methods `x.f()` — and clamp's
 * argument handling, which `x.clamp(…)` shares.
 */

/** √x */
export function sqrt(x: Tensor): Tensor {
  return x.sqrt();
}
/** 1 / √x */
export function rsqrt(x: Tensor): Tensor {
  return x.rsqrt();
}
/** |x| */
export function abs(x: Tensor): Tensor {
  return x.abs();
}
/** −1, 0 or 1 (0 at NaN, as PyTorch) */
export function sign(x: Tensor): Tensor {
  return x.sign();
}
/** x² */
export function square(x: Tensor): Tensor {
  return x.square();
}
/** sin x */
export function sin(x: Tensor): Tensor {
  return x.sin();
}
/** cos x */
export function cos(x: Tensor): Tensor {
  return x.cos();
}
/** tan x */
export function tan(x: Tensor): Tensor {
  return x.tan();
}
/** ln(1 + x), exact near 0 */
export function log1p(x: Tensor): Tensor {
  return x.log1p();
}
/** eˣ − 1, exact near 0 */
export function expm1(x: Tensor): Tensor {
  return x.expm1();
}
/** log₂ x */
export function log2(x: Tensor): Tensor {
  return x.log2();
}
/** 2ˣ */
export function exp2(x: Tensor): Tensor {
  return x.exp2();
}
/** The error function erf x */
export function erf(x: Tensor): Tensor {
  return x.erf();
}
/** ⌊x⌋ */
export function floor(x: Tensor): Tensor {
  return x.floor();
}
/** ⌈x⌉ */
export function ceil(x: Tensor): Tensor {
  return x.ceil();
}
/** x rounded toward 0 */
export function trunc(x: Tensor): Tensor {
  return x.trunc();
}
/** eˣ */
export function exp(x: Tensor): Tensor {
  return x.exp();
}
/** ln x */
export function log(x: Tensor): Tensor {
  return x.log();
}
/** −x */
export function neg(x: Tensor): Tensor {
  return x.neg();
}
/** 1 / x */
export function reciprocal(x: Tensor): Tensor {
  return x.reciprocal();
}
/** 1 / (1 + e⁻ˣ) */
export function sigmoid(x: Tensor): Tensor {
  return x.sigmoid();
}
/** tanh x */
export function tanh(x: Tensor): Tensor {
  return x.tanh();
}
/** max(x, 0) */
export function relu(x: Tensor): Tensor {
  return x.relu();
}

/** The larger of a and b elementwise (NaN where either is NaN), broadcast. */
export function maximum(a: Tensor, b: TensorLike): Tensor {
  return Maximum.apply<Tensor>(a, b);
}
/** The smaller of a and b elementwise (NaN where either is NaN), broadcast. */
export function minimum(a: Tensor, b: TensorLike): Tensor {
  return Minimum.apply<Tensor>(a, b);
}
/** C's fmod: the remainder of a / b with the sign of a. */
export function fmod(a: Tensor, b: TensorLike): Tensor {
  return Fmod.apply<Tensor>(a, b);
}
/** Python's a % b: the remainder of a / b with the sign of b. */
export function remainder(a: Tensor, b: TensorLike): Tensor {
  return Remainder.apply<Tensor>(a, b);
}
/** atan2(a, b): the angle of the point (b, a), in [−π, π]. */
export function atan2(a: Tensor, b: TensorLike): Tensor {
  return Atan2.apply<Tensor>(a, b);
}

/** A bound of clamp: a number, a tensor (broadcast against x), or null / undefined for none. */
export type ClampBound = TensorLike | null | undefined;

/** PyTorch's keyword form of clamp's bounds: `x.clamp({ min: 0 })`. */
export interface ClampOptions {
  readonly min?: TensorLike | null;
  readonly max?: TensorLike | null;
}

const isBound: OptionCheck = (v) =>
  v === null || typeof v === "number" || v instanceof Tensor
    ? null
    : "must be a number, a Tensor or null";

/**
 * x limited to [min, max] elementwise, as torch.clamp: min and max are numbers or tensors, either
 * may be omitted (null or undefined), or given as options `{ min, max }`. clamp(x, min, max) is
 * minimum(maximum(x, min), max), so it is max where min > max, and NaN where x or a bound is
 * NaN. The gradient is PyTorch's: g to x where min ≤ x ≤ max, to min where x < min, to max
 * where x > max.
 */
export function clamp(x: Tensor, min?: ClampBound | ClampOptions, max?: ClampBound): Tensor {
  const bounds = boundsOf(min, max);
  if (bounds.min == null && bounds.max == null) {
    throw new DataError("clamp: at least one of min and max must be given, got neither");
  }
  let y = x;
  if (bounds.min != null) y = ClampMin.apply<Tensor>(y, bounds.min);
  if (bounds.max != null) y = ClampMax.apply<Tensor>(y, bounds.max);
  return y;
}

/** clamp's other name, as torch.clip. */
export function clip(x: Tensor, min?: ClampBound | ClampOptions, max?: ClampBound): Tensor {
  return clamp(x, min, max);
}

/** Clamp's bounds from its arguments, positional or an options object, checked. */
function boundsOf(min: ClampBound | ClampOptions, max: ClampBound): ClampOptions {
  const options = typeof min === "object" && min !== null && !(min instanceof Tensor);
  if (!options) return checkOptions("clamp", { min, max }, { min: isBound, max: isBound });
  if (max !== undefined) {
    throw new DataError(
      `clamp: takes the bounds as (min, max) or as options { min, max }, not both (got options and max ${describeValue(max)})`,
    );
  }
  return checkOptions("clamp", min, { min: isBound, max: isBound });
}

/** x limited below by min (a number or a tensor), as torch.clamp_min. */
export function clampMin(x: Tensor, min: TensorLike): Tensor {
  return clamp(x, min, null);
}

/** x limited above by max (a number or a tensor), as torch.clamp_max. */
export function clampMax(x: Tensor, max: TensorLike): Tensor {
  return clamp(x, null, max);
}
