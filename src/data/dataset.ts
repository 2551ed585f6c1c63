/**
 * The map-style dataset of `torch.utils.data`: anything with a length and an item per index
 * (Python's `__len__` and `__getitem__`). A DataLoader batches one, `randomSplit` splits one.
 */
import { DataError } from "../errors.js";

/** A map-style dataset: items 0 … length − 1, read one at a time with `get(i)`. */
export interface Dataset<T> {
  /** Number of items (`len(dataset)`). */
  readonly length: number;
  /** Item `i` (`dataset[i]`); integers in [−length, length) are valid, negatives from the end. */
  get(i: number): T;
}

/** The item type of a dataset: `ItemOf<TensorDataset>` is `Tensor[]`. */
export type ItemOf<D> = D extends Dataset<infer T> ? T : never;

/** Whether `value` looks like a Dataset: a non-negative integer `length` and a `get` method. */
export function isDataset(value: unknown): value is Dataset<unknown> {
  if (typeof value !== "object" || value === null) return false;
  const { length, get } = value as { length?: unknown; get?: unknown };
  return Number.isInteger(length) && (length as number) >= 0 && typeof get === "function";
}

/**
 * Index `i` of a dataset of `length` items as a position in [0, length): negatives count from
 * the end, as Python's indexing does; a DataError names `op` and the range otherwise.
 */
export function datasetIndex(op: string, i: number, length: number): number {
  if (typeof i !== "number" || !Number.isInteger(i) || i < -length || i >= length) {
    throw new DataError(
      `${op}: index ${String(i)} is out of range for a dataset of ${length} items (expected an integer in [${-length}, ${length - 1}])`,
    );
  }
  return i < 0 ? i + length : i;
}
