import { DataError } from "../errors.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";

/** A module that maps one tensor to one tensor: what `Sequential` chains. */
export interface TensorModule extends Module {
  forward(x: Tensor): Tensor;
}

/**
 * A chain of modules, as `torch.nn.Sequential`: `forward(x)` feeds x through each in order. The
 * children are registered under "0", "1", …, so parameter names and state-dict keys are
 * `0.weight`, `2.bias`, … as in PyTorch.
 */
export class Sequential extends Module {
  // Private, so module discovery sees only the registered children (not a `field.0` copy).
  readonly #layers: TensorModule[] = [];

  constructor(...modules: TensorModule[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Number of modules in the chain. */
  get length(): number {
    return this.#layers.length;
  }

  /** The module at position `index` (negative counts from the end, as `Array.prototype.at`). */
  at(index: number): TensorModule {
    const n = this.#layers.length;
    const i = index < 0 ? index + n : index;
    if (!Number.isInteger(index) || i < 0 || i >= n) {
      throw new DataError(`Sequential.at: index ${index} is out of range for ${n} modules`);
    }
    return this.#layers[i];
  }

  /** Adds `module` at the end (registered as the next number) and returns `this`. */
  append(module: TensorModule): this {
    this.registerModule(String(this.#layers.length), module);
    this.#layers.push(module);
    return this;
  }

  /** x through every module in order (x itself when the chain is empty). */
  forward(x: Tensor): Tensor {
    let y = x;
    for (const layer of this.#layers) y = layer.forward(y);
    return y;
  }

  /** The modules in order. */
  [Symbol.iterator](): Iterator<TensorModule> {
    return this.#layers[Symbol.iterator]();
  }
}
