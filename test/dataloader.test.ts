import { describe, expect, it } from "vitest";
import { type Batch, DataLoader } from "../src/data/dataloader.js";
import { ImageDataset } from "../src/data/image_dataset.js";
import { DataError } from "../src/errors.js";
import * as mt from "../src/index.js";
import { loadedBackendNames } from "./backends.js";

/** n images of 2×3 whose pixel j of image i is (10·i + j) / 1000, image i labelled i mod 10. */
function numbered(n: number): ImageDataset {
  const images = new Float32Array(n * 6);
  for (let i = 0; i < n; i++) for (let j = 0; j < 6; j++) images[i * 6 + j] = (10 * i + j) / 1000;
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  return new ImageDataset({ images, labels, rows: 2, cols: 3, name: "numbered" });
}

/** Which image a batch row holds, read back from its first pixel. */
function imageIds(batch: Batch): number[] {
  const values = batch.images.dataSync();
  const ids: number[] = [];
  for (let k = 0; k < batch.labels.length; k++) ids.push(Math.round(values[k * 6] * 100));
  return ids;
}

/** Every batch of one epoch: the image ids in visiting order, the batch sizes; tensors freed. */
function visit(batches: Iterable<Batch>): { ids: number[]; sizes: number[] } {
  const ids: number[] = [];
  const sizes: number[] = [];
  for (const batch of batches) {
    ids.push(...imageIds(batch));
    sizes.push(batch.labels.length);
    batch.images.dispose();
  }
  return { ids, sizes };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("DataLoader", () => {
  const ds = numbered(23);

  it("batches in dataset order with a short last batch", () => {
    const loader = new DataLoader(ds, { batchSize: 5, backend: "reference" });
    expect(loader.length).toBe(5);
    const { ids, sizes } = visit(loader);
    expect(sizes).toEqual([5, 5, 5, 5, 3]);
    expect(ids).toEqual(range(23));
  });

  it("drops the short last batch with dropLast", () => {
    const loader = new DataLoader(ds, { batchSize: 5, dropLast: true, shuffle: true, seed: 3 });
    expect(loader.length).toBe(4);
    const { ids, sizes } = visit(loader.batches(0));
    expect(sizes).toEqual([5, 5, 5, 5]);
    expect(new Set(ids).size).toBe(20);
    expect(new DataLoader(ds, { batchSize: 30, dropLast: true }).length).toBe(0);
    expect(new DataLoader(ds, { batchSize: 30 }).length).toBe(1);
  });

  it("visits every image exactly once per shuffled epoch", () => {
    const loader = new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 11 });
    for (let epoch = 0; epoch < 4; epoch++) {
      const { ids } = visit(loader.batches(epoch));
      expect([...ids].sort((a, b) => a - b)).toEqual(range(23));
    }
  });

  it("repeats an epoch's order from the seed and varies it across epochs and seeds", () => {
    const a = new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 7 });
    const b = new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 7 });
    const c = new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 8 });
    const epochs = [0, 1, 2].map((e) => visit(a.batches(e)).ids);
    // The same (seed, epoch) gives the same order, whatever ran before.
    expect(Array.from(b.order(2))).toEqual(epochs[2]);
    expect(visit(b.batches(1)).ids).toEqual(epochs[1]);
    expect(epochs[0]).not.toEqual(epochs[1]);
    expect(epochs[1]).not.toEqual(epochs[2]);
    expect(Array.from(c.order(0))).not.toEqual(epochs[0]);
    expect(epochs[0]).not.toEqual(range(23));
  });

  it("advances the epoch on each for…of and resumes from setEpoch", () => {
    const loader = new DataLoader(ds, { batchSize: 6, shuffle: true, seed: 1 });
    const first = visit(loader).ids;
    const second = visit(loader).ids;
    expect(loader.epoch).toBe(2);
    expect(first).toEqual(Array.from(loader.order(0)));
    expect(second).toEqual(Array.from(loader.order(1)));
    const resumed = new DataLoader(ds, { batchSize: 6, shuffle: true, seed: 1 });
    resumed.setEpoch(1);
    expect(visit(resumed).ids).toEqual(second);
    // batches(e) leaves the counter alone.
    visit(resumed.batches(5));
    expect(resumed.epoch).toBe(2);
  });

  it("validates batchSize, seed, epoch and backend", () => {
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      expect(() => new DataLoader(ds, { batchSize: bad })).toThrow(DataError);
    }
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(
      /batchSize must be a positive integer, got 0/,
    );
    expect(() => new DataLoader(ds, { batchSize: 2, seed: 0.5 })).toThrow(
      /seed must be an integer/,
    );
    const loader = new DataLoader(ds, { batchSize: 2 });
    expect(() => loader.setEpoch(-1)).toThrow(/epoch must be a non-negative integer, got -1/);
    expect(() => loader.order(1.5)).toThrow(DataError);
    // @ts-expect-error: a name that is not a backend
    expect(() => new DataLoader(ds, { batchSize: 2, backend: "tpu" })).toThrow(mt.BackendError);
  });

  // Read with `await images.data()`: this runs on every backend that loads here, GPU ones too.
  describe.each(loadedBackendNames)("on the %s backend", (name) => {
    it("builds float32 [B, 1, rows, cols] tensors holding the dataset's pixels", async () => {
      const loader = new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 5, backend: name });
      let batches = 0;
      for (const { images, labels, targets, indices } of loader.batches(3)) {
        expect(images.shape).toEqual([indices.length, 1, 2, 3]);
        expect(images.dtype).toBe("float32");
        expect(images.backend).toBe(name);
        const values = await images.data();
        indices.forEach((i, k) => {
          expect(labels[k]).toBe(i % 10);
          expect(targets[k]).toBe(i % 10);
          for (let j = 0; j < 6; j++)
            expect(values[k * 6 + j]).toBe(Math.fround((10 * i + j) / 1000));
        });
        images.dispose();
        batches += 1;
      }
      expect(batches).toBe(6);
    });
  });
});
