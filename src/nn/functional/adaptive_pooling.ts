import { isFloating } from "../../backend/dtypes.js";
import { DataError, DTypeError, ShapeError } from "../../errors.js";
import { checkOptions, isBoolean, type OptionChecks } from "../../options.js";
import { formatShape } from "../../strided/shape.js";
import { cat } from "../../tensor/joining.js";
import { indexDType } from "../../tensor/promotion.js";
import { Tensor } from "../../tensor/tensor.js";
import { chooseMax, lookUp, PickMax } from "./pool_windows.js";
import { avgPool1d, avgPool2d, maxPool2d } from "./pooling.js";

/**
 * Adaptive pooling, as PyTorch's `adaptive_avg_pool1d/2d` and `adaptive_max_pool2d`: output
 * element i of a dim of size `in` pooled to `out` covers [⌊i·in/out⌋, ⌈(i+1)·in/out⌉). When
 * `out` divides `in` these are the windows of a plain pooling with kernel = stride = in/out,
 * which computes them; otherwise the pooling is separable (a rectangle's mean is the mean of its
 * rows' means, its max the max of their maxima, and PyTorch's choice among ties — the first max
 * in row-major order, the last NaN — is the first (last) row's first (last) pick), so each dim
 * is pooled window by window with `narrow`, a few ops per output row or column.
 */

/** An output size: one for all dims, a pair, or null entries for "keep the input's size". */
export type AdaptiveSize2 = number | null | readonly [number | null, number | null];

/** Options of `adaptiveMaxPool2d` (and `AdaptiveMaxPool2d`). */
export interface AdaptiveMaxPool2dOptions {
  /** Also return where each max is, int32 indices into each plane's flattened H·W. */
  returnIndices?: boolean;
}

/** The checks of `adaptiveMaxPool2d`'s options. */
export const adaptiveMaxPool2dChecks: OptionChecks<AdaptiveMaxPool2dOptions> = {
  returnIndices: isBoolean,
};

/** Each output's window [start, end) over a dim of size `input` pooled to `out`. */
export function adaptiveWindows(input: number, out: number): [number, number][] {
  return Array.from({ length: out }, (_, i) => [
    Math.floor((i * input) / out),
    Math.ceil(((i + 1) * input) / out),
  ]);
}

/** `input` checked (a float tensor of rank + 1 or rank + 2 dims) and the output sizes. */
function setUp(op: string, input: unknown, outputSize: unknown, rank: 1 | 2): number[] {
  if (!(input instanceof Tensor))
    throw new DataError(`${op}: expected a Tensor, got ${typeof input}`);
  const layout = rank === 2 ? "[N, C, H, W] or [C, H, W]" : "[N, C, L] or [C, L]";
  if (input.ndim !== rank + 1 && input.ndim !== rank + 2) {
    throw new ShapeError(
      `${op}: expected an input ${layout}, got shape ${formatShape(input.shape)}`,
    );
  }
  if (!isFloating(input.dtype)) {
    throw new DTypeError(
      `${op}: expected a float input, got ${input.dtype}; convert with .float()`,
    );
  }
  const spatial = input.shape.slice(-rank);
  const sizes: unknown[] = Array.isArray(outputSize)
    ? outputSize
    : new Array<unknown>(rank).fill(outputSize);
  const ok =
    sizes.length === rank &&
    sizes.every((s) => s === null || (Number.isInteger(s) && (s as number) >= 1));
  if (!ok) {
    throw new DataError(
      `${op}: outputSize must be ${rank === 2 ? "a positive integer, a pair of them or nulls" : "a positive integer"}, got ${JSON.stringify(outputSize)}`,
    );
  }
  if (spatial.some((s) => s === 0)) {
    throw new ShapeError(
      `${op}: expected a non-empty input ${layout}, got shape ${formatShape(input.shape)}`,
    );
  }
  return sizes.map((s, i) => (s === null ? spatial[i] : (s as number)));
}

/** The mean over each adaptive window of `x` along `dim`. */
function meanAlong(x: Tensor, dim: number, out: number): Tensor {
  const n = x.shape[dim];
  if (n === out) return x;
  const parts = adaptiveWindows(n, out).map(([s, e]) => x.narrow(dim, s, e - s).mean(dim, true));
  return parts.length === 1 ? parts[0] : cat(parts, dim);
}

