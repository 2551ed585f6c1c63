import { noGrad } from "../autodiff/grad_mode.js";
import { BackendError, DataError, DTypeError, ShapeError } from "../errors.js";
import type { Parameter } from "../nn/parameter.js";
import { checkOptions, isBoolean, type OptionChecks } from "../options.js";
import { Scalar } from "../scalar/scalar.js";
import { formatShape, sameShape } from "../strided/shape.js";
import { copyOp } from "../tensor/history_free_ops.js";
import { zero_ } from "../tensor/inplace.js";
import { Tensor } from "../tensor/tensor.js";
import { keep } from "../tensor/tidy.js";
import {
  type GroupInput,
  type GroupOptions,
  mergeOptions,
  type ParamGroup,
  type ParamGroupSpec,
  type ParamsArgument,
  readGroups,
  readOneGroup,
  readSavedGroups,
  type SavedParamGroup,
  saveGroup,
  type Trainable,
} from "./param_groups.js";

export type {
  GroupOptions,
  ParamGroup,
  ParamGroupSpec,
  ParamsArgument,
  SavedParamGroup,
  Trainable,
};

/**
 * An optimizer's state as `stateDict` returns it, flat so a checkpoint can store it as named
 * tensors plus JSON: `"step"` counts `step()` calls, `"<i>.<name>"` is parameter i's buffer (a
 * tensor: `"0.exp_avg"`, `"3.momentum_buffer"`) or counter (a number: `"0.step"`), i counting the
 * parameters across groups in order, and `"paramGroups"` holds each group's options (PyTorch's
 * `param_groups`, with `params` as those indices), so a resumed run restores changed rates.
 */
export type OptimizerStateDict = Record<string, Tensor | number | SavedParamGroup[]>;

/** Options of `zeroGrad`. */
export interface ZeroGradOptions {
  /** Drop the gradients (default true); false writes zeros into the existing ones instead. */
  setToNone?: boolean;
}

const zeroGradChecks: OptionChecks<ZeroGradOptions> = { setToNone: isBoolean };

/** Throws a DataError unless x is a finite number > 0. */
export function requirePositive(op: string, name: string, x: unknown): asserts x is number {
  if (typeof x !== "number" || !(x > 0) || !Number.isFinite(x)) {
    throw new DataError(`${op}: ${name} must be a positive number, got ${String(x)}`);
  }
}

/** Throws a DataError unless x is a finite number ≥ 0. */
export function requireNonNegative(op: string, name: string, x: unknown): asserts x is number {
  if (typeof x !== "number" || !(x >= 0) || !Number.isFinite(x)) {
    throw new DataError(`${op}: ${name} must be ≥ 0, got ${String(x)}`);
  }
}

/**
 * Throws a DataError unless the learning rate x is a finite number > 0 when an optimizer or group
 * is made (PyTorch's users pass a positive rate), ≥ 0 later (a schedule may reach 0).
 */
export function requireLr(op: string, x: unknown, construction: boolean): asserts x is number {
  if (construction) requirePositive(op, "lr", x);
  else requireNonNegative(op, "lr", x);
}

/** Throws a DataError unless x is in [0, 1). */
export function requireFraction(op: string, name: string, x: unknown): asserts x is number {
  if (typeof x !== "number" || !(x >= 0 && x < 1)) {
    throw new DataError(`${op}: ${name} must be in [0, 1), got ${String(x)}`);
  }
}

/** Throws a DataError unless x is true or false. */
export function requireBoolean(op: string, name: string, x: unknown): asserts x is boolean {
  if (typeof x !== "boolean") {
    throw new DataError(`${op}: ${name} must be true or false, got ${String(x)}`);
  }
}

/** Throws a DataError unless x is false: an option supported only at PyTorch's default. */
export function requireFalse(op: string, name: string, x: unknown): asserts x is false {
  if (x !== false) {
    throw new DataError(`${op}: ${name} is not supported yet (only false), got ${String(x)}`);
  }
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

/** An object's own options as a plain record (a group read with its keys, whatever its type). */
function plain(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o));
}

/** Writes zeros into a parameter's gradient, when it has one (`zeroGrad({setToNone: false})`). */
function zeroInPlace(value: Scalar | Tensor): void {
  if (value instanceof Scalar) {
    if (value.derivative !== null) value.derivative = 0;
  } else if (value.grad !== null) {
    const grad = value.grad;
    noGrad(() => zero_(grad));
  }
}

