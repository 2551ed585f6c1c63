import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";

function values(t: mt.Tensor): number[] {
  return Array.from(t.dataSync());
}

describe("nn.Linear", () => {
  it("has PyTorch's parameter names, shapes and init bound, and computes x Wᵀ + b", () => {
    const layer = new mt.nn.Linear(3, 2, { rng: new mt.Random(0) });
    expect(layer.namedParameters().map(([n, p]) => [n, (p.value as mt.Tensor).shape])).toEqual([
      ["weight", [2, 3]],
      ["bias", [2]],
    ]);
    const w = layer.weight.value;
    const b = layer.bias!.value;
    for (const v of [...values(w), ...values(b)])
      expect(Math.abs(v)).toBeLessThan(1 / Math.sqrt(3));
    const x = mt.tensor([
      [1, 2, 3],
      [-1, 0, 0.5],
    ]);
    const W = w.toArray() as number[][];
    const B = values(b);
    const expected = (x.toArray() as number[][]).map((row) =>
      W.map((wr, o) => B[o] + wr.reduce((s, wi, i) => s + wi * row[i], 0)),
    );
    const y = layer.forward(x).toArray() as number[][];
    y.forEach((row, i) => {
      row.forEach((v, j) => {
        expect(v).toBeCloseTo(expected[i][j], 5);
      });
    });
    expect(new mt.nn.Linear(3, 2, { bias: false }).parameters()).toHaveLength(1);
  });

  it("has gradients that agree with central differences", () => {
    const layer = new mt.nn.Linear(3, 2, { rng: new mt.Random(1) });
    const x = mt.randn([4, 3], { seed: 2, requiresGrad: true });
    expect(
      mt.testing.gradcheck(
        (xi, w, b) => xi.matmul(w.transpose(0, 1)).add(b).sigmoid(),
        [x, layer.weight.value, layer.bias!.value],
      ),
    ).toBe(true);
  });

  it("loads a state dict into fresh leaves, so two models never share gradients", () => {
    const a = new mt.nn.MLP(4, new mt.Random(1));
    const b = new mt.nn.MLP(4, new mt.Random(2));
    b.loadStateDict(a.stateDict());
    const x = mt.rand([5, 2], { seed: 3 });
    expect(values(b.forward(x))).toEqual(values(a.forward(x)));
    const wa = a.layer1.weight.value;
    const wb = b.layer1.weight.value;
    expect(wb).not.toBe(wa);
    expect(wb.requiresGrad).toBe(true);
    b.forward(x).sum().backward();
    expect(wa.grad).toBeNull();
    expect(wb.grad).not.toBeNull();
  });

  it("converts a loaded float64 tensor to the module's float32", () => {
    const layer = new mt.nn.Linear(2, 1);
    const sd = layer.stateDict() as Record<string, mt.Tensor>;
    layer.loadStateDict({ weight: sd.weight.double(), bias: sd.bias.double() });
    expect(layer.weight.value.dtype).toBe("float32");
    expect(() => layer.loadStateDict({ weight: mt.zeros(2, 2), bias: sd.bias })).toThrow(
      mt.ShapeError,
    );
  });
});

describe("optim.SGD on tensors", () => {
  function param(v: number[]): mt.nn.Parameter<mt.Tensor> {
    return new mt.nn.Parameter(mt.tensor(v, { requiresGrad: true }));
  }

  it("steps θ − lr·g in place and skips parameters without a gradient", () => {
    const p = param([1, 2]);
    const q = param([5]);
    const opt = new mt.optim.SGD([p, q], { lr: 0.1 });
    p.value.mul(p.value).sum().backward(); // g = 2θ
    const before = p.value;
    opt.step();
    expect(values(p.value)).toEqual([0.8, 1.6].map(Math.fround));
    expect(p.value).toBe(before); // the same tensor, updated (references to it stay valid)
    expect(p.value.requiresGrad && p.value.isLeaf).toBe(true);
    expect(values(q.value)).toEqual([5]);
    opt.zeroGrad();
    expect(p.value.grad).toBeNull();
  });

  it("applies momentum v ← μv + g and weight decay g ← g + λθ", () => {
    const p = param([1]);
    const opt = new mt.optim.SGD([p], { lr: 0.5, momentum: 0.9, weightDecay: 0.1 });
    // Two steps of L = θ (g = 1): g₁ = 1 + 0.1·1 = 1.1, v₁ = 1.1, θ₁ = 1 − 0.55 = 0.45;
    // g₂ = 1 + 0.045 = 1.045, v₂ = 0.99 + 1.045 = 2.035, θ₂ = 0.45 − 1.0175 = −0.5675.
    for (let i = 0; i < 2; i++) {
      opt.zeroGrad();
      p.value.sum().backward();
      opt.step();
    }
    expect(values(p.value)[0]).toBeCloseTo(-0.5675, 5);
  });

  it("rejects bad hyper-parameters", () => {
    expect(() => new mt.optim.SGD([], { lr: 1, momentum: 1 })).toThrow(
      /momentum must be in \[0, 1\)/,
    );
    expect(() => new mt.optim.SGD([], { lr: 1, weightDecay: -1 })).toThrow(/weightDecay/);
  });
});

describe("nn.Parameter", () => {
  it("makes its tensor require grad, as PyTorch's, so a custom module trains", () => {
    class Scale extends mt.nn.Module {
      w = new mt.nn.Parameter(mt.zeros([3]));
      forward(x: mt.Tensor): mt.Tensor {
        return x.mul(this.w.value);
      }
    }
    const m = new Scale();
    expect(m.w.value.requiresGrad).toBe(true);
    expect(m.w.value.isLeaf).toBe(true);
    const opt = new mt.optim.SGD(m.parameters(), { lr: 0.5 });
    const x = mt.tensor([1, 2, 3]);
    m.forward(x)
      .sub(mt.tensor([2, 4, 6]))
      .square()
      .sum()
      .backward();
    opt.step();
    // dL/dw = 2·(w·x − y)·x = 2·(−2x)·x = −4x² → w = 0.5 · 4x² = 2x²
    expect(Array.from(m.w.value.dataSync())).toEqual([2, 8, 18]);
    // An integer tensor cannot require grad: the same DTypeError as setting requiresGrad.
    expect(() => new mt.nn.Parameter(mt.tensor([1], { dtype: "int64" }))).toThrow(mt.DTypeError);
  });
});
