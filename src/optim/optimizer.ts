import { noGrad } from "../autodiff/grad_mode.js";
import { BackendError, DataError, DTypeError, ShapeError } from "../errors.js";
import type { Parameter } from "../nn/parameter.js";
import { Scalar } from "../scalar/scalar.js";
import { formatShape, sameShape } from "../strided/shape.js";
import { copyOp } from "../tensor/history_free_ops.js";
import { Tensor } from "../tensor/tensor.js";
import { keep } from "../tensor/tidy.js";

/** A parameter an optimizer can move: a slot holding a Scalar or a Tensor. */
export type Trainable = Parameter<Scalar> | Parameter<Tensor>;

/**
 * An optimizer's state as `stateDict` returns it, flat so a checkpoint can store it as named
 * tensors plus numbers: `"step"` counts `step()` calls, and `"<i>.<name>"` is parameter i's
 * buffer (a tensor: `"0.exp_avg"`, `"3.momentum_buffer"`) or counter (a number: `"0.step"`).
 */
export type OptimizerStateDict = Record<string, Tensor | number>;

/** Throws a DataError unless x is a finite number > 0. */
export function requirePositive(op: string, name: string, x: number): void {
  if (!(x > 0) || !Number.isFinite(x)) {
    throw new DataError(`${op}: ${name} must be a positive number, got ${x}`);
  }
}

/** Throws a DataError unless x is a finite number ≥ 0. */
export function requireNonNegative(op: string, name: string, x: number): void {
  if (!(x >= 0) || !Number.isFinite(x)) {
    throw new DataError(`${op}: ${name} must be ≥ 0, got ${x}`);
  }
}

/** Throws a DataError unless x is in [0, 1). */
export function requireFraction(op: string, name: string, x: number): void {
  if (!(x >= 0 && x < 1)) throw new DataError(`${op}: ${name} must be in [0, 1), got ${x}`);
}

/** Whether the slot holds a value an optimizer can move. */
function isTrainable(p: Parameter): p is Trainable {
  return p.value instanceof Scalar || p.value instanceof Tensor;
}

/** `"<index>.<name>"`: a parameter's entry in the state dict. */
function slotKey(index: number, name: string): string {
  return `${index}.${name}`;
}

/** The parameter index and entry name of a state-dict key, or null for another key. */
function parseKey(key: string): [number, string] | null {
  const match = /^(0|[1-9][0-9]*)\.(.+)$/.exec(key);
  return match === null ? null : [Number(match[1]), match[2]];
}

/** Orders state-dict keys by parameter index, then entry name, so dicts list deterministically. */
function byIndex(a: string, b: string): number {
  const [ia, na] = parseKey(a) ?? [-1, a];
  const [ib, nb] = parseKey(b) ?? [-1, b];
  return ia !== ib ? ia - ib : na < nb ? -1 : na > nb ? 1 : 0;
}

/**
 * Base class of the optimizers, as `torch.optim.Optimizer` with one parameter group: it holds the
 * parameter slots, clears their gradients, counts steps, and keeps per-parameter state (tensor
 * buffers and integer counters, keyed by the parameter's index) that `stateDict` and
 * `loadStateDict` save and restore, so training resumes bit for bit from a checkpoint.
 * Subclasses implement `stepParameter` and name their state in `bufferNames` / `counterNames`.
 */
export abstract class Optimizer {
  /** The parameter slots, in the order given (their indices key the state). */
  readonly parameters: readonly Trainable[];
  // State buffers are kept (exempt from `tidy`): they outlive every training step.
  readonly #buffers = new Map<string, Tensor>();
  readonly #counters = new Map<string, number>();
  #steps = 0;

  /**
   * Validates the parameters: each must hold a Tensor (or a Scalar, when `scalars`), and none may
   * appear twice (it would be stepped twice).
   */
  protected constructor(parameters: readonly Parameter[], scalars: boolean) {
    // `name` is a prototype getter, so the subclass's one answers even before its fields exist.
    const name = this.name;
    const seen = new Set<Parameter>();
    this.parameters = parameters.map((p, i) => {
      const label = `parameter ${i} (${p.name ?? "unnamed"})`;
      if (!isTrainable(p) || (!scalars && p.value instanceof Scalar)) {
        throw new DTypeError(
          `${name}: ${label} holds ${String(p.value)}, not ${scalars ? "a Scalar or a Tensor" : "a Tensor"}`,
        );
      }
      if (seen.has(p)) throw new DataError(`${name}: ${label} appears more than once`);
      seen.add(p);
      return p;
    });
  }

  /** The optimizer's name, as error messages show it (each subclass overrides it). */
  get name(): string {
    return "Optimizer";
  }
  /** Names of the per-parameter tensors this optimizer keeps (e.g. `exp_avg`). */
  protected abstract get bufferNames(): readonly string[];
  /** Names of the per-parameter counters this optimizer keeps (e.g. `step`). */
  protected abstract get counterNames(): readonly string[];

  /** Number of `step()` calls so far (restored by `loadStateDict`). */
  get stepCount(): number {
    return this.#steps;
  }

  /** Forget every parameter's gradient before the next backward pass. */
  zeroGrad(): void {
    for (const p of this.parameters) p.value.zeroGrad();
  }

  /** Move each parameter that has a gradient (outside autograd: no history is recorded). */
  step(): void {
    noGrad(() => {
      this.#steps += 1;
      for (const [i, p] of this.parameters.entries()) this.stepParameter(p, i);
    });
  }

