/**
 * `torch.utils.data.DataLoader`: mini-batches of a dataset, in two modes chosen by the dataset.
 *
 * - Any `Dataset` (TensorDataset, Subset, your own `{length, get(i)}`): PyTorch's loader — items
 *   collated by `defaultCollate` (or `collateFn`), shuffled from `generator`, or from the global
 *   generator as torch does, each epoch drawing a new order.
 * - An `ImageDataset`: minitorch's image loader — `Batch` objects ({images, labels, targets,
 *   indices}), with an order that is a pure function of (seed, epoch): epoch e shuffles with a
 *   generator seeded from both, so a run resumed at epoch e sees exactly the batches it would
 *   have seen (`setEpoch`, `order`, `batches` exist for that).
 *
 * Why one class rather than two: a PyTorch user writes `new DataLoader(dataset, {batchSize})`
 * whatever the dataset is, and the MNIST code already does so with an ImageDataset; the dataset
 * alone says which mode is meant, so one name serves both without surprising either. Each mode's
 * own options (seed/backend/transform; generator/collateFn) are errors in the other.
 */
import type { BackendName } from "../backend/backend.js";
import { checkBackendName } from "../backend/registry.js";
import { DataError } from "../errors.js";
import {
  checkedWhereUsed,
  checkOptions,
  describeValue,
  isBoolean,
  isFunction,
  notSupportedYet,
  type OptionChecks,
} from "../options.js";
import { defaultGenerator, isGenerator, Random, type RandomSource } from "../random.js";
import { getBackend } from "../tensor/default_backend.js";
import { Tensor } from "../tensor/tensor.js";
import { type Collated, fetchBatch } from "./collate.js";
import { type Dataset, isDataset } from "./dataset.js";
import { ImageDataset } from "./image_dataset.js";

/** Options of a DataLoader over an ImageDataset. */
export interface DataLoaderOptions {
  /** Images per batch (a positive integer); the last batch may be smaller unless `dropLast`. */
  batchSize: number;
  /** Reorder the images every epoch (default false: dataset order). */
  shuffle?: boolean;
  /** Seed of the per-epoch shuffles (default 0); any integer. */
  seed?: number;
  /** Skip a last batch smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Where the image tensors go (default: the default backend when each batch is made). */
  backend?: BackendName;
  /**
   * Changes each batch's pixels in place before they are uploaded (data augmentation, e.g.
   * `randomShift`). It is told the epoch and batch number, so a seeded transform can make its
   * randomness a function of them, and a resumed run stays identical.
   */
  transform?: BatchTransform;
}

/** batchSize, seed and backend are checked in the constructor, with what they must be. */
const loaderChecks: OptionChecks<DataLoaderOptions> = {
  batchSize: checkedWhereUsed,
  shuffle: isBoolean,
  seed: checkedWhereUsed,
  dropLast: isBoolean,
  backend: checkedWhereUsed,
  transform: isFunction,
};

/** Where a batch is, for a `transform`. */
export interface BatchInfo {
  epoch: number;
  batch: number;
  count: number;
  rows: number;
  cols: number;
}

/** Edits a batch's pixels ([count, rows, cols], row-major) in place. */
export type BatchTransform = (pixels: Float32Array, info: BatchInfo) => void;

/** One mini-batch of B images. */
export interface Batch {
  /** float32 [B, 1, rows, cols], pixels in 0..1. */
  readonly images: Tensor;
  /** The B class labels. */
  readonly labels: Uint8Array;
  /** The same labels as plain numbers, as `crossEntropy` takes its targets. */
  readonly targets: number[];
  /** Which dataset images these are, in batch order. */
  readonly indices: Uint32Array;
}

/** 2^32: seeds fold their high and low 32-bit halves together, as `Random` does. */
const TWO_POW_32 = 4294967296;

