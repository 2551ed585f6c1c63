import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";
import { loadedBackendNames } from "./backends.js";
import { expectClose } from "./close.js";

/**
 * torch.utils.data's toolkit: Dataset, TensorDataset, Subset, ConcatDataset, randomSplit,
 * defaultCollate and the DataLoader over any Dataset. Expected values come from plain-JS loops
 * (row i of the test tensors holds numbers computed from i, so a batch says which rows it holds);
 * randomSplit's fraction rule is checked against lengths torch 1.13 printed. Values are read with
 * `await t.data()`, so everything runs on every backend that loads here.
 */

type Tensor = mt.Tensor;
const D = mt.data;

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sorted = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

/** Row i of x is [i, i + 0.5]; label i is i mod 3 (int32). */
function numbered(n: number, backend: mt.BackendName) {
  const x = mt.tensor(
    range(n).map((i) => [i, i + 0.5]),
    { backend },
  );
  const y = mt.tensor(
    range(n).map((i) => i % 3),
    { dtype: "int32", backend },
  );
  return { x, y, ds: new D.TensorDataset(x, y) };
}

/** The row ids a batch x holds (its first column), checking the second column and labels agree. */
async function rowsOf(xb: Tensor, yb: Tensor): Promise<number[]> {
  const xs = await values(xb);
  const ys = await values(yb);
  const ids = range(xs.length / 2).map((k) => xs[2 * k]);
  ids.forEach((id, k) => {
    expect(xs[2 * k + 1]).toBe(id + 0.5);
    expect(ys[k]).toBe(id % 3);
  });
  return ids;
}

/** Every row id of one epoch in visiting order, and the batch sizes. */
async function epoch(loader: Iterable<Tensor[]>): Promise<{ ids: number[]; sizes: number[] }> {
  const ids: number[] = [];
  const sizes: number[] = [];
  for (const [xb, yb] of loader) {
    ids.push(...(await rowsOf(xb, yb)));
    sizes.push(xb.shape[0]);
  }
  return { ids, sizes };
}

/** A tiny ImageDataset (4 images of 1×2), for the mode checks. */
function images(): mt.data.ImageDataset {
  return new D.ImageDataset({
    images: new Float32Array(8),
    labels: new Uint8Array([0, 1, 2, 3]),
    rows: 1,
    cols: 2,
    name: "tiny",
  });
}

