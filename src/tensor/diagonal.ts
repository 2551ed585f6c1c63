import type { Context } from "../autodiff/context.js";
import { AutogradFunction } from "../autodiff/function.js";
import { DataError, DTypeError, ShapeError } from "../errors.js";
import {
  checkedWhereUsed,
  checkOptions,
  describeValue,
  isBoolean,
  type OptionChecks,
} from "../options.js";
import { formatShape, normalizeDim, type Shape } from "../strided/shape.js";
import type { Layout } from "../strided/tensor_data.js";
import { clone } from "./conveniences.js";
import { checkOperand, copyOp } from "./history_free_ops.js";
import { maskedFill_ } from "./inplace.js";
import { sum } from "./reductions.js";
import { Tensor } from "./tensor.js";

/**
 * Diagonals, as PyTorch's `diagonal`, `diag` and `trace`. A diagonal is a view: dims dim1 and
 * dim2 are replaced by one dim, appended last, whose stride is the sum of theirs — element k is
 * [k, k + offset] of those two dims (offset > 0 above the main diagonal, < 0 below). Its gradient
 * is g written into that same diagonal of zeros of the input's shape.
 */

/**
 * The layout of diagonal `offset` of dims `dim1`, `dim2` (normalized, distinct) of `layout`:
 * those dims removed, the diagonal appended, of size min(n₁, n₂ − offset) for offset ≥ 0 and
 * min(n₁ + offset, n₂) below (0 when the diagonal lies outside), starting at [0, offset] or
 * [−offset, 0].
 */
export function diagonalLayout(layout: Layout, offset: number, dim1: number, dim2: number): Layout {
  const { shape, strides } = layout;
  const [n1, n2] = [shape[dim1], shape[dim2]];
  const size = Math.max(0, offset >= 0 ? Math.min(n1, n2 - offset) : Math.min(n1 + offset, n2));
  const start = size === 0 ? 0 : offset >= 0 ? offset * strides[dim2] : -offset * strides[dim1];
  const others = (_: number, i: number) => i !== dim1 && i !== dim2;
  return {
    shape: [...shape.filter(others), size],
    strides: [...strides.filter(others), strides[dim1] + strides[dim2]],
    offset: layout.offset + start,
  };
}

/** Which diagonal a Diagonal Function shows: normalized, distinct dims. */
interface DiagonalParams {
  readonly [key: string]: unknown;
  readonly offset: number;
  readonly dim1: number;
  readonly dim2: number;
}

/** What Diagonal saves: the input's shape and the diagonal. */
type DiagonalContext = Context<[shape: Shape, p: DiagonalParams]>;

/** A diagonal (a view); the gradient is g written into the diagonal of zeros. */
class Diagonal extends AutogradFunction {
  static override forward(ctx: DiagonalContext, a: Tensor, p: DiagonalParams): Tensor {
    ctx.saveForBackward(a.shape, p);
    return new Tensor(a.storage, diagonalLayout(a.layout, p.offset, p.dim1, p.dim2));
  }
  static override backward(ctx: DiagonalContext, g: Tensor): Tensor {
    const [shape, p] = ctx.savedValues;
    return intoDiagonalOfZeros(g, shape, p.offset, p.dim1, p.dim2);
  }
}

/** Zeros of `shape` with `values` written into their diagonal `offset` of dims dim1, dim2. */
function intoDiagonalOfZeros(
  values: Tensor,
  shape: Shape,
  offset: number,
  dim1: number,
  dim2: number,
): Tensor {
  const out = Tensor.full(shape, 0, values.dtype, values.backendImpl);
  const diag = diagonalLayout(out.layout, offset, dim1, dim2);
  out.backendImpl.copy({ ...out.strided, ...diag }, values.strided);
  return out;
}

/** A 1-D tensor laid on diagonal `offset` of a square matrix of zeros; the gradient is g's diagonal. */
class DiagEmbed extends AutogradFunction {
  static override forward(
    ctx: Context<[offset: number]>,
    a: Tensor,
    p: { offset: number },
  ): Tensor {
    ctx.saveForBackward(p.offset);
    const n = a.shape[0] + Math.abs(p.offset);
    return intoDiagonalOfZeros(a, [n, n], p.offset, 0, 1);
  }
  static override backward(ctx: Context<[offset: number]>, g: Tensor): Tensor {
    const [offset] = ctx.savedValues;
    return copyOp(new Tensor(g.storage, diagonalLayout(g.layout, offset, 0, 1)));
  }
}

/** Options of `diagonal`, PyTorch's keyword arguments. */
export interface DiagonalOptions {
  /** Which diagonal: 0 the main one (default), > 0 above it, < 0 below. */
  offset?: number;
  /** The first dim of the 2-D planes the diagonals are taken of (default 0). */
  dim1?: number;
  /** The second dim (default 1). */
  dim2?: number;
}

const diagonalChecks: OptionChecks<DiagonalOptions> = {
  offset: checkedWhereUsed,
  dim1: checkedWhereUsed,
  dim2: checkedWhereUsed,
};

/** Throws a DataError naming `op` and the argument `name` unless `value` is an integer. */
function checkInteger(op: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new DataError(`${op}: ${name} must be an integer, got ${describeValue(value)}`);
  }
}

/**
 * The diagonal `offset` of dims `dim1`, `dim2` (negatives from the end), as `torch.diagonal`:
 * those dims are removed and the diagonal is appended as the last dim. A view sharing `x`'s
 * storage, with gradients. Arguments as PyTorch's, positional (`diagonal(x, 1, 0, 2)`) or as
 * options (`diagonal(x, {offset: 1, dim1: -2, dim2: -1})`); defaults offset 0, dims 0 and 1.
 */
