import { checkOperand } from "./history_free_ops.js";
import { Tensor, type TensorLike } from "./tensor.js";

/**
 * The comparisons beyond lt, gt and eq, the NaN and infinity tests, and the logical ops, as
 * PyTorch has them: each gives a bool mask, which records no history. They are compositions of
 * the op table's comparisons (lt, gt, eq), so every backend has them; each is written so NaN
 * answers as in PyTorch: every comparison with NaN is false except ne, which is true. isNaN and
 * isFinite are named isNaNOf and isFiniteOf here (not to shadow JS's globals) and exported as
 * `mt.isNaN` and `mt.isFinite`.
 */

/** this ≠ b (true where either is NaN) */
export function ne(a: Tensor, b: TensorLike): Tensor {
  return logicalNot(a.eq(b));
}

/** a ≤ b (false where either is NaN: lt or eq, never the negation of gt) */
export function le(a: Tensor, b: TensorLike): Tensor {
  return logicalOr(a.lt(b), a.eq(b));
}

/** a ≥ b (false where either is NaN) */
export function ge(a: Tensor, b: TensorLike): Tensor {
  return logicalOr(a.gt(b), a.eq(b));
}

/** a < b, as `torch.lt` */
export function lt(a: Tensor, b: TensorLike): Tensor {
  return a.lt(b);
}

/** a > b, as `torch.gt` */
export function gt(a: Tensor, b: TensorLike): Tensor {
  return a.gt(b);
}

/** a = b, as `torch.eq` */
export function eq(a: Tensor, b: TensorLike): Tensor {
  return a.eq(b);
}

/** Where x is NaN (x ≠ x); never for integer and bool tensors. */
export function isNaNOf(x: Tensor): Tensor {
  checkOperand("isNaN", x, "a Tensor");
  return logicalNot(x.eq(x));
}

/** Where x is neither infinite nor NaN (x − x = 0 exactly then); always for integers. */
export function isFiniteOf(x: Tensor): Tensor {
  checkOperand("isFinite", x, "a Tensor");
  return x.dtype === "bool" ? x.eq(x) : x.sub(x).eq(0);
}

/** Where x is +∞ or −∞. */
export function isInf(x: Tensor): Tensor {
  checkOperand("isInf", x, "a Tensor");
  return x.dtype === "bool" ? x.ne(x) : x.abs().eq(Number.POSITIVE_INFINITY);
}

/** Both nonzero (any dtypes; NaN counts as nonzero, as in PyTorch). */
export function logicalAnd(a: Tensor, b: TensorLike): Tensor {
  checkOperand("logicalAnd", a, "a Tensor");
  // bool · bool is bool (promotion.ts computes it in int32 and casts back).
  return a.bool().mul(asBool(a, b));
}

/** Either nonzero. */
export function logicalOr(a: Tensor, b: TensorLike): Tensor {
  checkOperand("logicalOr", a, "a Tensor");
  // bool + bool is bool: 1 + 1 is cast back to true.
  return a.bool().add(asBool(a, b));
}

/** Exactly one nonzero. */
export function logicalXor(a: Tensor, b: TensorLike): Tensor {
  checkOperand("logicalXor", a, "a Tensor");
  return a.bool().eq(asBool(a, b)).eq(0);
}

/** Where x is zero (NaN is nonzero: false there). */
export function logicalNot(x: Tensor): Tensor {
  checkOperand("logicalNot", x, "a Tensor");
  return x.eq(0);
}

/** `b` as a bool mask: a tensor converted, a number as a 0-d bool tensor on `like`'s backend. */
function asBool(like: Tensor, b: TensorLike): Tensor {
  if (typeof b === "number") return Tensor.full([], b !== 0 ? 1 : 0, "bool", like.backendImpl);
  checkOperand("logical op", b, "a Tensor or a number");
  return b.bool();
}
