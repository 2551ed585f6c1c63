import { ShapeError } from "../../errors.js";
import { formatShape, shapeSize } from "../../tensor/shape.js";
import type { View } from "../../tensor/tensor_data.js";
import type { GpuBuffer } from "./gpu_context.js";

/**
 * A view must have one stride per dim and reach only positions inside its buffer. On a GPU an
 * out-of-range read returns 0 or a clamped element instead of failing, so a caller's mistake would
 * be silently wrong numbers: this O(ndim) check turns it into a ShapeError naming the op.
 */
export function checkGpuView(op: string, role: string, view: View<GpuBuffer>): void {
  const { shape, strides, offset, buffer } = view;
  if (strides.length !== shape.length) {
    throw new ShapeError(
      `${op}: ${role} has shape ${formatShape(shape)} but ${strides.length} strides`,
    );
  }
  if (shapeSize(shape) === 0) return;
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
