import type { DType } from "../backend/backend.js";
import { BackendError, DataError, DTypeError, ShapeError } from "../errors.js";
import { formatShape, normalizeDim, sameShape, shapeBroadcast } from "../strided/shape.js";
import { checkOperand, reduceOp, zipOp } from "./history_free_ops.js";
import { narrow } from "./indexing.js";
import { cast } from "./methods/dtypes.js";
import { resultType, scalarDType } from "./promotion.js";
import { TakeAlongDim } from "./reduction_functions.js";
import { RowGather } from "./row_gather.js";
import { MaskedSelect, PadCorner, padded } from "./selection_functions.js";
import { Tensor, type TensorLike } from "./tensor.js";
import { KeepWhere } from "./view_functions.js";

/**
 * Selecting by the values of index tensors and masks, as PyTorch's gather, indexSelect, scatter,
 * scatterAdd, where, maskedFill and maskedSelect — copies, with gradients. No backend primitive
 * gathers, so each is a one-hot selection: index [.., k, ..] along `dim` is compared with the
 * positions 0…n−1 into a mask [.., k, n, ..], and values are picked with `keepWhere` (a selection,
 * so a NaN or ∞ not picked contributes 0, not NaN) and summed. That costs index-size × n memory:
 * right for everyday sizes, not for a large embedding table (a backend gather would be).
 *
 * Index tensors hold positions read as numbers, in any dtype but bool. Where the backend reads
 * synchronously (the CPU backends) every index is checked, and one out of range is a DataError
 * naming it; a GPU backend cannot check without a read-back, and an index out of range there
 * selects nothing (0), as a one-hot comparison does.
 */

/** A DTypeError unless `index` is a Tensor of index values (integers, or floats holding them). */
function checkIndexTensor(op: string, index: unknown): asserts index is Tensor {
  checkOperand(op, index, "an index Tensor");
  if (index.dtype === "bool") {
    throw new DTypeError(`${op}: index must be an integer tensor, got a bool tensor`);
  }
}

/** Check every value of `index` is an integer in [0, n), where it can be read synchronously. */
function checkIndexValues(op: string, index: Tensor, n: number, dim: number, input: Tensor): void {
  if (!index.backendImpl.synchronousRead) return;
  const values = index.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= n) {
      throw new DataError(
        `${op}: index ${v} (element ${i} of the index) is out of range for dim ${dim} of size ${n} (input shape ${formatShape(input.shape)}; expected an integer in [0, ${n - 1}])`,
      );
    }
  }
}

/** `t` narrowed to `shape` (each dim at most t's) from the start of each dim: a view. */
function corner(t: Tensor, shape: readonly number[]): Tensor {
  return shape.reduce((x, size, d) => (x.shape[d] === size ? x : narrow(x, d, 0, size)), t);
}

/**
 * The one-hot selection [.., k, n, ..] of `index` [.., k, ..] along `dim` (the new dim of size n
 * at dim + 1): 1 where index[.., r, ..] = j. Positions are compared in the index's own dtype.
 */
function selection(index: Tensor, n: number, dim: number): Tensor {
  const trailing = new Array<number>(index.ndim - dim - 1).fill(1);
  const positions = Array.from({ length: n }, (_, j) => j);
  const at = Tensor.fromValues(positions, [n, ...trailing], index.dtype, index.backendImpl);
  return zipOp("eq", index.unsqueeze(dim + 1), at);
}

/** `t`, or for a 0-d `t` a 1-D view of its one element (gather and scatter work on dims). */
function atLeast1d(t: Tensor): Tensor {
  return t.ndim === 0 ? t.reshape([1]) : t;
}

/** A ShapeError unless `index` has `input`'s number of dims and fits it (but along `dim`). */
function checkFits(op: string, input: Tensor, index: Tensor, d: number, what = "input"): void {
  if (index.ndim !== input.ndim) {
    throw new ShapeError(
      `${op}: index has ${index.ndim} dims but the ${what} has ${input.ndim} (shapes ${formatShape(index.shape)} and ${formatShape(input.shape)}); they must have as many`,
    );
  }
  index.shape.forEach((s, k) => {
    if (k !== d && s > input.shape[k]) {
      throw new ShapeError(
        `${op}: index shape ${formatShape(index.shape)} is larger than the ${what}'s ${formatShape(input.shape)} in dim ${k} (${s} > ${input.shape[k]})`,
      );
    }
  });
}

/**
 * out[i][j][k] = input[i][index[i][j][k]][k] for dim 1 (and likewise for any dim), as
 * `torch.gather`: index has input's number of dims and is no larger in the others; the result
 * has index's shape. The gradient adds g back to the elements picked.
 */
