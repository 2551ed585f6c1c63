import { DataError, ShapeError } from "../errors.js";
import { describeValue } from "../options.js";
import { formatShape, normalizeDim } from "../strided/shape.js";
import { fullRange, type IndexStep, resolveSlice, stepsAt } from "../strided/slicing.js";
import { advancedIndex } from "./advanced_indexing.js";
import { checkOperand } from "./history_free_ops.js";
import { Tensor } from "./tensor.js";
import { Index, Narrow, Select } from "./view_functions.js";

/**
 * Basic indexing, all views: `select`, `narrow`, and Python's `x[1:3, :, ::2]` written
 * `x.index(…)` in the form jax-js uses (see `IndexArg`).
 */

/**
 * A slice, Python's `start:end:step` as an array: `[]` is `:`, `[i]` is `i:`, `[i, j]` is `i:j`,
 * `[i, j, k]` is `i:j:k`. A null bound is Python's None (`[null, null, 2]` is `::2`); negative
 * bounds count from the end and out-of-range ones clamp; the step must be positive (as PyTorch).
 */
export type Slice =
  | readonly []
  | readonly [start: number | null]
  | readonly [start: number | null, end: number | null]
  | readonly [start: number | null, end: number | null, step: number | null];

/**
 * One argument of `index(…)`: a number selects (and drops the dim; negative counts from the
 * end), a `Slice` keeps a range of the dim, `null` inserts a dim of size 1, `"..."` stands for as
 * many whole dims as needed (at most one), and a Tensor is an advanced index (advanced_indexing.ts).
 */
export type IndexArg = number | Slice | null | "..." | Tensor;

/** A `ShapeError` for index `i` outside dim `dim` of size `size`. */
function outOfRange(op: string, i: number, dim: number, size: number): ShapeError {
  return new ShapeError(
    `${op}: index ${i} is out of range for dim ${dim} of size ${size} (expected an integer in [${-size}, ${size - 1}])`,
  );
}

/** Index `i` (negative from the end) into a dim of `size`, checked. */
function resolveIndex(op: string, i: number, dim: number, size: number): number {
  if (!Number.isInteger(i)) throw new DataError(`${op}: index ${i} is not an integer`);
  if (i < -size || i >= size) throw outOfRange(op, i, dim, size);
  return i < 0 ? i + size : i;
}

/** A checked slice argument's bounds and step, or a DataError naming the argument. */
function readSlice(
  op: string,
  s: readonly unknown[],
  position: number,
): [number | null, number | null, number] {
  const bad = (why: string) =>
    new DataError(`${op}: argument ${position} (${describeValue(s)}) ${why}`);
  if (s.length > 3) {
    throw bad(
      "is not a slice: a slice is [], [start], [start, end] or [start, end, step] (an index list is a Tensor)",
    );
  }
  for (const x of s) {
    if (x !== null && !Number.isInteger(x))
      throw bad("holds a bound that is not an integer or null");
  }
  const [start = null, end = null, step = null] = s as (number | null)[];
  if (step !== null && step <= 0) {
    throw bad("has a step that is not positive: PyTorch has no negative steps (flip() reverses)");
  }
  return [start, end, step ?? 1];
}

/** What each argument consumes: an input dim (numbers, slices) or none (null, "..."). */
function consumesDim(x: IndexArg): boolean {
  return typeof x === "number" || Array.isArray(x);
}

/**
 * `t[...indices]` as Python's basic indexing (see `IndexArg`), a view of `t`: the arguments are
 * matched to dims from the left, "..." expanding to the dims no argument takes, and dims past the
 * last argument kept whole. A Tensor argument goes to advanced indexing.
 */
export function index(t: Tensor, indices: readonly IndexArg[], op = "index"): Tensor {
  checkOperand(op, t, "a Tensor");
  if (indices.some((x) => x instanceof Tensor)) return advancedIndex(t, indices, op);
  let ellipses = 0;
  indices.forEach((x, position) => {
    if (x === "...") ellipses++;
    else if (x !== null && typeof x !== "number" && !Array.isArray(x)) {
      throw new DataError(
        `${op}: argument ${position} must be a number, a slice [start, end, step], null, "..." or a Tensor, got ${describeValue(x)}`,
      );
    }
  });
  if (ellipses > 1) throw new DataError(`${op}: at most one "..." (ellipsis), got ${ellipses}`);
  const used = indices.filter(consumesDim).length;
  if (used > t.ndim) {
    throw new ShapeError(
      `${op}: too many indices for a tensor of shape ${formatShape(t.shape)}: ${used} index ${t.ndim} dims`,
    );
  }
  const steps: IndexStep[] = [];
  let dim = 0;
  const whole = (count: number) => {
    for (let k = 0; k < count; k++, dim++) steps.push(fullRange(t.shape[dim]));
  };
  indices.forEach((x, position) => {
    if (x === null) steps.push({ kind: "newAxis" });
    else if (x === "...") whole(t.ndim - used);
    else if (typeof x === "number") {
      steps.push({ kind: "select", index: resolveIndex(op, x, dim, t.shape[dim]) });
      dim++;
    } else if (Array.isArray(x)) {
      const [start, end, step] = readSlice(op, x, position);
      steps.push(resolveSlice(start, end, step, t.shape[dim]));
      dim++;
    }
  });
  whole(t.ndim - dim);
  return Index.apply<Tensor>(t, { steps });
}

/** A `ShapeError` for an op that needs at least one dim. */
function needsDims(op: string, t: Tensor): void {
  if (t.ndim === 0) throw new ShapeError(`${op}: cannot be applied to a 0-d tensor`);
}

/** Element `i` of dim `dim` (negative counts from the end), that dim dropped: a view. */
export function select(t: Tensor, dim: number, i: number): Tensor {
  checkOperand("select", t, "a Tensor");
  needsDims("select", t);
  const d = normalizeDim(dim, t.ndim, "select");
  const step: IndexStep = { kind: "select", index: resolveIndex("select", i, d, t.shape[d]) };
  return Select.apply<Tensor>(t, { steps: stepsAt(t.shape, d, step) });
}

/**
 * `length` elements of dim `dim` from `start` (negative counts from the end): a view, as
 * `t.index(…, [start, start + length])` but checked, as PyTorch's narrow, instead of clamped.
 */
export function narrow(t: Tensor, dim: number, start: number, length: number): Tensor {
  checkOperand("narrow", t, "a Tensor");
  needsDims("narrow", t);
  const d = normalizeDim(dim, t.ndim, "narrow");
  const size = t.shape[d];
  if (!Number.isInteger(start) || start < -size || start > size) {
    throw new ShapeError(
      `narrow: start ${start} is out of range for dim ${d} of size ${size} (expected an integer in [${-size}, ${size}])`,
    );
  }
  const from = start < 0 ? start + size : start;
  if (!Number.isInteger(length) || length < 0 || from + length > size) {
    throw new ShapeError(
      `narrow: start ${from} + length ${length} exceeds dim ${d} of size ${size} (shape ${formatShape(t.shape)})`,
    );
  }
  const step: IndexStep = { kind: "range", start: from, length, step: 1 };
  return Narrow.apply<Tensor>(t, { steps: stepsAt(t.shape, d, step) });
}
