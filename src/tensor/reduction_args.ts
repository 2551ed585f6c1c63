import { DataError, ShapeError } from "../errors.js";
import { checkOptions, type OptionCheck, type OptionChecks } from "../options.js";
import { formatShape, normalizeDim } from "../strided/shape.js";
import { copyOp } from "./history_free_ops.js";
import { indexDType } from "./promotion.js";
import { Tensor } from "./tensor.js";
import { dimList } from "./views.js";

/**
 * The arguments of the reductions, read as PyTorch reads them: its positional arguments in its
 * order, optionally followed by an options object holding any of them by name (PyTorch's keyword
 * arguments: `t.sum(1, {keepdim: true})`, `t.var({dim: [0, 1], correction: 0})`), checked with
 * `checkOptions`; and the dim lists they reduce over.
 */

/** One dim or several (negative count from the end). */
export type Dims = number | readonly number[];

/** The keyword arguments of a reduction over dims: `{dim, keepdim}`. */
export interface ReduceOptions {
  /** The dims to reduce: all of them when omitted (or `[]`, as PyTorch 1.13 reads it). */
  dim?: Dims;
  /** Keep each reduced dim with size 1 (default false). */
  keepdim?: boolean;
}

/** A reduction's arguments: `(dim?, keepdim?)`, an options object last. */
export type ReduceArgs =
  | []
  | [options: ReduceOptions]
  | [dim: Dims | undefined, options?: ReduceOptions]
  | [dim: Dims | undefined, keepdim: boolean | undefined, options?: ReduceOptions];

/**
 * A number, or an array of numbers: whether each is a valid dim (an integer in range) is
 * normalizeDim's to say, with the ShapeError every op gives for a bad dim.
 */
export const isDims: OptionCheck = (v) =>
  typeof v === "number" || (Array.isArray(v) && v.every((d) => typeof d === "number"))
    ? null
    : "must be an integer or an array of integers";

/** An integer. */
export const isInteger: OptionCheck = (v) => (Number.isInteger(v) ? null : "must be an integer");

/** The checks of `{dim, keepdim}`. */
export const reduceChecks: OptionChecks<ReduceOptions> = {
  dim: isDims,
  keepdim: (v) => (typeof v === "boolean" ? null : "must be true or false"),
};

/** Whether `x` is an options object rather than a positional argument. */
function isOptionsObject(x: unknown): x is object {
  return typeof x === "object" && x !== null && !Array.isArray(x) && !(x instanceof Tensor);
}

/**
 * `args` — positional arguments named `names` in order, then optionally an options object — as
 * one checked options object. An argument given both ways, or too many positional ones, is a
 * DataError naming `fn`; `undefined` positional arguments count as omitted.
 */
export function readArgs<T extends object>(
  fn: string,
  args: readonly unknown[],
  names: readonly (keyof T & string)[],
  checks: OptionChecks<T>,
): T {
  const last = args.length > 0 ? args[args.length - 1] : undefined;
  const options = isOptionsObject(last) ? last : undefined;
  const positional = options === undefined ? args : args.slice(0, -1);
  if (positional.length > names.length) {
    throw new DataError(
      `${fn}: takes at most ${names.length} positional arguments (${names.join(", ")}) before an options object, got ${positional.length}`,
    );
  }
  const merged: Record<string, unknown> = {};
  positional.forEach((value, i) => {
    if (value !== undefined) merged[names[i]] = value;
  });
  checkOptions(fn, options as T | undefined, checks);
  for (const [key, value] of Object.entries(options ?? {})) {
    if (key in merged) {
      throw new DataError(`${fn}: ${key} given both as an argument and as an option`);
    }
    merged[key] = value;
  }
  return checkOptions(fn, merged as T, checks);
}

/** `{dim, keepdim}` of a reduction called with `args`. */
export function readReduceArgs(fn: string, args: readonly unknown[]): ReduceOptions {
  return readArgs<ReduceOptions>(fn, args, ["dim", "keepdim"], reduceChecks);
}

/**
 * The dims `dim` names, normalized, in increasing order: every dim when it is omitted or `[]`
 * (PyTorch 1.13 reads an empty list as all dims). A 0-d tensor has none to reduce (dim 0 and −1
 * name its one element).
 */
export function reducedDims(fn: string, t: Tensor, dim: Dims | undefined): number[] {
  const all = t.shape.map((_, i) => i);
  if (dim === undefined || (Array.isArray(dim) && dim.length === 0)) return all;
  return dimList(dim, t.ndim, fn)
    .filter((d) => d < t.ndim)
    .sort((a, b) => a - b);
}

/** One dim, normalized (a 0-d tensor's is 0); a DataError for an array. */
export function singleDim(fn: string, t: Tensor, dim: Dims): number {
  if (typeof dim !== "number") {
    throw new DataError(`${fn}: dim must be one integer, got ${formatShape(dim)}`);
  }
  return normalizeDim(dim, t.ndim, fn);
}

/** `shape` reduced over `dims`: those dims dropped, or kept with size 1. */
export function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean) {
  if (keepdim) return shape.map((s, i) => (dims.includes(i) ? 1 : s));
  return shape.filter((_, i) => !dims.includes(i));
}

/**
 * A ShapeError naming `fn` when a dim of `dims` is empty: a max, a min or an index of one has no
 * identity to return (PyTorch refuses it too).
 */
export function checkNotEmpty(fn: string, t: Tensor, dims: readonly number[]): void {
  const empty = dims.find((d) => t.shape[d] === 0);
  if (empty !== undefined) {
    throw new ShapeError(
      `${fn}: cannot reduce over dim ${empty} of size 0 of a tensor of shape ${formatShape(t.shape)} (the operation has no identity)`,
    );
  }
}

/** Indices computed as numbers in any dtype, converted to `indexDType` (see promotion.ts). */
export function asIndices(indices: Tensor): Tensor {
  return indices.dtype === indexDType ? indices : copyOp(indices, indices.shape, indexDType);
}

/** What max(dim), min(dim), sort and topk return: the values and where they came from. */
export interface ValuesIndices {
  /** The values (with gradients to the elements they were taken from). */
  readonly values: Tensor;
  /** Their positions along the dim, of dtype `indexDType`. */
  readonly indices: Tensor;
}
