import type { Context } from "../autodiff/context.js";
import { AutogradFunction } from "../autodiff/function.js";
import { isFloating } from "../backend/dtypes.js";
import { DTypeError } from "../errors.js";
import { normalizeDim } from "../strided/shape.js";
import { checkOperand, mapOp, reduceOp, zipOp } from "./history_free_ops.js";
import type { Tensor } from "./tensor.js";

/**
 * softmax and log-softmax along a dim (`torch.softmax`, `torch.log_softmax`, the methods
 * `x.softmax(dim)`, `x.logSoftmax(dim)`, and `mt.nn.functional`'s): each one autograd Function,
 * computed from x − max(x) so it cannot overflow. They live in the tensor layer, below `nn`, so
 * that Tensor's methods can call them; `nn.functional` re-exports them.
 */

/**
 * x − max(x) along `dim`, with the max treated as a constant: softmax and log-softmax are
 * unchanged by a shift, and after it exp only sees arguments ≤ 0, so it cannot overflow.
 */
function shifted(x: Tensor, dim: number): Tensor {
  return zipOp("sub", x, reduceOp("max", x, dim));
}

/**
 * softmax along a dim, as one Function: forward is five kernels, backward three,
 * ∂L/∂x = s ⊙ (g − Σ g ⊙ s), instead of the graph of the composed ops.
 */
class Softmax extends AutogradFunction {
  /** s = exp(x − max) / Σ exp(x − max) along `p.dim`, saved for backward. @task 4.4 */
  static override forward(
    ctx: Context<[s: Tensor, dim: number]>,
    x: Tensor,
    p: { dim: number },
  ): Tensor {
    const e = mapOp("exp", shifted(x, p.dim));
    const out = zipOp("div", e, reduceOp("sum", e, p.dim));
    ctx.saveForBackward(out, p.dim);
    return out;
  }
  /** ∂L/∂x = s ⊙ (g − Σ g ⊙ s), the sum along the dim. @task 4.4 */
  static override backward(ctx: Context<[s: Tensor, dim: number]>, g: Tensor): Tensor {
    const [s, dim] = ctx.savedValues;
    const dot = reduceOp("sum", zipOp("mul", g, s), dim);
    return zipOp("mul", s, zipOp("sub", g, dot));
  }
}

/**
 * log-softmax along a dim, as one Function: x − m − log Σ exp(x − m) with m the max; backward is
 * ∂L/∂x = g − softmax(x) ⊙ Σ g, with softmax(x) = exp(output) (every output is ≤ 0, so no overflow).
 */
class LogSoftmax extends AutogradFunction {
  /** z − log Σ exp(z) along `p.dim` with z = x − max, saved for backward. @task 4.4 */
  static override forward(
    ctx: Context<[out: Tensor, dim: number]>,
    x: Tensor,
    p: { dim: number },
  ): Tensor {
    const z = shifted(x, p.dim);
    const logSum = mapOp("log", reduceOp("sum", mapOp("exp", z), p.dim));
    const out = zipOp("sub", z, logSum);
    ctx.saveForBackward(out, p.dim);
    return out;
  }
  /** ∂L/∂x = g − exp(out) ⊙ Σ g, the sum along the dim. @task 4.4 */
  static override backward(ctx: Context<[out: Tensor, dim: number]>, g: Tensor): Tensor {
    const [out, dim] = ctx.savedValues;
    const total = reduceOp("sum", g, dim);
    return zipOp("sub", g, zipOp("mul", mapOp("exp", out), total));
  }
}

/**
 * exp(xᵢ) / Σⱼ exp(xⱼ) along `dim` (negative counts from the end), as `torch.softmax`. Computed
 * from x − max(x), so logits like ±1000 give finite values and gradients.
 */
export function softmax(x: Tensor, dim: number): Tensor {
  return Softmax.apply<Tensor>(x, { dim: checkedDim("softmax", x, dim) });
}

/**
 * log(softmax(x)) along `dim`, as `torch.log_softmax`: x − m − log Σ exp(x − m) with m = max(x),
 * stable for large logits (no exp overflow, no log of 0 for very negative ones).
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return LogSoftmax.apply<Tensor>(x, { dim: checkedDim("logSoftmax", x, dim) });
}

/**
 * `dim` normalized for `op` on `x` (a 0-d tensor takes 0 or −1, as in PyTorch), after checking
 * that `x` is a float tensor: PyTorch has no integer softmax ("not implemented for 'Long'").
 */
function checkedDim(op: string, x: unknown, dim: number): number {
  checkOperand(op, x, "a Tensor");
  if (!isFloating(x.dtype)) {
    throw new DTypeError(
      `${op}: needs a float tensor, got ${x.dtype}; convert with .float() first`,
    );
  }
  return normalizeDim(dim, x.ndim, op);
}
