import { checkedWhereUsed, isBoolean, notSupportedYet, type OptionChecks } from "../options.js";
import { zipInto } from "../tensor/history_free_ops.js";
import { Tensor } from "../tensor/tensor.js";
import {
  decayedGradient,
  disposeAll,
  filledLike,
  mapInto,
  scratch,
  zipScalarInto,
} from "./inplace.js";
import {
  Optimizer,
  type ParamsArgument,
  requireBoolean,
  requireFalse,
  requireLr,
  requireNonNegative,
  type Trainable,
} from "./optimizer.js";

/** Options of `RMSprop` (PyTorch's defaults). */
export interface RMSpropOptions {
  /** The learning rate η (> 0; default 0.01). */
  lr?: number;
  /** Smoothing constant α ≥ 0 of the squared-gradient average (default 0.99). */
  alpha?: number;
  /** ε ≥ 0 added to the denominator for stability (default 1e-8). */
  eps?: number;
  /** L2 penalty λ ≥ 0 added to the gradient: g ← g + λ·θ (default 0). */
  weightDecay?: number;
  /** Momentum μ ≥ 0 of the normalised step (default 0: none). */
  momentum?: number;
  /** Normalise by an estimate of the gradient's variance instead of its second moment (default false). */
  centered?: boolean;
  /** Ascend the gradient instead: not supported yet (only false, PyTorch's default). */
  maximize?: false;
}

/** An RMSprop parameter group's options, every one resolved (`opt.paramGroups[i]`). */
export interface RMSpropGroupOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: false;
}

const rmspropChecks: OptionChecks<RMSpropGroupOptions> = {
  lr: checkedWhereUsed,
  alpha: checkedWhereUsed,
  eps: checkedWhereUsed,
  weightDecay: checkedWhereUsed,
  momentum: checkedWhereUsed,
  centered: isBoolean,
  maximize: notSupportedYet(false),
};

/** Names of a parameter's state entries (PyTorch's). */
const STEP = "step";
const SQUARE_AVG = "square_avg";
const MOMENTUM = "momentum_buffer";
const GRAD_AVG = "grad_avg";

/**
 * RMSprop, as `torch.optim.RMSprop`: with g the gradient (plus λ·θ when weightDecay is set),
 * v ← α·v + (1−α)·g²; the denominator is d = √v + ε, or d = √(v − ḡ²) + ε with
 * ḡ ← α·ḡ + (1−α)·g when centered; then θ ← θ − η·g/d, or with momentum b ← μ·b + g/d and
 * θ ← θ − η·b. Tensor parameters only, updated in place; parameters with no gradient are skipped.
 */
export class RMSprop extends Optimizer<RMSpropGroupOptions> {
  /** One group over `params` (or groups `{params, ...overrides}`), over the defaults `options`. */
  constructor(params: ParamsArgument<RMSpropGroupOptions>, options: RMSpropOptions = {}) {
    super(params, options, false);
  }

  /** "RMSprop". */
  override get name(): string {
    return "RMSprop";
  }

  protected optionChecks(): OptionChecks<RMSpropGroupOptions> {
    return rmspropChecks;
  }

  protected withDefaults(o: Partial<RMSpropGroupOptions>): Partial<RMSpropGroupOptions> {
    const { lr = 0.01, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0 } = o;
    return {
      lr,
      alpha,
      eps,
      weightDecay,
      momentum,
      centered: o.centered ?? false,
      maximize: false,
    };
  }

  protected resolveGroup(
    options: Readonly<Record<string, unknown>>,
    where: string,
    construction: boolean,
  ): RMSpropGroupOptions {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = options;
    requireLr(where, lr, construction);
    requireNonNegative(where, "alpha", alpha);
    requireNonNegative(where, "eps", eps);
    requireNonNegative(where, "weightDecay", weightDecay);
    requireNonNegative(where, "momentum", momentum);
    requireBoolean(where, "centered", centered);
    requireFalse(where, "maximize", maximize);
    return { lr, alpha, eps, weightDecay, momentum, centered, maximize };
  }

  protected get bufferNames(): readonly string[] {
    return [SQUARE_AVG, MOMENTUM, GRAD_AVG];
  }

  // Made on the first step that needs them: a group whose momentum or centering is switched on
  // later starts them from zeros (PyTorch would fail on the missing entry).
  protected override get optionalBufferNames(): readonly string[] {
    return [MOMENTUM, GRAD_AVG];
  }

  protected get counterNames(): readonly string[] {
    return [STEP];
  }

  protected stepParameter(p: Trainable, index: number, o: RMSpropGroupOptions): void {
    const theta = p.value;
    if (!(theta instanceof Tensor) || theta.grad === null) return;
    const grad = theta.grad;
    this.setCounter(index, STEP, this.counter(index, STEP) + 1);
    const v = this.#state(index, SQUARE_AVG, theta);

    let decayed: Tensor | null = null;
    const u = scratch(theta);
    const d = scratch(theta);
    try {
      let g = grad;
      if (o.weightDecay !== 0) {
        decayed = decayedGradient(grad, theta, o.weightDecay);
        g = decayed;
      }
      // v ← α·v + (1−α)·g²
      zipInto("mul", u, g, g);
      zipScalarInto("mul", u, u, 1 - o.alpha);
      zipScalarInto("mul", v, v, o.alpha);
      zipInto("add", v, v, u);
      if (o.centered) {
        // ḡ ← α·ḡ + (1−α)·g;  d ← √(v − ḡ²) + ε
        const mean = this.#state(index, GRAD_AVG, theta);
        zipScalarInto("mul", u, g, 1 - o.alpha);
        zipScalarInto("mul", mean, mean, o.alpha);
        zipInto("add", mean, mean, u);
        zipInto("mul", u, mean, mean);
        zipInto("sub", u, v, u);
        mapInto("sqrt", d, u);
      } else {
        mapInto("sqrt", d, v);
      }
      zipScalarInto("add", d, d, o.eps);
      zipInto("div", u, g, d);
      if (o.momentum > 0) {
        // b ← μ·b + g/d;  θ ← θ − η·b
        const b = this.#state(index, MOMENTUM, theta);
        zipScalarInto("mul", b, b, o.momentum);
        zipInto("add", b, b, u);
        zipScalarInto("mul", u, b, o.lr);
      } else {
        zipScalarInto("mul", u, u, o.lr);
      }
      zipInto("sub", theta, theta, u);
    } finally {
      disposeAll([u, d, decayed]);
    }
  }

  /** Parameter `index`'s buffer `name`, zeros of θ's shape when it does not exist yet. */
  #state(index: number, name: string, theta: Tensor): Tensor {
    const existing = this.buffer(index, name);
    if (existing !== undefined) return existing;
    const zeros = filledLike(theta, 0);
    this.setBuffer(index, name, zeros);
    return zeros;
  }
}
