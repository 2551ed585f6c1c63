/**
 * Parameter groups, as `torch.optim`'s `param_groups`: an optimizer's parameters come in groups,
 * each with its own resolved options (learning rate, momentum, betas, …) that start from the
 * optimizer's defaults, may be overridden per group, and may be changed by the user or a
 * scheduler between steps. This file reads the constructor's argument into groups and writes /
 * reads the groups' options in a state dict.
 */
import { DataError, DTypeError } from "../errors.js";
import { Parameter } from "../nn/parameter.js";
import { describeValue } from "../options.js";
import type { Scalar } from "../scalar/scalar.js";
import type { Tensor } from "../tensor/tensor.js";

/** A parameter an optimizer can move: a slot holding a Scalar or a Tensor. */
export type Trainable = Parameter<Scalar> | Parameter<Tensor>;

/** The option every optimizer's groups have: the learning rate the step uses. */
export interface GroupOptions {
  lr: number;
}

/**
 * A parameter group as `optimizer.paramGroups` holds it: its parameters and every option
 * resolved. The options may be changed between steps (`for (const g of opt.paramGroups) g.lr = …`);
 * the next step uses, and checks, the new values.
 */
export type ParamGroup<O extends GroupOptions = GroupOptions> = O & {
  /** The group's parameters, in order (their flat index across groups keys the state). */
  readonly params: readonly Trainable[];
};

/** A parameter group as a constructor or `addParamGroup` takes it: parameters and overrides. */
export type ParamGroupSpec<O extends GroupOptions = GroupOptions> = Partial<O> & {
  /** The group's parameters: an iterable of them (`module.parameters()`), or one. */
  params: Iterable<Parameter> | Parameter;
};

/** What an optimizer's constructor takes: parameters (one group), or an array of groups. */
export type ParamsArgument<O extends GroupOptions = GroupOptions> =
  | Iterable<Parameter>
  | readonly ParamGroupSpec<O>[];

/** A group's option as a state dict stores it (betas as a plain array). */
export type SavedOption = number | boolean | string | number[];

/** A group as `stateDict()["paramGroups"]` stores it: its options, and its parameters' flat indices. */
export interface SavedParamGroup {
  params: number[];
  [option: string]: SavedOption;
}

/** A group read from the constructor's argument: its parameters and the options it overrides. */
export interface GroupInput {
  params: Parameter[];
  overrides: Record<string, unknown>;
}

/** Whether `value` is an object literal's kind of object (a group, not a Parameter or an array). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The elements of an iterable argument, or a DTypeError naming what it is instead. */
function elementsOf(op: string, what: string, value: unknown): unknown[] {
  if (
    typeof value === "object" &&
    value !== null &&
    typeof Reflect.get(value, Symbol.iterator) === "function"
  ) {
    return [...(value as Iterable<unknown>)];
  }
  throw new DTypeError(
    `${op}: ${what} must be an iterable of Parameters or of parameter groups, got ${describeValue(value)}`,
  );
}

/** One group object `{params, ...overrides}`, checked: `params` holds Parameters (or is one). */
function readGroup(op: string, group: Record<string, unknown>, index: number): GroupInput {
  const { params, ...overrides } = group;
  const where = `parameter group ${index}`;
  if (params === undefined) throw new DataError(`${op}: ${where} has no "params"`);
  const list = params instanceof Parameter ? [params] : elementsOf(op, `${where}'s params`, params);
  list.forEach((p, i) => {
    if (!(p instanceof Parameter)) {
      throw new DTypeError(
        `${op}: ${where}'s params[${i}] is ${describeValue(p)}, not a Parameter (the optimizer moves Parameter slots)`,
      );
    }
  });
  return { params: list as Parameter[], overrides };
}

/**
 * Reads a constructor's first argument: an iterable of Parameters is one group with no overrides;
 * an array of plain objects `{params, ...overrides}` is one group each. Mixing both is an error.
 */
export function readGroups(
  op: string,
  params: unknown,
): { groups: GroupInput[]; grouped: boolean } {
  if (params instanceof Parameter) {
    throw new DTypeError(
      `${op}: params must be an iterable of Parameters or of parameter groups, got one Parameter; wrap it in an array`,
    );
  }
  const items = elementsOf(op, "params", params);
  if (items.length === 0 || items.every((p) => p instanceof Parameter)) {
    return { groups: [{ params: items as Parameter[], overrides: {} }], grouped: false };
  }
  const groups = items.map((g, i) => {
    if (!isPlainObject(g)) {
      throw new DTypeError(
        `${op}: params[${i}] is ${describeValue(g)}; give either Parameters or parameter groups {params, ...options}, not both`,
      );
    }
    return readGroup(op, g, i);
  });
  return { groups, grouped: true };
}

/** Reads one group for `addParamGroup`. */
export function readOneGroup(op: string, group: unknown, index: number): GroupInput {
  if (!isPlainObject(group)) {
    throw new DTypeError(
      `${op}: expected a parameter group {params, ...options}, got ${describeValue(group)}`,
    );
  }
  return readGroup(op, group, index);
}

/** `{...defaults, ...overrides}`, where an override that is undefined counts as omitted. */
export function mergeOptions(defaults: object, overrides: object): Record<string, unknown> {
  const merged: Record<string, unknown> = Object.fromEntries(Object.entries(defaults));
  const entries: [string, unknown][] = Object.entries(overrides);
  for (const [key, value] of entries) {
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}

/** A resolved option as a state dict stores it: arrays copied, so later changes do not reach it. */
function saved(key: string, value: unknown): SavedOption {
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "string") {
    return value;
  }
  if (Array.isArray(value) && value.every((x) => typeof x === "number")) return [...value];
  throw new DataError(
    `stateDict: option ${key} holds ${describeValue(value)}, which cannot be saved`,
  );
}

/** A group's resolved options and its parameters' flat indices, as a state dict stores them. */
export function saveGroup(options: object, indices: number[]): SavedParamGroup {
  const out: SavedParamGroup = { params: indices };
  const entries: [string, unknown][] = Object.entries(options);
  for (const [key, value] of entries) if (key !== "params") out[key] = saved(key, value);
  return out;
}

/**
 * Checks a state dict's `paramGroups` against the optimizer's groups (as many, each with as many
 * parameters, PyTorch's check) and returns each group's saved options (without `params`).
 */
export function readSavedGroups(
  op: string,
  value: unknown,
  sizes: readonly number[],
): Record<string, unknown>[] {
  if (!Array.isArray(value) || value.length !== sizes.length) {
    throw new DataError(
      `${op}: "paramGroups" must hold ${sizes.length} parameter groups, got ${describeValue(value)}`,
    );
  }
  return value.map((g: unknown, i) => {
    if (!isPlainObject(g)) {
      throw new DataError(`${op}: paramGroups[${i}] must be an object, got ${describeValue(g)}`);
    }
    const { params, ...options } = g;
    if (!Array.isArray(params) || params.length !== sizes[i]) {
      throw new DataError(
        `${op}: paramGroups[${i}] holds ${describeValue(params)} but this optimizer's group ${i} has ${sizes[i]} parameters`,
      );
    }
    return options;
  });
}
