import { DataError, DTypeError } from "../../errors.js";
import {
  checkOptions,
  describeValue,
  isBoolean,
  isPositiveInteger,
  isPositiveNumber,
  type OptionCheck,
  type OptionChecks,
} from "../../options.js";
import { Optimizer } from "../optimizer.js";
import type { ParamGroup } from "../param_groups.js";
import { LRScheduler } from "./scheduler.js";

/** A number for every parameter group, or an array of one per group (PyTorch's list form). */
export type PerGroup = number | readonly number[];

/** Options of `OneCycleLR` (PyTorch's defaults). */
export interface OneCycleLROptions {
  /** The peak learning rate, per group or one for all. */
  maxLr: PerGroup;
  /** Steps in the cycle; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  /** Epochs in the cycle (with `stepsPerEpoch`, when `totalSteps` is not given). */
  epochs?: number;
  /** Steps per epoch (with `epochs`). */
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent raising the rate, in [0, 1] (default 0.3). */
  pctStart?: number;
  /** How the rate moves within a phase: "cos" (default) or "linear". */
  annealStrategy?: "cos" | "linear";
  /** Cycle the momentum (SGD, RMSprop) or β1 (Adam) inversely to the rate (default true). */
  cycleMomentum?: boolean;
  /** The momentum at the peak rate (default 0.85). */
  baseMomentum?: PerGroup;
  /** The momentum at the lowest rates (default 0.95). */
  maxMomentum?: PerGroup;
  /** The initial rate is maxLr / divFactor (default 25). */
  divFactor?: number;
  /** The final rate is the initial one / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, down to the initial rate, then annihilate) instead of two (default false). */
  threePhase?: boolean;
}

const isPerGroup: OptionCheck = (v) =>
  (typeof v === "number" && Number.isFinite(v)) ||
  (Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isFinite(x)))
    ? null
    : "must be a number or an array of numbers (one per parameter group)";

const oneCycleChecks: OptionChecks<OneCycleLROptions> = {
  maxLr: isPerGroup,
  totalSteps: isPositiveInteger,
  epochs: isPositiveInteger,
  stepsPerEpoch: isPositiveInteger,
  pctStart: (v) => (typeof v === "number" && v >= 0 && v <= 1 ? null : "must be in [0, 1]"),
  annealStrategy: (v) => (v === "cos" || v === "linear" ? null : 'must be "cos" or "linear"'),
  cycleMomentum: isBoolean,
  baseMomentum: isPerGroup,
  maxMomentum: isPerGroup,
  divFactor: isPositiveNumber,
  finalDivFactor: isPositiveNumber,
  threePhase: isBoolean,
};

/** Which of a group's rates (or momenta) a phase starts or ends at. */
type LrPoint = "initial" | "max" | "min";
type MomentumPoint = "base" | "max";

/** One phase of the cycle, as PyTorch's `_schedule_phases` entries. */
interface Phase {
  /** The (fractional) step the phase ends at. */
  endStep: number;
  startLr: LrPoint;
  endLr: LrPoint;
  startMomentum: MomentumPoint;
  endMomentum: MomentumPoint;
}

/** `value` for each of `n` groups. */
function perGroup(name: string, value: PerGroup, n: number): number[] {
  if (typeof value === "number") return Array.from({ length: n }, () => value);
  if (value.length !== n) {
    throw new DataError(
      `OneCycleLR: expected ${n} values for ${name} (one per parameter group), got ${value.length}`,
    );
  }
  return [...value];
}

/** The cycle's length: `totalSteps`, else epochs · stepsPerEpoch (PyTorch's rule). */
function totalStepsOf(o: OneCycleLROptions): number {
  if (o.totalSteps !== undefined) return o.totalSteps;
  if (o.epochs === undefined || o.stepsPerEpoch === undefined) {
    throw new DataError(
      "OneCycleLR: you must define either totalSteps OR (epochs AND stepsPerEpoch)",
    );
  }
  return o.epochs * o.stepsPerEpoch;
}

/** PyTorch's phases: up then down, or up, down to the initial rate, then down to the minimum. */
function phasesOf(total: number, pct: number, threePhase: boolean): Phase[] {
  const up: Phase = {
    endStep: pct * total - 1,
    startLr: "initial",
    endLr: "max",
    startMomentum: "max",
    endMomentum: "base",
  };
  if (!threePhase) {
    return [
      up,
      {
        endStep: total - 1,
        startLr: "max",
        endLr: "min",
        startMomentum: "base",
        endMomentum: "max",
      },
    ];
  }
  return [
    up,
    {
      endStep: 2 * pct * total - 2,
      startLr: "max",
      endLr: "initial",
      startMomentum: "base",
      endMomentum: "max",
    },
    {
      endStep: total - 1,
      startLr: "initial",
      endLr: "min",
      startMomentum: "max",
      endMomentum: "max",
    },
  ];
}

/** PyTorch's `_annealing_cos`: from start to end along half a cosine as pct goes 0 → 1. */
function annealCos(start: number, end: number, pct: number): number {
  const cosOut = Math.cos(Math.PI * pct) + 1;
  return end + ((start - end) / 2) * cosOut;
}

/** PyTorch's `_annealing_linear`. */
function annealLinear(start: number, end: number, pct: number): number {
  return (end - start) * pct + start;
}

