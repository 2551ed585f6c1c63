import { DataError } from "../errors.js";
import {
  checkOptions,
  instanceOf,
  isBoolean,
  type OptionCheck,
  type OptionChecks,
} from "../options.js";
import { defaultGenerator, Random } from "../random.js";
import type { Tensor } from "../tensor/tensor.js";
import { convolve } from "./functional/conv.js";
import {
  type Conv1dOptions,
  type Conv2dOptions,
  type ConvSpec,
  conv2dChecks,
  resolveConv,
} from "./functional/conv_options.js";
import { pad } from "./functional/padding.js";
import { uniformParameter } from "./init.js";
import { Module } from "./module.js";
import type { Parameter } from "./parameter.js";

/** How a convolution layer pads its input: zeros (PyTorch's default) or from the input itself. */
export type PaddingMode = "zeros" | "reflect" | "replicate" | "circular";

/** What the layers add to their function's options: the padding mode and the parameters. */
interface LayerExtras {
  /** Add a learned bias (default true). */
  bias?: boolean;
  /** Generator for the initial weights (default: the global one, seeded by `manualSeed`). */
  rng?: Random;
  /** What fills the padding: "zeros" (default), "reflect", "replicate" or "circular". */
  paddingMode?: PaddingMode;
}

/** Options of `Conv2d`: `conv2d`'s, plus the padding mode and how the parameters are made. */
export interface Conv2dLayerOptions extends Conv2dOptions, LayerExtras {}

/** Options of `Conv1d`: `conv1d`'s, plus the padding mode and how the parameters are made. */
export interface Conv1dLayerOptions extends Conv1dOptions, LayerExtras {}

const paddingModes: readonly PaddingMode[] = ["zeros", "reflect", "replicate", "circular"];
const isPaddingMode: OptionCheck = (v) =>
  paddingModes.includes(v as PaddingMode)
    ? null
    : `must be one of ${paddingModes.map((m) => `"${m}"`).join(", ")}`;

/** The checks of the layers' own options. */
export const layerChecks: OptionChecks<LayerExtras> = {
  bias: isBoolean,
  rng: instanceOf(Random, "a Random"),
  paddingMode: isPaddingMode,
};

const convLayerChecks: OptionChecks<Conv2dLayerOptions> = { ...conv2dChecks, ...layerChecks };

