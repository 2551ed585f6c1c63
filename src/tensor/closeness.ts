import { isFloating } from "../backend/dtypes.js";
import { DTypeError } from "../errors.js";
import { checkOptions, isBoolean, isNonNegativeNumber, type OptionChecks } from "../options.js";
import { sameShape, shapeBroadcast } from "../strided/shape.js";
import { checkOperand } from "./history_free_ops.js";
import { readSync } from "./reading.js";
import type { Tensor } from "./tensor.js";

/**
 * Comparing tensors as wholes, as PyTorch's `isclose`, `allclose` and `equal`. The masks are built
 * from the elementwise comparisons (so every backend has them and they have `maskDType`); the two
 * that answer with one boolean read the mask on the host, synchronously, as `item()` does.
 */

/** Options of `isclose` and `allclose`: PyTorch's tolerances (rtol = 1e-5, atol = 1e-8). */
export interface CloseOptions {
  /** Relative tolerance: the allowed error grows by rtol·|other| (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8). */
  atol?: number;
  /** Whether NaN is close to NaN (default false). */
  equalNan?: boolean;
}

const closeChecks: OptionChecks<CloseOptions> = {
  rtol: isNonNegativeNumber,
  atol: isNonNegativeNumber,
  equalNan: isBoolean,
};

/** Checks `other` and the options of `op`; PyTorch compares only tensors of one dtype. */
function checkPair(op: string, a: unknown, b: unknown): asserts b is Tensor {
  checkOperand(op, a, "a Tensor");
  checkOperand(op, b, "a Tensor");
  if (a.dtype !== b.dtype) {
    throw new DTypeError(
      `${op}: expected both tensors to have one dtype, got ${a.dtype} and ${b.dtype}; convert one with .to(dtype)`,
    );
  }
}

/**
 * The mask of elements where |a − b| ≤ atol + rtol·|b| (broadcast), as `torch.isclose`: equal
 * values (infinities included) are close, an infinite or NaN error never is, and NaN is close to
 * NaN only with `equalNan`. Not symmetric in a and b (rtol scales |b|), as in PyTorch.
 */
export function isclose(a: Tensor, b: Tensor, options: CloseOptions = {}): Tensor {
  return closeMask("isclose", a, b, options);
}

/** isclose's mask, with `op` named in its errors. */
function closeMask(op: string, a: Tensor, b: Tensor, options: CloseOptions): Tensor {
  const { rtol = 1e-5, atol = 1e-8, equalNan = false } = checkOptions(op, options, closeChecks);
  checkPair(op, a, b);
  shapeBroadcast(a.shape, b.shape, op);
  // Constants: comparing must not join (or keep alive) either operand's graph.
  const [x, y] = [a.detach(), b.detach()];
  // Bool has no subtraction: its error is computed in float32, as PyTorch does.
  const [fx, fy] = x.dtype === "bool" ? [x.float(), y.float()] : [x, y];
  const error = fx.sub(fy).abs();
  const allowed = fy.abs().mul(rtol).add(atol);
  // error ≤ allowed as two disjoint tests (< and =), both false for a NaN error; lt(∞) rejects
  // an infinite error, which an infinite allowance would otherwise accept.
  const within = error.lt(allowed).add(error.eq(allowed)).mul(error.lt(Number.POSITIVE_INFINITY));
  let close = within.add(x.eq(y));
  if (equalNan && isFloating(x.dtype)) {
    // x ≠ x only for NaN: both are NaN where neither equals itself.
    close = close.add(x.eq(x).add(y.eq(y)).eq(0));
  }
  return close.gt(0);
}

/** Whether every element of `a` is close to `b`'s (`torch.allclose`): see `isclose`. */
export function allclose(a: Tensor, b: Tensor, options: CloseOptions = {}): boolean {
  return readSync(closeMask("allclose", a, b, options), "allclose").every((v) => v !== 0);
}

/** Whether `a` and `b` have one shape and equal elements (`torch.equal`; NaN ≠ NaN). */
export function equal(a: Tensor, b: Tensor): boolean {
  checkOperand("equal", a, "a Tensor");
  checkOperand("equal", b, "a Tensor");
  if (!sameShape(a.shape, b.shape)) return false;
  return readSync(a.detach().eq(b.detach()), "equal").every((v) => v !== 0);
}
