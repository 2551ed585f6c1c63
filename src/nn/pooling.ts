import { checkedWhereUsed, checkOptions, type OptionChecks } from "../options.js";
import type { Tensor } from "../tensor/tensor.js";
import {
  type AdaptiveMaxPool2dOptions,
  type AdaptiveSize2,
  adaptiveAvgPool1d,
  adaptiveAvgPool2d,
  adaptiveMaxPool2d,
  adaptiveMaxPool2dChecks,
} from "./functional/adaptive_pooling.js";
import { type InterpolateOptions, interpolate } from "./functional/interpolate.js";
import { avgPool1d, avgPool2d, maxPool1d, maxPool2d } from "./functional/pooling.js";
import {
  type AvgPool1dOptions,
  type AvgPool2dOptions,
  avgPool1dChecks,
  avgPool2dChecks,
  type KernelSize,
  type MaxPool1dOptions,
  type MaxPool2dOptions,
  maxPool1dChecks,
  maxPool2dChecks,
  type Size1,
} from "./functional/pooling_options.js";
import { Module } from "./module.js";

/**
 * The pooling and resizing layers (PyTorch's `nn.MaxPool2d`, `nn.AdaptiveAvgPool2d`,
 * `nn.Upsample`, …): each holds its settings and calls its functional form; options are checked
 * when the layer is built, so a bad one fails there, not at the first forward.
 */

/** What a max-pooling layer returns: the values, or [values, indices] with `returnIndices`. */
export type Pooled<R extends boolean> = R extends true ? [Tensor, Tensor] : Tensor;

/** A setting as Python prints it: `2`, `(2, 3)`, `(3,)`, `None`, floats as `2.0` when asked. */
function py(v: unknown, float = false): string {
  if (v === null || v === undefined) return "None";
  if (Array.isArray(v)) {
    const items = v.map((x) => py(x, float));
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
  }
  if (typeof v === "number" && float && Number.isInteger(v)) return `${v}.0`;
  return String(v);
}

/** Python's True/False. */
const pyBool = (b: boolean) => (b ? "True" : "False");

/** 2-D max pooling as a Module (`torch.nn.MaxPool2d`); see `maxPool2d`. */
export class MaxPool2d<R extends boolean = false> extends Module {
  readonly kernelSize: KernelSize;
  readonly options: Readonly<MaxPool2dOptions>;

  constructor(kernelSize: KernelSize, options: MaxPool2dOptions & { returnIndices?: R } = {}) {
    super();
    this.kernelSize = kernelSize;
    this.options = { ...checkOptions("MaxPool2d", options, maxPool2dChecks) };
  }

  /** PyTorch's `kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False`. */
  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${py(this.kernelSize)}, stride=${py(o.stride ?? this.kernelSize)}, padding=${py(o.padding ?? 0)}, dilation=${py(o.dilation ?? 1)}, ceil_mode=${pyBool(o.ceilMode ?? false)}`;
  }

  /** x [N, C, H, W] or [C, H, W] → pooled (and the indices with `returnIndices`). */
  forward(x: Tensor): Pooled<R> {
    return maxPool2d(x, this.kernelSize, this.options) as Pooled<R>;
  }
}

/** 1-D max pooling as a Module (`torch.nn.MaxPool1d`); see `maxPool1d`. */
export class MaxPool1d<R extends boolean = false> extends Module {
  readonly kernelSize: Size1;
  readonly options: Readonly<MaxPool1dOptions>;

  constructor(kernelSize: Size1, options: MaxPool1dOptions & { returnIndices?: R } = {}) {
    super();
    this.kernelSize = kernelSize;
    this.options = { ...checkOptions("MaxPool1d", options, maxPool1dChecks) };
  }

  /** PyTorch's `kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False`. */
  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${py(this.kernelSize)}, stride=${py(o.stride ?? this.kernelSize)}, padding=${py(o.padding ?? 0)}, dilation=${py(o.dilation ?? 1)}, ceil_mode=${pyBool(o.ceilMode ?? false)}`;
  }

  /** x [N, C, L] or [C, L] → pooled (and the indices with `returnIndices`). */
  forward(x: Tensor): Pooled<R> {
    return maxPool1d(x, this.kernelSize, this.options) as Pooled<R>;
  }
}

/** 2-D average pooling as a Module (`torch.nn.AvgPool2d`); see `avgPool2d`. */
export class AvgPool2d extends Module {
  readonly kernelSize: KernelSize;
  readonly options: Readonly<AvgPool2dOptions>;

  constructor(kernelSize: KernelSize, options: AvgPool2dOptions = {}) {
    super();
    this.kernelSize = kernelSize;
    this.options = { ...checkOptions("AvgPool2d", options, avgPool2dChecks) };
  }

