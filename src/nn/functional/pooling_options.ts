import { DataError, ShapeError } from "../../errors.js";
import { checkedWhereUsed, isBoolean, type OptionCheck, type OptionChecks } from "../../options.js";

/** A size per spatial dim of a 2-D op: one number for both, or [height, width]. */
export type Size2 = number | readonly [number, number];
/** A size of a 1-D op: a number, or PyTorch's one-element tuple. */
export type Size1 = number | readonly [number];
/** A pooling window (2-D): one size for both dims, or [height, width]. */
export type KernelSize = Size2;

/** Options of `maxPool2d` (and `MaxPool2d`), PyTorch's keywords. */
export interface MaxPool2dOptions {
  /** Step between windows (default, or null: the kernel size). */
  stride?: Size2 | null;
  /** Implicit −∞ padding on each side, at most half the kernel (default 0). */
  padding?: Size2;
  /** Spacing between a window's elements (default 1). */
  dilation?: Size2;
  /** Round the output size up instead of down (the last window must start inside the input). */
  ceilMode?: boolean;
  /** Also return where each max is, as int32 indices into each plane's flattened H·W. */
  returnIndices?: boolean;
}

/** Options of `maxPool1d` (and `MaxPool1d`): those of `MaxPool2d` for one dim. */
export interface MaxPool1dOptions {
  /** Step between windows (default, or null: the kernel size). */
  stride?: Size1 | null;
  /** Implicit −∞ padding on each end, at most half the kernel (default 0). */
  padding?: Size1;
  /** Spacing between a window's elements (default 1). */
  dilation?: Size1;
  /** Round the output size up instead of down. */
  ceilMode?: boolean;
  /** Also return where each max is, as int32 indices along L. */
  returnIndices?: boolean;
}

/** Options of `avgPool2d` (and `AvgPool2d`), PyTorch's keywords. */
export interface AvgPool2dOptions {
  /** Step between windows (default, or null: the kernel size). */
  stride?: Size2 | null;
  /** Implicit zero padding on each side, at most half the kernel (default 0). */
  padding?: Size2;
  /** Round the output size up instead of down. */
  ceilMode?: boolean;
  /** Count the zero padding in each window's divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
  /** A nonzero divisor to use instead of the window's size (default null). */
  divisorOverride?: number | null;
}

/** Options of `avgPool1d` (and `AvgPool1d`): PyTorch's avg_pool1d has no divisorOverride. */
export interface AvgPool1dOptions {
  /** Step between windows (default, or null: the kernel size). */
  stride?: Size1 | null;
  /** Implicit zero padding on each end, at most half the kernel (default 0). */
  padding?: Size1;
  /** Round the output size up instead of down. */
  ceilMode?: boolean;
  /** Count the zero padding in each window's divisor (default true). */
  countIncludePad?: boolean;
}

/** null (PyTorch's None) or a nonzero integer. */
const isDivisor: OptionCheck = (v) =>
  v === null || (Number.isInteger(v) && v !== 0) ? null : "must be a nonzero integer or null";

/** The checks of max pooling's options (sizes are checked where they are read, with the op). */
export const maxPool2dChecks: OptionChecks<MaxPool2dOptions> = {
  stride: checkedWhereUsed,
  padding: checkedWhereUsed,
  dilation: checkedWhereUsed,
  ceilMode: isBoolean,
  returnIndices: isBoolean,
};

/** The checks of `maxPool1d`'s options. */
export const maxPool1dChecks: OptionChecks<MaxPool1dOptions> = maxPool2dChecks;

/** The checks of average pooling's options. */
export const avgPool2dChecks: OptionChecks<AvgPool2dOptions> = {
  stride: checkedWhereUsed,
  padding: checkedWhereUsed,
  ceilMode: isBoolean,
  countIncludePad: isBoolean,
  divisorOverride: isDivisor,
};

