import { noGrad } from "../autodiff/grad_mode.js";
import { DataError, ShapeError } from "../errors.js";
import type { OptionChecks } from "../options.js";
import { formatShape, normalizeDim } from "../strided/shape.js";
import { checkOperand, reduceOp, zipOp } from "./history_free_ops.js";
import { indexDType } from "./promotion.js";
import { isInteger, readArgs, reduceChecks, type ValuesIndices } from "./reduction_args.js";
import { asDType, TakeAlongDim } from "./reduction_functions.js";
import { Tensor } from "./tensor.js";

/**
 * sort, argsort and topk along a dim, as PyTorch's: NaN sorts as the largest value, ties keep
 * their order (PyTorch's `stable: true`, which is what every call here gets), and the values'
 * gradient goes back to the elements they came from.
 *
 * No backend primitive sorts, so the order is found by counting, with ops every backend has:
 * element i's rank is the number of elements that sort before it — those strictly ahead of it,
 * and its equals at positions j < i — from a comparison of the slice with itself, [.., n, n, ..];
 * the permutation puts each i at its rank. That costs n² per slice of n: right for everyday
 * sizes (a few thousand), not for sorting a million numbers (a backend sort would be).
 */

/** The positions 0…n−1 along dim `at` of a tensor of `ndim` dims, in indexDType. */
function positions(n: number, at: number, ndim: number, like: Tensor): Tensor {
  const shape = [n, ...new Array<number>(ndim - at - 1).fill(1)];
  const values = Array.from({ length: n }, (_, i) => i);
  return Tensor.fromValues(values, shape, indexDType, like.backendImpl);
}

/** A comparison's mask as counts (indexDType). */
function counts(mask: Tensor): Tensor {
  return asDType(mask, indexDType);
}

/** 1 where p is NaN. */
function nanMask(p: Tensor): Tensor {
  return zipOp("sub", counts(p.onesLike()), counts(zipOp("eq", p, p)));
}

/** 1 where p sorts strictly before q ascending: p < q, or q alone is NaN. */
function ahead(p: Tensor, q: Tensor): Tensor {
  return zipOp(
    "add",
    counts(zipOp("lt", p, q)),
    zipOp("mul", nanMask(q), counts(zipOp("eq", p, p))),
  );
}

/**
 * Where each element of `x` lands when sorted along `d` (indexDType, x's shape), and the
 * permutation — the source position of each sorted element. Without history.
 */
function order(x: Tensor, d: number, descending: boolean): Tensor {
  return noGrad(() => {
    const n = x.shape[d];
    const mine = x.unsqueeze(d + 1); // element i, along d
    const theirs = x.unsqueeze(d); // element j, along d + 1
    const strictly = descending ? ahead(mine, theirs) : ahead(theirs, mine);
    const i = positions(n, d, x.ndim + 1, x);
    const j = positions(n, d + 1, x.ndim + 1, x);
    const earlierTie = zipOp(
      "mul",
      counts(zipOp("eqNan", theirs, mine)),
      counts(zipOp("lt", j, i)),
    );
    const rank = reduceOp("sum", zipOp("add", strictly, earlierTie), d + 1).reshape(x.shape);
    // perm[r] = Σᵢ i·[rank_i = r]: rank along d + 1 (as i), compared with r along d.
    const landsAt = counts(zipOp("eq", rank.unsqueeze(d), i));
    return reduceOp("sum", zipOp("mul", landsAt, j), d + 1).reshape(x.shape);
  });
}

/** The keyword arguments of sort and argsort. */
export interface SortOptions {
  /** The dim to sort along (default −1). */
  dim?: number;
  /** Largest first (default false); NaN then comes first. */
  descending?: boolean;
  /** Keep ties in order: accepted for PyTorch's code, and always so here. */
  stable?: boolean;
}

/** sort's and argsort's arguments: `(dim, descending)`, then options. */
export type SortArgs =
  | []
  | [options: SortOptions]
  | [dim: number | undefined, options?: SortOptions]
  | [dim: number | undefined, descending: boolean | undefined, options?: SortOptions];

const sortChecks: OptionChecks<SortOptions> = {
  dim: isInteger,
  descending: reduceChecks.keepdim,
  stable: reduceChecks.keepdim,
};

/** `t` (a 1-D view of it when 0-d), the normalized dim and the order of the sort `name`. */
function readSort(name: string, t: unknown, args: readonly unknown[]) {
  checkOperand(name, t, "a Tensor");
  const o = readArgs<SortOptions>(name, args, ["dim", "descending"], sortChecks);
  const d = normalizeDim(o.dim ?? -1, t.ndim, name);
  return { t, x: t.ndim === 0 ? t.reshape([1]) : t, d, descending: o.descending ?? false };
}

/** `{values, indices}`: `t` sorted along `dim` (default −1), ascending unless `descending`. */
export function sort(t: Tensor, ...args: SortArgs): ValuesIndices {
  const { x, d, descending } = readSort("sort", t, args);
  const indices = order(x, d, descending);
  const values = TakeAlongDim.apply<Tensor>(x, { dim: d, index: indices });
  return { values: values.reshape(t.shape), indices: indices.reshape(t.shape) };
}

/** The indices that sort `t` along `dim` (default −1): sort's indices. */
export function argsort(t: Tensor, ...args: SortArgs): Tensor {
  const { x, d, descending } = readSort("argsort", t, args);
  return order(x, d, descending).reshape(t.shape);
}

/** The keyword arguments of topk. */
export interface TopkOptions {
  /** The dim to select along (default −1). */
  dim?: number;
  /** The k largest (default true) or smallest. */
  largest?: boolean;
  /** Sorted (default true): accepted, and always so here. */
  sorted?: boolean;
}

/** topk's arguments after k: `(dim, largest, sorted)`, then options. */
export type TopkArgs =
  | []
  | [options: TopkOptions]
  | [dim: number | undefined, options?: TopkOptions]
  | [dim: number | undefined, largest: boolean | undefined, options?: TopkOptions]
  | [dim: number | undefined, largest: boolean | undefined, sorted: boolean, options?: TopkOptions];

const topkChecks: OptionChecks<TopkOptions> = {
  dim: isInteger,
  largest: reduceChecks.keepdim,
  sorted: reduceChecks.keepdim,
};

/**
 * `{values, indices}` of the k largest (or, with `largest: false`, smallest) elements along `dim`
 * (default −1), in order — NaN counts as the largest. A ShapeError when k exceeds the dim's size.
 */
export function topk(t: Tensor, k: number, ...args: TopkArgs): ValuesIndices {
  checkOperand("topk", t, "a Tensor");
  const o = readArgs<TopkOptions>("topk", args, ["dim", "largest", "sorted"], topkChecks);
  const d = normalizeDim(o.dim ?? -1, t.ndim, "topk");
  const x = t.ndim === 0 ? t.reshape([1]) : t;
  if (!Number.isInteger(k)) throw new DataError(`topk: k must be an integer, got ${k}`);
  if (k < 0 || k > x.shape[d]) {
    throw new ShapeError(
      `topk: k = ${k} is out of range for dim ${d} of size ${x.shape[d]} (shape ${formatShape(t.shape)})`,
    );
  }
  const indices = order(x, d, o.largest ?? true).narrow(d, 0, k);
  const values = TakeAlongDim.apply<Tensor>(x, { dim: d, index: indices });
  const shape = t.ndim === 0 ? [] : values.shape;
  return { values: values.reshape(shape), indices: indices.contiguous().reshape(shape) };
}