export function diagonal(
  x: Tensor,
  offset: number | DiagonalOptions = 0,
  dim1?: number,
  dim2?: number,
): Tensor {
  checkOperand("diagonal", x, "a Tensor");
  let [o, d1, d2]: unknown[] = [offset, dim1 ?? 0, dim2 ?? 1];
  if (typeof offset === "object" && offset !== null) {
    if (dim1 !== undefined || dim2 !== undefined) {
      throw new DataError("diagonal: give the dims either positionally or as options, not both");
    }
    const options = checkOptions("diagonal", offset, diagonalChecks);
    [o, d1, d2] = [options.offset ?? 0, options.dim1 ?? 0, options.dim2 ?? 1];
  }
  checkInteger("diagonal", "offset", o);
  checkInteger("diagonal", "dim1", d1);
  checkInteger("diagonal", "dim2", d2);
  if (x.ndim < 2) {
    throw new ShapeError(
      `diagonal: needs a tensor of at least 2 dims, got a ${x.ndim}-d tensor of shape ${formatShape(x.shape)}`,
    );
  }
  const a = normalizeDim(d1, x.ndim, "diagonal");
  const b = normalizeDim(d2, x.ndim, "diagonal");
  if (a === b) {
    throw new ShapeError(
      `diagonal: dim1 ${d1} and dim2 ${d2} are both dim ${a} of shape ${formatShape(x.shape)}; the two dims must differ`,
    );
  }
  return Diagonal.apply<Tensor>(x, { offset: o, dim1: a, dim2: b });
}

/**
 * `torch.diag`: of a 1-D tensor, the square matrix (n + |diagonal|) × (n + |diagonal|) holding it
 * on that diagonal, zeros elsewhere; of a matrix, that diagonal as a 1-D tensor (a copy; see
 * `diagonal` for a view). Gradients flow both ways.
 */
export function diag(x: Tensor, diagonal = 0): Tensor {
  checkOperand("diag", x, "a Tensor");
  checkInteger("diag", "diagonal", diagonal);
  if (x.ndim === 1) return DiagEmbed.apply<Tensor>(x, { offset: diagonal });
  if (x.ndim === 2) return clone(Diagonal.apply<Tensor>(x, { offset: diagonal, dim1: 0, dim2: 1 }));
  throw new ShapeError(
    `diag: expects a 1-D or 2-D tensor, got a ${x.ndim}-d tensor of shape ${formatShape(x.shape)}`,
  );
}

/**
 * The sum of a matrix's main diagonal, `torch.trace` (2-D only, as PyTorch's); an integer matrix
 * gives an integer (int32, PyTorch's int64). The gradient is the identity matrix times g.
 */
export function trace(x: Tensor): Tensor {
  checkOperand("trace", x, "a Tensor");
  if (x.ndim !== 2) {
    throw new ShapeError(
      `trace: expects a matrix (2-D), got a ${x.ndim}-d tensor of shape ${formatShape(x.shape)}`,
    );
  }
  if (x.dtype === "bool") {
    throw new DTypeError(
      "trace: not defined for a bool tensor (as in PyTorch); convert with .int()",
    );
  }
  return sum(Diagonal.apply<Tensor>(x, { offset: 0, dim1: 0, dim2: 1 }));
}

/** Options of `fillDiagonal_`. */
export interface FillDiagonalOptions {
  /** A tall matrix's diagonal starts again N + 1 rows down, as PyTorch's (default false). */
  wrap?: boolean;
}

/**
 * x ← value on the main diagonal, in place (PyTorch's `fill_diagonal_`): [i, i, …] for every i of
 * a tensor of 2 dims or more, all equal for more than 2; with `{wrap}`, a tall matrix's diagonal
 * starts again every N + 1 rows (N its column count). Written as `maskedFill_` over a mask of
 * those positions, so its rules on dtypes and autograd (and its gradient: 0 there) hold.
 */
export function fillDiagonal_(x: Tensor, value: number, options?: FillDiagonalOptions): Tensor {
  checkOperand("fillDiagonal_", x, "a Tensor");
  const { wrap = false } = checkOptions("fillDiagonal_", options, { wrap: isBoolean });
  if (typeof value !== "number") {
    throw new DataError(`fillDiagonal_: the value must be a number, got ${describeValue(value)}`);
  }
  const shape = x.shape;
  if (shape.length < 2) {
    throw new ShapeError(
      `fillDiagonal_: dimensions must larger than 1, got a ${shape.length}-d tensor of shape ${formatShape(shape)}`,
    );
  }
  if (shape.length > 2 && shape.some((n) => n !== shape[0])) {
    throw new ShapeError(
      `fillDiagonal_: all dimensions of input must be of equal length, got shape ${formatShape(shape)}`,
    );
  }
  // Row-major, element [i, i, …] lies at i·step, step the sum of the contiguous strides.
  let [step, size] = [0, 1];
  for (let d = shape.length - 1; d >= 0; d--) [step, size] = [step + size, size * shape[d]];
  const end = wrap && shape.length === 2 ? size : Math.min(...shape) * step;
  const mask = new Array<number>(size).fill(0);
  for (let j = 0; j < Math.min(end, size); j += step) mask[j] = 1;
  const truncated = x.dtype === "int32" ? Math.trunc(value) : value;
  const at = Tensor.fromValues(mask, shape, "bool", x.backendImpl);
  return maskedFill_(x, at, truncated, "fillDiagonal_");
}
