import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DataError, ShapeError } from "../src/errors.js";
import { Module } from "../src/nn/module.js";
import { Parameter, type Shaped, shapeOf } from "../src/nn/parameter.js";

/** Stands in for a Tensor: a shape and a tag to tell values apart. */
class Fake implements Shaped {
  constructor(
    readonly shape: number[],
    readonly tag = "",
  ) {}
  toString(): string {
    return `Fake${JSON.stringify(this.shape)}${this.tag}`;
  }
}

class Linear extends Module {
  weight: Parameter<Fake>;
  bias: Parameter<Fake>;
  constructor(inputs: number, outputs: number, tag = "") {
    super();
    this.weight = new Parameter(new Fake([outputs, inputs], tag));
    this.bias = new Parameter(new Fake([outputs], tag));
  }
}

class Net extends Module {
  l1 = new Linear(3, 2);
  note = "not a member";
  sizes = [1, 2, 3];
  layers: Module[] = [new Linear(2, 2), new Linear(2, 1)];
  l2 = new Linear(1, 1);
  scale = new Parameter(0.5);
}

describe("Parameter and shapeOf", () => {
  it("holds a value, replaces it with update, and prints it", () => {
    const p = new Parameter(1.5, "w");
    expect(p.value).toBe(1.5);
    expect(p.name).toBe("w");
    p.update(2);
    expect(p.value).toBe(2);
    expect(p.toString()).toBe("Parameter(w: 2)");
    expect(new Parameter(new Fake([2, 3])).toString()).toBe("Parameter(Fake[2,3])");
  });

  it("reads a shape when there is an array of numbers, [] otherwise", () => {
    expect(shapeOf(new Fake([2, 3]))).toEqual([2, 3]);
    expect(shapeOf({ shape: [] })).toEqual([]);
    expect(shapeOf(3)).toEqual([]);
    expect(shapeOf(null)).toEqual([]);
    expect(shapeOf(undefined)).toEqual([]);
    expect(shapeOf({ shape: "2x3" })).toEqual([]);
    expect(shapeOf({ shape: ["a"] })).toEqual([]);
  });
});

describe("Module tree discovery", () => {
  it("names parameters with dotted paths: own first, then children in declaration order", () => {
    const net = new Net();
    expect(net.namedParameters().map(([name]) => name)).toEqual([
      "scale",
      "l1.weight",
      "l1.bias",
      "layers.0.weight",
      "layers.0.bias",
      "layers.1.weight",
      "layers.1.bias",
      "l2.weight",
      "l2.bias",
    ]);
    expect(net.parameters()).toHaveLength(9);
    expect(net.parameters()[1]).toBe(net.l1.weight);
    const named = new Map(net.namedParameters());
    expect(named.get("layers.0.bias")).toBe((net.layers[0] as Linear).bias);
  });

  it("lists children and modules in pre-order, ignoring fields that are not members", () => {
    const net = new Net();
    expect(net.namedChildren().map(([name]) => name)).toEqual(["l1", "layers.0", "layers.1", "l2"]);
    expect(net.children()).toEqual([net.l1, net.layers[0], net.layers[1], net.l2]);
    expect(net.modules()).toHaveLength(5);
    expect(net.modules()[0]).toBe(net);
    expect(net.namedModules().map(([name]) => name)).toEqual([
      "",
      "l1",
      "layers.0",
      "layers.1",
      "l2",
    ]);
    expect(new Module().namedParameters()).toEqual([]);
    expect(new Module().modules()).toHaveLength(1);
  });

  it("finds grandchildren with full dotted names", () => {
    class Outer extends Module {
      inner = new Net();
    }
    const names = new Outer().namedParameters().map(([name]) => name);
    expect(names).toContain("inner.layers.1.weight");
    expect(names).toContain("inner.scale");
    expect(new Outer().namedModules().map(([name]) => name)).toContain("inner.layers.0");
  });

  it("lists a shared Parameter or Module once, under its first name, and survives cycles", () => {
    const shared = new Parameter(new Fake([2]));
    class Tied extends Module {
      a = new Linear(2, 2);
      b = new Linear(2, 2);
      same: Module;
      constructor() {
        super();
        this.b.bias = shared;
        this.a.bias = shared;
        this.same = this.a;
      }
    }
    const tied = new Tied();
    expect(tied.namedParameters().map(([name]) => name)).toEqual([
      "a.weight",
      "a.bias",
      "b.weight",
    ]);
    expect(tied.parameters().filter((p) => p === shared)).toHaveLength(1);
    expect(tied.namedChildren().map(([name]) => name)).toEqual(["a", "b"]);
    expect(Object.keys(tied.stateDict())).toEqual(["a.weight", "a.bias", "b.weight"]);

    class Node extends Module {
      w = new Parameter(1);
      next?: Module;
    }
    const first = new Node();
    const second = new Node();
    first.next = second;
    second.next = first;
    expect(first.namedModules().map(([name]) => name)).toEqual(["", "next"]);
    expect(first.namedParameters().map(([name]) => name)).toEqual(["w", "next.w"]);
  });

  it("collects parameters from an array of Parameters", () => {
    class Bank extends Module {
      ws = [new Parameter(1), new Parameter(2)];
    }
    expect(new Bank().namedParameters().map(([n, p]) => [n, p.value])).toEqual([
      ["ws.0", 1],
      ["ws.1", 2],
    ]);
  });

  it("discovers fields set after construction, since discovery is lazy", () => {
    const net = new Net();
    net.layers.push(new Linear(1, 1));
    expect(net.namedParameters().map(([name]) => name)).toContain("layers.2.bias");
  });

  it("gives 2 parameters per layer for any stack of layers", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 8 }), (sizes) => {
        class Stack extends Module {
          layers = sizes.map((n, i) => new Linear(n, sizes[i + 1] ?? 1));
        }
        const names = new Stack().namedParameters().map(([name]) => name);
        expect(names).toEqual(sizes.flatMap((_, i) => [`layers.${i}.weight`, `layers.${i}.bias`]));
      }),
    );
  });
});