/** A positive integer size argument, or a DataError naming it. */
export function checkSize(layer: string, name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new DataError(`${layer}: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** The kernel size as one positive integer per spatial dim (PyTorch's int or tuple). */
export function kernelOf(layer: string, kernelSize: unknown, rank: 1 | 2): number[] {
  const sizes: unknown[] =
    typeof kernelSize === "number"
      ? new Array<unknown>(rank).fill(kernelSize)
      : Array.isArray(kernelSize) && kernelSize.length === rank
        ? kernelSize
        : [Number.NaN];
  const names = rank === 2 ? ["kernel height", "kernel width"] : ["kernelSize"];
  return sizes.map((k, i) => checkSize(layer, names[i] ?? "kernelSize", Number(k)));
}

/** Channels that split into `groups` blocks, or a DataError naming both (PyTorch's check). */
export function checkGroups(layer: string, inChannels: number, outChannels: number, g: number) {
  for (const [name, channels] of [
    ["inChannels", inChannels],
    ["outChannels", outChannels],
  ] as const) {
    if (channels % g !== 0) {
      throw new DataError(`${layer}: ${name} (${channels}) must be divisible by groups (${g})`);
    }
  }
}

/**
 * Weight `shape` and bias [biasSize], both uniform in ±1/√fan_in with fan_in = shape[1]·Π kernel
 * (PyTorch's default initialisation for convolutions, transposed ones included).
 */
export function convParameters(
  shape: number[],
  biasSize: number,
  bias: boolean,
  rng: Random,
): [Parameter<Tensor>, Parameter<Tensor> | null] {
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  const bound = 1 / Math.sqrt(fanIn);
  const weight = uniformParameter(shape, bound, rng);
  return [weight, bias ? uniformParameter([biasSize], bound, rng) : null];
}

/** A tuple as Python prints it: `(3, 3)`, `(3,)`. */
export function pyTuple(values: readonly number[]): string {
  return values.length === 1 ? `(${values[0]},)` : `(${values.join(", ")})`;
}

/** The settings every convolution layer prints, in PyTorch's order, the defaults left out. */
export interface ReprSettings {
  inChannels: number;
  outChannels: number;
  kernelSize: readonly number[];
  stride: readonly number[];
  padding: readonly number[] | string;
  dilation: readonly number[];
  outputPadding?: readonly number[];
  groups: number;
  bias: boolean;
  paddingMode: PaddingMode;
}

/** PyTorch's `_ConvNd.extra_repr`: `3, 8, kernel_size=(3, 3), stride=(1, 1)` and the rest. */
export function convRepr(s: ReprSettings): string {
  const parts = [
    `${s.inChannels}, ${s.outChannels}`,
    `kernel_size=${pyTuple(s.kernelSize)}`,
    `stride=${pyTuple(s.stride)}`,
  ];
  if (typeof s.padding === "string") parts.push(`padding=${s.padding}`);
  else if (s.padding.some((v) => v !== 0)) parts.push(`padding=${pyTuple(s.padding)}`);
  if (s.dilation.some((v) => v !== 1)) parts.push(`dilation=${pyTuple(s.dilation)}`);
  if (s.outputPadding?.some((v) => v !== 0)) {
    parts.push(`output_padding=${pyTuple(s.outputPadding)}`);
  }
  if (s.groups !== 1) parts.push(`groups=${s.groups}`);
  if (!s.bias) parts.push("bias=False");
  if (s.paddingMode !== "zeros") parts.push(`padding_mode=${s.paddingMode}`);
  return parts.join(", ");
}

/**
 * What Conv1d and Conv2d share (PyTorch's `_ConvNd`): the settings, resolved once, the
 * parameters, and the padding modes other than zeros, which pad the input with `F.pad` and then
 * convolve with no padding, as PyTorch does.
 */
abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  /** Per spatial dim, or PyTorch's "same" / "valid". */
  readonly padding: number[] | "same" | "valid";
  readonly dilation: number[];
  readonly groups: number;
  readonly paddingMode: PaddingMode;
  readonly weight: Parameter<Tensor>;
  readonly bias: Parameter<Tensor> | null;
  readonly #spec: ConvSpec;

  constructor(
    layer: string,
    rank: 1 | 2,
    channels: [inChannels: number, outChannels: number],
    kernelSize: unknown,
    options: Conv2dLayerOptions | Conv1dLayerOptions,
  ) {
    super();
    checkOptions(layer, options, convLayerChecks);
    this.inChannels = checkSize(layer, "inChannels", channels[0]);
    this.outChannels = checkSize(layer, "outChannels", channels[1]);
    this.kernelSize = kernelOf(layer, kernelSize, rank);
    this.#spec = resolveConv(layer, options, this.kernelSize);
    const { stride, dilation, groups, padding } = this.#spec;
    checkGroups(layer, this.inChannels, this.outChannels, groups);
    [this.stride, this.dilation, this.groups] = [[...stride], [...dilation], groups];
    this.padding = typeof padding === "string" ? padding : [...padding];
    this.paddingMode = options.paddingMode ?? "zeros";
    [this.weight, this.bias] = convParameters(
      [this.outChannels, this.inChannels / groups, ...this.kernelSize],
      this.outChannels,
      options.bias !== false,
      options.rng ?? defaultGenerator(),
    );
  }

  /** PyTorch's `3, 8, kernel_size=(3, 3), stride=(1, 1)`, with the settings that are not default. */
  override extraRepr(): string {
    return convRepr({
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      groups: this.groups,
      bias: this.bias !== null,
      paddingMode: this.paddingMode,
    });
  }

  /** x [N, in, …spatial] → [N, out, …out spatial]. */
  forward(x: Tensor): Tensor {
    const rank = this.kernelSize.length === 2 ? 2 : 1;
    const op = rank === 2 ? "conv2d" : "conv1d";
    const w = this.weight.value;
    const b = this.bias?.value ?? null;
    const spec = this.#spec;
    if (this.paddingMode === "zeros") return convolve(op, rank, x, w, b, spec);
    // F.pad takes (before, after) pairs from the last dim backwards.
    const pairs = spec.padBefore.flatMap((before, i) => [spec.padAfter[i], before]).reverse();
    const padded = pad(x, pairs, { mode: this.paddingMode });
    const none = spec.padBefore.map(() => 0);
    return convolve(op, rank, padded, w, b, { ...spec, padBefore: none, padAfter: none });
  }
}

/**
 * A 2-D convolution layer, as PyTorch's `nn.Conv2d`: `weight` [out, in/groups, kh, kw], `bias`
 * [out]; `forward` maps [N, in, H, W] to [N, out, OH, OW].
 */
export class Conv2d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly [number, number],
    options: Conv2dLayerOptions = {},
  ) {
    super("Conv2d", 2, [inChannels, outChannels], kernelSize, options);
  }
}

/**
 * A 1-D convolution layer, as PyTorch's `nn.Conv1d`: `weight` [out, in/groups, k], `bias` [out];
 * `forward` maps [N, in, L] to [N, out, OL].
 */
export class Conv1d extends ConvNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly [number],
    options: Conv1dLayerOptions = {},
  ) {
    super("Conv1d", 1, [inChannels, outChannels], kernelSize, options);
  }
}
