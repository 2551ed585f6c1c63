import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";

type Tensor = mt.Tensor;

/** A parameter-free layer defined here, so the test depends on nothing but Module. */
class AddOne extends mt.nn.Module {
  forward(x: Tensor): Tensor {
    return x.add(1);
  }
}

/** A layer with one parameter: x ↦ x·scale. */
class Scale extends mt.nn.Module {
  readonly scale: mt.nn.Parameter<Tensor>;
  constructor(value: number) {
    super();
    this.scale = new mt.nn.Parameter(mt.tensor([value], { requiresGrad: true }));
  }
  forward(x: Tensor): Tensor {
    return x.mul(this.scale.value);
  }
}

describe("nn.Sequential", () => {
  it("names its children 0, 1, … so state-dict keys are PyTorch's", () => {
    const rng = new mt.Random(1);
    const net = new mt.nn.Sequential(
      new mt.nn.Linear(3, 4, { rng }),
      new AddOne(),
      new mt.nn.Linear(4, 2, { rng }),
    );
    expect(net.namedChildren().map(([name]) => name)).toEqual(["0", "1", "2"]);
    expect(Object.keys(net.stateDict())).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
    expect(net.namedModules().map(([name]) => name)).toEqual(["", "0", "1", "2"]);
    expect(net.parameters()).toHaveLength(4);
  });

  it("runs its modules in order", () => {
    // (x + 1)·2 ≠ x·2 + 1: the order shows in the result.
    const net = new mt.nn.Sequential(new AddOne(), new Scale(2));
    expect(Array.from(net.forward(mt.tensor([1, 5])).dataSync())).toEqual([4, 12]);
    const reversed = new mt.nn.Sequential(new Scale(2), new AddOne());
    expect(Array.from(reversed.forward(mt.tensor([1, 5])).dataSync())).toEqual([3, 11]);
    const x = mt.tensor([7]);
    expect(new mt.nn.Sequential().forward(x)).toBe(x);
  });

  it("matches the layers applied by hand, gradients included", () => {
    const rng = new mt.Random(2);
    const l1 = new mt.nn.Linear(3, 5, { rng });
    const l2 = new mt.nn.Linear(5, 1, { rng });
    const net = new mt.nn.Sequential(l1, new AddOne(), l2);
    const x = mt.randn([4, 3], { seed: 5 });
    const expected = l2.forward(l1.forward(x).add(1));
    expect(Array.from(net.forward(x).dataSync())).toEqual(Array.from(expected.dataSync()));
    net.forward(x).sum().backward();
    expect(l1.weight.value.grad?.shape).toEqual([5, 3]);
  });

  it("has length, at (negative from the end), append and iteration", () => {
    const a = new AddOne();
    const b = new Scale(3);
    const net = new mt.nn.Sequential(a);
    expect(net.length).toBe(1);
    expect(net.append(b)).toBe(net);
    expect(net.length).toBe(2);
    expect(net.at(0)).toBe(a);
    expect(net.at(1)).toBe(b);
    expect(net.at(-1)).toBe(b);
    expect([...net]).toEqual([a, b]);
    expect(Object.keys(net.stateDict())).toEqual(["1.scale"]);
    expect(() => net.at(2)).toThrow(mt.DataError);
    expect(() => net.at(-3)).toThrow(/Sequential.at: index -3 is out of range for 2 modules/);
  });

  it("loads a state dict saved by an identically built Sequential", () => {
    const make = (seed: number) =>
      new mt.nn.Sequential(new mt.nn.Linear(2, 3, { rng: new mt.Random(seed) }), new AddOne());
    const a = make(1);
    const b = make(2);
    const x = mt.randn([2, 2], { seed: 9 });
    b.loadStateDict(a.stateDict());
    expect(Array.from(b.forward(x).dataSync())).toEqual(Array.from(a.forward(x).dataSync()));
  });
});