export function gather(input: Tensor, dim: number, index: Tensor): Tensor {
  checkOperand("gather", input, "a Tensor");
  checkIndexTensor("gather", index);
  const d = normalizeDim(dim, input.ndim, "gather");
  checkFits("gather", input, index, d);
  const [a, i] = [atLeast1d(input), atLeast1d(index)];
  checkIndexValues("gather", i, a.shape[d], d, input);
  const shape = a.shape.map((s, k) => (k === d ? s : i.shape[k]));
  const out = TakeAlongDim.apply<Tensor>(corner(a, shape), { dim: d, index: i });
  return input.ndim === 0 ? out.reshape([]) : out;
}

/**
 * The elements of `input` at positions `index` (1-D, or 0-d for one) along `dim`, as
 * `torch.index_select`: dim `dim` of the result has index's length.
 */
export function indexSelect(input: Tensor, dim: number, index: Tensor): Tensor {
  checkOperand("indexSelect", input, "a Tensor");
  checkIndexTensor("indexSelect", index);
  if (index.ndim > 1) {
    throw new ShapeError(
      `indexSelect: index must be 1-D (or 0-d), got shape ${formatShape(index.shape)}`,
    );
  }
  const d = normalizeDim(dim, input.ndim, "indexSelect");
  const a = atLeast1d(input);
  const k = index.shape[0] ?? 1;
  if (input.ndim === 0 && k !== 1) {
    throw new ShapeError(`indexSelect: a 0-d input takes one index, got ${k}`);
  }
  checkIndexValues("indexSelect", index, a.shape[d], d, input);
  if (a.backendImpl.synchronousRead && index.backend === a.backend) {
    const rows = Int32Array.from(index.reshape([-1]).dataSync());
    const out = RowGather.apply<Tensor>(a, { dim: d, rows });
    return input.ndim === 0 ? out.reshape([]) : out;
  }
  const shape = a.shape.map((s, i) => (i === d ? k : s));
  const along = index.reshape(shape.map((s, i) => (i === d ? s : 1))).expand(shape);
  const out = TakeAlongDim.apply<Tensor>(a, { dim: d, index: along });
  return input.ndim === 0 ? out.reshape([]) : out;
}

/** The checks scatter and scatterAdd share; the source (a Tensor, or a number) as a Tensor. */
function checkScatter(
  op: string,
  input: Tensor,
  dim: number,
  index: Tensor,
  src: TensorLike,
): [d: number, src: Tensor] {
  checkOperand(op, input, "a Tensor");
  checkIndexTensor(op, index);
  const d = normalizeDim(dim, input.ndim, op);
  checkFits(op, input, index, d);
  const source =
    typeof src === "number" ? Tensor.full(index.shape, src, input.dtype, input.backendImpl) : src;
  checkOperand(op, source, "a source Tensor or a number");
  if (source.dtype !== input.dtype) {
    throw new DTypeError(
      `${op}: the source is ${source.dtype} but the input is ${input.dtype}; convert it with .to("${input.dtype}")`,
    );
  }
  checkFits(op, source, index, -1, "source");
  checkIndexValues(op, index, atLeast1d(input).shape[d], d, input);
  return [d, source];
}

/**
 * Σ over r of src[.., r, ..] where `chosen` [.., k, n, ..] is 1, along `dim`: shape [.., n, ..]
 * (index's other sizes), differentiable in src.
 */
function spread(src: Tensor, chosen: Tensor, d: number): Tensor {
  return KeepWhere.apply<Tensor>(src.unsqueeze(d + 1), { mask: chosen }).sum(d);
}

/**
 * `input` with src's elements added at index along `dim`, as `torch.scatter_add`:
 * out[i][index[i][j][k]][k] += src[i][j][k] for dim 1 (repeated indices add up). The gradient is
 * g for input and g gathered at index for src.
 */
export function scatterAdd(input: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  const [d, source] = checkScatter("scatterAdd", input, dim, index, src);
  const [a, i, s] = [atLeast1d(input), atLeast1d(index), atLeast1d(source)];
  const added = spread(corner(s, i.shape), selection(i, a.shape[d], d), d);
  const out = a.add(
    sameShape(added.shape, a.shape) ? added : PadCorner.apply<Tensor>(added, { shape: a.shape }),
  );
  return input.ndim === 0 ? out.reshape([]) : out;
}

/**
 * `input` with src's elements (or the number `src`) written at index along `dim`, as
 * `torch.scatter`: out[i][index[i][j][k]][k] = src[i][j][k] for dim 1. Where an index repeats,
 * the last element written wins (PyTorch leaves that undefined). The gradient is g where input
 * was kept, and g at the written places for the src elements that won.
 */
