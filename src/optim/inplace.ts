/**
 * The few in-place kernels the optimizers are written with. An update step runs a handful of
 * elementwise passes per parameter and frees its temporaries at once, so it costs the same with
 * or without an enclosing `tidy` and never waits for the garbage collector.
 */

import type { BinaryOp, UnaryOp } from "../strided/ops.js";
import { zipInto } from "../tensor/history_free_ops.js";
import { Tensor } from "../tensor/tensor.js";

/** A contiguous tensor of `like`'s shape, dtype and backend (contents unspecified): a scratch buffer. */
export function scratch(like: Tensor): Tensor {
  return Tensor.empty(like.shape, like.dtype, like.backendImpl);
}

/** target ← op(a, c) for a number c (rounded to a's dtype), in target's own storage. */
export function zipScalarInto(op: BinaryOp, target: Tensor, a: Tensor, c: number): void {
  const constant = Tensor.full([], c, a.dtype, a.backendImpl);
  try {
    zipInto(op, target, a, constant);
  } finally {
    constant.dispose();
  }
}

/**
 * target ← op(a), elementwise, in target's own storage: both are contiguous tensors of one shape
 * and dtype (an optimizer's scratch buffers and state).
 */
export function mapInto(op: UnaryOp, target: Tensor, a: Tensor): void {
  target.backendImpl.map(op, target.strided, a.strided);
  target.storage.bumpVersion();
}

/** A tensor of `like`'s shape, dtype and backend filled with `value`: a fresh state buffer. */
export function filledLike(like: Tensor, value: number): Tensor {
  return Tensor.full(like.shape, value, like.dtype, like.backendImpl);
}

/**
 * g + λ·θ, L2 weight decay folded into the gradient, in a fresh scratch buffer (the caller frees
 * it): what SGD and Adam (not AdamW) step with when weightDecay is set.
 */
export function decayedGradient(grad: Tensor, theta: Tensor, weightDecay: number): Tensor {
  const decayed = scratch(theta);
  zipScalarInto("mul", decayed, theta, weightDecay);
  zipInto("add", decayed, decayed, grad);
  return decayed;
}

/** Frees every scratch buffer of one update (each may be absent). */
export function disposeAll(temporaries: readonly (Tensor | null)[]): void {
  for (const t of temporaries) t?.dispose();
}
