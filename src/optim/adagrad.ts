import { checkedWhereUsed, notSupportedYet, type OptionChecks } from "../options.js";
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
  requireFalse,
  requireLr,
  requireNonNegative,
  type Trainable,
} from "./optimizer.js";

/** Options of `Adagrad` (PyTorch's defaults). */
export interface AdagradOptions {
  /** The learning rate η (> 0; default 0.01). */
  lr?: number;
  /** Learning-rate decay ≥ 0: step t uses η / (1 + (t − 1)·lrDecay) (default 0). */
  lrDecay?: number;
  /** L2 penalty λ ≥ 0 added to the gradient: g ← g + λ·θ (default 0). */
  weightDecay?: number;
  /** The value ≥ 0 the sum of squared gradients starts from (default 0). */
  initialAccumulatorValue?: number;
  /** ε ≥ 0 added to the denominator for stability (default 1e-10). */
  eps?: number;
  /** Ascend the gradient instead: not supported yet (only false, PyTorch's default). */
  maximize?: false;
}

/** An Adagrad parameter group's options, every one resolved (`opt.paramGroups[i]`). */
export interface AdagradGroupOptions {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: false;
}

const adagradChecks: OptionChecks<AdagradGroupOptions> = {
  lr: checkedWhereUsed,
  lrDecay: checkedWhereUsed,
  weightDecay: checkedWhereUsed,
  initialAccumulatorValue: checkedWhereUsed,
  eps: checkedWhereUsed,
  maximize: notSupportedYet(false),
};

/** Names of a parameter's state entries (PyTorch's). */
const STEP = "step";
const SUM = "sum";

/**
 * Adagrad, as `torch.optim.Adagrad`: with g the gradient (plus λ·θ when weightDecay is set) and t
 * the parameter's own step count, s ← s + g², θ ← θ − η_t·g / (√s + ε) where
 * η_t = η / (1 + (t − 1)·lrDecay) and s starts at initialAccumulatorValue. Tensor parameters
 * only, updated in place; parameters with no gradient are skipped (their t does not advance).
 */
export class Adagrad extends Optimizer<AdagradGroupOptions> {
  /** One group over `params` (or groups `{params, ...overrides}`), over the defaults `options`. */
  constructor(params: ParamsArgument<AdagradGroupOptions>, options: AdagradOptions = {}) {
    super(params, options, false);
  }

  /** "Adagrad". */
  override get name(): string {
    return "Adagrad";
  }

  protected optionChecks(): OptionChecks<AdagradGroupOptions> {
    return adagradChecks;
  }

  protected withDefaults(o: Partial<AdagradGroupOptions>): Partial<AdagradGroupOptions> {
    const { lr = 0.01, lrDecay = 0, weightDecay = 0, initialAccumulatorValue = 0, eps = 1e-10 } = o;
    return { lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize: false };
  }

  protected resolveGroup(
    options: Readonly<Record<string, unknown>>,
    where: string,
    construction: boolean,
  ): AdagradGroupOptions {
    const { lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize } = options;
    requireLr(where, lr, construction);
    requireNonNegative(where, "lrDecay", lrDecay);
    requireNonNegative(where, "weightDecay", weightDecay);
    requireNonNegative(where, "initialAccumulatorValue", initialAccumulatorValue);
    requireNonNegative(where, "eps", eps);
    requireFalse(where, "maximize", maximize);
    return { lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize };
  }

  protected get bufferNames(): readonly string[] {
    return [SUM];
  }

  protected get counterNames(): readonly string[] {
    return [STEP];
  }

  protected stepParameter(p: Trainable, index: number, o: AdagradGroupOptions): void {
    const theta = p.value;
    if (!(theta instanceof Tensor) || theta.grad === null) return;
    const grad = theta.grad;
    const t = this.counter(index, STEP) + 1;
    this.setCounter(index, STEP, t);
    let sum = this.buffer(index, SUM);
    if (sum === undefined) {
      sum = filledLike(theta, o.initialAccumulatorValue);
      this.setBuffer(index, SUM, sum);
    }

    let decayed: Tensor | null = null;
    const u = scratch(theta);
    const d = scratch(theta);
    try {
      let g = grad;
      if (o.weightDecay !== 0) {
        decayed = decayedGradient(grad, theta, o.weightDecay);
        g = decayed;
      }
      // s ← s + g²;  θ ← θ − η_t·(g / (√s + ε))
      zipInto("mul", u, g, g);
      zipInto("add", sum, sum, u);
      mapInto("sqrt", d, sum);
      zipScalarInto("add", d, d, o.eps);
      zipInto("div", u, g, d);
      zipScalarInto("mul", u, u, o.lr / (1 + (t - 1) * o.lrDecay));
      zipInto("sub", theta, theta, u);
    } finally {
      disposeAll([u, d, decayed]);
    }
  }
}