describe("train and eval", () => {
  it("start in training mode and switch the whole tree, returning this", () => {
    const net = new Net();
    expect(net.modules().every((m) => m.training)).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.modules().map((m) => m.training)).toEqual([false, false, false, false, false]);
    expect(net.train()).toBe(net);
    expect(net.modules().every((m) => m.training)).toBe(true);
    expect(
      net
        .train(false)
        .modules()
        .some((m) => m.training),
    ).toBe(false);
  });

  it("reach registered children too", () => {
    const root = new Module();
    const child = root.registerModule("child", new Linear(1, 1));
    root.eval();
    expect(child.training).toBe(false);
  });
});

describe("registerParameter / registerModule / registerBuffer", () => {
  class Registered extends Module {
    l1 = new Linear(1, 2);
    gain: Parameter<number>;
    head: Linear;
    constructor() {
      super();
      this.gain = this.registerParameter("g", new Parameter(2));
      this.head = this.registerModule("h", new Linear(2, 1));
      this.registerBuffer("steps", 0);
      this.head.registerBuffer("mean", new Fake([1]));
    }
  }

  it("returns what was registered and lists it after the fields", () => {
    const m = new Registered();
    // `gain` and `head` are also fields, but each object is listed once, under its first name.
    expect(m.gain.value).toBe(2);
    expect(m.namedParameters().map(([name]) => name)).toEqual([
      "gain",
      "l1.weight",
      "l1.bias",
      "head.weight",
      "head.bias",
    ]);
    const bare = new Module();
    const p = bare.registerParameter("p", new Parameter(1));
    const c = bare.registerModule("c", new Linear(1, 1));
    expect(bare.namedParameters()).toEqual([
      ["p", p],
      ["c.weight", c.weight],
      ["c.bias", c.bias],
    ]);
    expect(bare.namedChildren()).toEqual([["c", c]]);
  });

  it("keeps buffers in namedBuffers and stateDict, each module's after its own parameters", () => {
    const m = new Registered();
    expect(m.namedBuffers().map(([name]) => name)).toEqual(["steps", "head.mean"]);
    expect(m.buffers()[0]).toBe(0);
    expect(Object.keys(m.stateDict())).toEqual([
      // PyTorch's order: each module's parameters, then its buffers, then its children's.
      "gain",
      "steps",
      "l1.weight",
      "l1.bias",
      "head.weight",
      "head.bias",
      "head.mean",
    ]);
    expect(m.stateDict().steps).toBe(0);
    m.setBuffer("steps", 5);
    expect(m.getBuffer("steps")).toBe(5);
    expect(m.stateDict().steps).toBe(5);
    expect(() => m.getBuffer("nope")).toThrow(DataError);
    expect(() => m.setBuffer("nope", 1)).toThrow(DataError);
  });

  it("rejects empty, dotted and already used names with a DataError naming the name", () => {
    const m = new Registered();
    expect(() => m.registerParameter("", new Parameter(1))).toThrow(DataError);
    expect(() => m.registerParameter("a.b", new Parameter(1))).toThrow(/"a\.b"/);
    expect(() => m.registerBuffer("steps", 1)).toThrow(/"steps" is already used/);
    expect(() => m.registerModule("g", new Module())).toThrow(DataError);
    expect(() => m.registerParameter("l1", new Parameter(1))).toThrow(/"l1"/);
    expect(() => m.registerBuffer("train", 1)).toThrow(DataError);
    expect(() => m.registerBuffer("training", 1)).toThrow(DataError);
    // Nothing was half-registered.
    expect(m.namedBuffers().map(([name]) => name)).toEqual(["steps", "head.mean"]);
  });
});

