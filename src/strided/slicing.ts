import type { Shape } from "./shape.js";
import type { Layout } from "./tensor_data.js";

/**
 * Basic indexing as layout arithmetic: selecting an index, taking a strided range of a dim,
 * inserting a size-1 dim, reversing dims. Each changes only shape, strides and offset, so the
 * result shares the storage (a view), as PyTorch's `select`, `narrow` and `x[1:3, None, ::2]` do.
 */

/**
 * What a basic index does, one step per result dim or dropped input dim, in order: `select` takes
 * element `index` of the next input dim and drops it; `range` keeps `length` elements of the next
 * input dim from `start`, every `step`-th; `newAxis` inserts a size-1 dim (consumes no input dim).
 * Every input dim is consumed exactly once, and the bounds are already resolved (in range).
 */
export type IndexStep =
  | { readonly kind: "select"; readonly index: number }
  | {
      readonly kind: "range";
      readonly start: number;
      readonly length: number;
      readonly step: number;
    }
  | { readonly kind: "newAxis" };

/** The whole of a dim of `size`. */
export function fullRange(size: number): IndexStep {
  return { kind: "range", start: 0, length: size, step: 1 };
}

/** Steps that keep every dim of `shape` but `dim`, where `step` applies. */
export function stepsAt(shape: Shape, dim: number, step: IndexStep): IndexStep[] {
  return shape.map((size, i) => (i === dim ? step : fullRange(size)));
}

/**
 * The stride a size-1 dim gets in front of dim `d` of `layout`: never stepped over, so any value
 * would do, but PyTorch's (the span of dim d, or 1 at the end) keeps a contiguous tensor's
 * strides row-major, as code that reads strides directly may expect.
 */
function unitStride(layout: Layout, d: number): number {
  return d < layout.shape.length ? layout.shape[d] * layout.strides[d] : 1;
}

/**
 * The layout of `layout` indexed by `steps`: element (…, i, …) of a kept range reads position
 * offset + (start + i·step)·stride, so the range's stride is step·stride and the offset moves by
 * start·stride; a select moves the offset by index·stride and drops the dim.
 */
export function indexLayout(layout: Layout, steps: readonly IndexStep[]): Layout {
  const shape: number[] = [];
  const strides: number[] = [];
  let offset = layout.offset;
  let d = 0;
  for (const s of steps) {
    if (s.kind === "newAxis") {
      shape.push(1);
      strides.push(unitStride(layout, d));
      continue;
    }
    const stride = layout.strides[d];
    d++;
    if (s.kind === "select") {
      offset += s.index * stride;
    } else {
      // An empty range reads nothing: leave the offset where it is, inside the buffer.
      if (s.length > 0) offset += s.start * stride;
      shape.push(s.length);
      strides.push(s.step * stride);
    }
  }
  return { shape, strides, offset };
}

/**
 * Whether `steps` show every element of `shape` once, in order (only whole ranges, selects of
 * size-1 dims and new axes): the index is then a reshape, and its gradient a view of g.
 */
export function showsEverything(shape: Shape, steps: readonly IndexStep[]): boolean {
  let d = 0;
  for (const s of steps) {
    if (s.kind === "newAxis") continue;
    const size = shape[d];
    d++;
    if (s.kind === "select" ? size !== 1 : s.start !== 0 || s.length !== size || s.step !== 1) {
      return false;
    }
  }
  return true;
}

/**
 * The inverse of `indexLayout` for steps that show everything (`showsEverything`): `layout` is
 * of the indexed shape, the result of the input's shape over the same positions — new axes are
 * dropped, and the size-1 dims that were selected come back.
 */
export function unindexLayout(layout: Layout, steps: readonly IndexStep[]): Layout {
  const shape: number[] = [];
  const strides: number[] = [];
  let k = 0;
  for (const s of steps) {
    if (s.kind === "select") {
      shape.push(1);
      strides.push(unitStride(layout, k));
      continue;
    }
    if (s.kind === "range") {
      shape.push(layout.shape[k]);
      strides.push(layout.strides[k]);
    }
    k++;
  }
  return { shape, strides, offset: layout.offset };
}

/**
 * Python's slice `start:stop:step` (step > 0) on a dim of `size`: null bounds are the ends,
 * negative ones count from the end, and out-of-range ones clamp to [0, size], as Python's do.
 */
export function resolveSlice(
  start: number | null,
  stop: number | null,
  step: number,
  size: number,
): IndexStep {
  const clamp = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
  const from = start === null ? 0 : clamp(start);
  const to = stop === null ? size : clamp(stop);
  return { kind: "range", start: from, length: Math.max(0, Math.ceil((to - from) / step)), step };
}

/**
 * `layout` with `dims` reversed: element i of a reversed dim of size n reads what element
 * n − 1 − i did, so its stride is negated and the offset moves to the last element. Only
 * backends' `copy` reads such a layout (flip copies, as PyTorch's does); no tensor has one.
 */
export function flipLayout(layout: Layout, dims: readonly number[]): Layout {
  const strides = [...layout.strides];
  let offset = layout.offset;
  for (const d of dims) {
    const size = layout.shape[d];
    if (size === 0) continue;
    offset += (size - 1) * strides[d];
    strides[d] = -strides[d];
  }
  return { shape: [...layout.shape], strides, offset };
}
