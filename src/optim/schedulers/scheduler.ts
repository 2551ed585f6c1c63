import { DataError, DTypeError } from "../../errors.js";
import { describeValue } from "../../options.js";
import { Optimizer } from "../optimizer.js";

/** An optimizer whose learning rate a schedule can set (`SGD`, `Adam`, `AdamW`). */
export type LrOptimizer = Optimizer & { lr: number };

/** A scheduler's state as `stateDict` returns it: plain numbers, so a checkpoint can store it. */
export interface SchedulerStateDict {
  /** The index of the last epoch (0 right after construction). */
  lastEpoch: number;
  /** The learning rate the schedule starts from (PyTorch's `base_lrs`, one parameter group). */
  baseLrs: number[];
  /** The learning rate the last `step()` set (PyTorch's `_last_lr`). */
  lastLr: number[];
  /** The inner schedulers' states (`SequentialLR` only). */
  schedulers?: SchedulerStateDict[];
}

/**
 * The learning rate the optimizer had when its first scheduler was made (PyTorch's
 * `param_group["initial_lr"]`, set once with `setdefault`): every later scheduler on the same
 * optimizer starts from it, so chained and sequential schedules share one base.
 */
const initialLrs = new WeakMap<Optimizer, number>();

/** Internal: sets `lastEpoch` to the given epoch and the rate to the closed form there. */
export const jumpTo = Symbol("jumpTo");
/** Internal: moves `lastEpoch` back by one (SequentialLR undoes each constructor's step). */
export const rewind = Symbol("rewind");

/**
 * Base class of the learning-rate schedulers, as `torch.optim.lr_scheduler._LRScheduler` over an
 * optimizer with one parameter group: the constructor records the base rate and takes the first
 * step (epoch 0); each `step()` advances one epoch and writes the new rate into `optimizer.lr`.
 * Subclasses give PyTorch's chainable (recursive) `get_lr` as `computeLr`, which reads the
 * optimizer's current rate, and its `_get_closed_form_lr` as `closedFormLr`.
 */
export abstract class LRScheduler {
  readonly optimizer: LrOptimizer;
  #lastEpoch = -1;
  #baseLr: number;
  #lastLr = Number.NaN;

  /** Checks the optimizer; subclasses call `initialStep()` once their fields are set. */
  protected constructor(optimizer: Optimizer, name: string) {
    if (!(optimizer instanceof Optimizer)) {
      throw new DTypeError(`${name}: expected an Optimizer, got ${describeValue(optimizer)}`);
    }
    const lr: unknown = Reflect.get(optimizer, "lr");
    if (typeof lr !== "number") {
      throw new DTypeError(`${name}: ${optimizer.name} has no numeric lr to schedule`);
    }
    this.optimizer = optimizer as LrOptimizer;
    if (!initialLrs.has(optimizer)) initialLrs.set(optimizer, lr);
    this.#baseLr = initialLrs.get(optimizer) ?? lr;
  }

  /** The scheduler's name, as error messages show it. */
  abstract get name(): string;

  /** PyTorch's chainable rate for `lastEpoch`, from the optimizer's current `lr`. */
  protected abstract computeLr(): number;

  /** The rate at `lastEpoch` computed from the base rate alone (defaults to `computeLr`). */
  protected closedFormLr(): number {
    return this.computeLr();
  }

  /** The epoch index of the last `step()` (0 after construction, as PyTorch's `last_epoch`). */
  get lastEpoch(): number {
    return this.#lastEpoch;
  }

  /** The rate the schedule scales (PyTorch's `base_lrs[0]`). */
  get baseLr(): number {
    return this.#baseLr;
  }

  /** The learning rates the last step set, one per parameter group (here always one). */
  getLastLr(): number[] {
    return [this.#lastLr];
  }

  /** Advances one epoch and sets the optimizer's learning rate (call after `optimizer.step()`). */
  step(): void {
    this.#lastEpoch += 1;
    this.#set(this.computeLr());
  }

  /** PyTorch's `_initial_step`: the constructor's step to epoch 0. */
  protected initialStep(): void {
    this.step();
  }

  [jumpTo](epoch: number): void {
    this.#lastEpoch = epoch;
    this.#set(this.closedFormLr());
  }

  [rewind](): void {
    this.#lastEpoch -= 1;
  }

  #set(lr: number): void {
    this.optimizer.lr = lr;
    this.#lastLr = lr;
  }

  /** The state: `lastEpoch`, `baseLrs`, `lastLr` (the hyperparameters come from the constructor). */
  stateDict(): SchedulerStateDict {
    return { lastEpoch: this.#lastEpoch, baseLrs: [this.#baseLr], lastLr: [this.#lastLr] };
  }

  /**
   * Restores a state saved by `stateDict` of a scheduler of the same kind, and sets the
   * optimizer's rate to its `lastLr` (PyTorch's optimizer state dict carries the rate; this one's
   * does not), so the next `step()` continues the schedule. Checked first: a bad dict changes nothing.
   */
  loadStateDict(state: Readonly<Record<string, unknown>>): void {
    const { lastEpoch, baseLr, lastLr } = readState(`${this.name}.loadStateDict`, state, false);
    this.#lastEpoch = lastEpoch;
    this.#baseLr = baseLr;
    this.#set(lastLr);
  }
}

/** A one-element array holding a finite number. */
function single(op: string, key: string, value: unknown): number {
  if (!Array.isArray(value) || value.length !== 1 || typeof value[0] !== "number") {
    throw new DataError(`${op}: "${key}" must be [a number], got ${describeValue(value)}`);
  }
  return value[0];
}

/** Validates a scheduler state dict's common entries (and `schedulers` only when `nested`). */
export function readState(
  op: string,
  state: Readonly<Record<string, unknown>>,
  nested: boolean,
): { lastEpoch: number; baseLr: number; lastLr: number } {
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
  const lastLr = single(op, "lastLr", state.lastLr);
  const baseLr = nested ? Number.NaN : single(op, "baseLrs", state.baseLrs);
  return { lastEpoch, baseLr, lastLr };
}
