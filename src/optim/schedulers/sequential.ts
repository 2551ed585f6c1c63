import { DataError } from "../../errors.js";
import { checkOptions, describeValue, type OptionChecks } from "../../options.js";
import type { Optimizer } from "../optimizer.js";
import { jumpTo, LRScheduler, readState, rewind, type SchedulerStateDict } from "./scheduler.js";

/** Options of `SequentialLR`. */
export interface SequentialLROptions {
  /** The schedulers, in the order they run (all on this optimizer). */
  schedulers: readonly LRScheduler[];
  /** The epochs at which the next scheduler takes over: one fewer than the schedulers, increasing. */
  milestones: readonly number[];
}

const sequentialChecks: OptionChecks<SequentialLROptions> = {
  schedulers: (v) =>
    Array.isArray(v) && v.length > 0 && v.every((s) => s instanceof LRScheduler)
      ? null
      : "must be a non-empty array of schedulers",
  milestones: (v) =>
    Array.isArray(v) && v.every((m, i) => Number.isSafeInteger(m) && m > (i === 0 ? 0 : v[i - 1]))
      ? null
      : "must be an increasing array of positive integers",
};

/**
 * Runs schedulers one after another, as `torch.optim.lr_scheduler.SequentialLR` (e.g. a
 * `LinearLR` warm-up, then `CosineAnnealingLR`): the optimizer's rate is reset to its initial
 * value and the first scheduler restarts at epoch 0; at milestone i scheduler i + 1 starts at
 * its epoch 0 (its closed form), and each `step()` steps only the scheduler in charge.
 */
export class SequentialLR {
  readonly optimizer: Optimizer;
  readonly schedulers: readonly LRScheduler[];
  readonly milestones: readonly number[];
  #lastEpoch: number;
  #lastLr: number[];

  constructor(optimizer: Optimizer, options: SequentialLROptions) {
    const { schedulers, milestones } = checkOptions("SequentialLR", options, sequentialChecks);
    if (schedulers === undefined || milestones === undefined) {
      throw new DataError("SequentialLR: options schedulers and milestones are required");
    }
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) {
        throw new DataError(
          `SequentialLR: scheduler ${i} (${s.name}) belongs to another optimizer than ${describeValue(optimizer)}`,
        );
      }
    });
    if (milestones.length !== schedulers.length - 1) {
      throw new DataError(
        `SequentialLR: expected ${schedulers.length - 1} milestones for ${schedulers.length} schedulers, got ${milestones.length}`,
      );
    }
    this.optimizer = optimizer;
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.#lastEpoch = 0;
    const first = this.schedulers[0];
    const bases = first.baseLrs;
    optimizer.paramGroups.forEach((g, i) => {
      g.lr = bases[i];
    });
    for (const s of this.schedulers) s[rewind]();
    first.step();
    this.#lastLr = first.getLastLr();
  }

  /** "SequentialLR". */
  get name(): string {
    return "SequentialLR";
  }

  /** The epoch index of the last `step()` (0 after construction). */
  get lastEpoch(): number {
    return this.#lastEpoch;
  }

  /** The learning rates the last step set, one per parameter group. */
  getLastLr(): number[] {
    return [...this.#lastLr];
  }

  /** Advances one epoch: starts the next scheduler at a milestone, else steps the current one. */
  step(): void {
    this.#lastEpoch += 1;
    const e = this.#lastEpoch;
    const idx = this.milestones.filter((m) => m <= e).length;
    const scheduler = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === e) scheduler[jumpTo](0);
    else scheduler.step();
    this.#lastLr = scheduler.getLastLr();
  }

  /** `lastEpoch`, `lastLr`, and each inner scheduler's state. */
  stateDict(): SchedulerStateDict {
    return {
      lastEpoch: this.#lastEpoch,
      baseLrs: this.schedulers[0].baseLrs,
      lastLr: this.getLastLr(),
      schedulers: this.schedulers.map((s) => s.stateDict()),
    };
  }

  /** Restores a state saved by `stateDict` (the inner schedulers' too; checked before any change). */
  loadStateDict(state: Readonly<Record<string, unknown>>): void {
    const op = "SequentialLR.loadStateDict";
    const { baseLrs: _, ...rest } = state;
    const groups = this.#lastLr.length;
    const { lastEpoch, lastLr } = readState(op, rest, true, groups);
    const inner = state.schedulers;
    if (!Array.isArray(inner) || inner.length !== this.schedulers.length) {
      throw new DataError(
        `${op}: "schedulers" must hold ${this.schedulers.length} state dicts, got ${describeValue(inner)}`,
      );
    }
    const dicts = inner as Record<string, unknown>[];
    dicts.forEach((s, i) => {
      readState(`${op}: scheduler ${i}`, s, false, groups);
    });
    dicts.forEach((s, i) => {
      this.schedulers[i].loadStateDict(s);
    });
    this.#lastEpoch = lastEpoch;
    this.#lastLr = lastLr;
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = lastLr[i];
    });
  }
}
