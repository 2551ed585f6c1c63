import { expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { EXACT } from "../op_cases.js";
import { describeEachBackend } from "./harness.js";

/**
 * The comparisons ne/le/ge, the NaN and infinity tests and the logical ops on every backend:
 * each is a bool mask without history, with PyTorch's answers at NaN and infinity (every
 * comparison with NaN false except ne), on float, int32 and bool tensors, against the same
 * predicate in plain JS, broadcasting and as mt.* functions.
 */

const inf = Number.POSITIVE_INFINITY;
const floats = [-inf, -2, -0, 0, 0.5, 2, inf, Number.NaN];
const ints = [-3, 0, 1, 7];

/** Every pair (a, b) of `values`, as two flat lists: all combinations compared elementwise. */
function pairs(values: number[]): [number[], number[]] {
  return [values.flatMap((a) => values.map(() => a)), values.flatMap(() => values)];
}

const binary: [
  string,
  (a: mt.Tensor, b: mt.Tensor) => mt.Tensor,
  (a: number, b: number) => boolean,
][] = [
  ["ne", (a, b) => a.ne(b), (a, b) => a !== b],
  ["le", (a, b) => a.le(b), (a, b) => a <= b],
  ["ge", (a, b) => a.ge(b), (a, b) => a >= b],
  ["mt.lt", (a, b) => mt.lt(a, b), (a, b) => a < b],
  ["mt.eq", (a, b) => mt.eq(a, b), (a, b) => a === b],
  ["logicalAnd", (a, b) => a.logicalAnd(b), (a, b) => a !== 0 && b !== 0],
  ["logicalOr", (a, b) => mt.logicalOr(a, b), (a, b) => a !== 0 || b !== 0],
  ["logicalXor", (a, b) => a.logicalXor(b), (a, b) => (a !== 0) !== (b !== 0)],
];

const unary: [string, (x: mt.Tensor) => mt.Tensor, (x: number) => boolean][] = [
  ["isNaN", (x) => x.isNaN(), (x) => Number.isNaN(x)],
  ["isFinite", (x) => mt.isFinite(x), (x) => Number.isFinite(x)],
  ["isInf", (x) => x.isInf(), (x) => Math.abs(x) === inf],
  ["logicalNot", (x) => x.logicalNot(), (x) => x === 0],
];

describeEachBackend("comparisons, NaN tests and logical ops", (suite) => {
  const { opts, expectValues } = suite;
  const dtypes = (["float32", "int32", "bool"] as const).filter((d) =>
    suite.backend.dtypes.includes(d),
  );
  const sample = (dtype: mt.DType) =>
    dtype === "float32" ? floats : dtype === "int32" ? ints : [0, 1];

  it.each(binary)(
    "%s of every pair of values, in every dtype, is a bool mask",
    async (name, op, f) => {
      for (const dtype of dtypes) {
        const [as, bs] = pairs(sample(dtype));
        const a = mt.tensor(as, { ...opts, dtype, requiresGrad: dtype === "float32" });
        const got = op(a, mt.tensor(bs, { ...opts, dtype }));
        expect([got.dtype, got.requiresGrad], `${name} of ${dtype}`).toEqual(["bool", false]);
        const want = as.map((x, i) => Number(f(x, bs[i])));
        await expectValues(got, [as.length], want, EXACT, `${name} of ${dtype}`);
      }
    },
  );

  it.each(unary)("%s of special values, in every dtype, is a bool mask", async (name, op, f) => {
    for (const dtype of dtypes) {
      const values = sample(dtype);
      const got = op(mt.tensor(values, { ...opts, dtype }));
      expect(got.dtype, `${name} of ${dtype}`).toBe("bool");
      await expectValues(
        got,
        [values.length],
        values.map((x) => Number(f(x))),
        EXACT,
        name,
      );
    }
  });

  it("broadcasts, takes numbers and mixes dtypes as PyTorch", async () => {
    const x = mt.tensor([[1, 2, 3]], opts);
    const col = mt.tensor([[2], [3]], { ...opts, dtype: "int32" });
    await expectValues(x.le(col), [2, 3], [1, 1, 0, 1, 1, 1], EXACT, "le broadcast");
    await expectValues(x.ne(2), [1, 3], [1, 0, 1], EXACT, "ne number");
    await expectValues(x.ge(2.5), [1, 3], [0, 0, 1], EXACT, "ge fraction");
    await expectValues(x.logicalAnd(0), [1, 3], [0, 0, 0], EXACT, "and number");
    await expectValues(mt.logicalOr(x.sub(2), 0), [1, 3], [1, 0, 1], EXACT, "or number");
  });

  it("a mask selects and counts: sum of a mask is an integer count", async () => {
    const x = mt.tensor([0.5, Number.NaN, -1, inf], opts);
    const count = x.isFinite().sum();
    expect(count.dtype).toBe("int32");
    await expectValues(count, [], [2], EXACT, "count");
    await expectValues(mt.where(x.isNaN(), 0, x), [4], [0.5, 0, -1, inf], EXACT, "where");
  });

  it("rejects what is not a tensor, naming the op", () => {
    expect(() => mt.isNaN([1] as unknown as mt.Tensor)).toThrow(/isNaN/);
    expect(() => mt.tensor([1], opts).logicalAnd("x" as unknown as mt.Tensor)).toThrow(/logical/);
  });
});
