/**
 * `Module`: the base class of every layer and model, with PyTorch's module-tree semantics.
 *
 * TypeScript has no `__setattr__`, so the tree is discovered from the instance's own enumerable
 * fields each time it is asked for: a `Parameter` field is a parameter, a `Module` field is a
 * child, and an array field contributes its `Parameter`/`Module` elements as `field.0`, `field.1`, ….
 * Discovery is lazy on purpose: a subclass's fields are initialised only after the base
 * constructor returns, so nothing can be collected in the constructor. Anything that is not a
 * field (computed names, layers built in a loop) goes through `registerParameter`,
 * `registerModule` and `registerBuffer`.
 */

import type { BackendName } from "../backend/backend.js";
import { BackendError, DataError, ShapeError } from "../errors.js";
import { checkOptions, isBoolean, notSupportedYet, type OptionChecks } from "../options.js";
import { Scalar } from "../scalar/scalar.js";
import { formatShape } from "../strided/shape.js";
import { copyOp } from "../tensor/history_free_ops.js";
import { Tensor } from "../tensor/tensor.js";
import { moduleRepr } from "./module_repr.js";
import { Parameter, shapeOf } from "./parameter.js";

/** Options of `Module.loadStateDict`. */
export interface LoadStateDictOptions {
  /** Reject missing and unexpected keys (default `true`); shape mismatches are always rejected. */
  strict?: boolean;
  /** Adopt the given tensors instead of copying into the parameters: not supported yet (only false). */
  assign?: false;
}

const loadStateDictChecks: OptionChecks<LoadStateDictOptions> = {
  strict: isBoolean,
  assign: notSupportedYet(false),
};

/** What `Module.loadStateDict` found: keys the module wanted but did not get, and keys it ignored. */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * The value a parameter or buffer takes from a state dict: a new leaf with its own copy of the
 * data, in the dtype the module had, so two modules loaded from one dict share neither gradients nor updates.
 */
function freshLeaf(name: string, value: unknown, current: unknown): unknown {
  if (value instanceof Tensor && current instanceof Tensor) {
    if (value.backend !== current.backend) {
      throw new BackendError(
        `loadStateDict: "${name}" is on the ${value.backend} backend but the module's is on ${current.backend}; move it with await t.to("${current.backend}")`,
      );
    }
    // A copy: optimizers update parameters in place, which must not reach the dict's tensors.
    const leaf = copyOp(value, value.shape, current.dtype);
    leaf.requiresGrad = current.requiresGrad;
    return leaf;
  }
  if (value instanceof Scalar) return new Scalar(value.data, { name: value.name });
  return value;
}

/** A module's direct members, discovered fields first, then registered ones. */
interface Members {
  parameters: [string, Parameter][];
  children: [string, Module][];
}

/** `prefix.name`, or `name` at the root (whose prefix is ""). */
function join(prefix: string, name: string): string {
  return prefix === "" ? name : `${prefix}.${name}`;
}

/**
 * Base class of a module tree: subclass it, declare `Parameter` and `Module` fields, and define a
 * `forward` of whatever signature the layer needs (the base declares none, so none is forced).
 */
export class Module {
  /** Whether the module is in training mode (set by `train` / `eval`; layers like Dropout read it). */
  training = true;

  // Registered members live in #private Maps so they never show up as fields during discovery.
  readonly #parameters = new Map<string, Parameter>();
  readonly #modules = new Map<string, Module>();
  readonly #buffers = new Map<string, unknown>();

  /** Adds a parameter under `name` (no dots, not already used) and returns it. */
  registerParameter<V>(name: string, parameter: Parameter<V>): Parameter<V> {
    this.#checkNewName("registerParameter", name);
    this.#parameters.set(name, parameter);
    return parameter;
  }

  /** Adds a child module under `name` (no dots, not already used) and returns it. */
  registerModule<M extends Module>(name: string, module: M): M {
    this.#checkNewName("registerModule", name);
    this.#modules.set(name, module);
    return module;
  }

  /** Adds a non-trainable value (running statistics, say) under `name`, saved in `stateDict`; returns it. */
  registerBuffer<T>(name: string, value: T): T {
    this.#checkNewName("registerBuffer", name);
    this.#buffers.set(name, value);
    return value;
  }

  /** The current value of this module's own buffer `name`. */
  getBuffer(name: string): unknown {
    if (!this.#buffers.has(name)) throw new DataError(`getBuffer: no buffer named "${name}"`);
    return this.#buffers.get(name);
  }

  /** Replaces the value of this module's own, already registered buffer `name`. */
  setBuffer(name: string, value: unknown): void {
    if (!this.#buffers.has(name)) throw new DataError(`setBuffer: no buffer named "${name}"`);
    this.#buffers.set(name, value);
  }

  /** The direct children, each once. */
  children(): Module[] {
    return this.namedChildren().map(([, module]) => module);
  }

  /** The direct children with their names (`l1`, `layers.0`), each once, under its first name. */
  namedChildren(): [string, Module][] {
    const seen = new Set<Module>([this]);
    return this.#members().children.filter(([, module]) => {
      if (seen.has(module)) return false;
      seen.add(module);
      return true;
    });
  }

