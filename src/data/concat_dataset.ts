/** `torch.utils.data.ConcatDataset`: datasets one after another, as one dataset. */
import { DataError } from "../errors.js";
import { describeValue } from "../options.js";
import { type Dataset, datasetIndex, isDataset } from "./dataset.js";

/** Items 0 … n₀−1 are the first dataset's, the next n₁ the second's, and so on. */
export class ConcatDataset<T> implements Dataset<T> {
  /** The datasets, in order (a copy of the list given). */
  readonly datasets: readonly Dataset<T>[];
  /** Running totals of their lengths: `cumulativeSizes[k]` = n₀ + … + n_k. */
  readonly cumulativeSizes: readonly number[];

  /** Concatenates `datasets` (at least one). */
  constructor(datasets: Iterable<Dataset<T>>) {
    const list =
      typeof datasets === "object" && datasets !== null && Symbol.iterator in datasets
        ? [...datasets]
        : undefined;
    if (list === undefined) {
      throw new DataError(
        `ConcatDataset: expected a list of datasets, got ${describeValue(datasets)}`,
      );
    }
    if (list.length === 0) throw new DataError("ConcatDataset: datasets should not be empty");
    list.forEach((d, k) => {
      if (!isDataset(d)) {
        throw new DataError(
          `ConcatDataset: dataset ${k} is ${describeValue(d)}, not a Dataset (a length and get(i))`,
        );
      }
    });
    let total = 0;
    this.datasets = Object.freeze(list);
    this.cumulativeSizes = Object.freeze(list.map((d) => (total += d.length)));
  }

  /** The sum of the lengths. */
  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1];
  }

  /** Item i of the concatenation (negatives count from the end). */
  get(i: number): T {
    const at = datasetIndex("ConcatDataset.get", i, this.length);
    // Binary search for the first dataset whose running total passes `at` (bisect_right).
    let lo = 0;
    let hi = this.cumulativeSizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulativeSizes[mid] > at) hi = mid;
      else lo = mid + 1;
    }
    const start = lo === 0 ? 0 : this.cumulativeSizes[lo - 1];
    return this.datasets[lo].get(at - start);
  }
}
