import { BackendError, DTypeError, ShapeError } from "../../errors.js";
import {
  type BinaryOp,
  binaryOps,
  type ReduceOp,
  reduceOps,
  type UnaryOp,
  unaryOps,
} from "../../strided/ops.js";
import {
  broadcastIndex,
  formatShape,
  indexToPosition,
  shapeSize,
  toIndex,
} from "../../strided/shape.js";
import type { View } from "../../strided/tensor_data.js";
import type { Backend, ConvGeometry, DType, HostArray } from "../backend.js";
import { broadcastsTo, checkMatmul, checkReduce, checkView, rowOf } from "../checks.js";
import { allDTypes, dtypeInfo } from "../dtypes.js";
import { foldReference, unfoldReference } from "./conv.js";

/**
 * The reference backend: the contract in `backend.ts` written as plain strided loops, in the
 * style of MiniTorch's `tensor_map` / `tensor_zip` / `tensor_reduce`. It is the specification
 * every other backend is tested against, so it favours the obvious loop over the fast one:
 *
 *   for each output element (ordinal i, row-major):
 *     outIndex ← toIndex(i, out.shape)
 *     inIndex  ← broadcastIndex(outIndex, out.shape, in.shape)   (size-1 / missing dims read 0)
 *     out[indexToPosition(outIndex, out)] = f(in[indexToPosition(inIndex, in)])
 *
 * Index arrays are allocated once per call and reused for every element. Arithmetic happens in JS
 * doubles and is rounded to the buffer's dtype only when stored, so float64 buffers keep full
 * precision and a float32 reduction accumulates in double (a fast backend may differ in the last
 * bits). The output must not overlap an input, except that an elementwise op (map / zip / copy)
 * may write over an input with exactly the out's layout (each element is read before written).
 */
export class ReferenceBackend implements Backend<HostArray> {
  readonly name = "reference";
  readonly dtypes: readonly DType[] = allDTypes;
  readonly synchronousRead = true;

  /** A zero-filled typed array of `size` elements. */
  allocate(size: number, dtype: DType): HostArray {
    const info = dtypeInfo[dtype];
    if (info === undefined) {
      throw new DTypeError(
        `allocate: the reference backend stores ${allDTypes.join(", ")}, not ${String(dtype)}`,
      );
    }
    return info.array(size);
  }

  /** Nothing to do: typed arrays are garbage-collected once unreferenced. */
  free(_buffer: HostArray): void {}

  /** Copy `values` into the buffer; both must have the same length. */
  upload(buffer: HostArray, values: ArrayLike<number>): void {
    if (values.length !== buffer.length) {
      throw new BackendError(
        `upload: ${values.length} values do not fit a buffer of ${buffer.length} elements`,
      );
    }
    for (let i = 0; i < values.length; i++) buffer[i] = values[i];
  }

  /** A copy of the buffer (a copy, so the caller may keep it while the buffer is reused). */
  download(buffer: HostArray): Promise<HostArray> {
    return Promise.resolve(buffer.slice());
  }

  /** A copy of the buffer, synchronously. */
  downloadSync(buffer: HostArray): HostArray {
    return buffer.slice();
  }

  /** out[i] = op(a[i]), with `a` broadcast to `out`. */
  map(op: UnaryOp, out: View<HostArray>, a: View<HostArray>): void {
    const { fn } = rowOf(unaryOps, op, "map");
    mapStrided(`map(${op})`, fn, out, a);
  }

  /** out[i] = op(a[i], b[i]), with `a` and `b` each broadcast to `out` (NumPy rules). @task 2.3 */
  zip(op: BinaryOp, out: View<HostArray>, a: View<HostArray>, b: View<HostArray>): void {
    const { fn } = rowOf(binaryOps, op, "zip");
    const name = `zip(${op})`;
    checkView(name, "out", out);
    checkView(name, "first input", a);
    checkView(name, "second input", b);
    // `out` may be bigger than broadcast(a, b): each input only has to broadcast to it.
    if (!broadcastsTo(a.shape, out.shape) || !broadcastsTo(b.shape, out.shape)) {
      throw new ShapeError(
        `${name}: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} do not broadcast to ${formatShape(out.shape)}`,
      );
    }
    const outIndex = new Array<number>(out.shape.length).fill(0);
    const aIndex = new Array<number>(a.shape.length).fill(0);
    const bIndex = new Array<number>(b.shape.length).fill(0);
    const size = shapeSize(out.shape);
    for (let i = 0; i < size; i++) {
      toIndex(i, out.shape, outIndex);
      broadcastIndex(outIndex, out.shape, a.shape, aIndex);
      broadcastIndex(outIndex, out.shape, b.shape, bIndex);
      const x = a.buffer[indexToPosition(aIndex, a.strides, a.offset)];
      const y = b.buffer[indexToPosition(bIndex, b.strides, b.offset)];
      out.buffer[indexToPosition(outIndex, out.strides, out.offset)] = fn(x, y);
    }
  }

