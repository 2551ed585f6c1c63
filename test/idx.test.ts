import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { datasetFromIdx, imagesFromIdx, isGzip, labelsFromIdx, parseIdx } from "../src/data/idx.js";
import {
  FASHION_MNIST_DIR,
  loadFashionMnist,
  loadIdxDataset,
  readIdxFile,
} from "../src/data/idx_files.js";
import { DataError } from "../src/errors.js";

/** An IDX file built by hand: magic 00 00 type ndims, big-endian dims, then the data bytes. */
function idx(dims: number[], data: ArrayLike<number>, type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, k) => {
    out[4 + 4 * k] = (d >>> 24) & 0xff;
    out[5 + 4 * k] = (d >>> 16) & 0xff;
    out[6 + 4 * k] = (d >>> 8) & 0xff;
    out[7 + 4 * k] = d & 0xff;
  });
  out.set(Array.from(data), 4 + 4 * dims.length);
  return out;
}

/** Three 2×3 images whose pixel j of image i is 40·i + j, and labels 7, 0, 9. */
const PIXELS = Array.from({ length: 18 }, (_, k) => 40 * Math.floor(k / 6) + (k % 6));
const IMAGES = idx([3, 2, 3], PIXELS);
const LABELS = idx([3], [7, 0, 9]);

/** The DataError `fn` throws (failing the test if it throws anything else or nothing). */
function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return error as DataError;
  }
  throw new Error("expected a DataError");
}