describe.each(loadedBackendNames)("data toolkit on the %s backend", (backend) => {
  describe("TensorDataset", () => {
    it("has the shared dim 0 as length and rows of every tensor as items", async () => {
      const { x, y, ds } = numbered(5, backend);
      expect(ds.length).toBe(5);
      expect(ds.tensors).toEqual([x, y]);
      const [row, label] = ds.get(3);
      expect(row.shape).toEqual([2]);
      expect(label.shape).toEqual([]);
      expect(await values(row)).toEqual([3, 3.5]);
      expect(await values(label)).toEqual([0]);
      expect(await values(ds.get(-1)[0])).toEqual([4, 4.5]);
      expect(row.backend).toBe(backend);
    });

    it("batches rows in one copy per tensor, equal to stacking the rows", async () => {
      const { ds } = numbered(6, backend);
      // Runs of consecutive rows (1, 2, 3) and repeats (4) are cut and joined correctly.
      expect(await rowsOf(...ds.getBatch([1, 2, 3, 5, 0, 1]))).toEqual([1, 2, 3, 5, 0, 1]);
      expect(await rowsOf(...ds.getBatch(range(6)))).toEqual(range(6));
      const picked = [4, 0, 4, 2];
      const fast = ds.getBatch(picked);
      const slow = D.defaultCollate(picked.map((i) => ds.get(i)));
      expect(fast.map((t) => t.shape)).toEqual([[4, 2], [4]]);
      expect(fast.map((t) => t.dtype)).toEqual(["float32", "int32"]);
      for (let k = 0; k < 2; k++) expect(await values(fast[k])).toEqual(await values(slow[k]));
      expect(await rowsOf(fast[0], fast[1])).toEqual(picked);
      expect(fast[0].backend).toBe(backend);
    });
  });

  describe("DataLoader over a Dataset", () => {
    it("yields [x, y] batches in dataset order, a short last one, and its length", async () => {
      const { ds } = numbered(10, backend);
      const loader = new D.DataLoader(ds, { batchSize: 4 });
      expect(loader.length).toBe(3);
      const { ids, sizes } = await epoch(loader);
      expect(sizes).toEqual([4, 4, 2]);
      expect(ids).toEqual(range(10));
      for (const [xb, yb] of loader) {
        expect(xb.backend).toBe(backend);
        expect(yb.backend).toBe(backend);
        expect(yb.dtype).toBe("int32");
      }
    });

    it("batches one item at a time by default, as torch's batch_size=1", async () => {
      const { ds } = numbered(3, backend);
      const loader = new D.DataLoader(ds);
      expect(loader.length).toBe(3);
      const { ids, sizes } = await epoch(loader);
      expect(sizes).toEqual([1, 1, 1]);
      expect(ids).toEqual([0, 1, 2]);
    });

    it("drops the short last batch with dropLast", async () => {
      const { ds } = numbered(10, backend);
      const loader = new D.DataLoader(ds, { batchSize: 4, dropLast: true, shuffle: true });
      expect(loader.length).toBe(2);
      const { ids, sizes } = await epoch(loader);
      expect(sizes).toEqual([4, 4]);
      expect(new Set(ids).size).toBe(8);
      expect(new D.DataLoader(ds, { batchSize: 11, dropLast: true }).length).toBe(0);
      expect((await epoch(new D.DataLoader(ds, { batchSize: 11, dropLast: true }))).ids).toEqual(
        [],
      );
    });

    it("visits every index once per shuffled epoch, in a new order each epoch", async () => {
      const { ds } = numbered(13, backend);
      const loader = new D.DataLoader(ds, {
        batchSize: 3,
        shuffle: true,
        generator: new mt.Generator().manualSeed(1),
      });
      const orders: number[][] = [];
      for (let e = 0; e < 3; e++) {
        const { ids } = await epoch(loader);
        expect(sorted(ids)).toEqual(range(13));
        orders.push(ids);
      }
      expect(orders[0]).not.toEqual(range(13));
      expect(orders[1]).not.toEqual(orders[0]);
      expect(orders[2]).not.toEqual(orders[1]);
      expect(loader.epoch).toBe(3);
    });
  });

  describe("a training loop over a TensorDataset", () => {
    it("fits y = 2·x₁ − 3·x₂ + 1 with every tensor on this backend", async () => {
      // 32 points on a grid in [−1, 1)², their exact targets.
      const points = range(32).map((i) => [((i * 7) % 32) / 16 - 1, ((i * 13 + 5) % 32) / 16 - 1]);
      const x = mt.tensor(points, { backend });
      const y = mt.tensor(
        points.map(([a, b]) => [2 * a - 3 * b + 1]),
        { backend },
      );
      const model = await new mt.nn.Linear(2, 1, { rng: new mt.Random(0) }).to(backend);
      const opt = new mt.optim.SGD(model.parameters(), { lr: 0.3 });
      const loader = new D.DataLoader(new D.TensorDataset(x, y), {
        batchSize: 8,
        shuffle: true,
        generator: new mt.Random(2),
      });
      for (let e = 0; e < 40; e++) {
        for (const [xb, yb] of loader) {
          expect(xb.backend).toBe(backend);
          opt.zeroGrad();
          const loss = mt.nn.functional.mseLoss(model.forward(xb), yb);
          loss.backward();
          opt.step();
        }
      }
      expectClose(await values(model.weight.value), [2, -3], { abs: 1e-3 }, "weight");
      const bias = model.bias;
      expect(bias).not.toBeNull();
      if (bias !== null) expectClose(await values(bias.value), [1], { abs: 1e-3 }, "bias");
    });
  });
});

