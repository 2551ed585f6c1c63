/**
 * A labelled set of greyscale images held as two flat typed arrays — one Float32Array of pixels,
 * one Uint8Array of labels — so a batch is a few `subarray` copies, never per-pixel objects.
 */
import { DataError } from "../errors.js";
import {
  checkedWhereUsed,
  checkOptions,
  instanceOf,
  isString,
  type OptionChecks,
} from "../options.js";

/** What `new ImageDataset(...)` takes: the arrays (kept, not copied) and their geometry. */
export interface ImageDatasetInit {
  /** count·rows·cols pixels, image after image, each row-major, values in 0..1. */
  images: Float32Array;
  /** count labels, each in 0 … classes − 1. */
  labels: Uint8Array;
  rows: number;
  cols: number;
  /** Number of classes (10 for the MNIST family). */
  classes?: number;
  /** Shown in messages and logs, e.g. "mnist/train". */
  name: string;
}

/** The sizes are checked in the constructor, against each other and the arrays' lengths. */
const initChecks: OptionChecks<ImageDatasetInit> = {
  images: instanceOf(Float32Array, "a Float32Array"),
  labels: instanceOf(Uint8Array, "a Uint8Array"),
  rows: checkedWhereUsed,
  cols: checkedWhereUsed,
  classes: checkedWhereUsed,
  name: isString,
};

function checkSize(name: string, what: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new DataError(`ImageDataset "${name}": ${what} must be a positive integer, got ${n}`);
  }
}

/**
 * N images of rows×cols pixels with a class label each. Invariant (checked on construction):
 * `images.length` = count·rows·cols and every label is below `classes`.
 */
export class ImageDataset {
  /** count·rows·cols pixels in 0..1, image i at [i·rows·cols, (i+1)·rows·cols). */
  readonly images: Float32Array;
  /** The class of each image. */
  readonly labels: Uint8Array;
  /** Number of images. */
  readonly count: number;
  /** Image height in pixels. */
  readonly rows: number;
  /** Image width in pixels. */
  readonly cols: number;
  /** Number of classes; every label is in 0 … classes − 1. */
  readonly classes: number;
  /** A display name, e.g. "mnist/train". */
  readonly name: string;

  /** Wraps the arrays (no copy) after checking they agree with each other. */
  constructor(init: ImageDatasetInit) {
    const { images, labels, rows, cols, name } = checkOptions("ImageDataset", init, initChecks);
    const classes = init.classes ?? 10;
    checkSize(name, "rows", rows);
    checkSize(name, "cols", cols);
    checkSize(name, "classes", classes);
    if (classes > 256) {
      throw new DataError(
        `ImageDataset "${name}": ${classes} classes do not fit a Uint8Array label`,
      );
    }
    const pixels = rows * cols;
    if (images.length !== labels.length * pixels) {
      throw new DataError(
        `ImageDataset "${name}": ${labels.length} labels need ${labels.length}×${rows}×${cols} = ` +
          `${labels.length * pixels} pixels, got ${images.length}`,
      );
    }
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] >= classes) {
        throw new DataError(
          `ImageDataset "${name}": label ${labels[i]} at index ${i} is not below ${classes} classes`,
        );
      }
    }
    this.images = images;
    this.labels = labels;
    this.count = labels.length;
    this.rows = rows;
    this.cols = cols;
    this.classes = classes;
    this.name = name;
  }

  /** Pixels per image: rows·cols. */
  get pixels(): number {
    return this.rows * this.cols;
  }

  /** Image i's pixels as a view (no copy) into `images`. */
  image(i: number): Float32Array {
    this.#checkIndex("image", i);
    return this.images.subarray(i * this.pixels, (i + 1) * this.pixels);
  }

  /**
   * A new dataset of the images at `indices`, in that order (copied, so the two never alias;
   * an index may repeat).
   */
  subset(indices: ArrayLike<number>, name = this.name): ImageDataset {
    const px = this.pixels;
    const images = new Float32Array(indices.length * px);
    const labels = new Uint8Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k];
      this.#checkIndex("subset", i);
      images.set(this.images.subarray(i * px, (i + 1) * px), k * px);
      labels[k] = this.labels[i];
    }
    return new ImageDataset({
      images,
      labels,
      rows: this.rows,
      cols: this.cols,
      classes: this.classes,
      name,
    });
  }

  #checkIndex(op: string, i: number): void {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) {
      throw new DataError(
        `ImageDataset.${op}: index ${i} is out of range for "${this.name}" (${this.count} images)`,
      );
    }
  }
}