  /**
   * out[…, 0, …] = fold(op, identity, a[…, j, …] for j in 0..a.shape[dim]): `out` has `a`'s
   * shape with shape[dim] = 1. `dim` is in [0, ndim) — negative dims are the Tensor's business.
   * @task 2.3
   */
  reduce(op: ReduceOp, out: View<HostArray>, a: View<HostArray>, dim: number): void {
    const { fn, identity } = rowOf(reduceOps, op, "reduce");
    checkReduce(`reduce(${op})`, out, a, dim);
    // out and a have the same rank, so an out index is an index of a with index[dim] = 0: the
    // start of the row to fold. Stepping along the row adds a's stride for `dim` each time.
    const index = new Array<number>(out.shape.length).fill(0);
    const length = a.shape[dim];
    const step = a.strides[dim];
    const size = shapeSize(out.shape);
    for (let i = 0; i < size; i++) {
      toIndex(i, out.shape, index);
      const start = indexToPosition(index, a.strides, a.offset);
      let acc = identity;
      for (let j = 0; j < length; j++) acc = fn(acc, a.buffer[start + j * step]);
      out.buffer[indexToPosition(index, out.strides, out.offset)] = acc;
    }
  }

  /**
   * Batched matrix product: out[..., r, c] = Σₖ a[..., r, k] · b[..., k, c], where a is
   * [...batchA, n, k], b is [...batchB, k, m], out is [...broadcast(batchA, batchB), n, m].
   */
  matmul(out: View<HostArray>, a: View<HostArray>, b: View<HostArray>): void {
    const { k, aBatch, bBatch, batch } = checkMatmul(out, a, b);
    // For each out element: its batch index picks a's and b's matrices (broadcastIndex reads
    // only the leading batch entries of outIndex), then the dot product of a's row r with b's
    // column c walks k by a's last stride and b's second-to-last stride.
    const outIndex = new Array<number>(out.shape.length).fill(0);
    const aIndex = new Array<number>(a.shape.length).fill(0);
    const bIndex = new Array<number>(b.shape.length).fill(0);
    const rank = out.shape.length;
    const aStepK = a.strides[a.shape.length - 1];
    const bStepK = b.strides[b.shape.length - 2];
    const size = shapeSize(out.shape);
    for (let i = 0; i < size; i++) {
      toIndex(i, out.shape, outIndex);
      broadcastIndex(outIndex, batch, aBatch, aIndex);
      broadcastIndex(outIndex, batch, bBatch, bIndex);
      aIndex[a.shape.length - 2] = outIndex[rank - 2]; // row r, k = 0
      aIndex[a.shape.length - 1] = 0;
      bIndex[b.shape.length - 2] = 0; // k = 0, column c
      bIndex[b.shape.length - 1] = outIndex[rank - 1];
      const aStart = indexToPosition(aIndex, a.strides, a.offset);
      const bStart = indexToPosition(bIndex, b.strides, b.offset);
      let acc = 0;
      for (let j = 0; j < k; j++) {
        acc += a.buffer[aStart + j * aStepK] * b.buffer[bStart + j * bStepK];
      }
      out.buffer[indexToPosition(outIndex, out.strides, out.offset)] = acc;
    }
  }

  /**
   * out[i] = a[i], with `a` broadcast to `out`: materialises permuted or expanded views, and
   * converts dtypes (the typed array's store truncates toward zero into int32; bool is x ≠ 0).
   */
  copy(out: View<HostArray>, a: View<HostArray>): void {
    mapStrided("copy", out.buffer instanceof Uint8Array ? toBool : (x) => x, out, a);
  }

  /** im2col of a [N, C, H, W] into out [N, C·kh·kw, OH·OW] (see conv.ts). */
  unfold(out: View<HostArray>, a: View<HostArray>, g: ConvGeometry): void {
    unfoldReference(out, a, g);
  }

  /** col2im, unfold's adjoint: out [N, C, H, W] ← the sums of cols' entries (see conv.ts). */
  fold(out: View<HostArray>, cols: View<HostArray>, g: ConvGeometry): void {
    foldReference(out, cols, g);
  }
}

/**
 * out[i] = fn(a[i]), with `a` broadcast to `out`: the loop of map, and of copy (fn the identity).
 * `name` is the op as errors show it.
 * @task 2.3
 */
function mapStrided(
  name: string,
  fn: (x: number) => number,
  out: View<HostArray>,
  a: View<HostArray>,
): void {
  checkView(name, "out", out);
  checkView(name, "input", a);
  if (!broadcastsTo(a.shape, out.shape)) {
    throw new ShapeError(
      `${name}: shape ${formatShape(a.shape)} does not broadcast to ${formatShape(out.shape)}`,
    );
  }
  const outIndex = new Array<number>(out.shape.length).fill(0);
  const aIndex = new Array<number>(a.shape.length).fill(0);
  const size = shapeSize(out.shape);
  for (let i = 0; i < size; i++) {
    toIndex(i, out.shape, outIndex);
    broadcastIndex(outIndex, out.shape, a.shape, aIndex);
    const value = a.buffer[indexToPosition(aIndex, a.strides, a.offset)];
    out.buffer[indexToPosition(outIndex, out.strides, out.offset)] = fn(value);
  }
}

/** A value as bool storage holds it: 1 for anything nonzero (NaN included, as C's cast), else 0. */
export function toBool(x: number): number {
  return x !== 0 ? 1 : 0;
}

/** The shared instance: the backend is stateless, so one is enough. */
export const referenceBackend = new ReferenceBackend();
