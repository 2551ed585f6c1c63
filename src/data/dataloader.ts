/**
 * Mini-batches of an ImageDataset as tensors, like `torch.utils.data.DataLoader`, but with an
 * order that is a pure function of (seed, epoch): epoch e shuffles with a generator seeded from
 * both, so a run resumed at epoch e sees exactly the batches it would have seen.
 */
import type { BackendName } from "../backend/backend.js";
import { checkBackendName } from "../backend/registry.js";
import { DataError } from "../errors.js";
import {
  checkedWhereUsed,
  checkOptions,
  isBoolean,
  isFunction,
  type OptionChecks,
} from "../options.js";
import { Random } from "../random.js";
import { getBackend } from "../tensor/default_backend.js";
import { Tensor } from "../tensor/tensor.js";
import type { ImageDataset } from "./image_dataset.js";

/** Options of a DataLoader. */
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

/**
 * Iterates a dataset in batches: `for (const { images, labels, targets } of loader)`. Each
 * `for … of` is one epoch and advances the epoch counter (start at e with `setEpoch(e)`);
 * `batches(e)` gives epoch e without touching it. Every image appears exactly once per epoch
 * (except the dropped remainder with `dropLast`). The caller owns each batch's tensor (dispose it,
 * or build batches inside `tidy`).
 */
export class DataLoader implements Iterable<Batch> {
  /** The dataset batched. */
  readonly dataset: ImageDataset;
  /** Images per batch. */
  readonly batchSize: number;
  /** Whether each epoch is reordered. */
  readonly shuffle: boolean;
  /** Seed of the per-epoch shuffles. */
  readonly seed: number;
  /** Whether a short last batch is skipped. */
  readonly dropLast: boolean;
  readonly #backend: BackendName | undefined;
  readonly #transform: BatchTransform | undefined;
  #epoch = 0;

  /** A loader over `dataset`; DataError for a batchSize that is not a positive integer. */
  constructor(dataset: ImageDataset, options: DataLoaderOptions) {
    const {
      batchSize,
      shuffle = false,
      seed = 0,
      dropLast = false,
      backend,
      transform,
    } = checkOptions("DataLoader", options, loaderChecks);
    if (typeof batchSize !== "number" || !Number.isInteger(batchSize) || batchSize < 1) {
      throw new DataError(
        `DataLoader: batchSize must be a positive integer, got ${String(batchSize)}`,
      );
    }
    if (typeof seed !== "number" || !Number.isInteger(seed)) {
      throw new DataError(`DataLoader: seed must be an integer, got ${String(seed)}`);
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.seed = seed;
    this.dropLast = dropLast;
    this.#transform = transform;
    this.#backend = backend === undefined ? undefined : checkBackendName(backend, "DataLoader");
  }

  /** Batches per epoch: ⌈count / batchSize⌉, or ⌊count / batchSize⌋ with `dropLast`. */
  get length(): number {
    const n = this.dataset.count / this.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** The epoch the next `for … of` will run (0 at first). */
  get epoch(): number {
    return this.#epoch;
  }

  /** Makes the next `for … of` run epoch `epoch` (to resume a run). */
  setEpoch(epoch: number): void {
    checkEpoch(epoch);
    this.#epoch = epoch;
  }

  /** The dataset indices of epoch `epoch` in visiting order (identity when not shuffling). */
  order(epoch: number = this.#epoch): Uint32Array {
    checkEpoch(epoch);
    const order = Array.from({ length: this.dataset.count }, (_, i) => i);
    // A generator that depends only on (seed, epoch), never on earlier epochs.
    if (this.shuffle) new Random(epochSeed(this.seed, epoch)).shuffle(order);
    return Uint32Array.from(order);
  }

  /** The batches of epoch `epoch`, made lazily one at a time; does not change `epoch`. */
  *batches(epoch: number = this.#epoch): Generator<Batch, void, undefined> {
    const order = this.order(epoch);
    for (let b = 0; b < this.length; b++) {
      yield this.#batch(order.subarray(b * this.batchSize, (b + 1) * this.batchSize), epoch, b);
    }
  }

  /** One epoch (the current one), then the epoch counter moves on. */
  [Symbol.iterator](): Iterator<Batch> {
    const epoch = this.#epoch;
    this.#epoch += 1;
    return this.batches(epoch);
  }

  /** Copies the images at `indices` into one buffer and uploads it as one tensor. */
  #batch(indices: Uint32Array, epoch: number, batch: number): Batch {
    const { images, labels: allLabels, rows, cols } = this.dataset;
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
