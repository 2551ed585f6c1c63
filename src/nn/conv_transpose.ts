import { DataError } from "../errors.js";
import { checkOptions, type OptionCheck, type OptionChecks } from "../options.js";
import type { Random } from "../random.js";
import { defaultGenerator } from "../random.js";
import type { Tensor } from "../tensor/tensor.js";
import { checkGroups, checkSize, convParameters, convRepr, kernelOf, layerChecks } from "./conv.js";
import {
  type ConvTranspose1dOptions,
  type ConvTranspose2dOptions,
  type ConvTransposeSpec,
  convolveTransposed,
  convTranspose2dChecks,
  resolveTranspose,
} from "./functional/conv_transpose.js";
import { Module } from "./module.js";
import type { Parameter } from "./parameter.js";

/** What the transposed layers add to their function's options. */
interface TransposeExtras {
  /** Add a learned bias (default true). */
  bias?: boolean;
  /** Generator for the initial weights (default: the global one, seeded by `manualSeed`). */
  rng?: Random;
  /** Only "zeros": PyTorch's transposed convolutions have no other padding mode. */
  paddingMode?: "zeros";
}

/** Options of `ConvTranspose2d`: `convTranspose2d`'s, plus how the parameters are made. */
export interface ConvTranspose2dLayerOptions extends ConvTranspose2dOptions, TransposeExtras {}

/** Options of `ConvTranspose1d`: `convTranspose1d`'s, plus how the parameters are made. */
export interface ConvTranspose1dLayerOptions extends ConvTranspose1dOptions, TransposeExtras {}

const onlyZeros: OptionCheck = (v) =>
  v === "zeros"
    ? null
    : 'must be "zeros": PyTorch supports only "zeros" padding mode for transposed convolutions';

const transposeLayerChecks: OptionChecks<ConvTranspose2dLayerOptions> = {
  ...convTranspose2dChecks,
  ...layerChecks,
  paddingMode: onlyZeros,
};

/**
 * What ConvTranspose1d and ConvTranspose2d share (PyTorch's `_ConvTransposeNd`): `weight`
 * [in, out/groups, …kernel] (transposed with respect to a convolution's), `bias` [out], both
 * uniform in ±1/√fan_in with fan_in = (out/groups)·Π kernel, as PyTorch computes it.
 */
abstract class ConvTransposeNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[];
  readonly outputPadding: number[];
  readonly dilation: number[];
  readonly groups: number;
  readonly paddingMode = "zeros" as const;
  readonly weight: Parameter<Tensor>;
  readonly bias: Parameter<Tensor> | null;
  readonly #spec: ConvTransposeSpec;
  readonly #op: string;

  constructor(
    layer: string,
    rank: 1 | 2,
    channels: [inChannels: number, outChannels: number],
    kernelSize: unknown,
    options: ConvTranspose2dLayerOptions | ConvTranspose1dLayerOptions,
  ) {
    super();
    checkOptions(layer, options, transposeLayerChecks);
    this.inChannels = checkSize(layer, "inChannels", channels[0]);
    this.outChannels = checkSize(layer, "outChannels", channels[1]);
    this.kernelSize = kernelOf(layer, kernelSize, rank);
    this.#spec = resolveTranspose(layer, options, rank);
    this.#op = rank === 2 ? "convTranspose2d" : "convTranspose1d";
    const { stride, padding, outputPadding, dilation, groups } = this.#spec;
    checkGroups(layer, this.inChannels, this.outChannels, groups);
    [this.stride, this.padding, this.outputPadding] = [
      [...stride],
      [...padding],
      [...outputPadding],
    ];
    [this.dilation, this.groups] = [[...dilation], groups];
    [this.weight, this.bias] = convParameters(
      [this.inChannels, this.outChannels / groups, ...this.kernelSize],
      this.outChannels,
      options.bias !== false,
      options.rng ?? defaultGenerator(),
    );
  }

  /** PyTorch's `4, 8, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1)` and the rest. */
  override extraRepr(): string {
    return convRepr({
      inChannels: this.inChannels,
      outChannels: this.outChannels,
      kernelSize: this.kernelSize,
      stride: this.stride,
      padding: this.padding,
      dilation: this.dilation,
      outputPadding: this.outputPadding,
      groups: this.groups,
      bias: this.bias !== null,
      paddingMode: this.paddingMode,
    });
  }

  /**
   * x [N, in, …spatial] → [N, out, …]; `outputSize` (the spatial sizes, or the whole shape) picks
   * the output padding instead of the option, as PyTorch's `forward(input, output_size)`.
   */
  forward(x: Tensor, outputSize?: readonly number[]): Tensor {
    const spec =
      outputSize === undefined
        ? this.#spec
        : { ...this.#spec, outputPadding: this.#padFor(x, outputSize) };
    return convolveTransposed(
      this.#op,
      this.kernelSize.length === 2 ? 2 : 1,
      x,
      this.weight.value,
      this.bias?.value ?? null,
      spec,
    );
  }

  /** The output padding that makes the output `outputSize`, or a DataError naming the range. */
  #padFor(x: Tensor, outputSize: readonly number[]): number[] {
    const rank = this.kernelSize.length;
    const sizes = outputSize.length === rank + 2 ? outputSize.slice(2) : [...outputSize];
    if (sizes.length !== rank || x.ndim !== rank + 2) {
      throw new DataError(
        `${this.constructor.name}: outputSize must have ${rank} or ${rank + 2} entries for an input of ${rank + 2} dims, got ${JSON.stringify(outputSize)} for shape [${x.shape.join(",")}]`,
      );
    }
    const { stride, padding, dilation } = this.#spec;
    return sizes.map((size, i) => {
      const input = x.shape[i + 2];
      const min =
        (input - 1) * stride[i] - 2 * padding[i] + dilation[i] * (this.kernelSize[i] - 1) + 1;
      const max = min + stride[i] - 1;
      if (!Number.isInteger(size) || size < min || size > max) {
        throw new DataError(
          `${this.constructor.name}: requested an output size of ${JSON.stringify(sizes)}, but valid sizes range from ${min} to ${max} along dim ${i + 2} (for an input of ${input})`,
        );
      }
      return size - min;
    });
  }
}

/**
 * A 2-D transposed convolution layer, as PyTorch's `nn.ConvTranspose2d`: `weight`
 * [in, out/groups, kh, kw], `bias` [out]; `forward` maps [N, in, H, W] to [N, out, OH, OW].
 */
export class ConvTranspose2d extends ConvTransposeNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly [number, number],
    options: ConvTranspose2dLayerOptions = {},
  ) {
    super("ConvTranspose2d", 2, [inChannels, outChannels], kernelSize, options);
  }
}

/**
 * A 1-D transposed convolution layer, as PyTorch's `nn.ConvTranspose1d`: `weight`
 * [in, out/groups, k], `bias` [out]; `forward` maps [N, in, L] to [N, out, OL].
 */
export class ConvTranspose1d extends ConvTransposeNd {
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly [number],
    options: ConvTranspose1dLayerOptions = {},
  ) {
    super("ConvTranspose1d", 1, [inChannels, outChannels], kernelSize, options);
  }
}
