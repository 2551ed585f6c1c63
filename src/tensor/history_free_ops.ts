import type { ConvGeometry, DType } from "../backend/backend.js";
import { convOutputSize } from "../backend/checks.js";
import { isFloating } from "../backend/dtypes.js";
import { BackendError, DTypeError, ShapeError } from "../errors.js";
import type { BinaryOp, ReduceOp, UnaryOp } from "../strided/ops.js";
import {
  formatShape,
  normalizeDim,
  type Shape,
  sameShape,
  shapeBroadcast,
} from "../strided/shape.js";
import { denseOrder, layoutInOrder } from "../strided/tensor_data.js";
import { binaryTypes, isComparison, reduceTypes, unaryTypes } from "./promotion.js";
import { Tensor } from "./tensor.js";

/**
 * History-free tensor ops: each allocates its output on the inputs' backend and runs one backend
 * kernel, and none records autograd history, whatever the grad mode — the layer below Tensor's
 * methods. The autograd Functions' forward and backward are written with these, and so are the
 * parts of `nn/` and `optim/` that must not build a graph (in-place updates, state copies). They
 * check what the backend must be able to assume (same backend, fitting shapes) and name the op,
 * and convert mixed dtypes by PyTorch's promotion rules, so a kernel sees one dtype.
 */

/**
 * Throw a DTypeError naming `op` unless `x` is a Tensor: JavaScript callers can pass anything.
 * `accepted` says what the op takes (elementwise ops lift numbers before they get here).
 */
export function checkOperand(
  op: string,
  x: unknown,
  accepted = "a Tensor or a number",
): asserts x is Tensor {
  if (!(x instanceof Tensor)) {
    throw new DTypeError(`${op}: expected ${accepted}, got ${typeof x} (${String(x)})`);
  }
}

function checkPair(op: string, a: Tensor, b: Tensor): void {
  checkOperand(op, a);
  checkOperand(op, b);
  if (a.backend !== b.backend) {
    throw new BackendError(
      `${op}: tensors on different backends (${a.backend} and ${b.backend}); move one with await t.to("${a.backend}")`,
    );
  }
}

/**
 * `t` in `dtype`: itself when it is already, else a converted copy — a temporary the op disposes
 * with `done` once its kernel has run (backends see one dtype per kernel; the conversion is the
 * tensor level's, by PyTorch's promotion rules in promotion.ts).
 */
function as(t: Tensor, dtype: DType): Tensor {
  return t.dtype === dtype ? t : copyOp(t, t.shape, dtype);
}

/** Dispose the converted temporaries among `made` (those that are not the op's own inputs). */
function done(made: readonly Tensor[], inputs: readonly Tensor[]): void {
  for (const t of made) if (!inputs.includes(t)) t.dispose();
}

/**
 * `out` in `dtype`: the kernel computed in out's dtype; where the op's result is of another one
 * (bool arithmetic computes in int32), the result is converted, and the computed tensor freed.
 */
function into(out: Tensor, dtype: DType): Tensor {
  if (out.dtype === dtype) return out;
  const converted = copyOp(out, out.shape, dtype);
  out.dispose();
  return converted;
}

/**
 * Matrix products and convolutions are float kernels (as on GPUs, and PyTorch's CUDA): an integer
 * or bool operand is a DTypeError that says how to convert it.
 */
function checkFloat(op: string, a: Tensor, b: Tensor): void {
  for (const t of [a, b]) {
    if (!isFloating(t.dtype)) {
      throw new DTypeError(`${op}: expected float tensors, got ${t.dtype}; convert with .float()`);
    }
  }
  if (a.dtype !== b.dtype) {
    throw new DTypeError(
      `${op}: dtypes ${a.dtype} and ${b.dtype} differ; convert one with .float() or .double()`,
    );
  }
}

/**
 * The output of an elementwise op: row-major, except when an operand of the output's shape is a
 * dense permutation (a transposed gradient, say) and the others are constants or laid out the
 * same way — then the output takes that memory order (as PyTorch's elementwise ops do), so the
 * backend walks all of them in one flat pass instead of transposing.
 */
function elementwiseOutput(shape: Shape, operands: readonly Tensor[], dtype: DType): Tensor {
  const lead = operands.find((t) => sameShape(t.shape, shape) && !t.isContiguous());
  const order = lead === undefined ? null : denseOrder(lead.layout);
  const fits = (t: Tensor) =>
    t === lead ||
    t.numel() === 1 ||
    (sameShape(t.shape, shape) && t.layout.strides.every((s, i) => s === lead?.layout.strides[i]));
  if (lead === undefined || order === null || !operands.every(fits)) {
    return Tensor.empty(shape, dtype, operands[0].backendImpl);
  }
  return Tensor.emptyWithLayout(layoutInOrder(shape, order), dtype, lead.backendImpl);
}

/** out = op(a), elementwise. */
export function mapOp(op: UnaryOp, a: Tensor): Tensor {
  checkOperand(op, a);
  const types = unaryTypes(op, a.dtype);
  const x = as(a, types.compute);
  const out = elementwiseOutput(a.shape, [x], types.compute);
  out.backendImpl.map(op, out.strided, x.strided);
  done([x], [a]);
  return into(out, types.out);
}