describe("DataLoader over a Dataset: shuffling sources", () => {
  const { ds } = numbered(20, "reference");

  it("repeats its orders from the same generator seed, and differs across seeds", async () => {
    const make = (seed: number) =>
      new D.DataLoader(ds, {
        batchSize: 6,
        shuffle: true,
        generator: new mt.Generator().manualSeed(seed),
      });
    const [a, b, c] = [make(4), make(4), make(5)];
    const first = [(await epoch(a)).ids, (await epoch(a)).ids];
    expect([(await epoch(b)).ids, (await epoch(b)).ids]).toEqual(first);
    expect((await epoch(c)).ids).not.toEqual(first[0]);
    // A minitorch Random works as the generator too.
    const r = new D.DataLoader(ds, { batchSize: 6, shuffle: true, generator: new mt.Random(4) });
    const s = new D.DataLoader(ds, { batchSize: 6, shuffle: true, generator: new mt.Random(4) });
    expect((await epoch(r)).ids).toEqual((await epoch(s)).ids);
  });

  it("draws from the global generator without one, so manualSeed repeats the order", async () => {
    const loader = new D.DataLoader(ds, { batchSize: 6, shuffle: true });
    mt.manualSeed(123);
    const once = (await epoch(loader)).ids;
    mt.manualSeed(123);
    const again = (await epoch(new D.DataLoader(ds, { batchSize: 5, shuffle: true }))).ids;
    expect(again).toEqual(once);
    expect(sorted(once)).toEqual(range(20));
    expect(once).not.toEqual(range(20));
    // The global generator moved on: the next epoch differs.
    expect((await epoch(loader)).ids).not.toEqual(once);
  });
});

describe("defaultCollate", () => {
  const t = (v: number[]) => mt.tensor(v, { backend: "reference" });

  it("stacks tensors and recurses into tuples and objects", async () => {
    const batch = D.defaultCollate([
      { image: t([1, 2]), meta: [t([5]), 7] },
      { image: t([3, 4]), meta: [t([6]), 8] },
    ]);
    expect(batch.image.shape).toEqual([2, 2]);
    expect(await values(batch.image)).toEqual([1, 2, 3, 4]);
    expect(batch.meta[0].shape).toEqual([2, 1]);
    expect(await values(batch.meta[0])).toEqual([5, 6]);
    expect(batch.meta[1].dtype).toBe("int32");
    expect(await values(batch.meta[1])).toEqual([7, 8]);
  });

  it("makes integers int32, other numbers float32, booleans bool, and keeps strings", async () => {
    const samples: [number, number, boolean, string][] = [
      [1, 0.5, true, "a"],
      [2, 3, false, "b"],
    ];
    const [ints, floats, bools, names] = D.defaultCollate(samples);
    expect(ints.dtype).toBe("int32");
    expect(await values(ints)).toEqual([1, 2]);
    expect(floats.dtype).toBe("float32");
    expect(await values(floats)).toEqual([0.5, 3]);
    expect(bools.dtype).toBe("bool");
    expect(await values(bools)).toEqual([1, 0]);
    expect(names).toEqual(["a", "b"]);
    const scalars = D.defaultCollate([3, 1, 2]);
    expect(scalars.shape).toEqual([3]);
  });

  it("is what a DataLoader over a custom Dataset yields, and a collateFn replaces it", async () => {
    // A Dataset is anything with a length and get(i).
    const squares: mt.data.Dataset<{ x: Tensor; label: number }> = {
      length: 5,
      get: (i) => ({ x: t([i, i * i]), label: i % 2 }),
    };
    const batches = [...new D.DataLoader(squares, { batchSize: 2 })];
    expect(batches.length).toBe(3);
    expect(await values(batches[1].x)).toEqual([2, 4, 3, 9]);
    expect(await values(batches[1].label)).toEqual([0, 1]);
    const seen: number[][] = [];
    const labels = new D.DataLoader(squares, {
      batchSize: 3,
      collateFn: (items) => {
        seen.push(items.map((item) => item.label));
        return items.length;
      },
    });
    expect([...labels]).toEqual([3, 2]);
    expect(seen).toEqual([
      [0, 1, 0],
      [1, 0],
    ]);
  });

  it("refuses samples of different structures, naming where they differ", () => {
    expect(() => D.defaultCollate([])).toThrow(/non-empty array of samples/);
    expect(() => D.defaultCollate([[1, 2], [3]])).toThrow(
      /sample 1 holds an array of 1 but sample 0 holds an array of 2/,
    );
    expect(() => D.defaultCollate<unknown>([{ a: 1 }, { b: 1 }])).toThrow(
      /sample 1 holds an object with keys \{b\}/,
    );
    expect(() =>
      D.defaultCollate<unknown>([
        [t([1]), 1],
        [2, 1],
      ]),
    ).toThrow(/sample 1 holds 2 at \[0\] but sample 0 holds a Tensor/);
    expect(() => D.defaultCollate([t([1]), t([1, 2])])).toThrow(mt.ShapeError);
    expect(() => D.defaultCollate([new Map(), new Map()])).toThrow(/cannot batch a Map/);
    expect(() => D.defaultCollate([2 ** 40])).toThrow(/beyond the int32 range/);
  });
});

