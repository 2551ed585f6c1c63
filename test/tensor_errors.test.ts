import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";

/**
 * Bad input to tensor ops and creation gets a typed error whose message names the op and the
 * values involved (DESIGN.md, "Errors"); and creation functions make the shapes, values, dtypes
 * and random streams a PyTorch user expects. Reference backend, so values are read synchronously.
 */

/** The error `fn` throws (failing the test if it throws none). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error("expected an error, but none was thrown");
}

/** Assert `fn` throws a `type` error whose message contains every one of `parts`. */
function expectError(
  fn: () => unknown,
  type: typeof mt.MinitorchError,
  ...parts: (string | RegExp)[]
): Error {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(type);
  expect(error).toBeInstanceOf(mt.MinitorchError);
  expect(error.name).toBe(type.name);
  for (const part of parts) {
    if (typeof part === "string") expect(error.message).toContain(part);
    else expect(error.message).toMatch(part);
  }
  return error;
}

const m23 = () =>
  mt.tensor([
    [1, 2, 3],
    [4, 5, 6],
  ]);

describe("shape errors of tensor ops", () => {
  it("add of [2,3] and [4] is a ShapeError naming the op and both shapes", () => {
    expectError(() => m23().add(mt.zeros(4)), mt.ShapeError, "add", "[2,3]", "[4]");
  });

  it.each([
    ["sub", (a: mt.Tensor, b: mt.Tensor) => a.sub(b)],
    ["mul", (a: mt.Tensor, b: mt.Tensor) => a.mul(b)],
    ["div", (a: mt.Tensor, b: mt.Tensor) => a.div(b)],
    ["pow", (a: mt.Tensor, b: mt.Tensor) => a.pow(b)],
    ["lt", (a: mt.Tensor, b: mt.Tensor) => a.lt(b)],
    ["gt", (a: mt.Tensor, b: mt.Tensor) => a.gt(b)],
    ["eq", (a: mt.Tensor, b: mt.Tensor) => a.eq(b)],
    ["isClose", (a: mt.Tensor, b: mt.Tensor) => a.isClose(b)],
  ] as const)("%s of shapes that do not broadcast names itself and both shapes", (op, fn) => {
    expectError(() => fn(mt.zeros(3, 2), mt.zeros(3)), mt.ShapeError, `${op}:`, "[3,2]", "[3]");
  });

  it("matmul [2,3]@[4,5] says exactly which dims do not align", () => {
    const error = expectError(() => mt.zeros(2, 3).matmul(mt.zeros(4, 5)), mt.ShapeError);
    expect(error.message).toBe("matmul: shapes [2,3] and [4,5] do not align (3 ≠ 4)");
  });

  it("matmul of batched tensors whose batch dims do not broadcast is a ShapeError", () => {
    expectError(() => mt.zeros(2, 3, 4).matmul(mt.zeros(5, 4, 2)), mt.ShapeError, "matmul");
  });

  it("matmul's batch-dim error names both operands' shapes", () => {
    expectError(
      () => mt.zeros(2, 3, 4).matmul(mt.zeros(5, 4, 2)),
      mt.ShapeError,
      "matmul",
      "[2,3,4]",
      "[5,4,2]",
    );
  });

  it("matmul of a 0-d tensor is a ShapeError", () => {
    expectError(() => mt.tensor(2).matmul(mt.zeros(2)), mt.ShapeError, "matmul", "[]", "[2]");
  });

  it.each([
    ["sum", (t: mt.Tensor) => t.sum(2), "dim 2"],
    ["sum", (t: mt.Tensor) => t.sum(-3), "dim -3"],
    ["mean", (t: mt.Tensor) => t.mean(2), "dim 2"],
    ["max", (t: mt.Tensor) => t.max(-3), "dim -3"],
    ["max", (t: mt.Tensor) => t.max(5, true), "dim 5"],
    ["argmax", (t: mt.Tensor) => t.argmax(2), "dim 2"],
    ["permute", (t: mt.Tensor) => t.permute(0, 2), "dim 2"],
    ["transpose", (t: mt.Tensor) => t.transpose(0, 5), "dim 5"],
    ["transpose", (t: mt.Tensor) => t.transpose(-3, 1), "dim -3"],
    ["squeeze", (t: mt.Tensor) => t.squeeze(2), "dim 2"],
    ["unsqueeze", (t: mt.Tensor) => t.unsqueeze(4), "dim"],
  ] as const)("%s with an out-of-range dim (%#) is a ShapeError naming the dim", (op, fn, dim) => {
    expectError(() => fn(m23()), mt.ShapeError, `${op}:`, dim);
  });

  it("sum with a non-integer dim is a ShapeError", () => {
    expectError(() => m23().sum(0.5), mt.ShapeError, "sum", "0.5");
  });

  it("permute with a repeated or missing dim is a ShapeError naming the order and shape", () => {
    expectError(() => m23().permute(0, 0), mt.ShapeError, "permute", "[0,0]", "[2,3]");
    expectError(() => m23().permute(0), mt.ShapeError, "permute", "[0]", "[2,3]");
  });

  it("view of a non-contiguous tensor is a ShapeError that says to call contiguous()", () => {
    expectError(
      () => m23().transpose(0, 1).view(6),
      mt.ShapeError,
      "view",
      "[3,2]",
      "contiguous()",
    );
    // …and the two ways out both work.
    expect(m23().transpose(0, 1).contiguous().view(6).toArray()).toEqual([1, 4, 2, 5, 3, 6]);
    expect(m23().transpose(0, 1).reshape(6).toArray()).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it("view with the wrong number of elements is a ShapeError naming the shape and the count", () => {
    expectError(() => m23().view(4), mt.ShapeError, "view", "[4]", "6 elements");
    expectError(() => m23().view(4, -1), mt.ShapeError, "view", "[4,-1]", "6 elements");
    expectError(() => m23().reshape(7), mt.ShapeError, "[7]", "6 elements");
  });

  it("reshape with the wrong number of elements is a ShapeError from reshape", () => {
    expectError(() => m23().reshape(7), mt.ShapeError, "reshape:", "[7]");
  });

  it("view with two −1s, or a dim below −1, is a ShapeError", () => {
    expectError(() => m23().view(-1, -1), mt.ShapeError, "view", "[-1,-1]", "-1");
    expectError(() => m23().view(-2, -3), mt.ShapeError, "view", "[-2,-3]");
  });

  it("expand to an incompatible shape is a ShapeError naming both shapes", () => {
    expectError(() => m23().expand(3, 3), mt.ShapeError, "expand", "[2,3]", "[3,3]");
    expectError(() => m23().expand(3), mt.ShapeError, "expand", "[2,3]", "[3]");
    expectError(() => mt.zeros(2).expand(4, 1), mt.ShapeError, "expand", "[2]", "[4,1]");
  });

  it("expand(-1, 3) of a [3] tensor is a ShapeError (-1 cannot make a new dim)", () => {
    expectError(() => mt.tensor([1, 2, 3]).expand(-1, 3), mt.ShapeError, "expand", "-1");
  });
});

describe("dtype, value and autograd errors", () => {
  it("float32 + float64 promotes as PyTorch; matmul of the two is a DTypeError naming both", () => {
    const a = mt.zeros(2);
    const b = mt.zeros([2], { dtype: "float64" });
    expect(a.add(b).dtype).toBe("float64");
    expectError(() => a.matmul(b.view(2, 1)), mt.DTypeError, "matmul", "float32", "float64");
    // Converting one side makes it work.
    expect(a.double().add(b).dtype).toBe("float64");
    expect(a.add(b.float()).dtype).toBe("float32");
  });

  it("an operand that is neither a Tensor nor a number is a DTypeError naming the op and type", () => {
    // As values read from a JSON file would arrive (the static type cannot stop them).
    const text: number = JSON.parse('"2"');
    const nothing: mt.Tensor = JSON.parse("null");
    expectError(() => m23().add(text), mt.DTypeError, "add", "string");
    expectError(() => m23().mul(nothing), mt.DTypeError, "mul", "null");
    expectError(() => m23().matmul(nothing), mt.DTypeError, "matmul", "null");
    // matmul takes no number (as torch.matmul): the message must not offer one.
    const three: mt.Tensor = JSON.parse("3");
    expectError(() => m23().matmul(three), mt.DTypeError, "matmul: expected a Tensor, got number");
  });

  it("a ragged nested array is a ShapeError saying where", () => {
    expectError(() => mt.tensor([[1, 2], [3]]), mt.ShapeError, "tensor", "ragged", "[1]");
    expectError(() => mt.tensor([[1, 2], 3]), mt.ShapeError, "tensor", "ragged");
    expectError(() => mt.tensor([[[1], [2]], [[3]]]), mt.ShapeError, "tensor", "ragged");
  });

  it("non-numbers in the data are a DTypeError naming the type and where", () => {
    // As data read from a JSON file would arrive (the static type cannot stop it).
    const strings: mt.Nested = JSON.parse('["a"]');
    expectError(() => mt.tensor(strings), mt.DTypeError, "tensor", "string", "[0]");
    const nested: mt.Nested = JSON.parse("[[1, true]]");
    expectError(() => mt.tensor(nested), mt.DTypeError, "tensor", "boolean", "[0][1]");
    const nulls: mt.Nested = JSON.parse("[1, null]");
    expectError(() => mt.tensor(nulls), mt.DTypeError, "tensor");
  });

  it("item() of a multi-element tensor is a ShapeError naming the shape", () => {
    expectError(() => m23().item(), mt.ShapeError, "item", "[2,3]");
    expectError(() => mt.zeros(0).item(), mt.ShapeError, "item", "[0]");
    expect(mt.tensor([[7]]).item()).toBe(7);
  });

  it("setting requiresGrad on a non-leaf is an AutogradError", () => {
    const y = mt.tensor([1, 2], { requiresGrad: true }).mul(2);
    expectError(
      () => {
        y.requiresGrad = false;
      },
      mt.AutogradError,
      "requiresGrad",
      "leaf",
    );
    expect(y.requiresGrad).toBe(true);
  });

  it("backward on a tensor that does not require grad is an AutogradError", () => {
    expectError(() => m23().sum().backward(), mt.AutogradError, "backward", "require");
  });

  it("backward without a gradient on a non-scalar, or with one of the wrong shape, is a ShapeError", () => {
    const y = mt.tensor([1, 2], { requiresGrad: true }).mul(2);
    expectError(() => y.backward(), mt.ShapeError, "backward", "[2]");
    expectError(() => y.backward(mt.zeros(3)), mt.ShapeError, "backward", "[3]", "[2]");
  });

  it("an op on a disposed tensor is a BackendError, not a crash", () => {
    const t = mt.zeros(2);
    t.dispose();
    expectError(() => t.add(1), mt.BackendError, "released by dispose()", "clone()");
  });
});

describe("backend errors", () => {
  it("setBackend with an unknown name rejects with a BackendError listing the valid names", async () => {
    const error = await mt.setBackend("tpu").then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(mt.BackendError);
    const message = error instanceof Error ? error.message : "";
    expect(message).toContain('"tpu"');
    for (const name of mt.backendNames) expect(message).toContain(name);
    expect(mt.getBackend()).toBe("cpu");
  });

  it("to() an unknown backend rejects with a BackendError", async () => {
    await expect(mt.zeros(2).to("tpu")).rejects.toBeInstanceOf(mt.BackendError);
  });
});

describe("creation errors", () => {
  it.each([
    ["zeros", () => mt.zeros(2, -1)],
    ["zeros", () => mt.zeros([-3])],
    ["ones", () => mt.ones(-1)],
    ["full", () => mt.full([2, -2], 1)],
    ["rand", () => mt.rand([-1])],
    ["randn", () => mt.randn(2, -2, { seed: 1 })],
  ] as const)(
    "%s with a negative dim (%#) is a ShapeError naming the op and the shape",
    (op, fn) => {
      expectError(fn, mt.ShapeError, `${op}:`, "-");
    },
  );

  it("a non-integer dim is a ShapeError", () => {
    expectError(() => mt.zeros(1.5), mt.ShapeError, "zeros", "1.5");
  });

  it("arange with a zero step or a non-finite bound is a ShapeError naming the arguments", () => {
    expectError(() => mt.arange(0, 1, 0), mt.ShapeError, "arange", "(0, 1, 0)");
    expectError(() => mt.arange(Number.POSITIVE_INFINITY), mt.ShapeError, "arange");
  });

  it("a non-integer seed is a DataError", () => {
    expectError(() => mt.randn([2], { seed: 0.5 }), mt.DataError, "seed", "0.5");
    expectError(() => mt.manualSeed(Number.NaN), mt.DataError, "manualSeed");
  });
});

describe("creation", () => {
  it("zeros, ones and full make the shape and values asked for", () => {
    expect(mt.zeros(2, 3).toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(mt.ones(3).toArray()).toEqual([1, 1, 1]);
    expect(mt.full([2, 2], 7).toArray()).toEqual([
      [7, 7],
      [7, 7],
    ]);
    expect(mt.full([], 2.5).toArray()).toBe(2.5);
    expect(mt.zeros([]).shape).toEqual([]);
    expect(mt.zeros(0).shape).toEqual([0]);
    expect(mt.zeros(0).toArray()).toEqual([]);
  });

  it("zeros(2, 3) ≡ zeros([2, 3]), with options last either way", () => {
    expect(mt.zeros(2, 3).shape).toEqual([2, 3]);
    expect(mt.zeros([2, 3]).shape).toEqual([2, 3]);
    for (const t of [
      mt.zeros(2, 3, { dtype: "float64" }),
      mt.zeros([2, 3], { dtype: "float64" }),
      mt.ones(2, 3, { dtype: "float64" }),
      mt.ones([2, 3], { dtype: "float64" }),
    ]) {
      expect(t.shape).toEqual([2, 3]);
      expect(t.dtype).toBe("float64");
    }
    const g = mt.ones(2, { requiresGrad: true });
    expect(g.requiresGrad).toBe(true);
    expect(g.isLeaf).toBe(true);
    expect(mt.zeros(2).requiresGrad).toBe(false);
    expect(mt.zeros(2).dtype).toBe("float32");
    expect(mt.zeros(2).backend).toBe("cpu");
  });

  it("arange counts from start by step up to, not including, end", () => {
    expect(mt.arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(mt.arange(2, 5).toArray()).toEqual([2, 3, 4]);
    expect(mt.arange(1, 2, 0.25).toArray()).toEqual([1, 1.25, 1.5, 1.75]);
    expect(mt.arange(5, 1, -2).toArray()).toEqual([5, 3]);
    expect(mt.arange(3, 3).shape).toEqual([0]);
    expect(mt.arange(3, { dtype: "float64" }).dtype).toBe("float64");
    expect(mt.arange(0, 1, 0.5, { dtype: "float64" }).toArray()).toEqual([0, 0.5]);
  });

  it("rand draws from [0, 1)", () => {
    const values = Array.from(mt.rand([2000], { seed: 1 }).dataSync());
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(new Set(values).size).toBeGreaterThan(1900);
  });

  it("randn with {seed} is reproducible and independent of the global generator", () => {
    const a = Array.from(mt.randn([4, 5], { seed: 3 }).dataSync());
    mt.rand(10); // the global generator moves; a seeded call does not use it
    expect(Array.from(mt.randn(4, 5, { seed: 3 }).dataSync())).toEqual(a);
    expect(Array.from(mt.randn([4, 5], { seed: 4 }).dataSync())).not.toEqual(a);
    const many = Array.from(mt.randn([4000], { seed: 7 }).dataSync());
    const mean = many.reduce((s, v) => s + v, 0) / many.length;
    const variance = many.reduce((s, v) => s + (v - mean) ** 2, 0) / many.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(variance).toBeGreaterThan(0.9);
    expect(variance).toBeLessThan(1.1);
  });

  it("manualSeed makes the global generator reproducible, and seeded calls do not advance it", () => {
    mt.manualSeed(11);
    const first = [mt.rand(3).toArray(), mt.randn(2, 2).toArray()];
    mt.manualSeed(11);
    mt.randn([5], { seed: 99 });
    const second = [mt.rand(3).toArray(), mt.randn(2, 2).toArray()];
    expect(second).toEqual(first);
    mt.manualSeed(12);
    expect(mt.rand(3).toArray()).not.toEqual(first[0]);
  });

  it("float64 keeps the precision float32 rounds away", () => {
    const x = 1 + 2 ** -40;
    expect(mt.tensor([x, 0.1], { dtype: "float64" }).toArray()).toEqual([x, 0.1]);
    expect(mt.tensor([x, 0.1]).toArray()).toEqual([1, Math.fround(0.1)]);
    expect(mt.full([1], 0.1, { dtype: "float64" }).item()).toBe(0.1);
    expect(mt.tensor([x], { dtype: "float64" }).sub(1).item()).toBe(2 ** -40);
  });

  it("tensor(5) is a 0-d tensor", () => {
    const s = mt.tensor(5);
    expect(s.shape).toEqual([]);
    expect(s.ndim).toBe(0);
    expect(s.numel()).toBe(1);
    expect(s.item()).toBe(5);
    expect(s.toArray()).toBe(5);
  });

  it("tensor() takes nested arrays and typed arrays", () => {
    expect(mt.tensor([[1, 2, 3]]).shape).toEqual([1, 3]);
    expect(mt.tensor([[[1], [2]]]).shape).toEqual([1, 2, 1]);
    const flat = mt.tensor(new Float64Array([1.5, 2.5]), { dtype: "float64" });
    expect(flat.shape).toEqual([2]);
    expect(flat.toArray()).toEqual([1.5, 2.5]);
  });

  it("toString is PyTorch's str(): the values as repr prints them, and a non-default dtype", () => {
    // Expected strings from PyTorch 1.13's str(torch.tensor(...)); repr.test.ts covers the rules.
    expect(
      String(
        mt.tensor([
          [1, 2],
          [3, 4],
        ]),
      ),
    ).toBe("tensor([[1., 2.],\n        [3., 4.]])");
    expect(String(mt.tensor(5))).toBe("tensor(5.)");
    expect(String(mt.tensor([1.5, 0.25], { dtype: "float64" }))).toBe(
      "tensor([1.5000, 0.2500], dtype=torch.float64)",
    );
    expect(`${mt.tensor([0.1])}`).toBe("tensor([0.1000])");
  });
});
