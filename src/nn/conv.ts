import { DataError } from "../errors.js";
import {
  checkOptions,
  instanceOf,
  isBoolean,
  notSupportedYet,
  type OptionChecks,
} from "../options.js";
import { defaultGenerator, Random } from "../random.js";
import type { Tensor } from "../tensor/tensor.js";
import {
  type Conv1dOptions,
  type Conv2dOptions,
  conv1d,
  conv1dChecks,
  conv2d,
  conv2dChecks,
} from "./functional/conv.js";
import { uniformParameter } from "./init.js";
import { Module } from "./module.js";
import type { Parameter } from "./parameter.js";

/** Options of `Conv2d`: the window's stride and padding, plus how the parameters are made. */
export interface Conv2dLayerOptions extends Conv2dOptions {
  /** Add a learned bias (default true). */
  bias?: boolean;
  /** Generator for the initial weights (default: the global one, seeded by `manualSeed`). */
  rng?: Random;
  /** What pads the input: only "zeros", PyTorch's default, is supported yet. */
  paddingMode?: "zeros";
}

/** Options of `Conv1d`: the window's stride and padding, plus how the parameters are made. */
export interface Conv1dLayerOptions extends Conv1dOptions {
  /** Add a learned bias (default true). */
  bias?: boolean;
  /** Generator for the initial weights (default: the global one, seeded by `manualSeed`). */
  rng?: Random;
  /** What pads the input: only "zeros", PyTorch's default, is supported yet. */
  paddingMode?: "zeros";
}

/** What the layers add to their function's options: how the parameters are made. */
const layerChecks: OptionChecks<Omit<Conv2dLayerOptions, keyof Conv2dOptions>> = {
  bias: isBoolean,
  rng: instanceOf(Random, "a Random"),
  paddingMode: notSupportedYet("zeros"),
};

const conv2dLayerChecks: OptionChecks<Conv2dLayerOptions> = { ...conv2dChecks, ...layerChecks };
const conv1dLayerChecks: OptionChecks<Conv1dLayerOptions> = { ...conv1dChecks, ...layerChecks };

/** A positive integer size argument, or a DataError naming it. */
function checkSize(layer: string, name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new DataError(`${layer}: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Weight [out, in, …kernel] and bias [out], both uniform in ±1/√fan_in with fan_in = in·Π kernel
 * (PyTorch's default initialisation for convolutions).
 */
function convParameters(
  inChannels: number,
  outChannels: number,
  kernel: number[],
  bias: boolean,
  rng: Random,
): [Parameter<Tensor>, Parameter<Tensor> | null] {
  const fanIn = inChannels * kernel.reduce((a, b) => a * b, 1);
  const bound = 1 / Math.sqrt(fanIn);
  const weight = uniformParameter([outChannels, inChannels, ...kernel], bound, rng);
  return [weight, bias ? uniformParameter([outChannels], bound, rng) : null];
}

/**
 * A 2-D convolution layer, as PyTorch's `nn.Conv2d` (groups and dilation only 1 yet): `weight`
 * [out, in, kh, kw], `bias` [out]; `forward` maps [N, in, H, W] to [N, out, OH, OW].
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: number | [number, number];
  readonly padding: number | [number, number];
  readonly weight: Parameter<Tensor>;
  readonly bias: Parameter<Tensor> | null;

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | [number, number],
    options: Conv2dLayerOptions = {},
  ) {
    super();
    checkOptions("Conv2d", options, conv2dLayerChecks);
    this.inChannels = checkSize("Conv2d", "inChannels", inChannels);
    this.outChannels = checkSize("Conv2d", "outChannels", outChannels);
    const [kh, kw] = typeof kernelSize === "number" ? [kernelSize, kernelSize] : kernelSize;
    this.kernelSize = [
      checkSize("Conv2d", "kernel height", kh),
      checkSize("Conv2d", "kernel width", kw),
    ];
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    [this.weight, this.bias] = convParameters(
      inChannels,
      outChannels,
      this.kernelSize,
      options.bias !== false,
      options.rng ?? defaultGenerator(),
    );
  }

  /** PyTorch's `1, 16, kernel_size=(5, 5), stride=(1, 1)` (with padding and bias when not default). */
  override extraRepr(): string {
    const pair = (v: number | [number, number]) => (typeof v === "number" ? [v, v] : v).join(", ");
    const parts = [
      `${this.inChannels}, ${this.outChannels}`,
      `kernel_size=(${pair(this.kernelSize)})`,
    ];
    parts.push(`stride=(${pair(this.stride)})`);
    if (pair(this.padding) !== "0, 0") parts.push(`padding=(${pair(this.padding)})`);
    if (this.bias === null) parts.push("bias=False");
    return parts.join(", ");
  }

  /** x [N, in, H, W] → [N, out, OH, OW]. */
  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight.value, this.bias?.value ?? null, {
      stride: this.stride,
      padding: this.padding,
    });
  }
}

/**
 * A 1-D convolution layer, as PyTorch's `nn.Conv1d` (groups and dilation only 1 yet): `weight`
 * [out, in, k], `bias` [out]; `forward` maps [N, in, L] to [N, out, OL].
 */
export class Conv1d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly weight: Parameter<Tensor>;
  readonly bias: Parameter<Tensor> | null;

  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number,
    options: Conv1dLayerOptions = {},
  ) {
    super();
    checkOptions("Conv1d", options, conv1dLayerChecks);
    this.inChannels = checkSize("Conv1d", "inChannels", inChannels);
    this.outChannels = checkSize("Conv1d", "outChannels", outChannels);
    this.kernelSize = checkSize("Conv1d", "kernelSize", kernelSize);
    this.stride = options.stride ?? 1;
    this.padding = options.padding ?? 0;
    [this.weight, this.bias] = convParameters(
      inChannels,
      outChannels,
      [kernelSize],
      options.bias !== false,
      options.rng ?? defaultGenerator(),
    );
  }

  /** x [N, in, L] → [N, out, OL]. */
  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight.value, this.bias?.value ?? null, {
      stride: this.stride,
      padding: this.padding,
    });
  }
}