describe("randomSplit and Subset", () => {
  const { ds } = numbered(10, "reference");

  it("splits into disjoint Subsets of the given counts that cover the dataset", () => {
    const parts = D.randomSplit(ds, [3, 0, 7], { generator: new mt.Generator().manualSeed(0) });
    expect(parts.map((p) => p.length)).toEqual([3, 0, 7]);
    expect(parts.every((p) => p instanceof D.Subset && p.dataset === ds)).toBe(true);
    expect(sorted(parts.flatMap((p) => p.indices))).toEqual(range(10));
  });

  it("repeats a split from the same seed and differs across seeds", () => {
    const split = (seed: number) =>
      D.randomSplit(ds, [0.5, 0.5], { generator: new mt.Generator().manualSeed(seed) }).map(
        (p) => p.indices,
      );
    expect(split(3)).toEqual(split(3));
    expect(split(3)).not.toEqual(split(4));
    expect(D.randomSplit(ds, [5, 5], { seed: 3 }).map((p) => p.indices)).toEqual(
      D.randomSplit(ds, [5, 5], { generator: new mt.Random(3) }).map((p) => p.indices),
    );
  });

  it("sizes fractions as torch 1.13 does: floors, then the remainder round-robin", () => {
    // Made with torch 1.13:
    //   from torch.utils.data import random_split
    //   [len(s) for s in random_split(range(n), fractions)]
    const cases: [n: number, fractions: number[], lengths: number[]][] = [
      [10, [0.3, 0.7], [3, 7]],
      [11, [0.5, 0.5], [6, 5]],
      [30, [0.3, 0.3, 0.4], [9, 9, 12]],
      [7, [0.25, 0.25, 0.25, 0.25], [2, 2, 2, 1]],
      [5, [0.1, 0.1, 0.8], [1, 0, 4]],
      [3, [0.5, 0.5, 0], [2, 1, 0]],
      [101, [0.8, 0.1, 0.1], [81, 10, 10]],
      [2, [1 / 3, 1 / 3, 1 / 3], [1, 1, 0]],
      [10, [0.7, 0.2, 0.1], [7, 2, 1]],
    ];
    for (const [n, fractions, lengths] of cases) {
      expect(D.splitLengths(n, fractions)).toEqual(lengths);
      const parts = D.randomSplit(numbered(n, "reference").ds, fractions);
      expect(parts.map((p) => p.length)).toEqual(lengths);
    }
  });

  it("refuses lengths torch refuses, and more", () => {
    // torch 1.13: ValueError "Sum of input lengths does not equal the length of the input dataset!"
    expect(() => D.randomSplit(ds, [4, 5])).toThrow(/sum to 9\) does not equal .* \(10\)/);
    expect(() => D.randomSplit(ds, [0.6, 0.6])).toThrow(mt.DataError);
    // torch 1.13: ValueError "Fraction at index 0 is not between 0 and 1"
    expect(() => D.randomSplit(ds, [1.5, -0.5])).toThrow(/fraction at index 0 \(1.5\)/);
    expect(() => D.randomSplit(ds, [2.5, 7.5])).toThrow(/length at index 0 \(2.5\)/);
    expect(() => D.randomSplit(ds, [Number.NaN, 10])).toThrow(/finite numbers/);
    // @ts-expect-error: an option randomSplit does not have
    expect(() => D.randomSplit(ds, [5, 5], { shuffle: true })).toThrow(/unknown option shuffle/);
  });

  it("reads items through its indices and batches through the dataset's fast path", async () => {
    const sub = new D.Subset(ds, [7, -1, 2]);
    expect(sub.indices).toEqual([7, 9, 2]);
    expect(await values(sub.get(1)[0])).toEqual([9, 9.5]);
    const { ids } = await epoch(new D.DataLoader(sub, { batchSize: 2 }));
    expect(ids).toEqual([7, 9, 2]);
    expect(() => new D.Subset(ds, [10])).toThrow(/index 10 is out of range .* 10 items/);
    expect(() => sub.get(3)).toThrow(mt.DataError);
  });
});