/** Sets a group's momentum, or its β1 (`beta1`), to `value`. */
function setMomentum(group: ParamGroup, value: number, beta1: boolean): void {
  if (!beta1) {
    Reflect.set(group, "momentum", value);
    return;
  }
  const betas: unknown = Reflect.get(group, "betas");
  const beta2: unknown = Array.isArray(betas) ? betas[1] : undefined;
  if (typeof beta2 !== "number") {
    throw new DataError(`OneCycleLR: the group's betas are ${describeValue(betas)}, not a pair`);
  }
  Reflect.set(group, "betas", [value, beta2]);
}

/**
 * The 1cycle policy, as `torch.optim.lr_scheduler.OneCycleLR` (Smith & Topsakal): the rate
 * rises from maxLr/divFactor to maxLr over the first pctStart of `totalSteps` steps, then falls
 * to the initial rate / finalDivFactor (with `threePhase`, first back to the initial rate, then
 * down), annealing along a cosine or a line; the momentum (or Adam's β1) moves the opposite way
 * between maxMomentum and baseMomentum. Step it after every batch: `totalSteps` steps are the
 * cycle, and a step beyond the one after it is an error (PyTorch's ValueError).
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number;
  readonly annealStrategy: "cos" | "linear";
  readonly cycleMomentum: boolean;
  readonly #phases: readonly Phase[];
  readonly #lrs: readonly Record<LrPoint, number>[];
  readonly #momenta: readonly Record<MomentumPoint, number>[];
  /** Whether the momentum cycled is Adam's β1 (the optimizer has betas). */
  readonly #beta1: boolean;

  constructor(optimizer: Optimizer, options: OneCycleLROptions) {
    if (!(optimizer instanceof Optimizer)) {
      throw new DTypeError(`OneCycleLR: expected an Optimizer, got ${describeValue(optimizer)}`);
    }
    const o = checkOptions("OneCycleLR", options, oneCycleChecks);
    if (o.maxLr === undefined) throw new DataError("OneCycleLR: option maxLr is required");
    // Everything is checked before the base class records the groups' initial rates.
    const n = optimizer.paramGroups.length;
    const totalSteps = totalStepsOf(o);
    const { divFactor = 25, finalDivFactor = 1e4, cycleMomentum = true } = o;
    const lrs = perGroup("maxLr", o.maxLr, n).map((max) => {
      const initial = max / divFactor;
      return { initial, max, min: initial / finalDivFactor };
    });
    const beta1 = "betas" in optimizer.defaults;
    if (cycleMomentum && !("momentum" in optimizer.defaults) && !beta1) {
      throw new DataError(
        `OneCycleLR: optimizer must support momentum with the cycleMomentum option enabled (${optimizer.name} has neither momentum nor betas); pass cycleMomentum: false`,
      );
    }
    const maxes = perGroup("maxMomentum", o.maxMomentum ?? 0.95, n);
    const bases = perGroup("baseMomentum", o.baseMomentum ?? 0.85, n);
    super(
      optimizer,
      "OneCycleLR",
      lrs.map((r) => r.initial),
    );
    this.totalSteps = totalSteps;
    this.annealStrategy = o.annealStrategy ?? "cos";
    this.cycleMomentum = cycleMomentum;
    this.#phases = phasesOf(totalSteps, o.pctStart ?? 0.3, o.threePhase ?? false);
    this.#lrs = lrs;
    this.#beta1 = beta1;
    this.#momenta = maxes.map((max, i) => ({ max, base: bases[i] }));
    if (cycleMomentum) {
      optimizer.paramGroups.forEach((g, i) => {
        setMomentum(g, maxes[i], beta1);
      });
    }
    this.initialStep();
  }

  get name(): string {
    return "OneCycleLR";
  }

  /** The phase `lastEpoch` falls in and how far through it (PyTorch's loop in `get_lr`). */
  #where(): [Phase, number] {
    const step = this.lastEpoch;
    let start = 0;
    for (const [i, phase] of this.#phases.entries()) {
      if (step <= phase.endStep || i === this.#phases.length - 1) {
        return [phase, (step - start) / (phase.endStep - start)];
      }
      start = phase.endStep;
    }
    throw new DataError("OneCycleLR: no phases"); // unreachable: there are always 2 or 3
  }

  #anneal(start: number, end: number, pct: number): number {
    const value = (this.annealStrategy === "cos" ? annealCos : annealLinear)(start, end, pct);
    if (!Number.isFinite(value)) {
      throw new DataError(
        `OneCycleLR: step ${this.lastEpoch} falls in a phase of zero length (pctStart too small or too large for totalSteps ${this.totalSteps})`,
      );
    }
    return value;
  }

  protected computeLr(_lr: number, _baseLr: number, index: number): number {
    if (this.lastEpoch > this.totalSteps) {
      throw new DataError(
        `OneCycleLR: tried to step ${this.lastEpoch + 1} times; the specified number of total steps is ${this.totalSteps}`,
      );
    }
    const [phase, pct] = this.#where();
    const lrs = this.#lrs[index];
    const lr = this.#anneal(lrs[phase.startLr], lrs[phase.endLr], pct);
    if (this.cycleMomentum) this.#setMomentum(index, phase, pct);
    return lr;
  }

  #setMomentum(index: number, phase: Phase, pct: number): void {
    const m = this.#momenta[index];
    const momentum = this.#anneal(m[phase.startMomentum], m[phase.endMomentum], pct);
    setMomentum(this.optimizer.paramGroups[index], momentum, this.#beta1);
  }

  /** The momentum follows the restored epoch too (the optimizer's own state may not be loaded). */
  protected override afterLoad(): void {
    if (!this.cycleMomentum) return;
    const [phase, pct] = this.#where();
    this.#momenta.forEach((_, i) => {
      this.#setMomentum(i, phase, pct);
    });
  }
}
