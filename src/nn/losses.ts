import { checkOptions } from "../options.js";
import { getBackend } from "../tensor/default_backend.js";
import { Tensor } from "../tensor/tensor.js";
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  crossEntropy,
  huberLoss,
  klDiv,
  l1Loss,
  mseLoss,
  nllLoss,
  smoothL1Loss,
} from "./functional/loss.js";
import {
  type BinaryCrossEntropyOptions,
  type BinaryCrossEntropyWithLogitsOptions,
  binaryCrossEntropyChecks,
  binaryCrossEntropyWithLogitsChecks,
  type CrossEntropyOptions,
  crossEntropyChecks,
  type HuberLossOptions,
  huberLossChecks,
  type KlDivOptions,
  klDivChecks,
  lossChecks,
  type NllLossOptions,
  nllLossChecks,
  type SmoothL1LossOptions,
  smoothL1LossChecks,
} from "./functional/loss_options.js";
import { type LossOptions, type LossWeight, reductionOf } from "./functional/loss_reduction.js";
import type { Targets } from "./functional/loss_targets.js";
import { Module } from "./module.js";

/**
 * The loss modules of `torch.nn`: each takes its functional form's options in its constructor
 * (checked there) and computes `forward(input, target)` with them. A `weight` (and BCEWithLogits's
 * `pos_weight`) is registered as a buffer under PyTorch's name, so it is in `stateDict()` and
 * `module.to(backend)` moves it; numbers given for it become a float32 tensor on the default
 * backend.
 */

/** `weight` as a buffer named `name` of `module` (numbers become float32); whether one was given. */
function registerWeight(module: Module, name: string, weight: LossWeight | undefined): boolean {
  if (weight === null || weight === undefined) return false;
  let w: Tensor;
  if (weight instanceof Tensor) w = weight;
  else {
    const values = typeof weight === "number" ? [weight] : weight;
    const shape = typeof weight === "number" ? [] : [weight.length];
    w = Tensor.fromValues(values, shape, "float32", getBackend());
  }
  module.registerBuffer(name, w);
  return true;
}

/** The current value of `module`'s buffer `name` when `has`, else null. */
function bufferOf(module: Module, name: string, has: boolean): Tensor | null {
  if (!has) return null;
  const value = module.getBuffer(name);
  return value instanceof Tensor ? value : null;
}

/** What every loss module has: PyTorch's `reduction`, checked when it is built. */
abstract class Loss extends Module {
  /** "mean", "sum" or "none" ("batchmean" too for KLDivLoss). */
  readonly reduction: string;

  protected constructor(name: string, reduction: string | undefined, accepted?: readonly string[]) {
    super();
    this.reduction = reductionOf(name, reduction, accepted);
  }
}

/** The cross-entropy loss module, as `torch.nn.CrossEntropyLoss`: see `crossEntropy`. */
export class CrossEntropyLoss extends Loss {
  readonly #options: CrossEntropyOptions;
  readonly #weighted: boolean;

  constructor(options: CrossEntropyOptions = {}) {
    const { weight, ...rest } = checkOptions("CrossEntropyLoss", options, crossEntropyChecks);
    super("CrossEntropyLoss", rest.reduction);
    this.#options = rest;
    this.#weighted = registerWeight(this, "weight", weight);
  }