/** out = op(a, b), elementwise with broadcasting. */
export function zipOp(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  checkPair(op, a, b);
  const types = binaryTypes(op, a, b);
  const [x, y] = [as(a, types.compute), as(b, types.compute)];
  // A comparison writes its bool result directly; other ops compute in one dtype, converted after.
  const outType = types.out === "bool" && isComparison(op) ? "bool" : types.compute;
  const out = elementwiseOutput(shapeBroadcast(a.shape, b.shape, op), [x, y], outType);
  out.backendImpl.zip(op, out.strided, x.strided, y.strided);
  done([x, y], [a, b]);
  return into(out, types.out);
}

/** Fold `a` along `dim` (kept, with size 1). */
export function reduceOp(op: ReduceOp, a: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, a.ndim, op);
  const shape = a.ndim === 0 ? [] : a.shape.map((s, i) => (i === d ? 1 : s));
  const types = reduceTypes(op, a.dtype);
  const x = as(a, types.compute);
  const out = Tensor.empty(shape, types.compute, a.backendImpl);
  if (a.ndim === 0) out.backendImpl.copy(out.strided, x.strided);
  else out.backendImpl.reduce(op, out.strided, x.strided, d);
  done([x], [a]);
  return into(out, types.out);
}

/** Batched a @ b for inputs of at least 2 dims; batch dims broadcast. */
export function matmulOp(a: Tensor, b: Tensor): Tensor {
  checkPair("matmul", a, b);
  checkFloat("matmul", a, b);
  if (a.ndim < 2 || b.ndim < 2) {
    throw new ShapeError(
      `matmul: expected tensors of at least 2 dims here, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
  const [n, k] = a.shape.slice(-2);
  const [k2, m] = b.shape.slice(-2);
  if (k !== k2) {
    throw new ShapeError(
      `matmul: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not align (${k} ≠ ${k2})`,
    );
  }
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  let batch: number[];
  try {
    batch = shapeBroadcast(batchA, batchB, "matmul");
  } catch {
    throw new ShapeError(
      `matmul: the batch dims of ${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast (${formatShape(batchA)} vs ${formatShape(batchB)})`,
    );
  }
  const out = Tensor.empty([...batch, n, m], a.dtype, a.backendImpl);
  out.backendImpl.matmul(out.strided, a.strided, b.strided);
  return out;
}

/** A fresh contiguous copy of `a` with shape `shape` (a must broadcast to it), in `dtype`. */
export function copyOp(a: Tensor, shape: Shape = a.shape, dtype = a.dtype): Tensor {
  const out = Tensor.empty(shape, dtype, a.backendImpl);
  out.backendImpl.copy(out.strided, a.strided);
  return out;
}

/**
 * target ← op(a, b), written into target's own storage (an in-place update: optimizers use it so
 * a parameter keeps its identity, as in PyTorch). `target` must be contiguous with the broadcast
 * shape of a and b, and may be a or b itself.
 */
export function zipInto(op: BinaryOp, target: Tensor, a: Tensor, b: Tensor): void {
  checkPair(op, a, b);
  checkPair(op, target, a);
  // In place, the target's dtype is the result's: the operands must already be of it (optimizer
  // state and parameters are), as the kernel computes in one dtype.
  if (a.dtype !== target.dtype || b.dtype !== target.dtype) {
    throw new DTypeError(
      `${op} (in place): operands of dtype ${a.dtype} and ${b.dtype} into a ${target.dtype} target; convert them with .to("${target.dtype}")`,
    );
  }
  const shape = shapeBroadcast(a.shape, b.shape, op);
  if (!target.isContiguous() || !sameShape(shape, target.shape)) {
    throw new ShapeError(
      `${op} (in place): the result has shape ${formatShape(shape)} but the target is ${formatShape(target.shape)}${target.isContiguous() ? "" : " and not contiguous"}`,
    );
  }
  target.backendImpl.zip(op, target.strided, a.strided, b.strided);
  target.storage.bumpVersion(); // backward's check of saved tensors sees the write (inplace.ts)
}

/**
 * im2col: `a` [N, C, H, W] (any layout) → contiguous [N, C·kh·kw, OH·OW], each column one window
 * of the zero-padded input (see `Backend.unfold`).
 */
export function unfoldOp(a: Tensor, g: ConvGeometry): Tensor {
  checkFloat("conv", a, a);
  if (a.ndim !== 4) {
    throw new ShapeError(`unfold: expected an input [N, C, H, W], got ${formatShape(a.shape)}`);
  }
  const [n, c, h, w] = a.shape;
  const [oh, ow] = convOutputSize(g, h, w);
  // A bad geometry is the backend's to report (with the values); the size just has to be valid.
  const columns = oh > 0 && ow > 0 ? oh * ow : 0;
  const rows = Number.isInteger(g.kh * g.kw) && g.kh * g.kw > 0 ? c * g.kh * g.kw : 0;
  const out = Tensor.empty([n, rows, columns], a.dtype, a.backendImpl);
  out.backendImpl.unfold(out.strided, a.strided, g);
  return out;
}

/**
 * col2im, unfold's adjoint: `cols` [N, C·kh·kw, OH·OW] → contiguous `imageShape` [N, C, H, W],
 * each element the sum of the entries unfold would have copied from it (see `Backend.fold`).
 */
export function foldOp(cols: Tensor, g: ConvGeometry, imageShape: Shape): Tensor {
  const out = Tensor.empty(imageShape, cols.dtype, cols.backendImpl);
  out.backendImpl.fold(out.strided, cols.strided, g);
  return out;
}