/** The seed of epoch `epoch`'s generator: distinct epochs of one seed always get distinct seeds. */
function epochSeed(seed: number, epoch: number): number {
  const base = (seed >>> 0) ^ Math.imul(Math.floor(seed / TWO_POW_32) >>> 0, 0x27d4eb2f);
  // Multiplying by an odd constant is a bijection mod 2^32, so epochs never collide.
  return (base ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0;
}

/** Options of a DataLoader over a `Dataset` (PyTorch's, in camelCase). */
export interface DatasetLoaderOptions<T, B> {
  /** Items per batch (a positive integer, default 1); the last batch may be smaller. */
  batchSize?: number;
  /** Draw a new order every epoch (default false: dataset order). */
  shuffle?: boolean;
  /** What a shuffle draws from (a `Generator` or a `Random`; default: the global generator). */
  generator?: RandomSource;
  /** Skip a last batch smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** Makes a batch from a list of items (default `defaultCollate`). */
  collateFn?: (samples: T[]) => B;
  /** Worker processes: only 0 (minitorch loads in the calling thread). */
  numWorkers?: number;
  /** Pinned host memory: only false. */
  pinMemory?: boolean;
}

/** batchSize is checked in the constructor, with what it must be. */
const datasetLoaderChecks: OptionChecks<DatasetLoaderOptions<unknown, unknown>> = {
  batchSize: checkedWhereUsed,
  shuffle: isBoolean,
  generator: isGenerator,
  dropLast: isBoolean,
  collateFn: isFunction,
  numWorkers: notSupportedYet(0),
  pinMemory: notSupportedYet(false),
};

/** What a DataLoader over items of type T yields without a collateFn; `Batch` for ImageDataset. */
export type DefaultBatch<T> = [T] extends [never] ? Batch : Collated<T>;

/** Options only one mode takes, and what the other mode does instead. */
const imageOnly: Readonly<Record<string, string>> = {
  seed: "shuffle from a seeded generator: {generator: new mt.Generator().manualSeed(seed)}",
  backend: "its batches stay on the backend of the dataset's tensors",
  transform: "transform items in the dataset's get(i), or batches in a collateFn",
};
const datasetOnly: Readonly<Record<string, string>> = {
  generator: "it shuffles from seed, a pure function of (seed, epoch)",
  collateFn: "its batches are Batch objects",
  numWorkers: "it loads in the calling thread",
  pinMemory: "it uploads batches to its backend",
};

/** A DataError for an option of the other mode, before the generic unknown-option one. */
function checkMode(options: unknown, image: boolean): void {
  if (typeof options !== "object" || options === null) return;
  const other = image ? datasetOnly : imageOnly;
  for (const key of Object.keys(options)) {
    if (Object.hasOwn(other, key)) {
      const [mine, theirs] = image
        ? ["an ImageDataset", "a Dataset"]
        : ["a Dataset", "an ImageDataset"];
      throw new DataError(
        `DataLoader: option ${key} is for ${theirs} loader, not ${mine} one (${other[key]})`,
      );
    }
  }
}

/**
 * Iterates a dataset in batches: `for (const [x, y] of loader)` over a TensorDataset, `for (const
 * { images, targets } of loader)` over an ImageDataset. Each `for … of` is one epoch and advances
 * the epoch counter. Every item appears exactly once per epoch (except the dropped remainder with
 * `dropLast`). The caller owns each batch's tensors (dispose them, or build batches inside `tidy`).
 */
export class DataLoader<T = never, B = DefaultBatch<T>> implements Iterable<B> {
  /** The dataset batched. */
  readonly dataset: ImageDataset | Dataset<T>;
  /** Items per batch. */
  readonly batchSize: number;
  /** Whether each epoch is reordered. */
  readonly shuffle: boolean;
  /** Seed of an ImageDataset loader's per-epoch shuffles; undefined for a Dataset loader. */
  readonly seed: number | undefined;
  /** What a Dataset loader shuffles from; undefined: the global generator (or an ImageDataset). */
  readonly generator: RandomSource | undefined;
  /** Whether a short last batch is skipped. */
  readonly dropLast: boolean;
  readonly #backend: BackendName | undefined;
  readonly #transform: BatchTransform | undefined;
  readonly #collate: ((samples: T[]) => B) | undefined;
  #epoch = 0;

  /**
   * A loader over `dataset`: an ImageDataset gives `Batch`es (batchSize required), any other
   * Dataset torch's batches. A DataError for a batchSize that is not a positive integer, or for
   * something that is not a dataset.
   */
  constructor(dataset: ImageDataset, options: DataLoaderOptions);
  constructor(dataset: Dataset<T>, options?: DatasetLoaderOptions<T, B>);
  constructor(
    dataset: ImageDataset | Dataset<T>,
    options?: DataLoaderOptions | DatasetLoaderOptions<T, B>,
  ) {
    const image = dataset instanceof ImageDataset;
    if (!image && !isDataset(dataset)) {
      throw new DataError(
        `DataLoader: expected a Dataset (a length and get(i)) or an ImageDataset, got ${describeValue(dataset)}`,
      );
    }
    checkMode(options, image);
    let batchSize: unknown;
    let seed: unknown;
    let backend: BackendName | undefined;
    if (image) {
      const o = checkOptions("DataLoader", options as DataLoaderOptions, loaderChecks);
      ({ batchSize, seed = 0, backend } = o);
      this.shuffle = o.shuffle ?? false;
      this.dropLast = o.dropLast ?? false;
      this.#transform = o.transform;
    } else {
      const o = checkOptions(
        "DataLoader",
        options as DatasetLoaderOptions<T, B>,
        datasetLoaderChecks,
      );
      batchSize = o.batchSize ?? 1;
      this.shuffle = o.shuffle ?? false;
      this.dropLast = o.dropLast ?? false;
      this.generator = o.generator;
      this.#collate = o.collateFn;
    }
    if (typeof batchSize !== "number" || !Number.isInteger(batchSize) || batchSize < 1) {
      throw new DataError(
        `DataLoader: batchSize must be a positive integer, got ${String(batchSize)}`,
      );
    }
    if (image && (typeof seed !== "number" || !Number.isInteger(seed))) {
      throw new DataError(`DataLoader: seed must be an integer, got ${String(seed)}`);
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.seed = image ? (seed as number) : undefined;
    this.#backend = backend === undefined ? undefined : checkBackendName(backend, "DataLoader");
  }

  /** Batches per epoch: ⌈n / batchSize⌉, or ⌊n / batchSize⌋ with `dropLast` (n items). */
  get length(): number {
    const n = this.#count() / this.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** The epoch the next `for … of` will run (0 at first). */
  get epoch(): number {
    return this.#epoch;
  }

  /** Makes the next `for … of` run epoch `epoch` (to resume a run; ImageDataset loaders). */
  setEpoch(epoch: number): void {
    this.#images("setEpoch");
    checkEpoch(epoch);
    this.#epoch = epoch;
  }

  /**
   * The dataset indices of epoch `epoch` in visiting order (identity when not shuffling); only an
   * ImageDataset loader has one, a Dataset loader drawing each epoch's order when it starts.
   */
  order(epoch: number = this.#epoch): Uint32Array {
    const images = this.#images("order");
    checkEpoch(epoch);
    const order = Array.from({ length: images.count }, (_, i) => i);
    // A generator that depends only on (seed, epoch), never on earlier epochs.
    if (this.shuffle) new Random(epochSeed(this.seed ?? 0, epoch)).shuffle(order);
    return Uint32Array.from(order);
  }

  /**
   * The batches of epoch `epoch`, made lazily one at a time; does not change `epoch`
   * (ImageDataset loaders).
   */
  *batches(epoch: number = this.#epoch): Generator<B, void, undefined> {
    const order = this.order(epoch);
    for (let b = 0; b < this.length; b++) {
      const batch = this.#batch(
        order.subarray(b * this.batchSize, (b + 1) * this.batchSize),
        epoch,
        b,
      );
      // Only an ImageDataset loader gets here, and the constructor's overloads make its B Batch.
      yield batch as B;
    }
  }

  /** One epoch (the current one), then the epoch counter moves on. */
  [Symbol.iterator](): Iterator<B> {
    const epoch = this.#epoch;
    this.#epoch += 1;
    return this.dataset instanceof ImageDataset
      ? this.batches(epoch)
      : this.#datasetEpoch(this.dataset);
  }

  /** Items in the dataset. */
  #count(): number {
    return this.dataset instanceof ImageDataset ? this.dataset.count : this.dataset.length;
  }

  /** The ImageDataset, or a DataError saying `op` needs one. */
  #images(op: string): ImageDataset {
    if (this.dataset instanceof ImageDataset) return this.dataset;
    throw new DataError(
      `DataLoader.${op}: only an ImageDataset loader has a (seed, epoch) order; a Dataset loader draws a new order from its generator each epoch, as torch's does`,
    );
  }

  /**
   * One epoch of a Dataset loader, torch's way: the order is drawn when the first batch is asked
   * for, from the generator or else the global generator of that moment (manualSeed replaces it).
   */
  *#datasetEpoch(dataset: Dataset<T>): Generator<B, void, undefined> {
    const order = Array.from({ length: dataset.length }, (_, i) => i);
    if (this.shuffle) (this.generator ?? defaultGenerator()).shuffle(order);
    const collate = this.#collate;
    for (let b = 0; b < this.length; b++) {
      const indices = order.slice(b * this.batchSize, (b + 1) * this.batchSize);
      // Without a collateFn B is DefaultBatch<T> = Collated<T> (T is never only for ImageDataset).
      yield collate === undefined
        ? (fetchBatch(dataset, indices) as B)
        : collate(indices.map((i) => dataset.get(i)));
    }
  }

  /** Copies the images at `indices` into one buffer and uploads it as one tensor. */
  #batch(indices: Uint32Array, epoch: number, batch: number): Batch {
    const { images, labels: allLabels, rows, cols } = this.#images("batches");
    const px = rows * cols;
    const pixels = new Float32Array(indices.length * px);
    const labels = new Uint8Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      pixels.set(images.subarray(i * px, (i + 1) * px), k * px);
      labels[k] = allLabels[i];
    }
    this.#transform?.(pixels, { epoch, batch, count: indices.length, rows, cols });
    const tensor = Tensor.fromValues(
      pixels,
      [indices.length, 1, rows, cols],
      "float32",
      this.#backend ?? getBackend(),
    );
    return { images: tensor, labels, targets: Array.from(labels), indices: indices.slice() };
  }
}

function checkEpoch(epoch: number): void {
  if (typeof epoch !== "number" || !Number.isInteger(epoch) || epoch < 0) {
    throw new DataError(`DataLoader: epoch must be a non-negative integer, got ${String(epoch)}`);
  }
}
