import { ShapeError } from "../errors.js";
import { checkOptions } from "../options.js";
import type { Random } from "../random.js";
import { formatShape, normalizeDim } from "../strided/shape.js";
import type { Tensor } from "../tensor/tensor.js";
import {
  checkDropProbability,
  type DropoutOptions,
  dropout,
  dropoutChecks,
} from "./functional/dropout.js";
import { Module } from "./module.js";

/** max(x, 0) elementwise, as a Module (`torch.nn.ReLU`). */
export class ReLU extends Module {
  /** x → relu(x), any shape. */
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

/** 1 / (1 + e⁻ˣ) elementwise, as a Module (`torch.nn.Sigmoid`). */
export class Sigmoid extends Module {
  /** x → sigmoid(x), any shape. */
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

/**
 * Merges dims `startDim`..`endDim` (inclusive, negative counts from the end) into one, as
 * `torch.nn.Flatten`: by default [N, C, H, W] → [N, C·H·W], keeping the batch dim.
 */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;

  constructor(startDim = 1, endDim = -1) {
    super();
    this.startDim = startDim;
    this.endDim = endDim;
  }

  /** PyTorch's `start_dim=1, end_dim=-1`. */
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }

  /** x [..., d_start, …, d_end, ...] → [..., d_start·…·d_end, ...] (a view when x is contiguous). */
  forward(x: Tensor): Tensor {
    const ndim = Math.max(x.ndim, 1);
    const start = normalizeDim(this.startDim, ndim, "Flatten");
    const end = normalizeDim(this.endDim, ndim, "Flatten");
    if (start > end) {
      throw new ShapeError(
        `Flatten: startDim ${this.startDim} comes after endDim ${this.endDim} for an input of shape ${formatShape(x.shape)}`,
      );
    }
    const shape = x.ndim === 0 ? [1] : x.shape;
    const merged = shape.slice(start, end + 1).reduce((a, b) => a * b, 1);
    return x.reshape([...shape.slice(0, start), merged, ...shape.slice(end + 1)]);
  }
}

/** Options of `Dropout`: those of `dropout` (`rng` is used at each call, default the global one). */
export type DropoutLayerOptions = DropoutOptions;

/**
 * Inverted dropout as a Module (`torch.nn.Dropout`): in training mode (`train()`, the default)
 * zeroes each element with probability `p` and scales the rest by 1/(1 − p); after `eval()` it
 * returns its input unchanged.
 */
export class Dropout extends Module {
  readonly p: number;
  readonly #rng: Random | undefined;

  constructor(p = 0.5, options: DropoutLayerOptions = {}) {
    super();
    checkOptions("Dropout", options, dropoutChecks);
    checkDropProbability("Dropout", p);
    this.p = p;
    this.#rng = options.rng;
  }

  /** PyTorch's `p=0.25, inplace=False`. */
  override extraRepr(): string {
    return `p=${this.p}, inplace=False`;
  }

  /** x → dropout(x, p, training), any shape. */
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, { rng: this.#rng });
  }
}
