import { BackendError, ShapeError } from "../errors.js";
import { formatShape, sameShape, shapeBroadcast, shapeSize } from "../strided/shape.js";
import { planIndex, type TensorArg } from "./advanced_index_plan.js";
import { type IndexArg, index } from "./indexing.js";
import { indexSelect, where } from "./selecting.js";
import { Tensor } from "./tensor.js";

/**
 * Advanced indexing (PyTorch's `x[idx]` with an integer tensor, `x[mask]` with a boolean one),
 * which copies rather than views. `index(…)` hands it the whole argument list when any argument is
 * a Tensor, so basic steps mixed with tensors follow PyTorch's rules here, in one place:
 *
 * - numbers, slices, null and "..." apply first, as a view (advanced_index_plan.ts); a number
 *   selects, so it never counts as an advanced index (for a 3-d x, PyTorch's `x[0, :, i]` has
 *   shape [x.size(1), …i.shape], not NumPy's [...i.shape, x.size(1)]), and neither does a 0-d
 *   integer tensor, which PyTorch's Python indexing also selects with;
 * - the index tensors (a mask of k dims counts as k integer tensors, its true positions' coordinates,
 *   as `nonzero`) broadcast together to shape B; negative values count from the end;
 * - B replaces the indexed dims where they are adjacent (0-d integer tensors aside), and goes in
 *   front when a slice, a null or "..." separates them (PyTorch's `x[i, :, j]` is […B, x.size(1)]).
 *
 * A mask of k dims consumes k input dims, as in NumPy: PyTorch 1.13 counts it as one when it
 * matches the arguments after it (`x[m2d, 0]` fails there and `x[m2d, :, 1]` indexes the wrong
 * dim), a bug PyTorch has since fixed the NumPy way (pytorch/pytorch#71673).
 *
 * The values are gathered with `indexSelect` along the indexed dims flattened into one, at the
 * linear index Σ idx_k·stride_k computed on the backend in integer arithmetic, so the gradient is
 * indexSelect's: g added back at each position read (repeated indices accumulate).
 *
 * Index values are checked where the backend reads synchronously (reference, cpu): one out of
 * range is a ShapeError naming it, the dim and its size. A backend that reads only asynchronously
 * (webgpu) cannot check without a read-back, so there an out-of-range index reads 0 (and sends
 * no gradient), as gather and indexSelect do there. A mask's number of true values sets the
 * result's size, so a mask needs a synchronous read: on webgpu it is a BackendError.
 */

/** One indexed dim of the basic view: the integer tensor indexing it and the dim's size. */
interface IndexedDim {
  readonly viewDim: number;
  readonly index: Tensor;
  readonly size: number;
  /** A 0-d integer tensor: PyTorch selects with it, so it does not count for adjacency. */
  readonly selects: boolean;
  /** Values from the user, to check (a mask's coordinates are in range by construction). */
  readonly check: { readonly position: number; readonly inputDim: number } | null;
}

/** A BackendError: a mask's true count sets the result's size, which needs a synchronous read. */
function maskNeedsRead(op: string, a: TensorArg): BackendError {
  return new BackendError(
    `${op}: the boolean mask at argument ${a.position} selects as many elements as it has true values, which the ${a.tensor.backend} backend reads only asynchronously; move the tensors with await t.to("cpu"), or use where/maskedFill, whose results keep their shape`,
  );
}

/**
 * The integer tensors a mask stands for, one per dim it covers (their coordinates at the true
 * positions, in row-major order, as `nonzero`), after checking its shape is that of the dims.
 */
function maskDims(op: string, a: TensorArg, view: Tensor, input: Tensor): IndexedDim[] {
  const mask = a.tensor;
  if (!mask.backendImpl.synchronousRead) throw maskNeedsRead(op, a);
  const covered = view.shape.slice(a.viewDim, a.viewDim + mask.ndim);
  if (!sameShape(mask.shape, covered)) {
    const dims =
      covered.length === 1
        ? `dim ${a.inputDim}`
        : `dims ${a.inputDim}…${a.inputDim + mask.ndim - 1}`;
    throw new ShapeError(
      `${op}: the shape ${formatShape(mask.shape)} of the mask at argument ${a.position} does not match the shape ${formatShape(covered)} of the ${dims} it indexes (input shape ${formatShape(input.shape)})`,
    );
  }
  const flags = mask.dataSync();
  // A 0-d mask covers the size-1 dim the plan inserted: position 0, kept if the mask is true.
  const shape = mask.ndim === 0 ? [1] : mask.shape;
  const coords = shape.map(() => [] as number[]);
  flags.forEach((f, ordinal) => {
    if (f === 0) return;
    let rest = ordinal;
    for (let d = shape.length - 1; d >= 0; d--) {
      coords[d].push(rest % shape[d]);
      rest = Math.floor(rest / shape[d]);
    }
  });
  return coords.map((values, d) => ({
    viewDim: a.viewDim + d,
    index: Tensor.fromValues(values, [values.length], "int32", input.backendImpl),
    size: shape[d],
    selects: false,
    check: null,
  }));
}