  /** This module and all its descendants, depth-first pre-order, each once. */
  modules(): Module[] {
    return this.namedModules().map(([, module]) => module);
  }

  /** This module (named "") and all its descendants with dotted names, depth-first pre-order. @task 0.3 */
  namedModules(): [string, Module][] {
    const result: [string, Module][] = [];
    // The memo makes a module reachable twice appear once, and makes cycles terminate.
    const seen = new Set<Module>();
    const visit = (prefix: string, module: Module): void => {
      if (seen.has(module)) return;
      seen.add(module);
      result.push([prefix, module]);
      for (const [name, child] of module.namedChildren()) visit(join(prefix, name), child);
    };
    visit("", this);
    return result;
  }

  /** Every parameter of the tree, each once. */
  parameters(): Parameter[] {
    return this.namedParameters().map(([, parameter]) => parameter);
  }

  /**
   * Every parameter of the tree with its dotted name (`layers.0.weight`), each once under its first
   * name. As in PyTorch, modules are visited in pre-order and each lists its own parameters
   * before its children's.
   * @task 0.3
   */
  namedParameters(): [string, Parameter][] {
    const result: [string, Parameter][] = [];
    // A Parameter is a slot: sharing one between modules ties them, so it is trained (and saved) once.
    const seen = new Set<Parameter>();
    for (const [prefix, module] of this.namedModules()) {
      for (const [name, parameter] of module.#members().parameters) {
        if (seen.has(parameter)) continue;
        seen.add(parameter);
        result.push([join(prefix, name), parameter]);
      }
    }
    return result;
  }

  /** Every registered buffer value of the tree. */
  buffers(): unknown[] {
    return this.namedBuffers().map(([, value]) => value);
  }

  /** Every registered buffer of the tree with its dotted name, modules in pre-order. */
  namedBuffers(): [string, unknown][] {
    return this.#bufferSlots().map(([name, module, local]) => [name, module.#buffers.get(local)]);
  }

  /** Sets training mode on this module and every descendant; returns `this` for chaining. @task 0.3 */
  train(mode = true): this {
    for (const module of this.modules()) module.training = mode;
    return this;
  }

  /** Sets evaluation mode (`train(false)`) on the whole tree; returns `this`. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Moves every tensor parameter and buffer to `backend` (PyTorch's `module.to(device)`), in
   * place: each `Parameter` keeps its identity and gets the moved tensor, so build optimizers
   * after moving. Asynchronous, as `Tensor.to(backend)` is (a GPU copy is read back or uploaded).
   */
  async to(backend: BackendName | string): Promise<this> {
    for (const p of this.parameters()) {
      const value: unknown = p.value;
      if (value instanceof Tensor) p.update(await value.to(backend));
    }
    for (const [, module, local] of this.#bufferSlots()) {
      const value = module.#buffers.get(local);
      if (value instanceof Tensor) module.#buffers.set(local, await value.to(backend));
    }
    return this;
  }

