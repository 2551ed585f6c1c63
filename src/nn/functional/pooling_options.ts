import { isBoolean, notSupportedYet, type OptionCheck, type OptionChecks } from "../../options.js";
import type { KernelSize } from "./pooling.js";

/**
 * Options of `maxpool2d` (and `MaxPool2d`), PyTorch's keywords. The windows do not overlap and
 * must tile the input, so only PyTorch's defaults are supported yet, apart from `ceilMode`: with
 * windows that tile the input exactly, rounding the output size up or down gives the same size.
 */
export interface MaxPool2dOptions {
  /** Step between windows: only the kernel size (PyTorch's default) is supported yet. */
  stride?: KernelSize | null;
  /** Implicit padding: only 0 is supported yet. */
  padding?: 0 | readonly [0, 0];
  /** Spacing between a window's elements: only 1 is supported yet. */
  dilation?: 1 | readonly [1, 1];
  /** Round the output size up: the same size here, as the windows tile the input exactly. */
  ceilMode?: boolean;
  /** Also return each maximum's index: not supported yet (only false). */
  returnIndices?: false;
}

/** Options of `avgpool2d` (and `AvgPool2d`), PyTorch's keywords (see `MaxPool2dOptions`). */
export interface AvgPool2dOptions {
  /** Step between windows: only the kernel size (PyTorch's default) is supported yet. */
  stride?: KernelSize | null;
  /** Implicit padding: only 0 is supported yet. */
  padding?: 0 | readonly [0, 0];
  /** Round the output size up: the same size here, as the windows tile the input exactly. */
  ceilMode?: boolean;
  /** Count padding in the mean: either value gives the same mean, as there is no padding. */
  countIncludePad?: boolean;
  /** A divisor to use instead of the window's size: not supported yet (only null). */
  divisorOverride?: null;
}

/** `v` as [h, w] when it is a number or a pair, else null. */
function asPair(v: unknown): [unknown, unknown] | null {
  if (typeof v === "number") return [v, v];
  return Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : null;
}

/**
 * A stride equal to the window (as a number or a pair), the only one implemented; null is
 * PyTorch's `stride=None`, which means the window.
 */
function strideOf(kernel: KernelSize): OptionCheck {
  const k = asPair(kernel);
  return (v) => {
    const s = asPair(v);
    return v === null || (s !== null && k !== null && s[0] === k[0] && s[1] === k[1])
      ? null
      : `is not supported yet unless it equals the kernel size ${JSON.stringify(kernel)}`;
  };
}

/** The checks of max pooling's options over windows of `kernel`. */
export function maxPool2dChecks(kernel: KernelSize): OptionChecks<MaxPool2dOptions> {
  return {
    stride: strideOf(kernel),
    padding: notSupportedYet(0, [0, 0]),
    dilation: notSupportedYet(1, [1, 1]),
    ceilMode: isBoolean,
    returnIndices: notSupportedYet(false),
  };
}

/** The checks of average pooling's options over windows of `kernel`. */
export function avgPool2dChecks(kernel: KernelSize): OptionChecks<AvgPool2dOptions> {
  return {
    stride: strideOf(kernel),
    padding: notSupportedYet(0, [0, 0]),
    ceilMode: isBoolean,
    countIncludePad: isBoolean,
    divisorOverride: notSupportedYet(null),
  };
}
