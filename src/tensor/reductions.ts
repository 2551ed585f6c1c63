import type { AutogradFunction } from "../autodiff/function.js";
import { noGrad } from "../autodiff/grad_mode.js";
import { DataError } from "../errors.js";
import { Sum } from "./functions.js";
import { checkOperand, reduceOp, zipOp } from "./history_free_ops.js";
import { indexDType, maskDType } from "./promotion.js";
import {
  asIndices,
  checkNotEmpty,
  type Dims,
  type ReduceArgs,
  type ReduceOptions,
  readReduceArgs,
  reducedDims,
  reducedShape,
  singleDim,
  type ValuesIndices,
} from "./reduction_args.js";
import { asDType, Max, Min, TakeAlongDim } from "./reduction_functions.js";
import { cumprod } from "./scans.js";
import { Tensor } from "./tensor.js";

/**
 * Reductions as PyTorch has them: over one dim, several (`dim` an array; negative dims count from
 * the end; a dim named twice is a ShapeError) or, when `dim` is omitted, all of them; `keepdim`
 * keeps each reduced dim with size 1. The autograd Functions reduce one dim and keep it: several
 * dims are first merged into one (a permute and a reshape), so a max over several dims splits its
 * gradient between all its ties at once, as PyTorch's does. The dim handling is here, once.
 */

/** `t` with the (sorted) dims `dims` merged into one, and that dim: what one Function reduces. */
function mergedDims(t: Tensor, dims: readonly number[]): { x: Tensor; dim: number } {
  if (dims.length === 0) return { x: t.reshape([1]), dim: 0 };
  if (dims.length === 1) return { x: t, dim: dims[0] };
  const kept = t.shape.map((_, i) => i).filter((i) => !dims.includes(i));
  const merged = dims.reduce((n, d) => n * t.shape[d], 1);
  const order = [...kept, ...dims];
  const inOrder = order.every((d, i) => d === i) ? t : t.permute(order);
  const x = inOrder.reshape([...kept.map((i) => t.shape[i]), merged]);
  return { x, dim: kept.length };
}

/** `fn` (a one-dim Function) applied over `dims` of `t`, shaped as `keepdim` says. */
function over(fn: typeof AutogradFunction, t: Tensor, dims: readonly number[], keepdim: boolean) {
  const { x, dim } = mergedDims(t, dims);
  return fn.apply<Tensor>(x, { dim }).reshape(reducedShape(t.shape, dims, keepdim));
}

/** The checked operand and `{dims, keepdim}` of the reduction `name` called with `args`. */
function read(name: string, t: unknown, args: readonly unknown[]) {
  checkOperand(name, t, "a Tensor");
  const { dim, keepdim = false } = readReduceArgs(name, args);
  return { t, dims: reducedDims(name, t, dim), keepdim };
}

/** Σ over `dim` (one, several, or all when omitted); 0 over an empty dim. */
export function sum(t: Tensor, ...args: ReduceArgs): Tensor {
  const r = read("sum", t, args);
  return over(Sum, r.t, r.dims, r.keepdim);
}

/** The number of elements `dims` of `t` hold together. */
function count(t: Tensor, dims: readonly number[]): number {
  return dims.reduce((n, d) => n * t.shape[d], 1);
}

/** The mean over `dim` (one, several or all): the sum divided by the count (NaN when empty). */
export function mean(t: Tensor, ...args: ReduceArgs): Tensor {
  const r = read("mean", t, args);
  return over(Sum, r.t, r.dims, r.keepdim).div(count(r.t, r.dims));
}

/**
 * Π over `dim` (one, several, or all): the last element of a cumulative product (scans.ts), so
 * its gradient is exact at zeros; 1 over an empty dim (the empty sum times 0, plus 1, so the
 * result stays in the graph).
 */