  /** PyTorch's `kernel_size=2, stride=2, padding=0`. */
  override extraRepr(): string {
    const o = this.options;
    return `kernel_size=${py(this.kernelSize)}, stride=${py(o.stride ?? this.kernelSize)}, padding=${py(o.padding ?? 0)}`;
  }

  /** x [N, C, H, W] or [C, H, W] → pooled. */
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options);
  }
}

/** 1-D average pooling as a Module (`torch.nn.AvgPool1d`); see `avgPool1d`. */
export class AvgPool1d extends Module {
  readonly kernelSize: Size1;
  readonly options: Readonly<AvgPool1dOptions>;

  constructor(kernelSize: Size1, options: AvgPool1dOptions = {}) {
    super();
    this.kernelSize = kernelSize;
    this.options = { ...checkOptions("AvgPool1d", options, avgPool1dChecks) };
  }

  /** PyTorch's `kernel_size=(3,), stride=(3,), padding=(0,)` (it stores one-element tuples). */
  override extraRepr(): string {
    const one = (v: unknown) => py(typeof v === "number" ? [v] : v);
    const o = this.options;
    return `kernel_size=${one(this.kernelSize)}, stride=${one(o.stride ?? this.kernelSize)}, padding=${one(o.padding ?? 0)}`;
  }

  /** x [N, C, L] or [C, L] → pooled. */
  forward(x: Tensor): Tensor {
    return avgPool1d(x, this.kernelSize, this.options);
  }
}

/** 2-D adaptive average pooling as a Module (`torch.nn.AdaptiveAvgPool2d`). */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: AdaptiveSize2) {
    super();
  }

  /** PyTorch's `output_size=(3, None)`. */
  override extraRepr(): string {
    return `output_size=${py(this.outputSize)}`;
  }

  /** x [N, C, H, W] or [C, H, W] → [.., outH, outW]. */
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}

/** 1-D adaptive average pooling as a Module (`torch.nn.AdaptiveAvgPool1d`). */
export class AdaptiveAvgPool1d extends Module {
  constructor(readonly outputSize: number | readonly [number]) {
    super();
  }

  /** PyTorch's `output_size=4`. */
  override extraRepr(): string {
    return `output_size=${py(this.outputSize)}`;
  }

  /** x [N, C, L] or [C, L] → [.., outL]. */
  forward(x: Tensor): Tensor {
    return adaptiveAvgPool1d(x, this.outputSize);
  }
}

/** 2-D adaptive max pooling as a Module (`torch.nn.AdaptiveMaxPool2d`). */
export class AdaptiveMaxPool2d<R extends boolean = false> extends Module {
  readonly outputSize: AdaptiveSize2;
  readonly returnIndices: boolean;

  constructor(
    outputSize: AdaptiveSize2,
    options: AdaptiveMaxPool2dOptions & { returnIndices?: R } = {},
  ) {
    super();
    this.outputSize = outputSize;
    const o = checkOptions("AdaptiveMaxPool2d", options, adaptiveMaxPool2dChecks);
    this.returnIndices = o.returnIndices ?? false;
  }

  /** PyTorch's `output_size=2`. */
  override extraRepr(): string {
    return `output_size=${py(this.outputSize)}`;
  }

  /** x [N, C, H, W] or [C, H, W] → pooled (and the indices with `returnIndices`). */
  forward(x: Tensor): Pooled<R> {
    return adaptiveMaxPool2d(x, this.outputSize, {
      returnIndices: this.returnIndices,
    }) as Pooled<R>;
  }
}

/** Options of `Upsample`: interpolate's, but for `antialias` and `recomputeScaleFactor`. */
export type UpsampleOptions = Pick<
  InterpolateOptions,
  "size" | "scaleFactor" | "mode" | "alignCorners"
>;

const upsampleChecks: OptionChecks<UpsampleOptions> = {
  size: checkedWhereUsed,
  scaleFactor: checkedWhereUsed,
  mode: checkedWhereUsed,
  alignCorners: checkedWhereUsed,
};

/** Resizing as a Module (`torch.nn.Upsample`); see `interpolate`. */
export class Upsample extends Module {
  readonly options: Readonly<UpsampleOptions>;

  constructor(options: UpsampleOptions) {
    super();
    // The keys are checked here, the values by interpolate at each call (they need the input).
    this.options = { ...checkOptions("Upsample", options, upsampleChecks) };
  }

  /** PyTorch's `scale_factor=2.0, mode=nearest` (or `size=(3, 4), mode=bilinear`). */
  override extraRepr(): string {
    const { size, scaleFactor, mode = "nearest" } = this.options;
    const what =
      scaleFactor !== undefined && scaleFactor !== null
        ? `scale_factor=${py(scaleFactor, true)}`
        : `size=${py(size)}`;
    return `${what}, mode=${mode}`;
  }

  /** x [N, C, L] or [N, C, H, W] → resized. */
  forward(x: Tensor): Tensor {
    return interpolate(x, this.options);
  }
}
