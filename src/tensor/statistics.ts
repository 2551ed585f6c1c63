import { noGrad } from "../autodiff/grad_mode.js";
import { DataError } from "../errors.js";
import type { OptionChecks } from "../options.js";
import { checkOperand, zipOp } from "./history_free_ops.js";
import {
  type Dims,
  isDims,
  type ReduceArgs,
  readArgs,
  readReduceArgs,
  reduceChecks,
  reducedDims,
  reducedShape,
} from "./reduction_args.js";
import { asDType, RootZeroSafe } from "./reduction_functions.js";
import { amax, amin, sum } from "./reductions.js";
import type { Tensor } from "./tensor.js";

/**
 * Statistics over dims built from the reductions: variance and standard deviation with PyTorch's
 * `correction`, the stable log-sum-exp, and vector norms. Their gradients come from autograd.
 */

/** The keyword arguments of var and std. */
export interface VarOptions {
  /** The dims to reduce (all when omitted). */
  dim?: Dims;
  /** Divide by N − correction (default 1: Bessel's correction, as PyTorch). */
  correction?: number;
  /** The older spelling: true is correction 1, false is correction 0. */
  unbiased?: boolean;
  /** Keep each reduced dim with size 1 (default false). */
  keepdim?: boolean;
}

/** var/std's arguments, in PyTorch's positional order `(dim, unbiased, keepdim)`, then options. */
export type VarArgs =
  | []
  | [options: VarOptions]
  | [dim: Dims | undefined, options?: VarOptions]
  | [dim: Dims | undefined, unbiased: boolean | undefined, options?: VarOptions]
  | [dim: Dims | undefined, unbiased: boolean | undefined, keepdim: boolean, options?: VarOptions];

const varChecks: OptionChecks<VarOptions> = {
  dim: isDims,
  correction: (v) => (typeof v === "number" && Number.isFinite(v) ? null : "must be a number"),
  unbiased: reduceChecks.keepdim,
  keepdim: reduceChecks.keepdim,
};

/**
 * Σ (x − mean)² / max(0, N − correction) over `dim`: NaN or ∞ where N ≤ correction (0/0, or a
 * positive sum over 0), as PyTorch.
 */
function variance(name: string, t: unknown, args: readonly unknown[]): Tensor {
  checkOperand(name, t, "a Tensor");
  const names = ["dim", "unbiased", "keepdim"] as const;
  const o = readArgs<VarOptions>(name, args, [...names], varChecks);
  if (o.correction !== undefined && o.unbiased !== undefined) {
    throw new DataError(`${name}: give correction or unbiased, not both`);
  }
  const correction = o.correction ?? (o.unbiased === false ? 0 : 1);
  const dims = reducedDims(name, t, o.dim);
  const n = dims.reduce((p, d) => p * t.shape[d], 1);
  const centered = t.sub(sum(t, dims, true).div(n));
  const squares = sum(centered.mul(centered), dims, o.keepdim ?? false);
  return squares.div(Math.max(0, n - correction));
}

/** The variance over `dim` (all when omitted), divided by N − correction (default 1). */
function varOf(t: Tensor, ...args: VarArgs): Tensor {
  return variance("var", t, args);
}

// `var` is a reserved word: it can name an export, not a function.
export { varOf as var };

/** The standard deviation: √var, its gradient 0 where it is 0 (a constant slice), as PyTorch. */
export function std(t: Tensor, ...args: VarArgs): Tensor {
  return RootZeroSafe.apply<Tensor>(variance("std", t, args), { p: 2 });
}

/**
 * log Σ exp(x) over `dim`, computed as m + log Σ exp(x − m) with m the max (a constant: it
 * cancels in the gradient, which is softmax(x)), so large values do not overflow. An infinite
 * or NaN max is replaced by 0 (PyTorch's rule): all −∞ gives −∞, a +∞ gives +∞. −∞ over an
 * empty dim.
 */
export function logsumexp(t: Tensor, ...args: ReduceArgs): Tensor {
  checkOperand("logsumexp", t, "a Tensor");
  const { dim, keepdim = false } = readReduceArgs("logsumexp", args);
  const dims = reducedDims("logsumexp", t, dim);
  const empty = dims.some((d) => t.shape[d] === 0);
  const m = noGrad(() => {
    if (empty) return t.sum(dims, true).mul(0);
    const max = amax(t.detach(), dims, true);
    return zipOp("keepWhere", max, finite(max));
  });
  const total = sum(t.sub(m).exp(), dims, keepdim).log();
  return total.add(keepdim ? m : m.reshape(total.shape));
}