const tmp = mkdtempSync(join(tmpdir(), "minitorch-idx-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A fresh folder under the test's temporary directory holding `files`. */
function folder(files: Record<string, Uint8Array>): string {
  const made = mkdtempSync(join(tmp, "case-"));
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(made, name), bytes);
  return made;
}

describe("parseIdx", () => {
  it("reads the big-endian dims and returns the data bytes", () => {
    const big = idx([70000, 1], new Uint8Array(70000).fill(3));
    const parsed = parseIdx(big, "big");
    expect(parsed.dims).toEqual([70000, 1]);
    expect(parsed.data.length).toBe(70000);
    expect(parsed.data.every((b) => b === 3)).toBe(true);
    expect(parseIdx(IMAGES, "imgs").dims).toEqual([3, 2, 3]);
  });

  it("reads a file that starts at an offset inside a larger buffer", () => {
    const padded = new Uint8Array(IMAGES.length + 5);
    padded.set(IMAGES, 5);
    const parsed = parseIdx(padded.subarray(5), "offset");
    expect(parsed.dims).toEqual([3, 2, 3]);
    expect(Array.from(parsed.data)).toEqual(PIXELS);
  });

  it("detects gzip by its magic", () => {
    expect(isGzip(gzipSync(IMAGES))).toBe(true);
    expect(isGzip(IMAGES)).toBe(false);
    expect(isGzip(new Uint8Array([0x1f]))).toBe(false);
  });

  const malformed: [string, Uint8Array, RegExp][] = [
    ["empty", new Uint8Array(0), /0 bytes is too short for the 4-byte IDX header/],
    ["3 bytes", new Uint8Array([0, 0, 8]), /3 bytes is too short/],
    ["bad magic", new Uint8Array([0x50, 0x4b, 8, 1, 0, 0, 0, 0]), /bad magic 0x50 0x4b/],
    ["still gzipped", gzipSync(LABELS), /bad magic 0x1f 0x8b.*gzip-compressed/],
    [
      "float32 type",
      idx([1], [0, 0, 0, 0], 0x0d),
      /element type 0x0d \(float32\) is not supported/,
    ],
    ["unknown type", idx([1], [0], 0x42), /element type 0x42 \(unknown\)/],
    ["no dims", new Uint8Array([0, 0, 8, 0]), /declares 0 dimensions/],
    [
      "cut header",
      idx([3, 2, 3], PIXELS).subarray(0, 10),
      /3 dimensions need 16 header bytes, the file has 10/,
    ],
    [
      "short data",
      IMAGES.subarray(0, IMAGES.length - 1),
      /truncated: dimensions 3×2×3 need 18 data bytes, the file has 17/,
    ],
    ["long data", idx([2], [1, 2, 3]), /too long: dimensions 2 need 2 data bytes, the file has 3/],
  ];
  it.each(malformed)("rejects %s with a DataError naming the file", (label, bytes, message) => {
    const error = dataError(() => parseIdx(bytes, `/data/${label}.idx`));
    expect(error.message).toContain(`/data/${label}.idx`);
    expect(error.message).toMatch(message);
  });
});

describe("images, labels and datasets from IDX", () => {
  it("scales image bytes to 0..1 and keeps labels", () => {
    const images = imagesFromIdx(parseIdx(IMAGES, "i"), "i");
    expect([images.count, images.rows, images.cols]).toEqual([3, 2, 3]);
    const expected = PIXELS.map((p) => Math.fround(p / 255));
    expect(Array.from(images.images)).toEqual(expected);
    expect(Array.from(labelsFromIdx(parseIdx(LABELS, "l"), "l"))).toEqual([7, 0, 9]);
  });

  it("builds a dataset whose image i and label i belong together", () => {
    const ds = datasetFromIdx(
      {
        images: parseIdx(IMAGES, "i"),
        imagesFile: "i",
        labels: parseIdx(LABELS, "l"),
        labelsFile: "l",
      },
      "tiny",
    );
    expect([ds.count, ds.rows, ds.cols, ds.classes, ds.name]).toEqual([3, 2, 3, 10, "tiny"]);
    expect(ds.labels[2]).toBe(9);
    expect(Array.from(ds.image(2))).toEqual(
      [80, 81, 82, 83, 84, 85].map((p) => Math.fround(p / 255)),
    );
    const sub = ds.subset([2, 0]);
    expect(Array.from(sub.labels)).toEqual([9, 7]);
    expect(sub.images[0]).toBe(Math.fround(80 / 255));
  });

  it("rejects wrong dims counts, a label ≥ 10 and mismatched counts", () => {
    let e = dataError(() => imagesFromIdx(parseIdx(LABELS, "lab.idx"), "lab.idx"));
    expect(e.message).toMatch(/lab\.idx: images need 3 dimensions, the file has 1 \(3\)/);
    e = dataError(() => labelsFromIdx(parseIdx(IMAGES, "img.idx"), "img.idx"));
    expect(e.message).toMatch(/img\.idx: labels need 1 dimension, the file has 3 \(3×2×3\)/);
    e = dataError(() => labelsFromIdx(parseIdx(idx([3], [1, 10, 2]), "bad.idx"), "bad.idx"));
    expect(e.message).toMatch(/bad\.idx: label 10 at index 1 is not below 10 classes/);
    e = dataError(() =>
      datasetFromIdx(
        {
          images: parseIdx(IMAGES, "i.idx"),
          imagesFile: "i.idx",
          labels: parseIdx(idx([2], [1, 2]), "l.idx"),
          labelsFile: "l.idx",
        },
        "x",
      ),
    );
    expect(e.message).toMatch(/i\.idx and l\.idx: 3 images but 2 labels/);
  });
});

describe("IDX files on disk", () => {
  it("loads plain and gzipped files to the same dataset", async () => {
    const plain = folder({ "train-images-idx3-ubyte": IMAGES, "train-labels-idx1-ubyte": LABELS });
    const gz = folder({
      "train-images-idx3-ubyte.gz": gzipSync(IMAGES),
      "train-labels-idx1-ubyte.gz": gzipSync(LABELS),
    });
    const a = await loadIdxDataset(plain, "train");
    const b = await loadIdxDataset(gz, "train");
    expect(a.count).toBe(3);
    expect(Array.from(b.images)).toEqual(Array.from(a.images));
    expect(Array.from(b.labels)).toEqual([7, 0, 9]);
  });

  it("loads the test split from t10k files", async () => {
    const dir = folder({
      "t10k-images-idx3-ubyte.gz": gzipSync(IMAGES),
      "t10k-labels-idx1-ubyte": LABELS,
    });
    const ds = await loadIdxDataset(dir, "test", "mine");
    expect([ds.count, ds.name]).toEqual([3, "mine"]);
  });

  it("names every file it looked for when one is missing", async () => {
    const dir = folder({ "train-images-idx3-ubyte": IMAGES });
    await expect(loadIdxDataset(dir, "train")).rejects.toThrow(DataError);
    await expect(loadIdxDataset(dir, "train")).rejects.toThrow(
      new RegExp(`train-labels-idx1-ubyte, train-labels-idx1-ubyte\\.gz.* is in ${dir}`),
    );
    await expect(loadIdxDataset(join(tmp, "nowhere"), "test")).rejects.toThrow(
      /nowhere is not a directory/,
    );
  });

  it("reports a corrupt or truncated gzip file by name", async () => {
    const garbage = new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const truncated = gzipSync(IMAGES).subarray(0, 15);
    const dir = folder({ "bad.gz": garbage, "cut.gz": truncated });
    await expect(readIdxFile(join(dir, "bad.gz"))).rejects.toThrow(/bad\.gz: corrupt gzip data/);
    await expect(readIdxFile(join(dir, "cut.gz"))).rejects.toThrow(/cut\.gz: corrupt gzip data/);
  });

  it("reports a malformed file inside a folder by its path", async () => {
    const dir = folder({
      "train-images-idx3-ubyte.gz": gzipSync(IMAGES.subarray(0, 20)),
      "train-labels-idx1-ubyte": LABELS,
    });
    await expect(loadIdxDataset(dir, "train")).rejects.toThrow(
      `IDX file ${join(dir, "train-images-idx3-ubyte.gz")}: truncated`,
    );
  });

  it("says how to install Fashion-MNIST when its files are absent", async () => {
    const empty = folder({});
    const load = loadFashionMnist("train", empty);
    await expect(load).rejects.toThrow(DataError);
    await expect(loadFashionMnist("test", empty)).rejects.toThrow(
      /apt-get install dataset-fashion-mnist.*--data DIR/,
    );
  });
});

const fashionPresent = existsSync(join(FASHION_MNIST_DIR, "train-labels-idx1-ubyte.gz"));
if (!fashionPresent) {
  console.log("Fashion-MNIST tests skipped: apt-get install dataset-fashion-mnist");
}

describe.skipIf(!fashionPresent)("Debian's Fashion-MNIST", () => {
  it.each([
    ["train", 60000, "train-labels-idx1-ubyte.gz"],
    ["test", 10000, "t10k-labels-idx1-ubyte.gz"],
  ] as const)("loads the %s split (%i images of 28×28)", async (split, count, labelsFile) => {
    const ds = await loadFashionMnist(split);
    expect([ds.count, ds.rows, ds.cols, ds.images.length]).toEqual([count, 28, 28, count * 784]);
    // Labels read independently: the gunzipped file's bytes after its 8-byte header.
    const raw = gunzipSync(readFileSync(join(FASHION_MNIST_DIR, labelsFile))).subarray(8);
    expect(Array.from(ds.labels)).toEqual(Array.from(raw));
    const perClass = new Array<number>(10).fill(0);
    for (const label of ds.labels) perClass[label] += 1;
    // Fashion-MNIST is balanced: every class has exactly a tenth of each split.
    expect(perClass).toEqual(new Array<number>(10).fill(count / 10));
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of ds.images) {
      lo = Math.min(lo, p);
      hi = Math.max(hi, p);
    }
    expect([lo, hi]).toEqual([0, 1]);
  });
});