/**
 * The max over each adaptive window of `x` along `dim` (PyTorch's choice) and, when `track`,
 * where it is along `dim` and `carry` (a tensor of x's shape) looked up there: the column a
 * previous step chose, for the flat index.
 */
function maxAlong(x: Tensor, dim: number, out: number, carry: Tensor | null, track: boolean) {
  const values: Tensor[] = [];
  const at: Tensor[] = [];
  const carried: Tensor[] = [];
  const trailing = new Array<number>(x.ndim - dim - 1).fill(1);
  for (const [s, e] of adaptiveWindows(x.shape[dim], out)) {
    const rows = x.narrow(dim, s, e - s);
    const pooled = PickMax.apply<Tensor>(rows, { dim, valid: null });
    values.push(pooled);
    if (!track) continue;
    const chosen = chooseMax(rows, pooled, dim, null);
    const positions = Array.from({ length: e - s }, (_, j) => s + j);
    const table = Tensor.fromValues(positions, [e - s, ...trailing], indexDType, x.backendImpl);
    at.push(lookUp(chosen, table, dim));
    if (carry !== null) carried.push(lookUp(chosen, carry.narrow(dim, s, e - s), dim));
  }
  const join = (ts: Tensor[]) => (ts.length === 1 ? ts[0] : cat(ts, dim));
  return {
    values: join(values),
    at: track ? join(at) : null,
    carried: carry === null ? null : join(carried),
  };
}

/**
 * 2-D adaptive average pooling of `input` [N, C, H, W] or [C, H, W] to `outputSize`, as
 * `torch.nn.functional.adaptive_avg_pool2d`.
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: AdaptiveSize2): Tensor {
  const [oh, ow] = setUp("adaptiveAvgPool2d", input, outputSize, 2);
  const [h, w] = input.shape.slice(-2);
  if (h % oh === 0 && w % ow === 0) return avgPool2d(input, [h / oh, w / ow]);
  return meanAlong(meanAlong(input, input.ndim - 1, ow), input.ndim - 2, oh);
}

/**
 * 1-D adaptive average pooling of `input` [N, C, L] or [C, L] to `outputSize`, as
 * `torch.nn.functional.adaptive_avg_pool1d`.
 */
export function adaptiveAvgPool1d(input: Tensor, outputSize: number | readonly [number]): Tensor {
  const [ol] = setUp("adaptiveAvgPool1d", input, outputSize, 1);
  const l = input.shape[input.ndim - 1];
  return l % ol === 0 ? avgPool1d(input, l / ol) : meanAlong(input, input.ndim - 1, ol);
}

/**
 * 2-D adaptive max pooling of `input` [N, C, H, W] or [C, H, W] to `outputSize`, as
 * `torch.nn.functional.adaptive_max_pool2d`: ties and NaN as `maxPool2d`, the gradient to the
 * chosen element; with `returnIndices`, [values, int32 indices into each plane's H·W].
 */
export function adaptiveMaxPool2d(
  input: Tensor,
  outputSize: AdaptiveSize2,
  options: AdaptiveMaxPool2dOptions & { returnIndices: true },
): [Tensor, Tensor];
export function adaptiveMaxPool2d(
  input: Tensor,
  outputSize: AdaptiveSize2,
  options?: AdaptiveMaxPool2dOptions,
): Tensor;
export function adaptiveMaxPool2d(
  input: Tensor,
  outputSize: AdaptiveSize2,
  options: AdaptiveMaxPool2dOptions = {},
): Tensor | [Tensor, Tensor] {
  const { returnIndices = false } = checkOptions(
    "adaptiveMaxPool2d",
    options,
    adaptiveMaxPool2dChecks,
  );
  const [oh, ow] = setUp("adaptiveMaxPool2d", input, outputSize, 2);
  const [h, w] = input.shape.slice(-2);
  if (h % oh === 0 && w % ow === 0) {
    const kernel: [number, number] = [h / oh, w / ow];
    return returnIndices ? maxPool2d(input, kernel, { returnIndices }) : maxPool2d(input, kernel);
  }
  const dh = input.ndim - 2;
  const cols = maxAlong(input, dh + 1, ow, null, returnIndices);
  const rows = maxAlong(cols.values, dh, oh, cols.at, returnIndices);
  if (rows.at === null || rows.carried === null) return rows.values;
  return [rows.values, rows.at.mul(w).add(rows.carried)];
}
