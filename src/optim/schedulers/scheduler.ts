import { DataError, DTypeError } from "../../errors.js";
import { describeValue } from "../../options.js";
import { Optimizer } from "../optimizer.js";

/** An optimizer whose learning rates a schedule can set (every optimizer: `SGD`, `Adam`, …). */
export type LrOptimizer = Optimizer;

/** A scheduler's state as `stateDict` returns it: plain numbers, so a checkpoint can store it. */
export interface SchedulerStateDict {
  /** The index of the last epoch (0 right after construction). */
  lastEpoch: number;
  /** The learning rates the schedule starts from, one per parameter group (PyTorch's `base_lrs`). */
  baseLrs: number[];
  /** The learning rates the last `step()` set, one per group (PyTorch's `_last_lr`). */
  lastLr: number[];
  /** The inner schedulers' states (`SequentialLR` only). */
  schedulers?: SchedulerStateDict[];
}

/**
 * Each parameter group's learning rate when the optimizer's first scheduler was made (PyTorch's
 * `param_group["initial_lr"]`, set once with `setdefault`): every later scheduler on the same
 * optimizer starts from it, so chained and sequential schedules share one base. Keyed by the
 * group object, which stays the same for the optimizer's life (`loadStateDict` writes into it).
 */
const initialLrs = new WeakMap<object, number>();

/** Internal: sets `lastEpoch` to the given epoch and the rates to the closed form there. */
export const jumpTo = Symbol("jumpTo");
/** Internal: moves `lastEpoch` back by one (SequentialLR undoes each constructor's step). */
export const rewind = Symbol("rewind");

/**
 * Base class of the learning-rate schedulers, as `torch.optim.lr_scheduler._LRScheduler`: the
 * constructor records each parameter group's base rate and takes the first step (epoch 0); each
 * `step()` advances one epoch and writes each group's new rate into `optimizer.paramGroups[i].lr`.
 * Subclasses give PyTorch's chainable (recursive) `get_lr` for one group as `computeLr`, which
 * reads the group's current rate, and its `_get_closed_form_lr` as `closedFormLr`.
 */
export abstract class LRScheduler {
  readonly optimizer: Optimizer;
  #lastEpoch = -1;
  #baseLrs: number[];
  #lastLrs: number[];