export function prod(t: Tensor, ...args: ReduceArgs): Tensor {
  const r = read("prod", t, args);
  const shape = reducedShape(r.t.shape, r.dims, r.keepdim);
  if (count(r.t, r.dims) === 0) return over(Sum, r.t, r.dims, r.keepdim).mul(0).add(1);
  const { x, dim } = mergedDims(r.t, r.dims);
  const n = x.shape[dim];
  return cumprod(x, dim)
    .narrow(dim, n - 1, 1)
    .reshape(shape);
}

/** The Function of each extreme. */
const extremes = { max: Max, min: Min } as const;

/** amax or amin of `t` over `dims`: a ShapeError over an empty dim (there is no identity). */
function extremeOver(name: string, fn: typeof Max, t: Tensor, dims: number[], keepdim: boolean) {
  checkNotEmpty(name, t, dims);
  return over(fn, t, dims, keepdim);
}

/** The max over `dim` (one, several or all); the gradient is split evenly between ties. */
export function amax(t: Tensor, ...args: ReduceArgs): Tensor {
  const r = read("amax", t, args);
  return extremeOver("amax", extremes.max, r.t, r.dims, r.keepdim);
}

/** The min over `dim` (one, several or all); the gradient is split evenly between ties. */
export function amin(t: Tensor, ...args: ReduceArgs): Tensor {
  const r = read("amin", t, args);
  return extremeOver("amin", extremes.min, r.t, r.dims, r.keepdim);
}

/**
 * Where the first max (or min) along `d` of `t` is, kept with size 1, in indexDType, without
 * history. As in PyTorch, NaN is the extreme of a slice that holds one: the max and min kernels
 * propagate it, and `eqNan` finds it. Each position i becomes i where the extreme is and i + n
 * elsewhere; their min is the first extreme.
 */
function firstIndex(op: "max" | "min", t: Tensor, d: number): Tensor {
  const n = t.shape[d];
  const at = asDType(zipOp("eqNan", t, reduceOp(op, t, d)), indexDType);
  const trailing = new Array<number>(t.ndim - d - 1).fill(1);
  const positions = Array.from({ length: n }, (_, i) => i);
  const index = Tensor.fromValues(positions, [n, ...trailing], indexDType, t.backendImpl);
  const one = Tensor.full([], 1, indexDType, t.backendImpl);
  const pastTheEnd = Tensor.full([], n, indexDType, t.backendImpl);
  const elsewhere = zipOp("mul", zipOp("sub", one, at), pastTheEnd);
  return reduceOp("min", zipOp("add", index, elsewhere), d);
}

/** argmax or argmin: along one dim, or into the flattened tensor when `dim` is omitted. */
function argExtreme(name: string, op: "max" | "min", t: unknown, args: readonly unknown[]) {
  checkOperand(name, t, "a Tensor");
  const { dim, keepdim = false } = readReduceArgs(name, args);
  if (dim === undefined) {
    checkNotEmpty(name, t.reshape(-1), [0]);
    const flat = noGrad(() => firstIndex(op, t.reshape(-1), 0));
    return flat.reshape(keepdim ? t.shape.map(() => 1) : []);
  }
  const d = singleDim(name, t, dim);
  if (t.ndim === 0) return Tensor.full([], 0, indexDType, t.backendImpl);
  checkNotEmpty(name, t, [d]);
  const kept = noGrad(() => firstIndex(op, t, d));
  return keepdim ? kept : kept.reshape(reducedShape(t.shape, [d], false));
}

/** Index of the first max along `dim` (into the flattened tensor when omitted); NaN is the max. */
export function argmax(t: Tensor, ...args: ReduceArgs): Tensor {
  return argExtreme("argmax", "max", t, args);
}

/** Index of the first min along `dim` (into the flattened tensor when omitted); NaN is the min. */
export function argmin(t: Tensor, ...args: ReduceArgs): Tensor {
  return argExtreme("argmin", "min", t, args);
}

/** The arguments of max and min: none, another tensor, or a dim (`keepdim` after it). */
export type ExtremeArgs = [] | [other: Tensor] | [dim: number, keepdim?: boolean | ReduceOptions];