/** 1 where `t` is finite, 0 at ±∞ and NaN (where t − t is NaN), in t's dtype. */
function finite(t: Tensor): Tensor {
  return asDType(zipOp("eq", t.sub(t), t.zerosLike()), t.dtype);
}

/** 1 where `t` is nonzero (NaN included), 0 where it is 0, in t's dtype. */
function nonzero(t: Tensor): Tensor {
  return asDType(zipOp("eq", t, t.zerosLike()), t.dtype)
    .neg()
    .add(1);
}

/** A norm's order: a number (±Infinity, 0, or p > 0) or "fro" (the 2-norm over the dims). */
export type NormOrder = number | "fro";

/** The keyword arguments of norm. */
export interface NormOptions {
  /** The order (default "fro"). */
  p?: NormOrder;
  /** The dims to reduce (all when omitted). */
  dim?: Dims;
  /** Keep each reduced dim with size 1 (default false). */
  keepdim?: boolean;
}

/** norm's arguments, in PyTorch's order `(p, dim, keepdim)`, then options. */
export type NormArgs =
  | []
  | [options: NormOptions]
  | [p: NormOrder | undefined, options?: NormOptions]
  | [p: NormOrder | undefined, dim: Dims | undefined, options?: NormOptions]
  | [p: NormOrder | undefined, dim: Dims | undefined, keepdim: boolean, options?: NormOptions];

const normChecks: OptionChecks<NormOptions> = {
  p: (v) =>
    v === "fro" || (typeof v === "number" && !Number.isNaN(v) && (v >= 0 || v === -Infinity))
      ? null
      : 'must be "fro", 0, a positive number, Infinity or -Infinity',
  dim: isDims,
  keepdim: reduceChecks.keepdim,
};

/**
 * The vector norm of `t` over `dim` (all elements when omitted), as torch.norm: p = 2 (or "fro")
 * is √Σx² — scaled by the largest |x| first, so large values do not overflow, its gradient x/‖x‖
 * and 0 at ‖x‖ = 0; p = 1 is Σ|x|; ±∞ is the max (min) of |x|, its gradient split between ties;
 * 0 counts the nonzero elements; any other p > 0 is (Σ|x|ᵖ)^(1/p), scaled as the 2-norm is.
 */
export function norm(t: Tensor, ...args: NormArgs): Tensor {
  checkOperand("norm", t, "a Tensor");
  const o = readArgs<NormOptions>("norm", args, ["p", "dim", "keepdim"], normChecks);
  const p = o.p ?? "fro";
  const keepdim = o.keepdim ?? false;
  const dims = reducedDims("norm", t, o.dim);
  const abs = t.abs();
  if (p === Infinity) return amax(abs, dims, keepdim);
  if (p === -Infinity) return amin(abs, dims, keepdim);
  if (p === 0) return noGrad(() => sum(nonzero(t), dims, keepdim));
  if (p === 1) return sum(abs, dims, keepdim);
  const order = p === "fro" ? 2 : p;
  // s = max |x|, a constant (1 where it is 0 or not finite): s·(Σ|x/s|ᵖ)^(1/p), whose gradient
  // is PyTorch's x·|x|ᵖ⁻²/‖x‖ᵖ⁻¹ (0 at ‖x‖ = 0), and which does not overflow for large x.
  const s = noGrad(() => {
    const big = t.numel() === 0 ? t.sum(dims, true) : amax(abs.detach(), dims, true);
    const usable = asDType(zipOp("gt", big, big.zerosLike()), t.dtype).mul(finite(big));
    return zipOp("keepWhere", big, usable).add(usable.neg().add(1));
  });
  const scaled = abs.div(s);
  const powers = order === 2 ? scaled.mul(scaled) : scaled.pow(order);
  const root = RootZeroSafe.apply<Tensor>(sum(powers, dims, true), { p: order }).mul(s);
  return keepdim ? root : root.reshape(reducedShape(t.shape, dims, false));
}