  /**
   * Checks the optimizer and records the groups' base rates; `initial`, when given, sets each
   * group's initial rate instead (OneCycleLR's maxLr / divFactor, as PyTorch writes
   * `initial_lr` before its base class reads it). Subclasses call `initialStep()` once their
   * fields are set.
   */
  protected constructor(optimizer: Optimizer, name: string, initial?: readonly number[]) {
    if (!(optimizer instanceof Optimizer)) {
      throw new DTypeError(`${name}: expected an Optimizer, got ${describeValue(optimizer)}`);
    }
    this.optimizer = optimizer;
    this.#baseLrs = optimizer.paramGroups.map((group, i) => {
      if (initial !== undefined) initialLrs.set(group, initial[i]);
      else if (!initialLrs.has(group)) initialLrs.set(group, group.lr);
      return initialLrs.get(group) ?? group.lr;
    });
    this.#lastLrs = this.#baseLrs.map(() => Number.NaN);
  }

  /** The scheduler's name, as error messages show it. */
  abstract get name(): string;

  /** PyTorch's chainable rate of group `index` for `lastEpoch`, from its current rate `lr`. */
  protected abstract computeLr(lr: number, baseLr: number, index: number): number;

  /** The rate of group `index` at `lastEpoch` from its base rate alone (defaults to `computeLr`). */
  protected closedFormLr(lr: number, baseLr: number, index: number): number {
    return this.computeLr(lr, baseLr, index);
  }

  /** The epoch index of the last `step()` (0 after construction, as PyTorch's `last_epoch`). */
  get lastEpoch(): number {
    return this.#lastEpoch;
  }

  /** The rates the schedule scales, one per parameter group (PyTorch's `base_lrs`). */
  get baseLrs(): number[] {
    return [...this.#baseLrs];
  }

  /** Group 0's base rate (`baseLrs[0]`). */
  get baseLr(): number {
    return this.#baseLrs[0];
  }

  /** The learning rates the last step set, one per parameter group. */
  getLastLr(): number[] {
    return [...this.#lastLrs];
  }

  /** Advances one epoch and sets every group's learning rate (call after `optimizer.step()`). */
  step(): void {
    this.#lastEpoch += 1;
    try {
      this.#set((lr, base, i) => this.computeLr(lr, base, i));
    } catch (error) {
      this.#lastEpoch -= 1; // a refused step (past OneCycleLR's end, a bad lambda) changes nothing
      throw error;
    }
  }

  /** PyTorch's `_initial_step`: the constructor's step to epoch 0. */
  protected initialStep(): void {
    this.step();
  }

  [jumpTo](epoch: number): void {
    this.#lastEpoch = epoch;
    this.#set((lr, base, i) => this.closedFormLr(lr, base, i));
  }

  [rewind](): void {
    this.#lastEpoch -= 1;
  }

  /** Computes every group's rate (all first: a rule that throws changes nothing), then sets them. */
  #set(rule: (lr: number, baseLr: number, index: number) => number): void {
    const groups = this.optimizer.paramGroups;
    this.#checkGroups();
    const lrs = groups.map((g, i) => rule(g.lr, this.#baseLrs[i], i));
    this.#write(lrs);
  }

  /** Writes the rates into the groups and remembers them. */
  #write(lrs: readonly number[]): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = lrs[i];
    });
    this.#lastLrs = [...lrs];
  }

  /** A group added after the scheduler was made has no base rate: PyTorch fails there too. */
  #checkGroups(): void {
    const n = this.optimizer.paramGroups.length;
    if (n !== this.#baseLrs.length) {
      throw new DataError(
        `${this.name}: the optimizer has ${n} parameter groups but the scheduler was made for ${this.#baseLrs.length}`,
      );
    }
  }

  /** The state: `lastEpoch`, `baseLrs`, `lastLr` (the hyperparameters come from the constructor). */
  stateDict(): SchedulerStateDict {
    return { lastEpoch: this.#lastEpoch, baseLrs: this.baseLrs, lastLr: this.getLastLr() };
  }

  /**
   * Restores a state saved by `stateDict` of a scheduler of the same kind, and sets the groups'
   * rates to its `lastLr`, so the next `step()` continues the schedule (whether or not the
   * optimizer's own state was restored). Checked first: a bad dict changes nothing.
   */
  loadStateDict(state: Readonly<Record<string, unknown>>): void {
    const groups = this.#baseLrs.length;
    const { lastEpoch, baseLrs, lastLr } = readState(
      `${this.name}.loadStateDict`,
      state,
      false,
      groups,
    );
    this.#checkGroups();
    this.#lastEpoch = lastEpoch;
    this.#baseLrs = baseLrs;
    this.#write(lastLr);
    this.afterLoad();
  }

  /** What a subclass restores after `loadStateDict` beyond the rates (OneCycleLR: momentum). */
  protected afterLoad(): void {}
}

/** An array of `n` finite numbers. */
function numbers(op: string, key: string, value: unknown, n: number): number[] {
  if (
    !Array.isArray(value) ||
    value.length !== n ||
    !value.every((x) => typeof x === "number" && Number.isFinite(x))
  ) {
    throw new DataError(
      `${op}: "${key}" must be an array of ${n} numbers (one per parameter group), got ${describeValue(value)}`,
    );
  }
  return [...value];
}

/** Validates a scheduler state dict's common entries (and `schedulers` only when `nested`). */
export function readState(
  op: string,
  state: Readonly<Record<string, unknown>>,
  nested: boolean,
  groups: number,
): { lastEpoch: number; baseLrs: number[]; lastLr: number[] } {
  if (typeof state !== "object" || state === null) {
    throw new DataError(`${op}: expected a state dict, got ${describeValue(state)}`);
  }
  const keys = nested ? ["lastEpoch", "lastLr", "schedulers"] : ["lastEpoch", "baseLrs", "lastLr"];
  for (const key of Object.keys(state)) {
    if (!keys.includes(key)) {
      throw new DataError(`${op}: unexpected key "${key}" (expected ${keys.join(", ")})`);
    }
  }
  const lastEpoch = state.lastEpoch;
  if (typeof lastEpoch !== "number" || !Number.isSafeInteger(lastEpoch) || lastEpoch < -1) {
    throw new DataError(
      `${op}: "lastEpoch" must be an integer ≥ -1, got ${describeValue(lastEpoch)}`,
    );
  }
  const lastLr = numbers(op, "lastLr", state.lastLr, groups);
  const baseLrs = nested ? [] : numbers(op, "baseLrs", state.baseLrs, groups);
  return { lastEpoch, baseLrs, lastLr };
}
