import type { DType } from "../backend/backend.js";
import { isFloating } from "../backend/dtypes.js";
import { BackendError, DataError, DTypeError, ShapeError } from "../errors.js";
import {
  checkOptions,
  describeValue,
  instanceOf,
  isBoolean,
  notSupportedYet,
  type OptionCheck,
  type OptionChecks,
} from "../options.js";
import { formatShape } from "../strided/shape.js";
import { checkOperand } from "./history_free_ops.js";
import { Tensor } from "./tensor.js";

/**
 * Counting values, as PyTorch's `unique` and `bincount`. The results' sizes depend on the values,
 * so they are read here: on a backend that reads only asynchronously (a GPU's), that is a
 * BackendError naming the move to make first (as `nonzero`). Indices and counts are int32
 * (PyTorch's int64, stored in 32 bits); there is no gradient (PyTorch has none).
 */

/** Options of `unique` (PyTorch's keywords). */
export interface UniqueOptions {
  /** Values in ascending order, NaN last (default true); false: in order of first appearance. */
  sorted?: boolean;
  /** Also return, for each element of x, the index of its value in `values` (default false). */
  returnInverse?: boolean;
  /** Also return how many elements hold each value (default false). */
  returnCounts?: boolean;
  /** Unique slices along a dim: not supported yet (only null, the flattened tensor). */
  dim?: number | null;
}

/**
 * What `unique` returns when a return flag is set (PyTorch's tuple, as an object): the unique
 * `values`, 1-D; `inverse` (x's shape, int32) with returnInverse; `counts` (int32, one per value)
 * with returnCounts. A key is present exactly when its flag is set.
 */
export interface UniqueResult {
  values: Tensor;
  inverse?: Tensor;
  counts?: Tensor;
}

const uniqueChecks: OptionChecks<UniqueOptions> = {
  sorted: isBoolean,
  returnInverse: isBoolean,
  returnCounts: isBoolean,
  dim: notSupportedYet(null),
};

/** The values of `x` in row-major order, read synchronously for `op`. */
function readValues(op: string, x: Tensor): ArrayLike<number> {
  if (!x.backendImpl.synchronousRead) {
    throw new BackendError(
      `${op}: the result's size depends on the values, which the ${x.backend} backend reads only asynchronously; move the tensor first with await x.to("cpu")`,
    );
  }
  return x.dataSync();
}

/**
 * The distinct values of `x`, flattened, as torch.unique: a 1-D tensor of x's dtype, or with
 * `{returnInverse}` / `{returnCounts}` a {@link UniqueResult}. Each NaN is its own value (NaN ≠
 * NaN, as PyTorch's rule), sorted last; −0 and 0 are one value (the first one met is kept).
 */
export function unique(
  x: Tensor,
  options?: UniqueOptions & { returnInverse?: false; returnCounts?: false },
): Tensor;
export function unique(
  x: Tensor,
  options: UniqueOptions & ({ returnInverse: true } | { returnCounts: true }),
): UniqueResult;
export function unique(x: Tensor, options?: UniqueOptions): Tensor | UniqueResult;
export function unique(x: Tensor, options?: UniqueOptions): Tensor | UniqueResult {
  checkOperand("unique", x, "a Tensor");
  const opts = checkOptions("unique", options, uniqueChecks);
  const { sorted = true, returnInverse = false, returnCounts = false } = opts;
  const values = readValues("unique", x);
  // Groups in order of first appearance: their value and count, and each element's group.
  const groupOf = new Map<number, number>();
  const distinct: number[] = [];
  const counts: number[] = [];
  const inverse = new Array<number>(values.length);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    let g = Number.isNaN(v) ? undefined : groupOf.get(v);
    if (g === undefined) {
      g = distinct.length;
      distinct.push(v);
      counts.push(0);
      if (!Number.isNaN(v)) groupOf.set(v, g);
    }
    counts[g]++;
    inverse[k] = g;
  }
  const order = distinct.map((_, g) => g);
  if (sorted) {
    order.sort((a, b) => {
      const [u, v] = [Number.isNaN(distinct[a]), Number.isNaN(distinct[b])];
      return u || v ? Number(u) - Number(v) || a - b : distinct[a] - distinct[b];
    });
  }
  const position = new Array<number>(order.length);
  for (const [i, g] of order.entries()) position[g] = i;
  const make = (vs: number[], shape: readonly number[], dtype: DType) =>
    Tensor.fromValues(vs, shape, dtype, x.backendImpl);
  const result = make(
    order.map((g) => distinct[g]),
    [order.length],
    x.dtype,
  );
  if (!returnInverse && !returnCounts) return result;
  const out: UniqueResult = { values: result };
  if (returnInverse) {
    out.inverse = make(
      inverse.map((g) => position[g]),
      x.shape,
      "int32",
    );
  }
  if (returnCounts) {
    out.counts = make(
      order.map((g) => counts[g]),
      [order.length],
      "int32",
    );
  }
  return out;
}