export function scatter(input: Tensor, dim: number, index: Tensor, src: TensorLike): Tensor {
  const [d, source] = checkScatter("scatter", input, dim, index, src);
  const [a, i, s] = [atLeast1d(input), atLeast1d(index), atLeast1d(source)];
  const n = a.shape[d];
  const chosen = selection(i, n, d);
  // Rank each choice by its position r + 1 along dim; the largest rank per target wins.
  const k = i.shape[d];
  const ranks = Array.from({ length: k }, (_, r) => r + 1);
  const trailing = new Array<number>(i.ndim - d).fill(1);
  const order = Tensor.fromValues(ranks, [k, ...trailing], i.dtype, i.backendImpl);
  const ranked = zipOp("keepWhere", order, chosen);
  const won = zipOp("keepWhere", zipOp("eq", ranked, reduceOp("max", ranked, d)), chosen);
  const written = reduceOp("sum", won, d).squeeze(d);
  const keep = padded(
    zipOp("eq", written, Tensor.full([], 0, written.dtype, a.backendImpl)),
    a.shape,
    1,
  );
  const values = spread(corner(s, i.shape), won, d);
  const placed = sameShape(values.shape, a.shape)
    ? values
    : PadCorner.apply<Tensor>(values, { shape: a.shape });
  const out = KeepWhere.apply<Tensor>(a, { mask: keep }).add(placed);
  return input.ndim === 0 ? out.reshape([]) : out;
}

/** The dtype and rank promotion sees of an operand: a number is 0-d, of its kind's dtype beside `like`. */
function typed(x: TensorLike, like: DType): { dtype: DType; ndim: number } {
  return typeof x === "number" ? { dtype: scalarDType(x, like), ndim: 0 } : x;
}

/**
 * a where `condition` is true (non-zero), else b, elementwise with broadcasting, as
 * `torch.where`; numbers take the other operand's dtype where it holds them. The gradient goes to
 * a where the condition holds and to b elsewhere.
 */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  checkOperand("where", condition, "a condition Tensor");
  for (const [x, name] of [
    [a, "a"],
    [b, "b"],
  ] as const) {
    if (typeof x !== "number") checkOperand(`where (${name})`, x);
  }
  // Two numbers promote as two 0-d tensors: integers give int32 (PyTorch's int64), else float32.
  const kindOf = (x: TensorLike) => (typeof x === "number" ? "int32" : x.dtype);
  const dtype = resultType(typed(a, kindOf(b)), typed(b, kindOf(a)));
  // Numbers are made in the result's dtype directly (no temporary a GPU could not store).
  const lift = (x: TensorLike) =>
    typeof x === "number" ? Tensor.full([], x, dtype, condition.backendImpl) : cast(x, dtype);
  const [ta, tb] = [lift(a), lift(b)];
  shapeBroadcast(condition.shape, shapeBroadcast(ta.shape, tb.shape, "where"), "where");
  const otherwise = zipOp(
    "eq",
    condition,
    Tensor.full([], 0, condition.dtype, condition.backendImpl),
  );
  const left = KeepWhere.apply<Tensor>(ta, { mask: condition });
  return left.add(KeepWhere.apply<Tensor>(tb, { mask: otherwise }));
}

/**
 * `input` with `value` (a number or a 0-d tensor, converted to input's dtype) where `mask` is
 * true, as `torch.masked_fill`; the mask broadcasts with input. The gradient goes to input where
 * the mask is false, and to a value tensor summed over where it is true.
 */
export function maskedFill(input: Tensor, mask: Tensor, value: TensorLike): Tensor {
  checkOperand("maskedFill", input, "a Tensor");
  checkOperand("maskedFill", mask, "a mask Tensor");
  if (typeof value !== "number") {
    checkOperand("maskedFill", value, "a number or a 0-d Tensor");
    if (value.ndim !== 0) {
      throw new ShapeError(
        `maskedFill: value must be a number or a 0-d tensor, got shape ${formatShape(value.shape)}`,
      );
    }
  }
  const fill =
    typeof value === "number"
      ? Tensor.full([], value, input.dtype, input.backendImpl)
      : cast(value, input.dtype);
  return where(mask, fill, input);
}

/**
 * The elements of `input` where `mask` is true (both broadcast to one shape), in row-major
 * order, as a 1-D tensor: `torch.masked_select`. The result's size depends on the mask's
 * values, so the mask is read on the host: a backend that reads only asynchronously (a GPU) is
 * a BackendError.
 */
export function maskedSelect(input: Tensor, mask: Tensor): Tensor {
  checkOperand("maskedSelect", input, "a Tensor");
  checkOperand("maskedSelect", mask, "a mask Tensor");
  if (!input.backendImpl.synchronousRead || !mask.backendImpl.synchronousRead) {
    throw new BackendError(
      `maskedSelect: the result's size depends on the mask's values, which the ${mask.backendImpl.synchronousRead ? input.backend : mask.backend} backend reads only asynchronously; move the tensors with await t.to("cpu"), or use where/maskedFill, whose results keep their shape`,
    );
  }
  const shape = shapeBroadcast(input.shape, mask.shape, "maskedSelect");
  const flags = mask.expand(shape).dataSync();
  const positions: number[] = [];
  flags.forEach((f, k) => {
    if (f !== 0) positions.push(k);
  });
  return MaskedSelect.apply<Tensor>(input, { shape, positions });
}
