/**
 * The schedules that scale a base learning rate epoch by epoch, as PyTorch's: each gives torch's
 * chainable rule (from the optimizer's current rate, so one step after another reproduces torch's
 * floating-point sequence) and its closed form (what `SequentialLR` jumps to at a milestone).
 */
import { DataError } from "../../errors.js";
import {
  checkOptions,
  isNonNegativeNumber,
  isPositiveInteger,
  isPositiveNumber,
  type OptionCheck,
  type OptionChecks,
} from "../../options.js";
import type { Optimizer } from "../optimizer.js";
import { LRScheduler } from "./scheduler.js";

/** Throws the DataError for a required option that is missing. */
function required<T>(name: string, key: string, value: T | undefined): T {
  if (value === undefined) throw new DataError(`${name}: option ${key} is required`);
  return value;
}

/** Options of `StepLR`. */
export interface StepLROptions {
  /** Epochs between decays (a positive integer). */
  stepSize: number;
  /** Multiplicative factor of each decay (default 0.1). */
  gamma?: number;
}

const stepChecks: OptionChecks<StepLROptions> = {
  stepSize: isPositiveInteger,
  gamma: isPositiveNumber,
};

/** Multiplies the rate by `gamma` every `stepSize` epochs: lr = base·γ^⌊epoch/stepSize⌋. */
export class StepLR extends LRScheduler {
  readonly stepSize: number;
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: StepLROptions) {
    super(optimizer, "StepLR");
    const { stepSize, gamma = 0.1 } = checkOptions("StepLR", options, stepChecks);
    this.stepSize = required("StepLR", "stepSize", stepSize);
    this.gamma = gamma;
    this.initialStep();
  }

  get name(): string {
    return "StepLR";
  }

  protected computeLr(lr: number): number {
    const e = this.lastEpoch;
    return e === 0 || e % this.stepSize !== 0 ? lr : lr * this.gamma;
  }

  protected override closedFormLr(_lr: number, baseLr: number): number {
    return baseLr * this.gamma ** Math.floor(this.lastEpoch / this.stepSize);
  }
}

/** Options of `MultiStepLR`. */
export interface MultiStepLROptions {
  /** The epochs at which the rate decays (non-negative integers; a repeated one decays twice). */
  milestones: readonly number[];
  /** Multiplicative factor of each decay (default 0.1). */
  gamma?: number;
}

const isMilestones: OptionCheck = (v) =>
  Array.isArray(v) && v.every((m) => Number.isSafeInteger(m) && m >= 0)
    ? null
    : "must be an array of integers ≥ 0";

const multiStepChecks: OptionChecks<MultiStepLROptions> = {
  milestones: isMilestones,
  gamma: isPositiveNumber,
};

/** Multiplies the rate by `gamma` at each milestone: lr = base·γ^(milestones ≤ epoch). */
export class MultiStepLR extends LRScheduler {
  /** The milestones, sorted. */
  readonly milestones: readonly number[];
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: MultiStepLROptions) {
    super(optimizer, "MultiStepLR");
    const { milestones, gamma = 0.1 } = checkOptions("MultiStepLR", options, multiStepChecks);
    this.milestones = [...required("MultiStepLR", "milestones", milestones)].sort((a, b) => a - b);
    this.gamma = gamma;
    this.initialStep();
  }

  get name(): string {
    return "MultiStepLR";
  }

  protected computeLr(lr: number): number {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    return hits === 0 ? lr : lr * this.gamma ** hits;
  }

  protected override closedFormLr(_lr: number, baseLr: number): number {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length;
    return baseLr * this.gamma ** passed;
  }
}

/** Options of `ExponentialLR`. */
export interface ExponentialLROptions {
  /** Multiplicative factor of the decay each epoch. */
  gamma: number;
}

const exponentialChecks: OptionChecks<ExponentialLROptions> = { gamma: isPositiveNumber };

/** Multiplies the rate by `gamma` every epoch: lr = base·γ^epoch. */
export class ExponentialLR extends LRScheduler {
  readonly gamma: number;

  constructor(optimizer: Optimizer, options: ExponentialLROptions) {
    super(optimizer, "ExponentialLR");
    const { gamma } = checkOptions("ExponentialLR", options, exponentialChecks);
    this.gamma = required("ExponentialLR", "gamma", gamma);
    this.initialStep();
  }

  get name(): string {
    return "ExponentialLR";
  }

  protected computeLr(lr: number): number {
    return this.lastEpoch === 0 ? lr : lr * this.gamma;
  }

  protected override closedFormLr(_lr: number, baseLr: number): number {
    return baseLr * this.gamma ** this.lastEpoch;
  }
}

/** Options of `CosineAnnealingLR`. */
export interface CosineAnnealingLROptions {
  /** Epochs of half a cosine period (from the base rate down to `etaMin`). */
  tMax: number;
  /** The minimum rate (default 0). */
  etaMin?: number;
}

const cosineChecks: OptionChecks<CosineAnnealingLROptions> = {
  tMax: isPositiveNumber,
  etaMin: isNonNegativeNumber,
};