/** Options of `bincount` (PyTorch's keywords). */
export interface BincountOptions {
  /** A 1-D tensor of x's length: each element adds its weight to its bin instead of 1. */
  weights?: Tensor | null;
  /** The least number of bins (default 0). */
  minlength?: number;
}

const isMinlength: OptionCheck = (v) =>
  Number.isInteger(v) ? (Number(v) >= 0 ? null : "should be >= 0") : "must be an integer";

const bincountChecks: OptionChecks<BincountOptions> = {
  weights: (v) => (v === null ? null : instanceOf(Tensor, "a Tensor")(v)),
  minlength: isMinlength,
};

/**
 * How many times each value 0, 1, …, max(x) occurs in `x` (1-D, non-negative int32), as
 * torch.bincount: max(max(x) + 1, minlength) bins, int32. With `{weights}` (1-D, x's length), bin
 * v sums the weights of the elements equal to v instead: float, the weights' dtype (float64 for
 * integer or bool weights, as PyTorch's double).
 */
export function bincount(x: Tensor, options?: BincountOptions): Tensor {
  checkOperand("bincount", x, "a Tensor");
  const { weights = null, minlength = 0 } = checkOptions("bincount", options, bincountChecks);
  if (x.dtype !== "int32") {
    throw new DTypeError(
      `bincount: only supports 1-d non-negative integral inputs, got a ${x.dtype} tensor; convert with .int()`,
    );
  }
  if (x.ndim !== 1) {
    throw new ShapeError(
      `bincount: only supports 1-d non-negative integral inputs, got shape ${formatShape(x.shape)}`,
    );
  }
  if (weights !== null) {
    if (weights.ndim !== 1 || weights.shape[0] !== x.shape[0]) {
      throw new ShapeError(
        `bincount: weights should be 1-d and have the same length as input (${x.shape[0]}), got shape ${formatShape(weights.shape)}`,
      );
    }
    if (weights.backend !== x.backend) {
      throw new BackendError(
        `bincount: x is on the ${x.backend} backend and weights on ${weights.backend}; move one first with await t.to(...)`,
      );
    }
  }
  const values = readValues("bincount", x);
  let bins = minlength;
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (v < 0) {
      throw new DataError(
        `bincount: only supports 1-d non-negative integral inputs, got the value ${describeValue(v)} at index ${k}`,
      );
    }
    bins = Math.max(bins, v + 1);
  }
  const w = weights === null ? null : readValues("bincount", weights);
  const counts = new Array<number>(bins).fill(0);
  for (let k = 0; k < values.length; k++) counts[values[k]] += w === null ? 1 : w[k];
  const dtype: DType =
    weights === null ? "int32" : isFloating(weights.dtype) ? weights.dtype : "float64";
  return Tensor.fromValues(counts, [bins], dtype, x.backendImpl);
}
