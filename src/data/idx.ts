/**
 * The IDX file format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/), bytes in,
 * arrays out. Pure: no file access here, so this parser also runs in a browser on fetched bytes
 * (gzip is undone by the caller; see idx_files.ts).
 *
 * Layout: a 4-byte magic `00 00 TT ND` (TT the element type, ND the number of dimensions), then ND
 * big-endian uint32 sizes, then ∏ sizes elements in row-major order. Only TT = 0x08 (unsigned byte)
 * is supported: it is what every MNIST-family file uses.
 */
import { DataError } from "../errors.js";
import { ImageDataset } from "./image_dataset.js";

/** The unsigned-byte element type code of the IDX format. */
export const IDX_UBYTE = 0x08;

/** The other element types the format defines, named so an error can say what a file holds. */
const IDX_TYPES: Record<number, string> = {
  8: "unsigned byte",
  9: "signed byte",
  11: "int16",
  12: "int32",
  13: "float32",
  14: "float64",
};

/** A parsed IDX file: its dimensions and its ∏dims bytes (a view into the input, not a copy). */
export interface IdxArray {
  readonly dims: number[];
  readonly data: Uint8Array;
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0")}`;
}

/** Whether `bytes` start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses one IDX file of unsigned bytes; `file` names it in errors. DataError when the file is
 * shorter than its header, has a bad magic or a type other than 0x08, declares no dimensions, or
 * holds fewer or more data bytes than its dimensions say.
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) {
    throw new DataError(
      `IDX file ${file}: ${bytes.length} bytes is too short for the 4-byte IDX header`,
    );
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const why = isGzip(bytes) ? "it is gzip-compressed; decompress it first" : "not an IDX file";
    throw new DataError(
      `IDX file ${file}: bad magic ${hex(bytes[0])} ${hex(bytes[1])}, expected 0x00 0x00 (${why})`,
    );
  }
  const type = bytes[2];
  if (type !== IDX_UBYTE) {
    const known = IDX_TYPES[type];
    throw new DataError(
      `IDX file ${file}: element type ${hex(type)}${known === undefined ? " (unknown)" : ` (${known})`} ` +
        `is not supported; expected ${hex(IDX_UBYTE)} (unsigned byte)`,
    );
  }
  const ndims = bytes[3];
  if (ndims === 0) {
    throw new DataError(`IDX file ${file}: the header declares 0 dimensions`);
  }
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DataError(
      `IDX file ${file}: truncated header: ${ndims} dimensions need ${headerBytes} header bytes, ` +
        `the file has ${bytes.length}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual !== expected) {
    const what = actual < expected ? "truncated" : "too long";
    throw new DataError(
      `IDX file ${file}: ${what}: dimensions ${dims.join("×")} need ${expected} data bytes, ` +
        `the file has ${actual}`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

function checkDims(idx: IdxArray, file: string, want: number, what: string): void {
  if (idx.dims.length !== want) {
    throw new DataError(
      `IDX file ${file}: ${what} need ${want} dimension${want === 1 ? "" : "s"}, ` +
        `the file has ${idx.dims.length} (${idx.dims.join("×")})`,
    );
  }
}

/** An images file (3 dims: count×rows×cols) as pixels scaled to 0..1 (byte / 255). */
export function imagesFromIdx(
  idx: IdxArray,
  file: string,
): { images: Float32Array; count: number; rows: number; cols: number } {
  checkDims(idx, file, 3, "images");
  const [count, rows, cols] = idx.dims;
  if (rows === 0 || cols === 0) {
    throw new DataError(`IDX file ${file}: images of ${rows}×${cols} pixels are empty`);
  }
  const images = new Float32Array(idx.data.length);
  for (let i = 0; i < images.length; i++) images[i] = idx.data[i] / 255;
  return { images, count, rows, cols };
}

/** A labels file (1 dim: count) as a Uint8Array, every label checked to be below `classes`. */
export function labelsFromIdx(idx: IdxArray, file: string, classes = 10): Uint8Array {
  checkDims(idx, file, 1, "labels");
  const labels = idx.data;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= classes) {
      throw new DataError(
        `IDX file ${file}: label ${labels[i]} at index ${i} is not below ${classes} classes`,
      );
    }
  }
  // A copy: the result must not pin (or alias) the whole file buffer it was parsed from.
  return labels.slice();
}

/** Two parsed IDX files, images and labels, with the names they are reported under. */
export interface IdxPair {
  images: IdxArray;
  imagesFile: string;
  labels: IdxArray;
  labelsFile: string;
}

/**
 * An ImageDataset from an images file and a labels file; DataError when either is malformed or
 * their counts differ.
 */
export function datasetFromIdx(pair: IdxPair, name: string, classes = 10): ImageDataset {
  const { images, count, rows, cols } = imagesFromIdx(pair.images, pair.imagesFile);
  const labels = labelsFromIdx(pair.labels, pair.labelsFile, classes);
  if (labels.length !== count) {
    throw new DataError(
      `IDX files ${pair.imagesFile} and ${pair.labelsFile}: ${count} images but ` +
        `${labels.length} labels`,
    );
  }
  return new ImageDataset({ images, labels, rows, cols, classes, name });
}