/**
 * Anneals the rate along a cosine: lr = η_min + (base − η_min)·(1 + cos(π·epoch/tMax))/2, rising
 * again after tMax (SGDR without restarts), through PyTorch's recursive rule.
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly tMax: number;
  readonly etaMin: number;

  constructor(optimizer: Optimizer, options: CosineAnnealingLROptions) {
    super(optimizer, "CosineAnnealingLR");
    const { tMax, etaMin = 0 } = checkOptions("CosineAnnealingLR", options, cosineChecks);
    this.tMax = required("CosineAnnealingLR", "tMax", tMax);
    this.etaMin = etaMin;
    this.initialStep();
  }

  get name(): string {
    return "CosineAnnealingLR";
  }

  protected computeLr(lr: number, baseLr: number): number {
    const { lastEpoch: e, tMax, etaMin } = this;
    if (e === 0) return lr;
    if ((((e - 1 - tMax) % (2 * tMax)) + 2 * tMax) % (2 * tMax) === 0) {
      return lr + ((baseLr - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2;
    }
    return (
      ((1 + Math.cos((Math.PI * e) / tMax)) / (1 + Math.cos((Math.PI * (e - 1)) / tMax))) *
        (lr - etaMin) +
      etaMin
    );
  }

  protected override closedFormLr(_lr: number, baseLr: number): number {
    const { lastEpoch: e, tMax, etaMin } = this;
    return etaMin + ((baseLr - etaMin) * (1 + Math.cos((Math.PI * e) / tMax))) / 2;
  }
}

/** Options of `LinearLR`. */
export interface LinearLROptions {
  /** The factor at epoch 0, in (0, 1] (default 1/3). */
  startFactor?: number;
  /** The factor from `totalIters` on, in [0, 1] (default 1). */
  endFactor?: number;
  /** Epochs over which the factor moves linearly (default 5). */
  totalIters?: number;
}

const inUnit: OptionCheck = (v) =>
  typeof v === "number" && v >= 0 && v <= 1 ? null : "must be in [0, 1]";

const linearChecks: OptionChecks<LinearLROptions> = {
  startFactor: (v) => (typeof v === "number" && v > 0 && v <= 1 ? null : "must be in (0, 1]"),
  endFactor: inUnit,
  totalIters: isPositiveInteger,
};

/**
 * Scales the base rate by a factor moving linearly from `startFactor` to `endFactor` over
 * `totalIters` epochs, then held (a warm-up): lr = base·(s + (e − s)·min(epoch, T)/T).
 */
export class LinearLR extends LRScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;

  constructor(optimizer: Optimizer, options: LinearLROptions = {}) {
    super(optimizer, "LinearLR");
    const {
      startFactor = 1 / 3,
      endFactor = 1,
      totalIters = 5,
    } = checkOptions("LinearLR", options, linearChecks);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.initialStep();
  }

  get name(): string {
    return "LinearLR";
  }

  protected computeLr(lr: number): number {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: t } = this;
    if (e === 0) return lr * s;
    if (e > t) return lr;
    return lr * (1 + (f - s) / (t * s + (e - 1) * (f - s)));
  }

  protected override closedFormLr(_lr: number, baseLr: number): number {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: t } = this;
    return baseLr * (s + ((f - s) * Math.min(t, e)) / t);
  }
}

/** A learning-rate factor as a function of the epoch. */
export type LrLambda = (epoch: number) => number;

/** Options of `LambdaLR`. */
export interface LambdaLROptions {
  /**
   * The factor of the base rate at each epoch: lr = base·lrLambda(epoch); one function for every
   * parameter group, or an array of one per group (PyTorch's list of lambdas).
   */
  lrLambda: LrLambda | readonly LrLambda[];
}

const lambdaChecks: OptionChecks<LambdaLROptions> = {
  lrLambda: (v) =>
    typeof v === "function" || (Array.isArray(v) && v.every((f) => typeof f === "function"))
      ? null
      : "must be a function or an array of functions",
};

/** Sets each group's rate to base·lrLambda(epoch) (the functions are not part of the state dict). */
export class LambdaLR extends LRScheduler {
  /** One function per parameter group. */
  readonly lrLambdas: readonly LrLambda[];

  constructor(optimizer: Optimizer, options: LambdaLROptions) {
    super(optimizer, "LambdaLR");
    const { lrLambda } = checkOptions("LambdaLR", options, lambdaChecks);
    const given = required("LambdaLR", "lrLambda", lrLambda);
    const groups = optimizer.paramGroups.length;
    if (typeof given !== "function" && given.length !== groups) {
      throw new DataError(
        `LambdaLR: expected ${groups} lrLambda functions (one per parameter group), got ${given.length}`,
      );
    }
    this.lrLambdas =
      typeof given === "function" ? optimizer.paramGroups.map(() => given) : [...given];
    this.initialStep();
  }

  get name(): string {
    return "LambdaLR";
  }

  protected computeLr(_lr: number, baseLr: number, index: number): number {
    const factor = this.lrLambdas[index](this.lastEpoch);
    if (typeof factor !== "number" || !Number.isFinite(factor)) {
      throw new DataError(
        `LambdaLR: lrLambda(${this.lastEpoch}) must return a finite number, got ${String(factor)}`,
      );
    }
    return baseLr * factor;
  }
}
