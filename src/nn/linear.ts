import { checkOptions, instanceOf, isBoolean, type OptionChecks } from "../options.js";
import { defaultGenerator, Random } from "../random.js";
import type { Tensor } from "../tensor/tensor.js";
import { linear } from "./functional/linear.js";
import { uniformParameter } from "./init.js";
import { Module } from "./module.js";
import type { Parameter } from "./parameter.js";

/** Options of `Linear`. */
export interface LinearOptions {
  /** Add a learned bias (default true). */
  bias?: boolean;
  /** Generator for the initial weights (default: the global one, seeded by `manualSeed`). */
  rng?: Random;
}

const linearChecks: OptionChecks<LinearOptions> = {
  bias: isBoolean,
  rng: instanceOf(Random, "a Random"),
};

/**
 * y = x Wᵀ + b, as PyTorch's `nn.Linear`: `weight` has shape [out, in], `bias` [out], both
 * initialised uniformly in [−1/√in, 1/√in) (PyTorch's default), and x may have any leading
 * (batch) dims.
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly weight: Parameter<Tensor>;
  readonly bias: Parameter<Tensor> | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    checkOptions("Linear", options, linearChecks);
    const rng = options.rng ?? defaultGenerator();
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = uniformParameter([outFeatures, inFeatures], bound, rng);
    this.bias = options.bias === false ? null : uniformParameter([outFeatures], bound, rng);
  }

  /** PyTorch's `in_features=3, out_features=2, bias=True`. */
  override extraRepr(): string {
    const bias = this.bias === null ? "False" : "True";
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${bias}`;
  }

  /** x [..., in] → [..., out]. */
  forward(x: Tensor): Tensor {
    return linear(x, this.weight.value, this.bias?.value);
  }
}

/**
 * The course's tensor network for 2-D binary classification, the same architecture as
 * `ScalarMLP`: 2 → hidden → hidden → 1, ReLU between layers, sigmoid at the end.
 */
export class MLP extends Module {
  readonly layer1: Linear;
  readonly layer2: Linear;
  readonly layer3: Linear;

  constructor(hidden: number, rng: Random = defaultGenerator()) {
    super();
    this.layer1 = new Linear(2, hidden, { rng });
    this.layer2 = new Linear(hidden, hidden, { rng });
    this.layer3 = new Linear(hidden, 1, { rng });
  }

  /** The logit z (P(label = 1) = σ(z)) for each row of x [N, 2], as shape [N]. */
  logits(x: Tensor): Tensor {
    const h1 = this.layer1.forward(x).relu();
    const h2 = this.layer2.forward(h1).relu();
    return this.layer3.forward(h2).view(-1);
  }

  /** P(label = 1) for each row of x [N, 2], as shape [N]. */
  forward(x: Tensor): Tensor {
    return this.logits(x).sigmoid();
  }
}
