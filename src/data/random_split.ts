/** `torch.utils.data.random_split`: a dataset cut at random into disjoint Subsets. */
import { DataError } from "../errors.js";
import { checkedWhereUsed, checkOptions, describeValue, type OptionChecks } from "../options.js";
import { type GeneratorOptions, isGenerator, sourceOf } from "../random.js";
import { type Dataset, isDataset } from "./dataset.js";
import { Subset } from "./subset.js";

/** randomSplit's options: where the permutation is drawn from (default: the global generator). */
export type RandomSplitOptions = GeneratorOptions;

/** `seed` is checked by `sourceOf`. */
const splitChecks: OptionChecks<RandomSplitOptions> = {
  generator: isGenerator,
  seed: checkedWhereUsed,
};

/** Python's `math.isclose(a, b)` with its default relative tolerance 1e-9. */
function isClose(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * The split sizes torch 1.13 computes: `lengths` summing to 1 (within 1e-9, and at most 1) are
 * fractions — each floored to ⌊n·f⌋, then the remaining items handed out one at a time to the
 * splits in order (round-robin) — otherwise they must be counts summing to `n`.
 */
export function splitLengths(n: number, lengths: readonly number[]): number[] {
  if (
    !Array.isArray(lengths) ||
    lengths.some((l) => typeof l !== "number" || !Number.isFinite(l))
  ) {
    throw new DataError(
      `randomSplit: lengths must be a list of finite numbers, got ${describeValue(lengths)}`,
    );
  }
  // Summed left to right, as Python's sum: the fraction test sees the same float torch does.
  const sum = lengths.reduce((a, b) => a + b, 0);
  let counts = [...lengths];
  if (isClose(sum, 1) && sum <= 1) {
    counts = lengths.map((f, i) => {
      if (f < 0 || f > 1) {
        throw new DataError(`randomSplit: fraction at index ${i} (${f}) is not between 0 and 1`);
      }
      return Math.floor(n * f);
    });
    const remainder = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; i < remainder; i++) counts[i % counts.length] += 1;
  }
  counts.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0) {
      throw new DataError(
        `randomSplit: length at index ${i} (${c}) must be a non-negative integer, or all lengths fractions summing to 1`,
      );
    }
  });
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== n) {
    throw new DataError(
      `randomSplit: sum of input lengths (${formatList(lengths)} sum to ${total}) does not equal the length of the input dataset (${n})`,
    );
  }
  return counts;
}

function formatList(xs: readonly number[]): string {
  return `[${xs.join(", ")}]`;
}

/**
 * Splits `dataset` into `lengths.length` disjoint Subsets covering it, of the sizes `lengths`
 * gives (counts, or fractions: see `splitLengths`), from one random permutation of its indices.
 * Same generator seed, same split. A split of size 0 is allowed (torch warns; minitorch is silent).
 */
export function randomSplit<T>(
  dataset: Dataset<T>,
  lengths: readonly number[],
  options?: RandomSplitOptions,
): Subset<T>[] {
  const opts = checkOptions("randomSplit", options, splitChecks);
  if (!isDataset(dataset)) {
    throw new DataError(
      `randomSplit: expected a Dataset (a length and get(i)), got ${describeValue(dataset)}`,
    );
  }
  const counts = splitLengths(dataset.length, lengths);
  const order = sourceOf("randomSplit", opts).shuffle(
    Array.from({ length: dataset.length }, (_, i) => i),
  );
  let offset = 0;
  return counts.map((c) => {
    offset += c;
    return new Subset(dataset, order.slice(offset - c, offset));
  });
}
