import { Conv2d } from "../nn/conv.js";
import { maxPool2d } from "../nn/functional/pooling.js";
import { Linear } from "../nn/linear.js";
import { Module } from "../nn/module.js";
import {
  checkedWhereUsed,
  checkOptions,
  instanceOf,
  isPositiveInteger,
  type OptionChecks,
} from "../options.js";
import { defaultGenerator, Random } from "../random.js";
import type { Tensor } from "../tensor/tensor.js";

/** Options of `LeNet`. */
export interface LeNetOptions {
  /** Channels of the two convolutions (default [16, 32]). */
  channels?: [number, number];
  /** Width of the hidden linear layer (default 128). */
  hidden?: number;
  /** Classes to score (default 10). */
  classes?: number;
  /**
   * Mean and standard deviation the pixels are normalised with before the first layer (default
   * MNIST's training statistics, 0.1307 and 0.3081): zero-mean, unit-variance inputs let Adam
   * take useful steps from the first batch.
   */
  normalize?: [number, number];
  /** Generator for the initial weights (default: the global one, seeded by `manualSeed`). */
  rng?: Random;
}

/** The channels are checked by the convolutions that use them. */
const leNetChecks: OptionChecks<LeNetOptions> = {
  channels: checkedWhereUsed,
  hidden: isPositiveInteger,
  classes: isPositiveInteger,
  normalize: (v) =>
    Array.isArray(v) && v.length === 2 && v.every(Number.isFinite) && v[1] !== 0
      ? null
      : "must be a pair [mean, std] of finite numbers with std ≠ 0",
  rng: instanceOf(Random, "a Random"),
};

/**
 * A LeNet-style convolutional network for 28×28 grey images, as the course's module 4 builds it:
 * conv 5×5 → ReLU → 2×2 max-pool, twice, then two linear layers.
 *
 *   [N, 1, 28, 28] → (x − mean) / std → conv1 → [N, c1, 24, 24] → pool → [N, c1, 12, 12]
 *                  → conv2 → [N, c2, 8, 8]   → pool → [N, c2, 4, 4] → flatten [N, 16·c2]
 *                  → fc1 → ReLU → [N, hidden] → fc2 → [N, classes] (logits)
 *
 * State-dict names are PyTorch's for the same module (`conv1.weight` [c1, 1, 5, 5], `fc2.bias`
 * [classes], …), so its weights load into an equivalent `torch.nn.Module` and back.
 */
export class LeNet extends Module {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly fc1: Linear;
  readonly fc2: Linear;
  /** The input normalisation (mean, std): part of the model, so training and prediction agree. */
  readonly normalize: readonly [number, number];

  constructor(options: LeNetOptions = {}) {
    super();
    checkOptions("LeNet", options, leNetChecks);
    const [c1, c2] = options.channels ?? [16, 32];
    const hidden = options.hidden ?? 128;
    const rng = options.rng ?? defaultGenerator();
    this.normalize = options.normalize ?? [0.1307, 0.3081];
    this.conv1 = new Conv2d(1, c1, 5, { rng });
    this.conv2 = new Conv2d(c1, c2, 5, { rng });
    this.fc1 = new Linear(c2 * 4 * 4, hidden, { rng });
    this.fc2 = new Linear(hidden, options.classes ?? 10, { rng });
  }

  /**
   * Images [N, 1, 28, 28] with pixels in 0..1 → logits [N, classes], a score per class:
   * normalised, then the layers in the order drawn above LeNet.
   * @task 4.5
   */
  forward(x: Tensor): Tensor {
    const [mean, std] = this.normalize;
    // Pooling before ReLU: max(relu(x)) = relu(max(x)) exactly (and so are their gradients), but
    // the ReLU then runs on a quarter of the values.
    const a = maxPool2d(this.conv1.forward(x.sub(mean).div(std)), 2).relu();
    const b = maxPool2d(this.conv2.forward(a), 2).relu();
    const flat = b.view(b.shape[0], -1);
    return this.fc2.forward(this.fc1.forward(flat).relu());
  }
}
