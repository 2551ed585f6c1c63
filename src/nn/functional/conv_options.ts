import { DataError } from "../../errors.js";
import {
  checkedWhereUsed,
  describeValue,
  isPositiveInteger,
  type OptionCheck,
  type OptionChecks,
} from "../../options.js";

/**
 * The options convolutions share, as PyTorch spells them, and their resolution into one number
 * per spatial dim: a number applies to every dim, an array gives one per dim; padding may also be
 * "valid" (none) or "same" (the output keeps the input's size: a total of dilation·(kernel − 1)
 * zeros per dim, the odd one after, as PyTorch pads).
 */

/** One number for every spatial dim, or one each (PyTorch's int or tuple). */
export type PerDim<P extends readonly number[]> = number | Readonly<P>;

/** Options of `conv2d`: one number applies to both height and width. */
export interface Conv2dOptions {
  /** Step of the window, ≥ 1 (default 1). */
  stride?: PerDim<[number, number]>;
  /** Zeros added on each side, ≥ 0 (default 0), or "valid" (0) or "same" (stride 1 only). */
  padding?: PerDim<[number, number]> | "same" | "valid";
  /** Spacing between the kernel's taps, ≥ 1 (default 1). */
  dilation?: PerDim<[number, number]>;
  /** Blocks of channels convolved separately; divides both channel counts (default 1). */
  groups?: number;
}

/** Options of `conv1d`. */
export interface Conv1dOptions {
  /** Step of the window, ≥ 1 (default 1). */
  stride?: PerDim<[number]>;
  /** Zeros added on each end, ≥ 0 (default 0), or "valid" (0) or "same" (stride 1 only). */
  padding?: PerDim<[number]> | "same" | "valid";
  /** Spacing between the kernel's taps, ≥ 1 (default 1). */
  dilation?: PerDim<[number]>;
  /** Blocks of channels convolved separately; divides both channel counts (default 1). */
  groups?: number;
}

/** A padding string must be one of PyTorch's two; numbers are checked per dim where used. */
const paddingCheck: OptionCheck = (v) =>
  typeof v !== "string" || v === "same" || v === "valid"
    ? null
    : 'must be a non-negative integer, a list of them, "valid" or "same"';

/**
 * The checks of `conv2d`'s options (`Conv2d` adds its own); stride, dilation and numeric padding
 * are checked per spatial dim where they are resolved, since the rank decides their length.
 */
export const conv2dChecks: OptionChecks<Conv2dOptions> = {
  stride: checkedWhereUsed,
  padding: paddingCheck,
  dilation: checkedWhereUsed,
  groups: isPositiveInteger,
};

/** The checks of `conv1d`'s options (`Conv1d` adds its own). */
export const conv1dChecks: OptionChecks<Conv1dOptions> = conv2dChecks;

/** A convolution's options, resolved to one entry per spatial dim (height first). */
export interface ConvSpec {
  readonly stride: readonly number[];
  readonly dilation: readonly number[];
  /** Zeros before (top, left) and after (bottom, right) the input along each spatial dim. */
  readonly padBefore: readonly number[];
  readonly padAfter: readonly number[];
  readonly groups: number;
  /** The padding as the user gave it, for reprs: per dim, or PyTorch's string. */
  readonly padding: readonly number[] | "same" | "valid";
}

/** What a per-dim option must hold, as its error message says. */
const minimum = { stride: 1, dilation: 1, padding: 0, outputPadding: 0 } as const;

/** `value` (a number, or an array of `rank` numbers) as `rank` integers ≥ its minimum. */
export function perDim(
  op: string,
  name: keyof typeof minimum,
  value: unknown,
  rank: number,
): number[] {
  const v = value ?? (name === "stride" || name === "dilation" ? 1 : 0);
  const values: unknown[] =
    typeof v === "number" ? new Array<unknown>(rank).fill(v) : Array.isArray(v) ? [...v] : [];
  const min = minimum[name];
  if (values.length !== rank || !values.every((x) => Number.isInteger(x) && Number(x) >= min)) {
    const many = rank === 2 ? " or a pair of them" : ` or a list of ${rank}`;
    throw new DataError(
      `${op}: ${name} must be ${min === 1 ? "a positive" : "a non-negative"} integer${many}, got ${JSON.stringify(value)}`,
    );
  }
  return values.map(Number);
}

/** `groups` as a positive integer (its fit with the channels is checked against the tensors). */
export function groupsOf(op: string, value: unknown): number {
  const groups = value ?? 1;
  if (!Number.isInteger(groups) || Number(groups) < 1) {
    throw new DataError(`${op}: groups must be a positive integer, got ${describeValue(value)}`);
  }
  return Number(groups);
}

/**
 * Resolves a convolution's options for a kernel of `kernel` taps per spatial dim. "same" is
 * PyTorch's: refused with a stride, and an odd total padding puts its extra zero after.
 */
export function resolveConv(
  op: string,
  options: Conv2dOptions | Conv1dOptions,
  kernel: readonly number[],
): ConvSpec {
  const rank = kernel.length;
  const stride = perDim(op, "stride", options.stride, rank);
  const dilation = perDim(op, "dilation", options.dilation, rank);
  const groups = groupsOf(op, options.groups);
  const padding = options.padding;
  if (padding === "valid") {
    const zeros = new Array<number>(rank).fill(0);
    return { stride, dilation, groups, padBefore: zeros, padAfter: zeros, padding };
  }
  if (padding === "same") {
    if (stride.some((s) => s !== 1)) {
      throw new DataError(
        `${op}: padding "same" is not supported for strided convolutions (stride ${JSON.stringify(stride)}), as in PyTorch`,
      );
    }
    const total = kernel.map((k, i) => dilation[i] * (k - 1));
    const padBefore = total.map((t) => Math.floor(t / 2));
    const padAfter = total.map((t, i) => t - padBefore[i]);
    return { stride, dilation, groups, padBefore, padAfter, padding };
  }
  if (typeof padding === "string") {
    throw new DataError(
      `${op}: padding must be a non-negative integer, a list of them, "valid" or "same", got ${JSON.stringify(padding)}`,
    );
  }
  const pads = perDim(op, "padding", padding, rank);
  return { stride, dilation, groups, padBefore: pads, padAfter: pads, padding: pads };
}