describe("ConcatDataset", () => {
  it("chains datasets, with cumulative sizes and negative indices", () => {
    const letters = (s: string): mt.data.Dataset<string> => ({
      length: s.length,
      get: (i) => s[i],
    });
    const all = new D.ConcatDataset([letters("ab"), letters(""), letters("cde")]);
    expect(all.length).toBe(5);
    expect(all.cumulativeSizes).toEqual([2, 2, 5]);
    expect(range(5).map((i) => all.get(i))).toEqual(["a", "b", "c", "d", "e"]);
    expect(all.get(-5)).toBe("a");
    expect(() => all.get(5)).toThrow(/index 5 is out of range/);
    expect(() => new D.ConcatDataset([])).toThrow(/should not be empty/);
  });
});

describe("DataLoader and TensorDataset errors", () => {
  const { ds } = numbered(4, "reference");

  it("names the sizes of tensors whose dim 0 differ, and other bad tensors", () => {
    const a = mt.zeros([3, 2]);
    const b = mt.zeros([4]);
    expect(() => new D.TensorDataset(a, b)).toThrow(mt.ShapeError);
    expect(() => new D.TensorDataset(a, b)).toThrow(/dim 0 sizes \[3,4\]/);
    expect(() => new D.TensorDataset(mt.tensor(1))).toThrow(/tensor 0 is 0-d/);
    expect(() => new D.TensorDataset()).toThrow(/at least one tensor/);
    // @ts-expect-error: not a tensor
    expect(() => new D.TensorDataset(a, [1, 2, 3])).toThrow(mt.DTypeError);
    expect(() => ds.get(4)).toThrow(/TensorDataset.get: index 4 is out of range/);
  });

  it("refuses each mode's options in the other mode, and bad values", () => {
    // @ts-expect-error: seed belongs to an ImageDataset loader
    expect(() => new D.DataLoader(ds, { seed: 1 })).toThrow(
      /option seed is for an ImageDataset loader.*generator/,
    );
    const tiny = images();
    const generator = new mt.Generator();
    // @ts-expect-error: generator belongs to a Dataset loader
    expect(() => new D.DataLoader(tiny, { batchSize: 2, generator })).toThrow(
      /option generator is for a Dataset loader, not an ImageDataset one/,
    );
    expect(() => new D.DataLoader(ds, { numWorkers: 2 })).toThrow(
      /numWorkers is not supported yet/,
    );
    // @ts-expect-error: an option nobody has
    expect(() => new D.DataLoader(ds, { batchsize: 2 })).toThrow(/unknown option batchsize/);
    expect(() => new D.DataLoader(ds, { batchSize: 0 })).toThrow(/batchSize must be a positive/);
    // @ts-expect-error: a Random or a Generator
    expect(() => new D.DataLoader(ds, { generator: 3 })).toThrow(/must be a Generator/);
    // @ts-expect-error: not a dataset
    expect(() => new D.DataLoader([1, 2, 3])).toThrow(/expected a Dataset/);
    const loader = new D.DataLoader(ds, { shuffle: true });
    expect(() => loader.order(0)).toThrow(
      /only an ImageDataset loader has a \(seed, epoch\) order/,
    );
    expect(() => loader.setEpoch(1)).toThrow(mt.DataError);
    // The ImageDataset loader keeps its (seed, epoch) behaviour and Batch objects.
    const image = new D.DataLoader(images(), { batchSize: 3, seed: 2, shuffle: true });
    expect(Array.from(image.order(1))).toEqual(Array.from(image.order(1)));
    expect([...image].map((b) => b.targets.length)).toEqual([3, 1]);
  });
});
