import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";
import { loadedBackendNames } from "./backends.js";

/**
 * Module containers and tree utilities, as PyTorch has them: ModuleList / ModuleDict register
 * their children under PyTorch's names, apply / requiresGrad_ / zeroGrad walk the tree, `to`
 * moves parameters and buffers, and printing a module gives PyTorch's repr (strings copied from
 * torch 1.13's `print(net)` of the same tree).
 */

const nn = mt.nn;

class Net extends nn.Module {
  conv = new nn.Conv2d(1, 6, 5);
  blocks = new nn.ModuleList([new nn.Linear(3, 2), new nn.ReLU()]);
  heads = new nn.ModuleDict({
    a: new nn.Linear(2, 1, { bias: false }),
    b: new nn.Dropout(0.25),
  });
  seq = new nn.Sequential(new nn.Flatten(), new nn.Sigmoid());
}

const NET_REPR = `Net(
  (conv): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
  (blocks): ModuleList(
    (0): Linear(in_features=3, out_features=2, bias=True)
    (1): ReLU()
  )
  (heads): ModuleDict(
    (a): Linear(in_features=2, out_features=1, bias=False)
    (b): Dropout(p=0.25, inplace=False)
  )
  (seq): Sequential(
    (0): Flatten(start_dim=1, end_dim=-1)
    (1): Sigmoid()
  )
)`;

describe("ModuleList and ModuleDict", () => {
  it("name their children as PyTorch does, so state-dict keys match", () => {
    const net = new Net();
    expect(Object.keys(net.stateDict())).toEqual([
      "conv.weight",
      "conv.bias",
      "blocks.0.weight",
      "blocks.0.bias",
      "heads.a.weight",
    ]);
    expect(net.namedChildren().map(([name]) => name)).toEqual(["conv", "blocks", "heads", "seq"]);
    expect(net.blocks.length).toBe(2);
    expect(net.blocks.at(-1)).toBeInstanceOf(nn.ReLU);
    expect([...net.heads.keys()]).toEqual(["a", "b"]);
    expect(net.heads.get("b")).toBeInstanceOf(nn.Dropout);
    expect(net.heads.has("c")).toBe(false);
  });

  it("grow by append / extend / set, and the new parameters are found", () => {
    const list = new nn.ModuleList<mt.nn.Linear>();
    list.append(new nn.Linear(2, 2)).extend([new nn.Linear(2, 3), new nn.Linear(3, 1)]);
    expect([...list].map((l) => l.outFeatures)).toEqual([2, 3, 1]);
    expect(list.parameters()).toHaveLength(6);
    const dict = new nn.ModuleDict([["enc", new nn.Linear(4, 2)]]);
    dict.set("dec", new nn.Linear(2, 4));
    expect(Object.keys(dict.stateDict())).toEqual([
      "enc.weight",
      "enc.bias",
      "dec.weight",
      "dec.bias",
    ]);
  });

  it("refuse what is not a module, a repeated key, and an index out of range", () => {
    const list = new nn.ModuleList();
    expect(() => list.append(3 as unknown as mt.nn.Module)).toThrow(/expected a Module/);
    expect(() => list.at(0)).toThrow(/index 0 is out of range for 0 modules/);
    const dict = new nn.ModuleDict({ a: new nn.ReLU() });
    expect(() => dict.set("a", new nn.ReLU())).toThrow(/"a" is already used/);
    expect(() => dict.get("z")).toThrow(/no module under "z"; it has \["a"\]/);
  });
});

describe("module tree utilities", () => {
  it("print as PyTorch's repr, through String and util.inspect", async () => {
    const net = new Net();
    expect(String(net)).toBe(NET_REPR);
    const { inspect } = await import("node:util");
    expect(inspect(net)).toBe(NET_REPR);
    expect(String(new nn.Linear(4, 3))).toBe("Linear(in_features=4, out_features=3, bias=True)");
  });

  it("apply visits children before their parent, each once", () => {
    const net = new Net();
    const seen: string[] = [];
    net.apply((m) => seen.push(m.constructor.name));
    expect(seen).toEqual([
      "Conv2d",
      "Linear",
      "ReLU",
      "ModuleList",
      "Linear",
      "Dropout",
      "ModuleDict",
      "Flatten",
      "Sigmoid",
      "Sequential",
      "Net",
    ]);
  });

  it("requiresGrad_(false) freezes every parameter and zeroGrad clears gradients", () => {
    const net = new nn.Sequential(new nn.Linear(3, 2), new nn.ReLU(), new nn.Linear(2, 1));
    net
      .forward(mt.ones([4, 3]))
      .sum()
      .backward();
    const tensors = net.parameters().map((p) => p.value as mt.Tensor);
    expect(tensors.every((t) => t.grad !== null)).toBe(true);
    net.zeroGrad();
    expect(tensors.every((t) => t.grad === null)).toBe(true);
    net.requiresGrad_(false);
    expect(tensors.every((t) => !t.requiresGrad)).toBe(true);
    net.requiresGrad_();
    expect(tensors.every((t) => t.requiresGrad)).toBe(true);
  });

  it("loadStateDict copies tensor buffers, in the module's dtype, as PyTorch's copy_", () => {
    class Counter extends nn.Module {
      constructor() {
        super();
        this.registerBuffer("count", mt.tensor(0, { dtype: "int32" }));
        this.registerBuffer("stats", mt.zeros([2]));
      }
    }
    const m = new Counter();
    const dict = { count: mt.tensor(7), stats: mt.tensor([1, 2]) };
    m.loadStateDict(dict);
    dict.stats.add_(10);
    const count = m.getBuffer("count") as mt.Tensor;
    expect(count.dtype).toBe("int32");
    expect(count.item()).toBe(7);
    expect((m.getBuffer("stats") as mt.Tensor).toArray()).toEqual([1, 2]);
  });

  it.each(loadedBackendNames)(
    "to(%s) moves parameters and tensor buffers, keeping each Parameter",
    async (backend) => {
      class WithBuffer extends nn.Module {
        fc = new nn.Linear(2, 2);
        constructor() {
          super();
          this.registerBuffer("scale", mt.tensor([1, 2]));
          this.registerBuffer("steps", 3);
        }
      }
      const m = new WithBuffer();
      const slot = m.parameters()[0];
      const before = Array.from(await (slot.value as mt.Tensor).data());
      expect(await m.to(backend)).toBe(m);
      expect(m.parameters()[0]).toBe(slot);
      const weight = slot.value as mt.Tensor;
      expect(weight.backend).toBe(backend);
      expect(weight.requiresGrad).toBe(true);
      expect(Array.from(await weight.data())).toEqual(before);
      expect((m.getBuffer("scale") as mt.Tensor).backend).toBe(backend);
      expect(m.getBuffer("steps")).toBe(3);
    },
  );
});
