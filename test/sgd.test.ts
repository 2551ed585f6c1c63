import { describe, expect, it } from "vitest";
import { DataError, DTypeError } from "../src/errors.js";
import { Parameter } from "../src/nn/parameter.js";
import { ScalarLinear, ScalarMLP } from "../src/nn/scalar_linear.js";
import { SGD } from "../src/optim/sgd.js";
import { Random } from "../src/random.js";
import { Scalar } from "../src/scalar/scalar.js";

describe("SGD on Scalars", () => {
  it("moves each parameter against its derivative by lr", () => {
    const p = new Parameter(new Scalar(1, { name: "w" }));
    const q = new Parameter(new Scalar(5));
    const opt = new SGD([p, q], { lr: 0.1 });
    p.value.mul(p.value).backward(); // d/dw w² = 2
    opt.step();
    expect(p.value.data).toBeCloseTo(0.8);
    expect(p.value.name).toBe("w");
    expect(p.value.history).toBeNull(); // a fresh leaf
    expect(q.value.data).toBe(5); // no derivative: untouched
  });

  it("zeroGrad clears every derivative", () => {
    const p = new Parameter(new Scalar(2));
    const opt = new SGD([p], { lr: 1 });
    p.value.mul(3).backward();
    opt.zeroGrad();
    expect(p.value.derivative).toBeNull();
  });

  it("minimises a quadratic", () => {
    const p = new Parameter(new Scalar(4));
    const opt = new SGD([p], { lr: 0.2 });
    for (let i = 0; i < 50; i++) {
      opt.zeroGrad();
      p.value.sub(1).pow(2).backward();
      opt.step();
    }
    expect(p.value.data).toBeCloseTo(1, 5);
  });

  it("rejects a bad learning rate and non-Scalar parameters", () => {
    expect(() => new SGD([], { lr: 0 })).toThrow(DataError);
    expect(() => new SGD([], { lr: Number.NaN })).toThrow(/lr must be a positive number, got NaN/);
    expect(() => new SGD([new Parameter(3, "n")], { lr: 1 })).toThrow(DTypeError);
  });
});

describe("ScalarLinear and ScalarMLP", () => {
  it("names parameters as PyTorch's [out, in] weight and computes b + Σ w·x", () => {
    const layer = new ScalarLinear(3, 2, new Random(1));
    const names = layer.namedParameters().map(([n]) => n);
    expect(names).toEqual([
      "weight_0_0",
      "weight_0_1",
      "weight_0_2",
      "bias_0",
      "weight_1_0",
      "weight_1_1",
      "weight_1_2",
      "bias_1",
    ]);
    const sd = layer.stateDict() as Record<string, Scalar>;
    const x = [0.5, -1, 2];
    const [y0] = layer.forward(x);
    const expected = sd.bias_0.data + x.reduce((s, xi, i) => s + sd[`weight_0_${i}`].data * xi, 0);
    expect(y0.data).toBeCloseTo(expected, 12);
    // PyTorch's init bound 1/√in.
    for (const [, p] of layer.namedParameters()) {
      expect(Math.abs((p.value as Scalar).data)).toBeLessThan(1 / Math.sqrt(3));
    }
  });

  it("the MLP outputs a probability and its state dict round-trips", () => {
    const a = new ScalarMLP(4, new Random(1));
    const b = new ScalarMLP(4, new Random(2));
    const p = a.forward([0.3, 0.7]).data;
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
    expect(a.parameters()).toHaveLength(2 * 4 + 4 + 4 * 4 + 4 + 4 + 1);
    b.loadStateDict(a.stateDict());
    expect(b.forward([0.3, 0.7]).data).toBe(p);
  });
});