  /** Update parameter `index` from its gradient (skip it when it has none). */
  protected abstract stepParameter(parameter: Trainable, index: number): void;

  /** Parameter `index`'s state tensor `name`, or undefined before it exists. */
  protected buffer(index: number, name: string): Tensor | undefined {
    return this.#buffers.get(slotKey(index, name));
  }

  /** Stores `t` as parameter `index`'s state tensor `name` (kept across `tidy` scopes). */
  protected setBuffer(index: number, name: string, t: Tensor): void {
    const key = slotKey(index, name);
    const old = this.#buffers.get(key);
    if (old !== undefined && old !== t) old.dispose();
    this.#buffers.set(key, keep(t));
  }

  /** Parameter `index`'s counter `name` (0 before it is set). */
  protected counter(index: number, name: string): number {
    return this.#counters.get(slotKey(index, name)) ?? 0;
  }

  /** Sets parameter `index`'s counter `name`. */
  protected setCounter(index: number, name: string, value: number): void {
    this.#counters.set(slotKey(index, name), value);
  }

  /**
   * The state: `step`, then each parameter's counters and buffers by index. Buffers are copies,
   * owned by the caller (later steps do not change them), so the dict can be saved at leisure.
   */
  stateDict(): OptimizerStateDict {
    const entries: [string, Tensor | number][] = [
      ...this.#counters,
      ...[...this.#buffers].map(([key, t]): [string, Tensor] => [key, copyOp(t)]),
    ];
    entries.sort(([a], [b]) => byIndex(a, b));
    return Object.fromEntries([["step", this.#steps], ...entries]);
  }

  /**
   * Replaces the state with one saved by `stateDict` of an optimizer of the same kind over
   * parameters of the same shapes (values typed `unknown`, as read back from a file, are checked).
   * Everything is validated first (keys, shapes, backends,
   * counters), so a rejected dict leaves the optimizer unchanged; tensors are copied in, in each
   * parameter's dtype, so later steps never write into the dict's tensors.
   */
  loadStateDict(state: Readonly<Record<string, unknown>>): void {
    const op = `${this.name}.loadStateDict`;
    const steps = Object.hasOwn(state, "step") ? state.step : undefined;
    if (typeof steps !== "number" || !Number.isSafeInteger(steps) || steps < 0) {
      throw new DataError(`${op}: "step" must be a non-negative integer, got ${String(steps)}`);
    }
    const buffers: [string, Tensor, Tensor][] = [];
    const counters: [string, number][] = [];
    const present = new Map<number, Set<string>>();
    for (const [key, value] of Object.entries(state)) {
      if (key === "step") continue;
      const parsed = parseKey(key);
      if (parsed === null || parsed[0] >= this.parameters.length) {
        throw new DataError(
          `${op}: unexpected key "${key}" (this optimizer has ${this.parameters.length} parameters)`,
        );
      }
      const [index, name] = parsed;
      const names = present.get(index) ?? new Set<string>();
      present.set(index, names.add(name));
      const target = this.parameters[index].value;
      if (this.bufferNames.includes(name)) {
        buffers.push([key, ...this.#checkBuffer(op, key, value, target)]);
      } else if (this.counterNames.includes(name)) {
        if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
          throw new DataError(
            `${op}: "${key}" must be a non-negative integer, got ${String(value)}`,
          );
        }
        counters.push([key, value]);
      } else {
        throw new DataError(
          `${op}: unexpected key "${key}" (${this.name} keeps ${[...this.counterNames, ...this.bufferNames].join(", ")})`,
        );
      }
    }
    // A parameter's state is all or nothing: half of it would resume a different computation.
    for (const [index, names] of present) {
      const missing = [...this.counterNames, ...this.bufferNames].filter((n) => !names.has(n));
      if (missing.length > 0) {
        throw new DataError(
          `${op}: parameter ${index} has ${[...names].join(", ")} but not ${missing.join(", ")}`,
        );
      }
    }

    for (const t of this.#buffers.values()) t.dispose();
    this.#buffers.clear();
    this.#counters.clear();
    this.#steps = steps;
    for (const [key, value] of counters) this.#counters.set(key, value);
    for (const [key, value, target] of buffers) {
      this.#buffers.set(key, keep(copyOp(value, value.shape, target.dtype)));
    }
  }

  /** The state tensor `value` for `key` and its parameter's tensor, checked against each other. */
  #checkBuffer(op: string, key: string, value: unknown, target: Scalar | Tensor): [Tensor, Tensor] {
    if (!(value instanceof Tensor)) {
      throw new DTypeError(`${op}: "${key}" must be a Tensor, got ${String(value)}`);
    }
    if (!(target instanceof Tensor)) {
      throw new DTypeError(`${op}: "${key}" belongs to a Scalar parameter, which has no buffers`);
    }
    if (value.backend !== target.backend) {
      throw new BackendError(
        `${op}: "${key}" is on the ${value.backend} backend but its parameter is on ${target.backend}; move it with await t.to("${target.backend}")`,
      );
    }
    if (!sameShape(value.shape, target.shape)) {
      throw new ShapeError(
        `${op}: "${key}" has shape ${formatShape(value.shape)} but its parameter has ${formatShape(target.shape)}`,
      );
    }
    return [value, target];
  }
}
