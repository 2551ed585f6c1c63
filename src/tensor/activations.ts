import type { Context } from "../autodiff/context.js";
import { AutogradFunction } from "../autodiff/function.js";
import { checkOptions, notSupportedYet, type OptionCheck } from "../options.js";
import { ELU, LeakyReLU, unaryFunctions } from "./functions.js";
import { mapOp, zipOp } from "./history_free_ops.js";
import type { Tensor } from "./tensor.js";

/**
 * The activations that take PyTorch's options (`torch.nn.functional.gelu(x, approximate=…)`,
 * `softplus`, `leaky_relu`, `elu`, `silu`), each checked with `checkOptions`: at their defaults
 * each is one row of the op table; leakyRelu and elu take their parameter as the second operand
 * of their row; softplus at other β or threshold is its own Function. Tensor's methods
 * (`x.gelu()`) and `mt.nn.functional` both call these.
 */

/** Options of `gelu`: `approximate: "tanh"` is the tanh approximation. */
export interface GeluOptions {
  readonly approximate?: "none" | "tanh";
}

/** Options of `softplus` (PyTorch's β = 1, threshold = 20 by default). */
export interface SoftplusOptions {
  /** ln(1 + e^(βx)) / β. */
  readonly beta?: number;
  /** Linear (x itself) where βx > threshold. */
  readonly threshold?: number;
}

/** Options of `leakyRelu`. */
export interface LeakyReluOptions {
  /** The slope for x ≤ 0 (0.01 by default). */
  readonly negativeSlope?: number;
  /** PyTorch's in-place form is not supported (only false). */
  readonly inplace?: boolean;
}

/** Options of `elu`. */
export interface EluOptions {
  /** α in α(eˣ − 1) for x ≤ 0 (1 by default). */
  readonly alpha?: number;
  /** PyTorch's in-place form is not supported (only false). */
  readonly inplace?: boolean;
}

/** Options of `silu` (and of relu in mt.nn.functional). */
export interface InplaceOptions {
  /** PyTorch's in-place form is not supported (only false). */
  readonly inplace?: boolean;
}

const isApproximation: OptionCheck = (v) =>
  v === "none" || v === "tanh" ? null : 'must be "none" or "tanh"';
const isNumber: OptionCheck = (v) =>
  typeof v === "number" && !Number.isNaN(v) ? null : "must be a number";
const isNonzeroFinite: OptionCheck = (v) =>
  typeof v === "number" && Number.isFinite(v) && v !== 0 ? null : "must be a finite nonzero number";
const isFiniteNumber: OptionCheck = (v) =>
  typeof v === "number" && Number.isFinite(v) ? null : "must be a finite number";

/** The checks of `inplace`, which is accepted only at its default. */
export const inplaceChecks = { inplace: notSupportedYet(false) } as const;

/** GELU, x·Φ(x) (exact, with erf), or with `approximate: "tanh"` PyTorch's tanh approximation. */
export function gelu(x: Tensor, options?: GeluOptions): Tensor {
  const { approximate = "none" } = checkOptions("gelu", options, { approximate: isApproximation });
  return unaryFunctions[approximate === "tanh" ? "geluTanh" : "gelu"].apply<Tensor>(x);
}

/** SiLU (swish): x·σ(x). */
export function silu(x: Tensor, options?: InplaceOptions): Tensor {
  checkOptions("silu", options, inplaceChecks);
  return unaryFunctions.silu.apply<Tensor>(x);
}

/** Softplus ln(1 + e^(βx)) / β, linear (x) where βx > threshold, as torch's softplus. */
export function softplus(x: Tensor, options?: SoftplusOptions): Tensor {
  const { beta = 1, threshold = 20 } = checkOptions("softplus", options, {
    beta: isNonzeroFinite,
    threshold: isNumber,
  });
  if (beta === 1 && threshold === 20) return unaryFunctions.softplus.apply<Tensor>(x);
  return Softplus.apply<Tensor>(x, { beta, threshold });
}

/** Leaky ReLU: x for x > 0, else negativeSlope·x (0.01 by default). */
export function leakyRelu(x: Tensor, options?: LeakyReluOptions): Tensor {
  const { negativeSlope = 0.01 } = checkOptions("leakyRelu", options, {
    negativeSlope: isFiniteNumber,
    ...inplaceChecks,
  });
  return LeakyReLU.apply<Tensor>(x, negativeSlope);
}

/** ELU: x for x > 0, else α(eˣ − 1) (α = 1 by default). */
export function elu(x: Tensor, options?: EluOptions): Tensor {
  const { alpha = 1 } = checkOptions("elu", options, { alpha: isFiniteNumber, ...inplaceChecks });
  return ELU.apply<Tensor>(x, alpha);
}

/** What Softplus saves: βx, and where it is past the threshold (1/0). */
type SoftplusContext = Context<[z: Tensor, linear: Tensor]>;

/**
 * Softplus at any β and threshold, PyTorch's formula: x where βx > threshold, else
 * ln(1 + e^(βx)) / β; ∂/∂x = 1, else σ(βx). The two branches are selected (`keepWhere`), not
 * mixed by multiplying with a mask, so the overflowing e^(βx) of the linear branch never shows.
 */
class Softplus extends AutogradFunction {
  static override forward(
    ctx: SoftplusContext,
    x: Tensor,
    p: { beta: number; threshold: number },
  ): Tensor {
    const z = x.mul(p.beta);
    const linear = z.gt(p.threshold);
    ctx.saveForBackward(z, linear);
    const curved = mapOp("log1p", mapOp("exp", z)).div(p.beta);
    return select(linear, x, curved);
  }
  static override backward(ctx: SoftplusContext, g: Tensor): Tensor {
    const [z, linear] = ctx.savedValues;
    return select(linear, g, zipOp("mul", g, mapOp("sigmoid", z)));
  }
}

/** a where mask ≠ 0, else b (neither's NaN or infinity leaks into the other's places). */
function select(mask: Tensor, a: Tensor, b: Tensor): Tensor {
  return zipOp("add", zipOp("keepWhere", a, mask), zipOp("keepWhere", b, mask.eq(0)));
}