  /** Scores [C], [N, C] or [N, C, d1, …] against class indices or probabilities. */
  forward(input: Tensor, target: Targets): Tensor {
    const weight = bufferOf(this, "weight", this.#weighted);
    return crossEntropy(input, target, { ...this.#options, weight });
  }
}

/** The negative log-likelihood loss module, as `torch.nn.NLLLoss`: see `nllLoss`. */
export class NLLLoss extends Loss {
  readonly #options: NllLossOptions;
  readonly #weighted: boolean;

  constructor(options: NllLossOptions = {}) {
    const { weight, ...rest } = checkOptions("NLLLoss", options, nllLossChecks);
    super("NLLLoss", rest.reduction);
    this.#options = rest;
    this.#weighted = registerWeight(this, "weight", weight);
  }

  /** Log-probabilities [C], [N, C] or [N, C, d1, …] against class indices. */
  forward(input: Tensor, target: Targets): Tensor {
    const weight = bufferOf(this, "weight", this.#weighted);
    return nllLoss(input, target, { ...this.#options, weight });
  }
}

/** The binary cross-entropy module, as `torch.nn.BCELoss`: see `binaryCrossEntropy`. */
export class BCELoss extends Loss {
  readonly #options: BinaryCrossEntropyOptions;
  readonly #weighted: boolean;

  constructor(options: BinaryCrossEntropyOptions = {}) {
    const { weight, ...rest } = checkOptions("BCELoss", options, binaryCrossEntropyChecks);
    super("BCELoss", rest.reduction);
    this.#options = rest;
    this.#weighted = registerWeight(this, "weight", weight);
  }

  /** Probabilities against targets of the same shape. */
  forward(input: Tensor, target: Tensor | readonly number[]): Tensor {
    const weight = bufferOf(this, "weight", this.#weighted);
    return binaryCrossEntropy(input, target, { ...this.#options, weight });
  }
}

/**
 * Binary cross-entropy from logits, as `torch.nn.BCEWithLogitsLoss`: see
 * `binaryCrossEntropyWithLogits`; `posWeight` is the buffer `pos_weight`, as in PyTorch.
 */
export class BCEWithLogitsLoss extends Loss {
  readonly #options: BinaryCrossEntropyWithLogitsOptions;
  readonly #weighted: boolean;
  readonly #posWeighted: boolean;

  constructor(options: BinaryCrossEntropyWithLogitsOptions = {}) {
    const checks = binaryCrossEntropyWithLogitsChecks;
    const { weight, posWeight, ...rest } = checkOptions("BCEWithLogitsLoss", options, checks);
    super("BCEWithLogitsLoss", rest.reduction);
    this.#options = rest;
    this.#weighted = registerWeight(this, "weight", weight);
    this.#posWeighted = registerWeight(this, "pos_weight", posWeight);
  }

  /** Logits against targets of the same shape. */
  forward(input: Tensor, target: Tensor | readonly number[]): Tensor {
    return binaryCrossEntropyWithLogits(input, target, {
      ...this.#options,
      weight: bufferOf(this, "weight", this.#weighted),
      posWeight: bufferOf(this, "pos_weight", this.#posWeighted),
    });
  }
}

/** The mean squared error module, as `torch.nn.MSELoss`: see `mseLoss`. */
export class MSELoss extends Loss {
  readonly #options: LossOptions;

  constructor(options: LossOptions = {}) {
    const checked = checkOptions("MSELoss", options, lossChecks);
    super("MSELoss", checked.reduction);
    this.#options = { ...checked };
  }

  /** input and target of the same shape. */
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.#options);
  }
}

/** The mean absolute error module, as `torch.nn.L1Loss`: see `l1Loss`. */
export class L1Loss extends Loss {
  readonly #options: LossOptions;

  constructor(options: LossOptions = {}) {
    const checked = checkOptions("L1Loss", options, lossChecks);
    super("L1Loss", checked.reduction);
    this.#options = { ...checked };
  }

  /** input and target of the same shape. */
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, this.#options);
  }
}

/** The smooth L1 loss module, as `torch.nn.SmoothL1Loss`: see `smoothL1Loss`. */
export class SmoothL1Loss extends Loss {
  readonly #options: SmoothL1LossOptions;

  constructor(options: SmoothL1LossOptions = {}) {
    const checked = checkOptions("SmoothL1Loss", options, smoothL1LossChecks);
    super("SmoothL1Loss", checked.reduction);
    this.#options = { ...checked };
  }

  /** input and target of the same shape. */
  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, this.#options);
  }
}

/** The Huber loss module, as `torch.nn.HuberLoss`: see `huberLoss`. */
export class HuberLoss extends Loss {
  readonly #options: HuberLossOptions;

  constructor(options: HuberLossOptions = {}) {
    const checked = checkOptions("HuberLoss", options, huberLossChecks);
    super("HuberLoss", checked.reduction);
    this.#options = { ...checked };
  }

  /** input and target of the same shape. */
  forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, this.#options);
  }
}

/** The KL-divergence loss module, as `torch.nn.KLDivLoss`: see `klDiv`. */
export class KLDivLoss extends Loss {
  readonly #options: KlDivOptions;

  constructor(options: KlDivOptions = {}) {
    const checked = checkOptions("KLDivLoss", options, klDivChecks);
    super("KLDivLoss", checked.reduction, ["mean", "batchmean", "sum", "none"]);
    this.#options = { ...checked };
  }

  /** Log-probabilities against (log-)probabilities of the same shape. */
  forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, this.#options);
  }
}