/**
 * Base class of the optimizers, as `torch.optim.Optimizer`: it holds the parameters in groups
 * (`paramGroups`, each with its own resolved options, which the user or a scheduler may change
 * between steps), clears their gradients, counts steps, and keeps per-parameter state (tensor
 * buffers and integer counters, keyed by the parameter's flat index across groups) that
 * `stateDict` and `loadStateDict` save and restore, so training resumes bit for bit.
 * Subclasses give their options (`optionChecks`, `withDefaults`, `resolveGroup`), implement
 * `stepParameter`, and name their state in `bufferNames` / `counterNames`.
 */
export abstract class Optimizer<O extends GroupOptions = GroupOptions> {
  /** The parameter groups, each with every option resolved (mutable between steps). */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** The options a group gets unless it overrides them (PyTorch's `defaults`). */
  readonly defaults: Readonly<Partial<O>>;
  readonly #parameters: Trainable[] = [];
  readonly #scalars: boolean;
  // State buffers are kept (exempt from `tidy`): they outlive every training step.
  readonly #buffers = new Map<string, Tensor>();
  readonly #counters = new Map<string, number>();
  #steps = 0;

  /**
   * Reads the parameters (or groups) and resolves each group's options; each parameter must hold
   * a Tensor (or a Scalar, when `scalars`), and none may appear twice (it would be stepped twice).
   */
  protected constructor(
    params: ParamsArgument<O>,
    options: Partial<O> | undefined,
    scalars: boolean,
  ) {
    // `name` is a prototype getter, so the subclass's one answers even before its fields exist.
    const name = this.name;
    this.#scalars = scalars;
    this.defaults = this.withDefaults(checkOptions(name, options, this.optionChecks()));
    const { groups, grouped } = readGroups(name, params);
    for (const [i, group] of groups.entries()) {
      this.#add(group, grouped ? `${name} (parameter group ${i})` : name);
    }
  }

  /** The optimizer's name, as error messages show it (each subclass overrides it). */
  get name(): string {
    return "Optimizer";
  }
  /** One check per option (a group's keys must be among them); a method, so constructors may call it. */
  protected abstract optionChecks(): OptionChecks<O>;
  /** The options with every default but a required one filled in. */
  protected abstract withDefaults(options: Partial<O>): Partial<O>;
  /**
   * A group's options checked (ranges, the learning rate > 0 at `construction`, ≥ 0 later, as a
   * schedule may reach 0) and returned as a fresh object holding exactly the options.
   */
  protected abstract resolveGroup(
    options: Readonly<Record<string, unknown>>,
    where: string,
    construction: boolean,
  ): O;
  /** Names of the per-parameter tensors this optimizer keeps (e.g. `exp_avg`). */
  protected abstract get bufferNames(): readonly string[];
  /** Names of the per-parameter counters this optimizer keeps (e.g. `step`). */
  protected abstract get counterNames(): readonly string[];
  /** Buffers a parameter's saved state may lack (made when an option first needs them). */
  protected get optionalBufferNames(): readonly string[] {
    return [];
  }

  /** Every parameter, in order across the groups (their indices key the state). */
  get parameters(): readonly Trainable[] {
    return this.#parameters;
  }

  /** The learning rate of group 0; setting it sets every group's. */
  get lr(): number {
    return this.paramGroups[0].lr;
  }
  set lr(value: number) {
    requireNonNegative(this.name, "lr", value);
    for (const group of this.paramGroups) group.lr = value;
  }

  /** Number of `step()` calls so far (restored by `loadStateDict`). */
  get stepCount(): number {
    return this.#steps;
  }

  /** Adds a group `{params, ...options}` (options not given come from `defaults`). */
  addParamGroup(group: ParamGroupSpec<O>): void {
    const index = this.paramGroups.length;
    this.#add(
      readOneGroup(`${this.name}.addParamGroup`, group, index),
      `${this.name} (parameter group ${index})`,
    );
  }

