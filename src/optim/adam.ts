import { DataError } from "../errors.js";
import { checkedWhereUsed, notSupportedYet, type OptionChecks } from "../options.js";
import { zipInto } from "../tensor/history_free_ops.js";
import { Tensor } from "../tensor/tensor.js";
import { decayedGradient, disposeAll, scratch, zipScalarInto } from "./inplace.js";
import {
  Optimizer,
  type ParamsArgument,
  requireFalse,
  requireFraction,
  requireLr,
  requireNonNegative,
  type Trainable,
} from "./optimizer.js";

/** Options of `Adam` and `AdamW`. */
export interface AdamOptions {
  /** The learning rate η (> 0; default 1e-3). */
  lr?: number;
  /** Decay rates [β1, β2] of the moment estimates, each in [0, 1) (default [0.9, 0.999]). */
  betas?: readonly [number, number];
  /** ε ≥ 0 added to the denominator for stability (default 1e-8). */
  eps?: number;
  /** Weight decay λ ≥ 0: Adam adds λ·θ to the gradient (default 0); AdamW shrinks θ by η·λ (default 1e-2). */
  weightDecay?: number;
  /** The AMSGrad variant (the running max of v): not supported yet (only false, PyTorch's default). */
  amsgrad?: false;
  /** Ascend the gradient instead: not supported yet (only false, PyTorch's default). */
  maximize?: false;
}

/** An Adam (or AdamW) parameter group's options, every one resolved (`opt.paramGroups[i]`). */
export interface AdamGroupOptions {
  lr: number;
  betas: readonly [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: false;
  maximize: false;
}

/** The numbers are checked per group, with the ranges they must be in. */
const adamChecks: OptionChecks<AdamGroupOptions> = {
  lr: checkedWhereUsed,
  betas: checkedWhereUsed,
  eps: checkedWhereUsed,
  weightDecay: checkedWhereUsed,
  amsgrad: notSupportedYet(false),
  maximize: notSupportedYet(false),
};

/** Names of a parameter's state entries (PyTorch's). */
const STEP = "step";
const FIRST_MOMENT = "exp_avg";
const SECOND_MOMENT = "exp_avg_sq";

/**
 * Adam, as `torch.optim.Adam`: with g the gradient (plus λ·θ when weightDecay is set) and t the
 * parameter's own step count, m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 * θ ← θ − η·m̂ / (√v̂ + ε) where m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ), each group with its own options.
 * Tensor parameters only, updated in place in about a dozen elementwise passes; parameters with
 * no gradient are skipped (their t does not advance).
 */
export class Adam extends Optimizer<AdamGroupOptions> {
  /** One group over `params` (or groups `{params, ...overrides}`), over the defaults `options`. */
  constructor(params: ParamsArgument<AdamGroupOptions>, options: AdamOptions = {}) {
    super(params, options, false);
  }

  protected optionChecks(): OptionChecks<AdamGroupOptions> {
    return adamChecks;
  }

  protected withDefaults(options: Partial<AdamGroupOptions>): Partial<AdamGroupOptions> {
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8 } = options;
    const weightDecay = options.weightDecay ?? this.defaultWeightDecay;
    return { lr, betas, eps, weightDecay, amsgrad: false, maximize: false };
  }

  protected resolveGroup(
    options: Readonly<Record<string, unknown>>,
    where: string,
    construction: boolean,
  ): AdamGroupOptions {
    const { lr, betas, eps, weightDecay, amsgrad, maximize } = options;
    requireLr(where, lr, construction);
    if (!Array.isArray(betas) || betas.length !== 2) {
      throw new DataError(`${where}: betas must be a pair [β1, β2], got ${String(betas)}`);
    }
    const [beta1, beta2]: unknown[] = betas;
    requireFraction(where, "betas[0]", beta1);
    requireFraction(where, "betas[1]", beta2);
    requireNonNegative(where, "eps", eps);
    requireNonNegative(where, "weightDecay", weightDecay);
    requireFalse(where, "amsgrad", amsgrad);
    requireFalse(where, "maximize", maximize);
    return { lr, betas: [beta1, beta2], eps, weightDecay, amsgrad, maximize };
  }