  /** Calls `fn` on every descendant and then on this module (PyTorch's order); returns `this`. */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /** Sets `requiresGrad` on every tensor parameter (freeze with false); returns `this`. */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) {
      const value: unknown = p.value;
      if (value instanceof Tensor) value.requiresGrad_(flag);
    }
    return this;
  }

  /** Clears the gradient of every tensor parameter (PyTorch's `set_to_none`). */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      const value: unknown = p.value;
      if (value instanceof Tensor) value.zeroGrad();
    }
  }

  /**
   * The settings shown beside the module's name when it is printed (PyTorch's `extra_repr`, e.g.
   * `in_features=3, out_features=2, bias=True`); "" for none. Layers override it.
   */
  extraRepr(): string {
    return "";
  }

  /** The module tree as PyTorch prints it: `Net(\n  (fc): Linear(…)\n)` (see module_repr.ts). */
  toString(): string {
    return moduleRepr(this);
  }

  /** What `console.log(module)` shows in Node: the same as `toString()`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return moduleRepr(this);
  }

  /**
   * Dotted name → value for every parameter and buffer, in PyTorch's order: modules in pre-order,
   * each giving its own parameters and then its own buffers (a plain object, in that order).
   */
  stateDict(): Record<string, unknown> {
    const entries: [string, unknown][] = [];
    const seen = new Set<Parameter>();
    for (const [prefix, module] of this.namedModules()) {
      for (const [name, parameter] of module.#members().parameters) {
        if (seen.has(parameter)) continue;
        seen.add(parameter);
        entries.push([join(prefix, name), parameter.value]);
      }
      for (const [name, value] of module.#buffers) entries.push([join(prefix, name), value]);
    }
    // fromEntries defines own properties, so even a key like "__proto__" stays an ordinary key.
    return Object.fromEntries(entries);
  }

  /**
   * Loads values saved by `stateDict`. Everything is validated before anything changes, so a
   * rejected load leaves the module exactly as it was. `strict` (default) rejects missing and
   * unexpected keys with one `DataError` naming them all; a shape mismatch is always a `ShapeError`.
   */
  loadStateDict(
    stateDict: Record<string, unknown>,
    options: LoadStateDictOptions = {},
  ): LoadStateDictResult {
    checkOptions("loadStateDict", options, loadStateDictChecks);
    const strict = options.strict ?? true;
    const parameters = this.namedParameters();
    const buffers = this.#bufferSlots();
    const expected = new Set<string>([
      ...parameters.map(([name]) => name),
      ...buffers.map(([name]) => name),
    ]);
    // Own keys only: a key inherited from Object.prototype ("constructor") is not in the file.
    const has = (key: string): boolean => Object.hasOwn(stateDict, key);
    const missingKeys = [...expected].filter((key) => !has(key));
    const unexpectedKeys = Object.keys(stateDict).filter((key) => !expected.has(key));
    if (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0)) {
      const parts: string[] = [];
      if (missingKeys.length > 0) parts.push(`missing keys ${JSON.stringify(missingKeys)}`);
      if (unexpectedKeys.length > 0)
        parts.push(`unexpected keys ${JSON.stringify(unexpectedKeys)}`);
      throw new DataError(`loadStateDict: ${parts.join("; ")}`);
    }

    const current: [string, unknown][] = [
      ...parameters.map(([name, p]): [string, unknown] => [name, p.value]),
      ...buffers.map(([name, module, local]): [string, unknown] => [
        name,
        module.#buffers.get(local),
      ]),
    ];
    for (const [name, value] of current) {
      if (!has(name)) continue;
      const mine = shapeOf(value);
      const theirs = shapeOf(stateDict[name]);
      if (mine.length !== theirs.length || mine.some((d, i) => d !== theirs[i])) {
        throw new ShapeError(
          `loadStateDict: "${name}" has shape ${formatShape(theirs)} in the state dict ` +
            `but ${formatShape(mine)} in the module`,
        );
      }
    }

    for (const [name, parameter] of parameters) {
      if (has(name)) parameter.update(freshLeaf(name, stateDict[name], parameter.value));
    }
    for (const [name, module, local] of buffers) {
      // Copied as parameters are (PyTorch's `buffer.copy_`): running statistics updated in place
      // must not write into the caller's dict.
      if (has(name)) {
        module.#buffers.set(local, freshLeaf(name, stateDict[name], module.#buffers.get(local)));
      }
    }
    return { missingKeys, unexpectedKeys };
  }

  /**
   * This module's direct parameters and children: discovered fields, then registered members.
   * `Object.entries` lists own string keys in creation order (after any integer-like keys), and
   * class fields are created in declaration order, base class first — so this is declaration order.
   */
  #members(): Members {
    const members: Members = { parameters: [], children: [] };
    const add = (name: string, value: unknown): void => {
      if (value instanceof Parameter) members.parameters.push([name, value]);
      else if (value instanceof Module) members.children.push([name, value]);
    };
    const fields: [string, unknown][] = Object.entries(this);
    for (const [field, value] of fields) {
      if (!Array.isArray(value)) {
        add(field, value);
        continue;
      }
      const items: unknown[] = value;
      for (const [i, item] of items.entries()) add(`${field}.${i}`, item);
    }
    members.parameters.push(...this.#parameters);
    members.children.push(...this.#modules);
    return members;
  }

  /**
   * Every buffer of the tree as [dotted name, owning module, local name]. Buffers are not
   * deduplicated by value: a buffer may be a plain number, so identity means nothing; each
   * (module, name) slot is listed once because each module is visited once.
   */
  #bufferSlots(): [string, Module, string][] {
    const slots: [string, Module, string][] = [];
    for (const [prefix, module] of this.namedModules()) {
      for (const local of module.#buffers.keys()) slots.push([join(prefix, local), module, local]);
    }
    return slots;
  }

  /** Throws a `DataError` unless `name` is non-empty, dot-free and not yet a member or property. */
  #checkNewName(op: string, name: string): void {
    if (name === "") throw new DataError(`${op}: the name must not be empty`);
    if (name.includes(".")) throw new DataError(`${op}: name "${name}" must not contain "."`);
    // `in` also covers fields and methods ("training", "train"), which a member must not shadow.
    if (
      name in this ||
      this.#parameters.has(name) ||
      this.#modules.has(name) ||
      this.#buffers.has(name)
    ) {
      throw new DataError(`${op}: name "${name}" is already used`);
    }
  }
}