/** The checks of `avgPool1d`'s options. */
export const avgPool1dChecks: OptionChecks<AvgPool1dOptions> = {
  stride: checkedWhereUsed,
  padding: checkedWhereUsed,
  ceilMode: isBoolean,
  countIncludePad: isBoolean,
};

/**
 * A size argument as one integer ≥ `min` per spatial dim (`rank` of them): a number stands for
 * all, or an array of `rank` numbers; anything else is a DataError naming the op and argument.
 */
export function spatial(
  op: string,
  name: string,
  value: unknown,
  rank: 1 | 2,
  min: number,
): number[] {
  const values: unknown[] =
    typeof value === "number"
      ? new Array<number>(rank).fill(value)
      : Array.isArray(value)
        ? value
        : [];
  if (values.length !== rank || !values.every((v) => Number.isInteger(v) && (v as number) >= min)) {
    const what = min === 1 ? "a positive integer" : "a non-negative integer";
    throw new DataError(
      `${op}: ${name} must be ${what}${rank === 2 ? " or a pair of them" : ""}, got ${JSON.stringify(value)}`,
    );
  }
  return values as number[];
}

/** The windows of a pooling over [H, W] (a 1-D pooling is one with H = 1 and kh = 1). */
export interface PoolGeometry {
  readonly k: readonly [number, number];
  readonly s: readonly [number, number];
  readonly p: readonly [number, number];
  readonly d: readonly [number, number];
  readonly input: readonly [number, number];
  readonly out: readonly [number, number];
}

/**
 * PyTorch's pooling output size: ⌊(in + 2p − d·(k − 1) − 1) / s⌋ + 1, rounded up in ceil mode,
 * where the last window must then start inside the input or the left padding.
 */
export function pooledSize(
  input: number,
  k: number,
  s: number,
  p: number,
  d: number,
  ceil: boolean,
): number {
  const span = input + 2 * p - d * (k - 1) - 1;
  let out = Math.floor((span + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= input + p) out--;
  return out;
}

/** The raw size arguments of a pooling, before they are checked. */
export interface PoolArguments {
  readonly kernel: unknown;
  readonly stride: unknown;
  readonly padding: unknown;
  readonly dilation: unknown;
  readonly ceilMode: boolean;
}

/**
 * The checked geometry of a pooling of `rank` spatial dims over `input` (its [H, W], or [1, L]),
 * with PyTorch's rules and messages: positive kernel, stride and dilation, padding at most half
 * the kernel, an output of at least one element.
 */
export function poolGeometry(
  op: string,
  rank: 1 | 2,
  channels: number,
  input: readonly [number, number],
  a: PoolArguments,
): PoolGeometry {
  const k = spatial(op, "kernelSize", a.kernel, rank, 1);
  const s =
    a.stride === null || a.stride === undefined ? k : spatial(op, "stride", a.stride, rank, 1);
  const p = spatial(op, "padding", a.padding ?? 0, rank, 0);
  const d = spatial(op, "dilation", a.dilation ?? 1, rank, 1);
  p.forEach((pad, i) => {
    if (pad > k[i] / 2) {
      throw new DataError(
        `${op}: pad should be at most half of kernel size, but got pad=${pad} and kernel_size=${k[i]}`,
      );
    }
  });
  const two = (v: number[], fill: number): [number, number] =>
    rank === 2 ? [v[0], v[1]] : [fill, v[0]];
  const [kk, ss, pp, dd] = [two(k, 1), two(s, 1), two(p, 0), two(d, 1)];
  const out: [number, number] = [0, 1].map((i) =>
    pooledSize(input[i], kk[i], ss[i], pp[i], dd[i], a.ceilMode),
  ) as [number, number];
  if (out[0] < 1 || out[1] < 1) {
    const dims = (v: readonly number[]) => (rank === 2 ? v : v.slice(1)).join("x");
    throw new ShapeError(
      `${op}: Given input size: (${channels}x${dims(input)}). Calculated output size: (${channels}x${dims(out)}). Output size is too small`,
    );
  }
  return { k: kk, s: ss, p: pp, d: dd, input, out };
}