  /** Group 0's betas. */
  get betas(): readonly [number, number] {
    return this.paramGroups[0].betas;
  }
  /** Group 0's ε. */
  get eps(): number {
    return this.paramGroups[0].eps;
  }
  /** Group 0's weight decay. */
  get weightDecay(): number {
    return this.paramGroups[0].weightDecay;
  }

  /** "Adam". */
  override get name(): string {
    return "Adam";
  }

  /** The weight decay when the options give none. */
  protected get defaultWeightDecay(): number {
    return 0;
  }

  /** Whether weight decay shrinks θ directly (AdamW) instead of adding λ·θ to the gradient. */
  protected get decoupled(): boolean {
    return false;
  }

  protected get bufferNames(): readonly string[] {
    return [FIRST_MOMENT, SECOND_MOMENT];
  }

  protected get counterNames(): readonly string[] {
    return [STEP];
  }

  protected stepParameter(p: Trainable, index: number, o: AdamGroupOptions): void {
    const theta = p.value;
    if (!(theta instanceof Tensor) || theta.grad === null) return;
    const grad = theta.grad;
    const [beta1, beta2] = o.betas;
    const t = this.counter(index, STEP) + 1;
    this.setCounter(index, STEP, t);
    const m = this.#moment(index, FIRST_MOMENT, theta);
    const v = this.#moment(index, SECOND_MOMENT, theta);

    let decayed: Tensor | null = null;
    const u = scratch(theta);
    try {
      let g = grad;
      if (o.weightDecay !== 0 && this.decoupled) {
        zipScalarInto("mul", theta, theta, 1 - o.lr * o.weightDecay);
      } else if (o.weightDecay !== 0) {
        decayed = decayedGradient(grad, theta, o.weightDecay);
        g = decayed;
      }
      // m ← β1·m + (1−β1)·g
      zipScalarInto("mul", u, g, 1 - beta1);
      zipScalarInto("mul", m, m, beta1);
      zipInto("add", m, m, u);
      // v ← β2·v + (1−β2)·g²
      zipInto("mul", u, g, g);
      zipScalarInto("mul", u, u, 1 - beta2);
      zipScalarInto("mul", v, v, beta2);
      zipInto("add", v, v, u);
      // θ ← θ − (η/(1−β1ᵗ))·m / (√v/√(1−β2ᵗ) + ε), grouped as PyTorch groups it.
      zipScalarInto("pow", u, v, 0.5);
      zipScalarInto("div", u, u, Math.sqrt(1 - beta2 ** t));
      zipScalarInto("add", u, u, o.eps);
      zipInto("div", u, m, u);
      zipScalarInto("mul", u, u, o.lr / (1 - beta1 ** t));
      zipInto("sub", theta, theta, u);
    } finally {
      disposeAll([u, decayed]);
    }
  }

  /** Parameter `index`'s moment buffer `name`, zeros of θ's shape on its first step. */
  #moment(index: number, name: string, theta: Tensor): Tensor {
    const existing = this.buffer(index, name);
    if (existing !== undefined) return existing;
    const zeros = Tensor.full(theta.shape, 0, theta.dtype, theta.backendImpl);
    this.setBuffer(index, name, zeros);
    return zeros;
  }
}

/**
 * AdamW, as `torch.optim.AdamW`: Adam with decoupled weight decay — θ ← θ − η·λ·θ before the Adam
 * step, instead of adding λ·θ to the gradient — and weightDecay 1e-2 by default.
 */
export class AdamW extends Adam {
  /** "AdamW". */
  override get name(): string {
    return "AdamW";
  }

  protected override get defaultWeightDecay(): number {
    return 1e-2;
  }

  protected override get decoupled(): boolean {
    return true;
  }
}