  /** Checks a group's parameters and options (before changing anything), then appends it. */
  #add(input: GroupInput, where: string): void {
    const overrides = checkOptions(where, input.overrides as Partial<O>, this.optionChecks());
    const resolved = this.resolveGroup(mergeOptions(this.defaults, overrides), where, true);
    const seen = new Set<Parameter>(this.#parameters);
    const params = input.params.map((p, j) => {
      const label = `parameter ${this.#parameters.length + j} (${p.name ?? "unnamed"})`;
      if (!isTrainable(p) || (!this.#scalars && p.value instanceof Scalar)) {
        throw new DTypeError(
          `${where}: ${label} holds ${String(p.value)}, not ${this.#scalars ? "a Scalar or a Tensor" : "a Tensor"}`,
        );
      }
      if (seen.has(p)) {
        const other = this.#parameters.includes(p) ? " (a parameter may be in one group only)" : "";
        throw new DataError(`${where}: ${label} appears more than once${other}`);
      }
      seen.add(p);
      return p;
    });
    this.#parameters.push(...params);
    this.paramGroups.push({ ...resolved, params: Object.freeze(params) });
  }

  /**
   * Forget every parameter's gradient before the next backward pass; `{setToNone: false}` writes
   * zeros into the existing gradients instead (PyTorch's `set_to_none`).
   */
  zeroGrad(options?: ZeroGradOptions): void {
    const { setToNone = true } = checkOptions(`${this.name}.zeroGrad`, options, zeroGradChecks);
    for (const p of this.#parameters) {
      if (setToNone) p.value.zeroGrad();
      else zeroInPlace(p.value);
    }
  }

  /**
   * Move each parameter that has a gradient, with its group's current options (all checked first,
   * so a bad value moves nothing), outside autograd: no history is recorded.
   */
  step(): void {
    const options = this.paramGroups.map((g, i) =>
      this.resolveGroup(plain(g), `${this.name}.step: paramGroups[${i}]`, false),
    );
    noGrad(() => {
      this.#steps += 1;
      let index = 0;
      for (const [i, group] of this.paramGroups.entries()) {
        for (const p of group.params) this.stepParameter(p, index++, options[i]);
      }
    });
  }

  /** Update parameter `index` from its gradient with its group's options (skip it when it has none). */
  protected abstract stepParameter(parameter: Trainable, index: number, options: O): void;

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
   * The state: `step`, each parameter's counters and buffers by index, and `paramGroups`. Buffers
   * are copies, owned by the caller (later steps do not change them), so the dict can be saved
   * at leisure.
   */
  stateDict(): OptimizerStateDict {
    const entries: [string, Tensor | number][] = [
      ...this.#counters,
      ...[...this.#buffers].map(([key, t]): [string, Tensor] => [key, copyOp(t)]),
    ];
    entries.sort(([a], [b]) => byIndex(a, b));
    let index = 0;
    const groups = this.paramGroups.map((g, i) =>
      saveGroup(
        this.resolveGroup(plain(g), `${this.name}.stateDict: paramGroups[${i}]`, false),
        g.params.map(() => index++),
      ),
    );
    return Object.fromEntries([["step", this.#steps], ...entries, ["paramGroups", groups]]);
  }

  /**
   * Replaces the state with one saved by `stateDict` of an optimizer of the same kind over
   * parameters of the same shapes in groups of the same sizes (values typed `unknown`, as read
   * back from a file, are checked). A dict without `paramGroups` (an older checkpoint) keeps the
   * groups' options. Everything is validated first (keys, shapes, backends, counters, options),
   * so a rejected dict leaves the optimizer unchanged; tensors are copied in, in each parameter's
   * dtype, so later steps never write into the dict's tensors.
   */
  loadStateDict(state: Readonly<Record<string, unknown>>): void {
    const op = `${this.name}.loadStateDict`;
    const steps = Object.hasOwn(state, "step") ? state.step : undefined;
    if (typeof steps !== "number" || !Number.isSafeInteger(steps) || steps < 0) {
      throw new DataError(`${op}: "step" must be a non-negative integer, got ${String(steps)}`);
    }
    const groups = Object.hasOwn(state, "paramGroups")
      ? this.#readGroups(op, state.paramGroups)
      : null;
    const buffers: [string, Tensor, Tensor][] = [];
    const counters: [string, number][] = [];
    const present = new Map<number, Set<string>>();
    for (const [key, value] of Object.entries(state)) {
      if (key === "step" || key === "paramGroups") continue;
      const parsed = parseKey(key);
      if (parsed === null || parsed[0] >= this.#parameters.length) {
        throw new DataError(
          `${op}: unexpected key "${key}" (this optimizer has ${this.#parameters.length} parameters)`,
        );
      }
      const [index, name] = parsed;
      const names = present.get(index) ?? new Set<string>();
      present.set(index, names.add(name));
      const target = this.#parameters[index].value;
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
    const required = [...this.counterNames, ...this.bufferNames].filter(
      (n) => !this.optionalBufferNames.includes(n),
    );
    for (const [index, names] of present) {
      const missing = required.filter((n) => !names.has(n));
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
    groups?.forEach((options, i) => {
      Object.assign(this.paramGroups[i], options);
    });
  }

  /** A state dict's `paramGroups`, checked against the groups: each group's resolved options. */
  #readGroups(op: string, value: unknown): O[] {
    const sizes = this.paramGroups.map((g) => g.params.length);
    return readSavedGroups(op, value, sizes).map((saved, i) => {
      const where = `${op}: paramGroups[${i}]`;
      const { params: _, ...current } = this.paramGroups[i];
      checkOptions(where, saved as Partial<O>, this.optionChecks());
      return this.resolveGroup(mergeOptions(current, saved), where, false);
    });
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
