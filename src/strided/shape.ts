import { ShapeError } from "../errors.js";

/**
 * Shapes and strides: the pure arithmetic behind strided tensors. A tensor's element at
 * multi-index (i₀, …, iₙ₋₁) lives at storage position offset + Σₖ iₖ·strideₖ.
 */

/** Sizes of each dimension, outermost first. `[]` is a 0-d (scalar) tensor. */
export type Shape = readonly number[];
/** Storage steps per dimension, in elements (not bytes). */
export type Strides = readonly number[];

/** `[2,3]`, the form every error message uses. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(",")}]`;
}

/** Number of elements: the product of the sizes (1 for a 0-d tensor). */
export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Whether two shapes are equal. */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Row-major (C-order) strides: the last dimension is contiguous. [2,3,4] → [12,4,1]. @task 2.1 */
export function stridesFromShape(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = step;
    step *= shape[i];
  }
  return strides;
}

/** Storage position of a multi-index: offset + Σ index[i]·strides[i]. @task 2.1 */
export function indexToPosition(index: readonly number[], strides: Strides, offset = 0): number {
  let position = offset;
  for (let i = 0; i < index.length; i++) position += index[i] * strides[i];
  return position;
}

/**
 * The multi-index of the `ordinal`-th element in row-major order, written into `outIndex`
 * (reused across calls so loops allocate nothing). Inverse of position for contiguous strides.
 * @task 2.1
 */
export function toIndex(ordinal: number, shape: Shape, outIndex: number[]): void {
  let rest = ordinal;
  for (let i = shape.length - 1; i >= 0; i--) {
    const size = shape[i];
    outIndex[i] = rest % size;
    rest = Math.floor(rest / size);
  }
}

/**
 * Map an index into the broadcast (bigger) shape to the index of a smaller shape that broadcasts
 * to it (NumPy rules): dims are aligned on the right, and a size-1 dim always reads index 0.
 * @task 2.2
 */
export function broadcastIndex(
  bigIndex: readonly number[],
  bigShape: Shape,
  shape: Shape,
  outIndex: number[],
): void {
  const shift = bigShape.length - shape.length;
  for (let i = 0; i < shape.length; i++) {
    outIndex[i] = shape[i] === 1 ? 0 : bigIndex[i + shift];
  }
}

/**
 * The shape two shapes broadcast to (NumPy rules: align right; each pair of sizes must be equal
 * or one of them 1). A `ShapeError` naming both shapes otherwise.
 * @task 2.2
 */
export function shapeBroadcast(a: Shape, b: Shape, op = "broadcast"): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast (${da} ≠ ${db} in dim ${i - n})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** A dim in [−ndim, ndim) as a non-negative index, or a `ShapeError` naming the op and range. */
export function normalizeDim(dim: number, ndim: number, op: string): number {
  if (!Number.isInteger(dim) || dim < -Math.max(ndim, 1) || dim >= Math.max(ndim, 1)) {
    throw new ShapeError(
      `${op}: dim ${dim} is out of range for a ${ndim}-d tensor (expected an integer in [${-Math.max(ndim, 1)}, ${Math.max(ndim, 1) - 1}])`,
    );
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

/** Check that `shape` is a list of non-negative integers, naming the op and the bad value. */
export function checkShape(shape: readonly unknown[], op: string): number[] {
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw new ShapeError(
        `${op}: a shape holds non-negative integers, got ${JSON.stringify(shape)}`,
      );
    }
  }
  return shape as number[];
}
