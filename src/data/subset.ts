/** `torch.utils.data.Subset`: a dataset seen through a list of its indices. */
import { DataError } from "../errors.js";
import { describeValue } from "../options.js";
import { type BatchedDataset, type Collated, fetchBatch } from "./collate.js";
import { type Dataset, datasetIndex, isDataset } from "./dataset.js";

/** Item i of a Subset is item `indices[i]` of `dataset`. */
export class Subset<T> implements BatchedDataset<T> {
  /** The dataset the items come from. */
  readonly dataset: Dataset<T>;
  /** Which of its items, in this subset's order (each in [0, dataset.length), a copy). */
  readonly indices: readonly number[];

  /**
   * The items `indices` of `dataset` (repeats allowed; negatives count from the end, as Python
   * indexing does, and are stored resolved). A DataError names the first index out of range.
   */
  constructor(dataset: Dataset<T>, indices: Iterable<number>) {
    if (!isDataset(dataset)) {
      throw new DataError(
        `Subset: expected a Dataset (a length and get(i)), got ${describeValue(dataset)}`,
      );
    }
    if (typeof indices !== "object" || indices === null || !(Symbol.iterator in indices)) {
      throw new DataError(
        `Subset: indices must be a list of integers, got ${describeValue(indices)}`,
      );
    }
    this.dataset = dataset;
    this.indices = Object.freeze(
      Array.from(indices, (i) => datasetIndex("Subset", i, dataset.length)),
    );
  }

  /** Number of indices. */
  get length(): number {
    return this.indices.length;
  }

  /** Item `indices[i]` of the dataset. */
  get(i: number): T {
    return this.dataset.get(this.indices[datasetIndex("Subset.get", i, this.length)]);
  }

  /** The batch of `indices` mapped through this subset, with the dataset's own fast path if any. */
  getBatch(indices: readonly number[]): Collated<T> {
    return fetchBatch(
      this.dataset,
      indices.map((i) => this.indices[datasetIndex("Subset.getBatch", i, this.length)]),
    );
  }
}