/**
 * max() (all elements: a 0-d tensor, the gradient split between ties), max(other) (torch.maximum)
 * or max(dim, keepdim) (`{values, indices}`: the first max along dim — NaN counts as the largest
 * — and where it is; the gradient goes to that element alone, as PyTorch's).
 */
export function extreme(
  name: "max" | "min",
  t: unknown,
  args: readonly unknown[],
): Tensor | ValuesIndices {
  checkOperand(name, t, "a Tensor");
  if (args.length === 0) {
    checkNotEmpty(`${name}()`, t.reshape(-1), [0]);
    return over(extremes[name], t, reducedDims(name, t, undefined), false);
  }
  const [first] = args;
  if (first instanceof Tensor && args.length === 1) {
    return name === "max" ? t.maximum(first) : t.minimum(first);
  }
  const { dim, keepdim = false } = readReduceArgs(name, args);
  if (dim === undefined) {
    throw new DataError(`${name}: keepdim needs a dim (max() of all elements has none)`);
  }
  const d = singleDim(name, t, dim);
  const x = t.ndim === 0 ? t.reshape([1]) : t;
  checkNotEmpty(name, x, [d]);
  const index = noGrad(() => firstIndex(name, x, d));
  const values = TakeAlongDim.apply<Tensor>(x, { dim: d, index });
  const shape = reducedShape(t.shape, t.ndim === 0 ? [] : [d], keepdim);
  return { values: values.reshape(shape), indices: asIndices(index).reshape(shape) };
}

/** max of all elements, max(other) (elementwise), or max(dim) as `{values, indices}`. */
export function max(t: Tensor): Tensor;
export function max(t: Tensor, other: Tensor): Tensor;
export function max(t: Tensor, dim: number, keepdim?: boolean | ReduceOptions): ValuesIndices;
export function max(t: Tensor, ...args: ExtremeArgs): Tensor | ValuesIndices {
  return extreme("max", t, args);
}

/** min of all elements, min(other) (elementwise), or min(dim) as `{values, indices}`. */
export function min(t: Tensor): Tensor;
export function min(t: Tensor, other: Tensor): Tensor;
export function min(t: Tensor, dim: number, keepdim?: boolean | ReduceOptions): ValuesIndices;
export function min(t: Tensor, ...args: ExtremeArgs): Tensor | ValuesIndices {
  return extreme("min", t, args);
}

/**
 * Whether every element over `dim` is nonzero (NaN counts as nonzero, as in PyTorch): true over
 * an empty dim. A mask (`maskDType`) without gradient.
 */
export function all(t: Tensor, ...args: ReduceArgs): Tensor {
  return truth("all", t, args);
}

/** Whether any element over `dim` is nonzero: false over an empty dim. A mask, no gradient. */
export function any(t: Tensor, ...args: ReduceArgs): Tensor {
  return truth("any", t, args);
}

/** all/any: the count of zeros (all) or nonzeros (any) over dims, compared with 0. */
function truth(name: "all" | "any", t: unknown, args: readonly unknown[]): Tensor {
  const r = read(name, t, args);
  return noGrad(() => {
    const zero = Tensor.full([], 0, r.t.dtype, r.t.backendImpl);
    const isZero = asDType(zipOp("eq", r.t, zero), indexDType);
    const counted = name === "all" ? isZero : zipOp("sub", isZero.onesLike(), isZero);
    const { x, dim } = mergedDims(counted, r.dims);
    const n = reduceOp("sum", x, dim).reshape(reducedShape(r.t.shape, r.dims, r.keepdim));
    const none = Tensor.full([], 0, n.dtype, n.backendImpl);
    const result = name === "all" ? zipOp("eq", n, none) : zipOp("gt", n, none);
    return asDType(result, maskDType);
  });
}

export type { Dims, ReduceArgs, ReduceOptions, ValuesIndices };
