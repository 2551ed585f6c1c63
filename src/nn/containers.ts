import { DataError } from "../errors.js";
import { Module } from "./module.js";

/**
 * PyTorch's module containers. `ModuleList` holds modules in order under "0", "1", … (so their
 * parameters are `0.weight`, `1.bias`, … as in PyTorch); `ModuleDict` holds them under string keys
 * in insertion order. Neither has a `forward`: the enclosing module says how they are used.
 */
export class ModuleList<M extends Module = Module> extends Module {
  // Private, so module discovery sees only the registered children (not a `field.0` copy).
  readonly #items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    this.extend(modules);
  }

  /** Number of modules. */
  get length(): number {
    return this.#items.length;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): M {
    const n = this.#items.length;
    const i = index < 0 ? index + n : index;
    if (!Number.isInteger(index) || i < 0 || i >= n) {
      throw new DataError(`ModuleList.at: index ${index} is out of range for ${n} modules`);
    }
    return this.#items[i];
  }

  /** Adds `module` at the end (registered as the next number); returns `this`. */
  append(module: M): this {
    if (!(module instanceof Module)) {
      throw new DataError(`ModuleList.append: expected a Module, got ${String(module)}`);
    }
    this.registerModule(String(this.#items.length), module);
    this.#items.push(module);
    return this;
  }

  /** Appends every module of `modules`; returns `this`. */
  extend(modules: Iterable<M>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** The modules in order. */
  [Symbol.iterator](): Iterator<M> {
    return this.#items[Symbol.iterator]();
  }
}

export class ModuleDict<M extends Module = Module> extends Module {
  readonly #items = new Map<string, M>();

  constructor(modules: Record<string, M> | Iterable<[string, M]> = {}) {
    super();
    const entries = Symbol.iterator in modules ? modules : Object.entries(modules);
    for (const [key, module] of entries as Iterable<[string, M]>) this.set(key, module);
  }

  /** Number of modules. */
  get size(): number {
    return this.#items.size;
  }

  /** Whether `key` holds a module. */
  has(key: string): boolean {
    return this.#items.has(key);
  }

  /** The module under `key`; a DataError naming the keys there are when it holds none. */
  get(key: string): M {
    const module = this.#items.get(key);
    if (module === undefined) {
      throw new DataError(
        `ModuleDict.get: no module under "${key}"; it has ${JSON.stringify([...this.#items.keys()])}`,
      );
    }
    return module;
  }

  /**
   * Adds `module` under a new `key` (a name as `registerModule` takes: no dots, not a method's
   * name); replacing a key is not supported (its parameters would stay registered).
   */
  set(key: string, module: M): this {
    if (!(module instanceof Module)) {
      throw new DataError(
        `ModuleDict.set: expected a Module under "${key}", got ${String(module)}`,
      );
    }
    this.registerModule(key, module);
    this.#items.set(key, module);
    return this;
  }

  keys(): IterableIterator<string> {
    return this.#items.keys();
  }

  values(): IterableIterator<M> {
    return this.#items.values();
  }

  entries(): IterableIterator<[string, M]> {
    return this.#items.entries();
  }

  [Symbol.iterator](): Iterator<[string, M]> {
    return this.#items.entries();
  }
}