describe("stateDict and loadStateDict", () => {
  class Two extends Module {
    l1: Linear;
    l2: Linear;
    constructor(tag = "") {
      super();
      this.l1 = new Linear(3, 2, tag);
      this.l2 = new Linear(2, 1, tag);
      this.registerBuffer("count", tag.length);
    }
  }

  /** Every value of the module, to check that a rejected load changed nothing. */
  const snapshot = (m: Module): unknown[] => Object.values(m.stateDict());

  it("maps dotted names to values, the root's buffer before its children's parameters", () => {
    const m = new Two("a");
    const sd = m.stateDict();
    expect(Object.keys(sd)).toEqual(["count", "l1.weight", "l1.bias", "l2.weight", "l2.bias"]);
    expect(sd["l1.weight"]).toBe(m.l1.weight.value);
    expect(Object.getPrototypeOf(sd)).toBe(Object.prototype);
  });

  it("round-trips: loading another module's stateDict replaces every value in place", () => {
    const source = new Two("src");
    const target = new Two();
    const weight = target.l1.weight;
    const result = target.loadStateDict(source.stateDict());
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(target.l1.weight).toBe(weight); // same slot, new value
    expect(target.l1.weight.value).toBe(source.l1.weight.value);
    expect(target.l2.bias.value.tag).toBe("src");
    expect(target.getBuffer("count")).toBe(3);
    expect(target.stateDict()).toEqual(source.stateDict());
  });

  it("round-trips plain-number parameters", () => {
    class Tiny extends Module {
      a = new Parameter(1);
      b = new Parameter(2);
    }
    const t = new Tiny();
    t.loadStateDict({ a: 10, b: 20 });
    expect([t.a.value, t.b.value]).toEqual([10, 20]);
  });

  it("names missing and unexpected keys in one DataError and changes nothing", () => {
    const m = new Two("keep");
    const before = snapshot(m);
    const sd = new Two("new").stateDict();
    delete sd["l2.bias"];
    sd["l3.weight"] = new Fake([1]);
    expect(() => m.loadStateDict(sd)).toThrow(DataError);
    expect(() => m.loadStateDict(sd)).toThrow(
      'loadStateDict: missing keys ["l2.bias"]; unexpected keys ["l3.weight"]',
    );
    expect(snapshot(m)).toEqual(before);
    expect(m.l1.weight.value.tag).toBe("keep");
  });

  it("reports only missing keys, or only unexpected ones, when that is all", () => {
    const m = new Two();
    const sd = m.stateDict();
    delete sd.count;
    expect(() => m.loadStateDict(sd)).toThrow(/^loadStateDict: missing keys \["count"\]$/);
    expect(() => m.loadStateDict({ ...m.stateDict(), extra: 1 })).toThrow(
      /^loadStateDict: unexpected keys \["extra"\]$/,
    );
  });

  it("reads only the state dict's own keys, not inherited ones", () => {
    const m = new Two();
    const inherited: Record<string, unknown> = Object.create(new Two("proto").stateDict());
    expect(() => m.loadStateDict(inherited)).toThrow(
      'loadStateDict: missing keys ["l1.weight","l1.bias","l2.weight","l2.bias","count"]',
    );
    expect(m.l1.weight.value.tag).toBe("");
  });

  it("rejects a shape mismatch with a ShapeError naming the key and both shapes, changing nothing", () => {
    const m = new Two("keep");
    const before = snapshot(m);
    const sd = new Two("new").stateDict();
    sd["l1.weight"] = new Fake([3, 2]);
    expect(() => m.loadStateDict(sd)).toThrow(ShapeError);
    expect(() => m.loadStateDict(sd)).toThrow(
      'loadStateDict: "l1.weight" has shape [3,2] in the state dict but [2,3] in the module',
    );
    expect(snapshot(m)).toEqual(before);

    const scalarInto = new Two().stateDict();
    scalarInto["l2.bias"] = 0.5;
    expect(() => m.loadStateDict(scalarInto)).toThrow(/"l2.bias" has shape \[\] .* but \[1\]/);
    expect(snapshot(m)).toEqual(before);
  });

  it("with strict: false, ignores missing and unexpected keys but still checks shapes", () => {
    const m = new Two("old");
    const donor = new Two("new");
    const result = m.loadStateDict(
      { "l1.weight": donor.l1.weight.value, "l9.weight": 1 },
      { strict: false },
    );
    expect(result.unexpectedKeys).toEqual(["l9.weight"]);
    expect(result.missingKeys).toEqual(["l1.bias", "l2.weight", "l2.bias", "count"]);
    expect(m.l1.weight.value.tag).toBe("new");
    expect(m.l1.bias.value.tag).toBe("old");

    const before = snapshot(m);
    expect(() =>
      m.loadStateDict({ "l1.bias": new Fake([2]), "l2.weight": new Fake([2]) }, { strict: false }),
    ).toThrow(ShapeError);
    expect(snapshot(m)).toEqual(before);
  });
});
