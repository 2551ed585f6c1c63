import { BackendError } from "../../errors.js";
import { formatShape, type Shape } from "../../strided/shape.js";
import type { View } from "../../strided/tensor_data.js";
import type { GpuBuffer } from "./gpu_context.js";

/**
 * Host-side layout work for the generated kernels: aligning a broadcast input's strides with the
 * output, and collapsing an iteration space to as few dims as possible, so a kernel indexes the
 * fewest dims and most layouts reach the flat fast path.
 */

/** The largest rank a kernel indexes (shape and strides travel as two `vec4<u32>`). */
export const MAX_RANK = 8;

/** Threads per workgroup of every elementwise and reduction kernel (compatibility mode allows 128). */
export const WORKGROUP_SIZE = 64;

/**
 * The strides of `view` read along `target`'s dims (NumPy broadcasting): missing leading dims and
 * size-1 dims that grow step by 0, so every index along them reads the same element.
 */
export function broadcastStrides(view: View<GpuBuffer>, target: Shape): number[] {
  const shift = target.length - view.shape.length;
  return target.map((size, i) => {
    if (i < shift) return 0;
    return view.shape[i - shift] === size ? view.strides[i - shift] : 0;
  });
}

/** An iteration space: a shape and, per operand, its strides along it. */
export interface Loop {
  readonly shape: number[];
  readonly strides: number[][];
}

/**
 * The same iteration space in the fewest dims: size-1 dims are dropped, the rest are ordered by
 * the first operand's strides (outermost first; element order does not matter to an elementwise
 * op or to the outputs of a reduction), and neighbours merge wherever every operand steps over
 * them as over one dim. A contiguous or densely permuted operand thus becomes one dim of stride
 * 1, a broadcast scalar one dim of stride 0. Rank 0 (one element) comes back as shape [1].
 */
export function coalesce(shape: Shape, strides: readonly (readonly number[])[]): Loop {
  const dims = shape.map((_, i) => i).filter((i) => shape[i] !== 1);
  // Stable: equal strides keep their logical order.
  dims.sort((p, q) => strides[0][q] - strides[0][p]);
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (const d of dims) {
    const last = outShape.length - 1;
    const merges = last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * shape[d]);
    if (merges) {
      outShape[last] *= shape[d];
      strides.forEach((s, k) => {
        outStrides[k][last] = s[d];
      });
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, k) => {
        outStrides[k].push(s[d]);
      });
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [1]) };
  return { shape: outShape, strides: outStrides };
}

/** A BackendError for an iteration space of more dims than the kernels index. */
export function checkRank(op: string, loop: Loop, original: Shape): void {
  if (loop.shape.length > MAX_RANK) {
    throw new BackendError(
      `${op}: the webgpu backend indexes at most ${MAX_RANK} dims, but shape ${formatShape(original)} with these strides needs ${loop.shape.length} (make an input contiguous first)`,
    );
  }
}
