import { DataError } from "../errors.js";
import { checkOptions, isPositiveInteger, type OptionChecks } from "../options.js";
import { isGenerator, type RandomSource, sourceOf } from "../random.js";
import { getBackend } from "../tensor/default_backend.js";
import { Tensor } from "../tensor/tensor.js";

/**
 * A text as characters for a character-level language model: every 20th line (0-based line i
 * with i % 20 = 19) is validation, the rest training, each line followed by "\n"; the vocabulary
 * is the sorted set of the whole text's characters (by code point, "\n" included), one token
 * each. Batches are nanoGPT's: B windows of T + 1 characters at random offsets, x the first T
 * and y the last T (each position's next character).
 */

/** Which part of the text a batch comes from. */
export type CorpusSplit = "train" | "validation";

/** Options of `CharCorpus.batch`. */
export interface CorpusBatchOptions {
  batchSize: number;
  blockSize: number;
  /** Generator of the offsets (default: the global one). */
  generator?: RandomSource;
  /** Draw from `new Random(seed)` instead. */
  seed?: number;
}

const batchChecks: OptionChecks<CorpusBatchOptions> = {
  batchSize: isPositiveInteger,
  blockSize: isPositiveInteger,
  generator: isGenerator,
  seed: (v) => (Number.isInteger(v) ? null : "must be an integer"),
};

/** Every this-many lines, one goes to validation. */
const VALIDATION_EVERY = 20;

export class CharCorpus {
  /** Where the text came from, for messages ("wordnet", a file path). */
  readonly name: string;
  /** The characters in token order. */
  readonly vocab: readonly string[];
  /** The training text as token ids. */
  readonly train: Int32Array;
  /** The validation text as token ids. */
  readonly validation: Int32Array;
  readonly #index: Map<string, number>;

  /** Splits and encodes `lines` (no line breaks inside them). */
  constructor(lines: readonly string[], name: string) {
    const train: string[] = [];
    const validation: string[] = [];
    lines.forEach((line, i) => {
      (i % VALIDATION_EVERY === VALIDATION_EVERY - 1 ? validation : train).push(`${line}\n`);
    });
    const chars = new Set<string>();
    for (const line of lines) for (const c of line) chars.add(c);
    if (lines.length > 0) chars.add("\n");
    this.name = name;
    this.vocab = [...chars].sort((a, b) => (a.codePointAt(0) ?? 0) - (b.codePointAt(0) ?? 0));
    this.#index = new Map(this.vocab.map((c, i) => [c, i]));
    this.train = this.encode(train.join(""));
    this.validation = this.encode(validation.join(""));
  }

  /** Token ids of `text`; a character outside the vocabulary is a DataError. */
  encode(text: string): Int32Array {
    const ids: number[] = [];
    for (const c of text) {
      const id = this.#index.get(c);
      if (id === undefined) {
        throw new DataError(
          `CharCorpus.encode: ${JSON.stringify(c)} is not in ${this.name}'s vocabulary`,
        );
      }
      ids.push(id);
    }
    return Int32Array.from(ids);
  }

  /** The text of token ids. */
  decode(ids: Iterable<number>): string {
    let text = "";
    for (const id of ids) text += this.vocab[id] ?? "\uFFFD";
    return text;
  }

  /**
   * [x, y], int32 [batchSize, blockSize] on the default backend: windows at offsets drawn
   * uniformly from the split (one draw each, in order), y shifted by one character. A split too
   * short for one window of blockSize + 1 characters is a DataError naming both lengths.
   */
  batch(split: CorpusSplit, options: CorpusBatchOptions): [Tensor, Tensor] {
    const o = checkOptions("CharCorpus.batch", options, batchChecks);
    const { batchSize, blockSize } = o;
    if (batchSize === undefined || blockSize === undefined) {
      throw new DataError("CharCorpus.batch: batchSize and blockSize are required");
    }
    const ids = split === "train" ? this.train : this.validation;
    checkLength(this.name, split, ids.length, blockSize);
    const rng = sourceOf("CharCorpus.batch", o);
    const x = new Int32Array(batchSize * blockSize);
    const y = new Int32Array(batchSize * blockSize);
    const starts = ids.length - blockSize; // offsets 0 … length − blockSize − 1
    for (let b = 0; b < batchSize; b++) {
      const at = Math.floor(rng.next() * starts);
      x.set(ids.subarray(at, at + blockSize), b * blockSize);
      y.set(ids.subarray(at + 1, at + blockSize + 1), b * blockSize);
    }
    const backend = getBackend();
    return [
      Tensor.fromValues(x, [batchSize, blockSize], "int32", backend),
      Tensor.fromValues(y, [batchSize, blockSize], "int32", backend),
    ];
  }
}

/** A DataError unless a split of `length` tokens holds a window of blockSize + 1. */
export function checkLength(name: string, split: CorpusSplit, length: number, blockSize: number) {
  if (length < blockSize + 1) {
    throw new DataError(
      `${name}: the ${split} text has ${length} characters, fewer than a block of ${blockSize} + 1; use a longer text or a smaller block`,
    );
  }
}
