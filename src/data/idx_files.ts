/**
 * IDX datasets from a folder on disk (Node only): finds the standard MNIST file names, undoes
 * gzip, and hands the bytes to the pure parser in idx.ts. Node's `fs`, `path` and `zlib` are
 * reached through `process.getBuiltinModule`, never a static `import "node:…"`, so the library's
 * module graph still loads in a browser (where these functions throw a DataError instead).
 */

import { DataError } from "../errors.js";
import { builtin } from "../platform.js";
import { datasetFromIdx, type IdxArray, isGzip, parseIdx } from "./idx.js";
import type { ImageDataset } from "./image_dataset.js";

type Fs = typeof import("node:fs");
type Path = typeof import("node:path");
type Zlib = typeof import("node:zlib");

/** Which half of an IDX dataset: `train-*` or `t10k-*` files. */
export type IdxSplit = "train" | "test";

/** Where Debian's `dataset-fashion-mnist` package installs its gzipped IDX files. */
export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/** A Node built-in, or a DataError naming `op` where there is none (a browser). */
export function nodeModule<T>(id: string, op: string): T {
  const mod = builtin<T>(id);
  if (mod === undefined) {
    throw new DataError(`${op}: reading files needs Node.js (${id} is not available here)`);
  }
  return mod;
}

function gunzip(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  const zlib = nodeModule<Zlib>("node:zlib", "readIdxFile");
  return new Promise((resolve, reject) => {
    zlib.gunzip(bytes, (error, result) => {
      if (error === null) resolve(result);
      else reject(new DataError(`IDX file ${file}: corrupt gzip data (${error.message})`));
    });
  });
}

/** Reads and parses one IDX file, gzipped (detected by its 1f 8b magic) or not. */
export async function readIdxFile(file: string): Promise<IdxArray> {
  const fs = nodeModule<Fs>("node:fs", "readIdxFile");
  let bytes: Uint8Array;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new DataError(`IDX file ${file}: cannot read it (${why})`);
  }
  if (isGzip(bytes)) bytes = await gunzip(bytes, file);
  return parseIdx(bytes, file);
}

/**
 * The file names tried, in order, for one kind of file of a split: the standard name, gzipped
 * or not, and the dotted variant (`train-images.idx3-ubyte`) some mirrors use.
 */
export function idxFileNames(split: IdxSplit, kind: "images" | "labels"): string[] {
  const prefix = split === "train" ? "train" : "t10k";
  const rank = kind === "images" ? 3 : 1;
  const plain = `${prefix}-${kind}-idx${rank}-ubyte`;
  const dotted = `${prefix}-${kind}.idx${rank}-ubyte`;
  return [plain, `${plain}.gz`, dotted, `${dotted}.gz`];
}

/** The first of `names` present in `dir`, or a DataError listing every name tried. */
function findFile(fs: Fs, path: Path, dir: string, names: string[], op: string): string {
  for (const name of names) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  throw new DataError(`${op}: none of ${names.join(", ")} is in ${dir}`);
}

function checkSplit(split: string, op: string): asserts split is IdxSplit {
  if (split !== "train" && split !== "test") {
    throw new DataError(`${op}: split must be "train" or "test", got "${split}"`);
  }
}

/**
 * The `split` of the IDX dataset in `dir` (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 * or `t10k-…` for test; each optionally `.gz`). DataError when `dir` or a file is missing (listing
 * the names looked for) or a file is malformed.
 */
export async function loadIdxDataset(
  dir: string,
  split: IdxSplit,
  name = `${dir}/${split}`,
): Promise<ImageDataset> {
  const op = "loadIdxDataset";
  checkSplit(split, op);
  const fs = nodeModule<Fs>("node:fs", op);
  const path = nodeModule<Path>("node:path", op);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new DataError(`${op}: ${dir} is not a directory`);
  }
  const imagesFile = findFile(fs, path, dir, idxFileNames(split, "images"), op);
  const labelsFile = findFile(fs, path, dir, idxFileNames(split, "labels"), op);
  const [images, labels] = await Promise.all([readIdxFile(imagesFile), readIdxFile(labelsFile)]);
  return datasetFromIdx({ images, imagesFile, labels, labelsFile }, name);
}

/**
 * Fashion-MNIST's `split` (60,000 train / 10,000 test images of 28×28) from Debian's
 * `dataset-fashion-mnist` files; when they are absent, a DataError saying how to install them.
 */
export async function loadFashionMnist(
  split: IdxSplit,
  dir: string = FASHION_MNIST_DIR,
): Promise<ImageDataset> {
  const op = "loadFashionMnist";
  checkSplit(split, op);
  const fs = nodeModule<Fs>("node:fs", op);
  const path = nodeModule<Path>("node:path", op);
  const present = (kind: "images" | "labels") =>
    idxFileNames(split, kind).some((n) => fs.existsSync(path.join(dir, n)));
  if (!present("images") || !present("labels")) {
    throw new DataError(
      `${op}: Fashion-MNIST ${split} files are not in ${dir}; install them with ` +
        "`apt-get install dataset-fashion-mnist` (Debian/Ubuntu), or pass --data DIR " +
        "with IDX files from elsewhere",
    );
  }
  return loadIdxDataset(dir, split, `fashion-mnist/${split}`);
}