/** A ShapeError unless every value of an index is in [−size, size), where it can be read now. */
function checkValues(op: string, d: IndexedDim): void {
  if (d.check === null || !d.index.backendImpl.synchronousRead) return;
  const values = d.index.dataSync();
  for (const v of values) {
    if (v < -d.size || v >= d.size) {
      throw new ShapeError(
        `${op}: index ${v} (in the index tensor at argument ${d.check.position}) is out of range for dim ${d.check.inputDim} of size ${d.size} (expected an integer in [${-d.size}, ${d.size - 1}])`,
      );
    }
  }
}

/**
 * The flat position Σ wrap(idx_k)·stride_k in the indexed dims (row-major, `shape` B), where
 * wrap(i) = i mod size takes a negative index from the end. On a backend that did not check the
 * values, a position whose index is out of range becomes −1, which indexSelect's one-hot
 * comparison matches nowhere: it reads 0.
 */
function linearIndex(dims: readonly IndexedDim[]): Tensor {
  const strides = dims.map((_, k) => shapeSize(dims.slice(k + 1).map((d) => d.size)));
  let linear = dims
    .map((d, k) => {
      // A dim of size 0 has no valid index (remainder by 0 is undefined): any value is caught.
      const wrapped = d.size > 0 ? d.index.remainder(d.size) : d.index;
      return strides[k] === 1 ? wrapped : wrapped.mul(strides[k]);
    })
    .reduce((sum, term) => sum.add(term));
  for (const d of dims) {
    if (d.check === null || d.index.backendImpl.synchronousRead) continue;
    linear = where(d.index.lt(-d.size), -1, where(d.index.gt(d.size - 1), -1, linear));
  }
  return linear;
}

/**
 * Where B goes in the result when the indexed dims are not one run of the view: in place of the
 * dims that count (all but the 0-d selecting ones) when those are adjacent once the selecting ones
 * are dropped, else in front (0). Returned as the number of other dims before it.
 */
function placement(view: Tensor, dims: readonly IndexedDim[]): number {
  const selecting = new Set(dims.filter((d) => d.selects).map((d) => d.viewDim));
  const kept = view.shape.map((_, k) => k).filter((k) => !selecting.has(k));
  const counted = dims.filter((d) => !d.selects).map((d) => kept.indexOf(d.viewDim));
  if (counted.length === 0 || counted.some((k, i) => k !== counted[0] + i)) return 0;
  const indexed = new Set(dims.map((d) => d.viewDim));
  return kept.slice(0, counted[0]).filter((k) => !indexed.has(k)).length;
}

/** `view` indexed by `dims` (in view order): the gather, with the result's dims placed. */
function take(op: string, view: Tensor, dims: readonly IndexedDim[]): Tensor {
  const shapes = dims.map((d) => formatShape(d.index.shape)).join(", ");
  const what = `${op} (index tensors of shapes ${shapes})`;
  const b = dims.reduce<number[]>((s, d) => shapeBroadcast(s, d.index.shape, what), []);
  const at = dims.map((d) => d.viewDim);
  const run = at.every((k, i) => k === at[0] + i);
  // Indexed dims in one run are flattened in place; otherwise they are moved to the front first.
  const others = view.shape.map((_, k) => k).filter((k) => !at.includes(k));
  const moved = run ? view : view.permute([...at, ...others]);
  const start = run ? at[0] : 0;
  const before = moved.shape.slice(0, start);
  const after = moved.shape.slice(start + dims.length);
  const n = shapeSize(dims.map((d) => d.size));
  const flat = moved.reshape([...before, n, ...after]);
  const positions = linearIndex(dims)
    .expand(b)
    .reshape([shapeSize(b)]);
  const out = indexSelect(flat, start, positions).reshape([...before, ...b, ...after]);
  const to = run ? 0 : placement(view, dims);
  if (to === 0) return out;
  // B sits in front: move it after the first `to` other dims.
  const order = out.shape.map((_, k) => k);
  const front = order.slice(0, b.length);
  const rest = order.slice(b.length);
  return out.permute([...rest.slice(0, to), ...front, ...rest.slice(to)]);
}

/**
 * `t` indexed by `indices`, at least one of which is a Tensor (an integer index or a boolean
 * mask), as PyTorch's advanced indexing: a copy, with gradients to `t`.
 */
export function advancedIndex(t: Tensor, indices: readonly IndexArg[], op: string): Tensor {
  const plan = planIndex(t, indices, op);
  const view = index(t, plan.basic, op);
  const dims = plan.tensors.flatMap((a): IndexedDim[] =>
    a.kind === "mask"
      ? maskDims(op, a, view, t)
      : [
          {
            viewDim: a.viewDim,
            index: a.tensor,
            size: view.shape[a.viewDim],
            selects: a.tensor.ndim === 0,
            check: { position: a.position, inputDim: a.inputDim },
          },
        ],
  );
  for (const d of dims) checkValues(op, d);
  return take(op, view, dims);
}
