import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";
import { loadedBackendNames, usable } from "./backends.js";

/**
 * The parameter-free layers of mt.nn, on every backend that loads here; values are read with
 * `await t.data()`, the read GPU backends have too.
 */

const F = mt.nn.functional;
type Tensor = mt.Tensor;

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

describe.each(loadedBackendNames)("nn layers on the %s backend", (backend) => {
  const { impl } = usable(backend);
  // float64 (to 12 digits) where the backend stores it; float32 (to 6) on GPU backends.
  const wide = impl.dtypes.includes("float64");
  const dtype: mt.DType = wide ? "float64" : "float32";
  const digits = wide ? 12 : 6;

  it("ReLU and Sigmoid apply max(x, 0) and 1/(1 + e⁻ˣ) elementwise", async () => {
    const x = mt.tensor([-2, -0.5, 0, 0.5, 3], { backend, dtype });
    expect(await values(new mt.nn.ReLU().forward(x))).toEqual([0, 0, 0, 0.5, 3]);
    const s = await values(new mt.nn.Sigmoid().forward(x));
    [-2, -0.5, 0, 0.5, 3].forEach((v, i) => {
      expect(s[i]).toBeCloseTo(1 / (1 + Math.exp(-v)), digits);
    });
  });

  it("Flatten keeps the batch dim by default and honours startDim and endDim", async () => {
    const x = mt.arange(120, { backend }).reshape([2, 3, 4, 5]);
    const flat = new mt.nn.Flatten().forward(x);
    expect(flat.shape).toEqual([2, 60]);
    expect(await values(flat)).toEqual(await values(x));
    expect(new mt.nn.Flatten(0).forward(x).shape).toEqual([120]);
    expect(new mt.nn.Flatten(1, 2).forward(x).shape).toEqual([2, 12, 5]);
    expect(new mt.nn.Flatten(-2).forward(x).shape).toEqual([2, 3, 20]);
    // A permuted (non-contiguous) input is flattened in its logical order.
    const p = x.permute(0, 2, 3, 1);
    expect(await values(new mt.nn.Flatten().forward(p))).toEqual(await values(p.contiguous()));
    expect(() => new mt.nn.Flatten(2, 1).forward(x)).toThrow(mt.ShapeError);
    expect(() => new mt.nn.Flatten(4).forward(x)).toThrow(/Flatten: dim 4/);
  });

  it("MaxPool2d and AvgPool2d pool non-overlapping windows, as the functional forms", async () => {
    const x = mt.randn([2, 3, 4, 6], { seed: 1, backend });
    const max = new mt.nn.MaxPool2d(2).forward(x);
    const avg = new mt.nn.AvgPool2d([2, 3]).forward(x);
    expect(max.shape).toEqual([2, 3, 2, 3]);
    expect(avg.shape).toEqual([2, 3, 2, 2]);
    expect(await values(max)).toEqual(await values(F.maxPool2d(x, 2)));
    expect(await values(avg)).toEqual(await values(F.avgPool2d(x, [2, 3])));
    // The first window of the first image, computed here.
    const xs = await values(x);
    expect((await values(max))[0]).toBe(Math.max(xs[0], xs[1], xs[6], xs[7]));
  });

  it("Dropout drops in training mode and is the identity after eval(), also inside a model", async () => {
    class Net extends mt.nn.Module {
      drop = new mt.nn.Dropout(0.5, { rng: new mt.Random(3) });
      act = new mt.nn.ReLU();
      forward(x: Tensor): Tensor {
        return this.drop.forward(this.act.forward(x));
      }
    }
    const net = new Net();
    expect(net.parameters()).toHaveLength(0);
    expect(net.namedModules().map(([name]) => name)).toEqual(["", "drop", "act"]);
    const x = mt.ones([1000], { backend });
    const trained = await values(net.forward(x));
    const zeros = trained.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(400);
    expect(zeros).toBeLessThan(600);
    expect(trained.filter((v) => v !== 0).every((v) => v === 2)).toBe(true);
    net.eval();
    expect(net.drop.training).toBe(false);
    expect(await values(net.forward(x))).toEqual(await values(x));
    net.train();
    expect((await values(net.forward(x))).some((v) => v === 0)).toBe(true);
  });

  it("Dropout follows manualSeed when given no generator", async () => {
    const drop = new mt.nn.Dropout(0.3);
    const x = mt.ones([500], { backend });
    mt.manualSeed(5);
    const a = await values(drop.forward(x));
    mt.manualSeed(5);
    expect(await values(drop.forward(x))).toEqual(a);
  });

  it("Dropout rejects p outside [0, 1] when built", () => {
    expect(() => new mt.nn.Dropout(2)).toThrow(mt.DataError);
    expect(() => new mt.nn.Dropout(-1)).toThrow(/Dropout: p must be a probability/);
  });
});
