import { ShapeError } from "../errors.js";
import {
  formatShape,
  indexToPosition,
  type Shape,
  type Strides,
  shapeSize,
  stridesFromShape,
  toIndex,
} from "./shape.js";

/**
 * A strided view: how a tensor's logical elements sit in its storage. Views (permute, expand,
 * transpose, reshape of contiguous data) change only these numbers and share the storage.
 * This is all a backend sees of a tensor: `{buffer, shape, strides, offset}`.
 */
export interface Layout {
  readonly shape: Shape;
  readonly strides: Strides;
  readonly offset: number;
}

/** A layout over a backend buffer `B` (a typed array on CPU backends, a GPU buffer later). */
export interface View<B = unknown> extends Layout {
  readonly buffer: B;
  /**
   * What keeps `buffer` allocated while the view is in use (the tensor layer's storage): code that
   * holds only a view, its tensor gone, must not see the buffer freed under it by the collector.
   */
  readonly owner?: object;
}

/** The contiguous row-major layout of `shape` at offset 0. */
export function contiguousLayout(shape: Shape): Layout {
  return { shape: [...shape], strides: stridesFromShape(shape), offset: 0 };
}

/**
 * Whether the layout is row-major contiguous: element k (in row-major order) is at offset + k.
 * Size-1 dims may have any stride (they are never stepped over).
 * @task 2.1
 */
export function isContiguous(layout: Layout): boolean {
  let expected = 1;
  for (let i = layout.shape.length - 1; i >= 0; i--) {
    if (layout.shape[i] !== 1 && layout.strides[i] !== expected) return false;
    expected *= layout.shape[i];
  }
  return true;
}

/** Reorder dims: dim i of the result is dim `order[i]` of the input. @task 2.1 */
export function permuteLayout(layout: Layout, order: readonly number[]): Layout {
  const n = layout.shape.length;
  const sorted = [...order].sort((a, b) => a - b);
  if (order.length !== n || sorted.some((d, i) => d !== i)) {
    throw new ShapeError(
      `permute: ${JSON.stringify(order)} is not a permutation of the ${n} dims of a tensor of shape ${formatShape(layout.shape)}`,
    );
  }
  return {
    shape: order.map((d) => layout.shape[d]),
    strides: order.map((d) => layout.strides[d]),
    offset: layout.offset,
  };
}

/**
 * Broadcast a layout to a bigger `shape` without copying: new leading dims and size-1 dims that
 * grow get stride 0, so every index along them reads the same element.
 * @task 2.2
 */
export function expandLayout(layout: Layout, shape: Shape, op = "expand"): Layout {
  const shift = shape.length - layout.shape.length;
  const bad = () =>
    new ShapeError(
      `${op}: cannot expand shape ${formatShape(layout.shape)} to ${formatShape(shape)}`,
    );
  if (shift < 0) throw bad();
  const strides = shape.map((size, i) => {
    if (i < shift) return 0;
    const own = layout.shape[i - shift];
    if (own === size) return layout.strides[i - shift];
    if (own === 1) return 0;
    throw bad();
  });
  return { shape: [...shape], strides, offset: layout.offset };
}

/**
 * The same storage seen with a new shape. Only for contiguous layouts (the caller checks), so
 * the new strides are simply row-major.
 */
export function viewLayout(layout: Layout, shape: Shape): Layout {
  return { shape: [...shape], strides: stridesFromShape(shape), offset: layout.offset };
}

/**
 * Resolve a requested shape for `view`/`reshape`: at most one −1 (inferred) and the same number of
 * elements as `size`; a `ShapeError` naming both otherwise.
 */
export function inferShape(requested: readonly number[], size: number, op: string): number[] {
  const inferred = requested.filter((d) => d === -1).length;
  const bad = requested.some((d) => !Number.isInteger(d) || d < -1);
  if (inferred > 1 || bad) {
    throw new ShapeError(`${op}: invalid shape ${formatShape(requested)} (only one dim may be -1)`);
  }
  const known = shapeSize(requested.filter((d) => d !== -1));
  const shape = requested.map((d) => (d === -1 ? (known === 0 ? 0 : size / known) : d));
  if (shapeSize(shape) !== size || !shape.every(Number.isInteger)) {
    throw new ShapeError(
      `${op}: shape ${formatShape(requested)} is invalid for a tensor of ${size} elements`,
    );
  }
  return shape;
}

/**
 * Visit every element of a layout in row-major logical order, with its storage position.
 * The reference backend and `data()` are built on this.
 */
export function forEachPosition(
  layout: Layout,
  visit: (position: number, ordinal: number) => void,
): void {
  const size = shapeSize(layout.shape);
  const index = new Array<number>(layout.shape.length).fill(0);
  for (let ordinal = 0; ordinal < size; ordinal++) {
    toIndex(ordinal, layout.shape, index);
    visit(indexToPosition(index, layout.strides, layout.offset), ordinal);
  }
}

/**
 * The storage order of a dense layout: the dims from outermost to innermost in memory, when the
 * layout is a permutation of a contiguous one (a transposed matrix, a permuted batch), so its
 * elements fill [offset, offset + size) without gaps; null otherwise (expanded, strided, sliced).
 */
export function denseOrder(layout: Layout): number[] | null {
  const dims = layout.shape.map((_, i) => i).filter((i) => layout.shape[i] !== 1);
  dims.sort((p, q) => layout.strides[q] - layout.strides[p]);
  let expected = 1;
  for (let k = dims.length - 1; k >= 0; k--) {
    if (layout.strides[dims[k]] !== expected) return null;
    expected *= layout.shape[dims[k]];
  }
  // Size-1 dims go first: they never step, so where they sit in memory does not matter.
  return [...layout.shape.map((_, i) => i).filter((i) => layout.shape[i] === 1), ...dims];
}

/**
 * A fresh layout of `shape` at offset 0 whose storage order is `order` (from `denseOrder`), so an
 * elementwise result can share its input's memory order and be computed in one flat pass.
 */
export function layoutInOrder(shape: Shape, order: readonly number[]): Layout {
  const strides = new Array<number>(shape.length).fill(0);
  let step = 1;
  for (let k = order.length - 1; k >= 0; k--) {
    strides[order[k]] = step;
    step *= shape[order[k]];
  }
  return { shape: [...shape], strides, offset: 0 };
}
