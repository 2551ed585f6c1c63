import { DataError, ShapeError } from "../../errors.js";
import { formatShape, type Shape, shapeSize } from "../../tensor/shape.js";
import type { View } from "../../tensor/tensor_data.js";
import type { HostArray } from "../backend.js";

/**
 * The cheap checks the reference backend runs at the top of each op, so a caller's mistake is a
 * `ShapeError` naming the op and the shapes instead of NaNs read past a buffer's end or writes
 * silently dropped by a typed array. Each costs O(ndim), never O(size).
 */

/** Whether `shape` broadcasts to `target` (NumPy rules: align right, each dim equal or 1). */
export function broadcastsTo(shape: Shape, target: Shape): boolean {
  const shift = target.length - shape.length;
  if (shift < 0) return false;
  return shape.every((d, i) => d === target[i + shift] || d === 1);
}

/**
 * A view must have one stride per dim, and every position it can reach must lie inside its
 * buffer: positions span offset + Σ min(0, (dᵢ−1)·sᵢ) … offset + Σ max(0, (dᵢ−1)·sᵢ).
 */
export function checkView(op: string, role: string, view: View<HostArray>): void {
  const { shape, strides, offset, buffer } = view;
  if (strides.length !== shape.length) {
    throw new ShapeError(
      `${op}: ${role} has shape ${formatShape(shape)} but ${strides.length} strides`,
    );
  }
  if (shapeSize(shape) === 0) return; // an empty view reads and writes nothing
  let lowest = offset;
  let highest = offset;
  for (let i = 0; i < shape.length; i++) {
    const reach = (shape[i] - 1) * strides[i];
    if (reach < 0) lowest += reach;
    else highest += reach;
  }
  if (lowest < 0 || highest >= buffer.length) {
    throw new ShapeError(
      `${op}: ${role} of shape ${formatShape(shape)} (strides ${formatShape(strides)}, offset ${offset}) reaches positions ${lowest}..${highest}, outside its buffer of ${buffer.length}`,
    );
  }
}

/** The row of an op table, or a `DataError` for a name the table lacks (callers from plain JS). */
export function rowOf<K extends string, R>(table: Record<K, R>, op: K, kind: string): R {
  if (!Object.hasOwn(table, op)) {
    throw new DataError(`${kind}: unknown op ${JSON.stringify(op)}`);
  }
  return table[op];
}
