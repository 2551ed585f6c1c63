import type { WasmKernels } from "./wasm_kernels.js";

/** A byte offset into the backend's memory. */
type Ptr = number;

/**
 * max or min of contiguous float32 `a`, seen as [outer, length, inner] with inner > 1, into `out`
 * [outer, inner]: each output row starts as the first slice and takes the elementwise maximum (or
 * minimum) with each further slice, one SIMD pass per slice. Max pooling reduces this way, across
 * the window dim with the windows' positions innermost. The result is the op table's left fold
 * bit for bit: the fold from −∞ (or +∞) of a first element is that element, and wasm's max/min
 * propagate NaN and order −0 < +0 as Math.max/Math.min do.
 */
export function reduceAcrossF32(
  kernels: WasmKernels,
  memory: Float32Array,
  op: "max" | "min",
  a: Ptr,
  out: Ptr,
  outer: number,
  length: number,
  inner: number,
): void {
  const kernel = op === "max" ? kernels.maximum_f32 : kernels.minimum_f32;
  const bytes = inner * 4;
  for (let r = 0; r < outer; r++) {
    const first = a + r * length * bytes;
    const o = out + r * bytes;
    memory.copyWithin(o / 4, first / 4, first / 4 + inner);
    for (let j = 1; j < length; j++) kernel(o, first + j * bytes, o, inner);
  }
}
