import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { expectClose } from "../close.js";
import { anyValue, EXACT, LOOSE, positive } from "../op_cases.js";
import {
  allIndices,
  broadcastShapes,
  nest,
  ordinalOf,
  product,
  readBroadcast,
} from "../shape_oracles.js";
import { describeEachBackend, GRADCHECK_RUNS, weights } from "./harness.js";
import { arbBroadcastPair, each } from "./operands.js";

/**
 * Autograd on every backend: accumulation, detach, noGrad, an input used on several paths,
 * explicit gradients of non-scalar outputs, retainGrad, comparisons, float64 and casts, and a
 * composite expression checked numerically.
 */

type Tensor = mt.Tensor;

describeEachBackend("autograd", (suite) => {
  const { backend, grad, host, numerically, checkNumerically, expectValues, expectGrad } = suite;

  it("gradients accumulate over two backward calls, and zeroGrad clears them", async () => {
    const x = mt.tensor([1, -2, 3], grad);
    const w = host([0.5, 2, -1], [3]);
    x.mul(w).sum().backward();
    x.mul(w).sum().backward();
    await expectGrad(x, [1, 4, -2], EXACT, "twice");
    x.zeroGrad();
    expect(x.grad).toBeNull();
    x.mul(w).sum().backward();
    await expectGrad(x, [0.5, 2, -1], EXACT, "after zeroGrad");
  });

  it("detach cuts the graph: no gradient flows through the detached value", async () => {
    const x = mt.tensor([1, 2, 3], grad);
    const d = x.mul(2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    await expectValues(d, [3], [2, 4, 6], EXACT, "detached values");
    // d(Σ d·x)/dx = d (as if d were a constant), not 4x.
    d.mul(x).sum().backward();
    await expectGrad(x, [2, 4, 6], EXACT, "x");
    expect(d.grad).toBeNull();
  });

  it("noGrad records no history, and recording resumes after it", async () => {
    const x = mt.tensor([1, 2], grad);
    const y = mt.noGrad(() => x.mul(3).exp());
    expect(y.requiresGrad).toBe(false);
    expect(y.history).toBeNull();
    expect(() => y.sum().backward()).toThrow(mt.AutogradError);
    const z = x.mul(3);
    expect(z.requiresGrad).toBe(true);
    expect(z.history).not.toBeNull();
  });

  it("an input used twice gets the sum of both gradients", async () => {
    const x = mt.tensor([0.5, -1, 2], grad);
    x.mul(x).sum().backward(); // 2x
    await expectGrad(x, [1, -2, 4], EXACT, "x·x");
    const y = mt.tensor([0.5, -1], grad);
    const e = y.exp();
    e.mul(y).add(e).sum().backward(); // d(eʸ·y + eʸ)/dy = eʸ·y + 2eʸ
    await expectGrad(
      y,
      [0.5, -1].map((v) => Math.exp(v) * (v + 2)),
      LOOSE,
      "eʸ·y + eʸ",
    );
    const z = mt.tensor([[1, 2, 3]], grad);
    z.add(z.transpose(0, 1)).sum().backward(); // each element appears in 3 + 3 sums
    await expectGrad(z, [6, 6, 6], EXACT, "z + zᵀ");
  });

  it("backward on a non-scalar needs a gradient of its shape", async () => {
    const x = mt.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      grad,
    );
    const y = x.mul(x);
    expect(() => y.backward()).toThrow(mt.ShapeError);
    expect(() => y.backward()).toThrow(/\[2,2\]/);
    expect(() => y.backward(host([1, 1], [2]))).toThrow(mt.ShapeError);
    expect(x.grad).toBeNull();
    y.backward(host([1, 0, -1, 2], [2, 2]));
    await expectGrad(x, [2, 0, -6, 16], EXACT, "explicit gradient");
    // A one-element tensor of any rank needs no explicit gradient.
    const s = mt.tensor([[3]], grad);
    s.mul(s).backward();
    await expectGrad(s, [6], EXACT, "[1,1]");
  });

  it("retainGrad keeps the gradient of an intermediate result", async () => {
    const x = mt.tensor([1, 2], grad);
    const m = x.mul(3).retainGrad();
    const unretained = m.exp();
    m.mul(host([1, -1], [2]))
      .sum()
      .add(unretained.sum().mul(0))
      .backward();
    await expectGrad(m, [1, -1], EXACT, "m");
    expect(unretained.grad).toBeNull();
    await expectGrad(x, [3, -3], EXACT, "x");
  });

  it("comparisons pass no gradient: their bool masks record no history", async () => {
    const x = mt.tensor([1, 2, 3], grad);
    const masks = [x.lt(2), x.gt(1), x.eq(2), x.isClose(3)];
    expect(masks.map((m) => [m.dtype, m.requiresGrad])).toEqual(masks.map(() => ["bool", false]));
    // A mask used as a weight: the gradient flows through the multiplication only.
    x.mul(masks[0]).add(masks[1]).sum().backward();
    await expectGrad(x, [1, 0, 0], EXACT, "x");
  });

  it.skipIf(!backend.dtypes.includes("float64"))(
    "float64 keeps its precision, and a cast passes gradients back in the input's dtype",
    async () => {
      const x = mt.tensor([1 + 2 ** -40, 0.1], { ...grad, dtype: "float64" });
      expect(Array.from(await x.add(0).data())).toEqual([1 + 2 ** -40, 0.1]);
      x.float()
        .mul(host([2, 3], [2]))
        .sum()
        .backward();
      expect(x.grad?.dtype).toBe("float64");
      await expectGrad(x, [2, 3], EXACT, "cast");
    },
  );

  it(`a composite (an input used on several paths, broadcast, permuted and reduced) matches ${numerically}`, async () => {
    await fc.assert(
      fc.asyncProperty(
        arbBroadcastPair(each(anyValue), each(positive), { maxRank: 3, maxDim: 3 }),
        async ([a, b]) => {
          const fn = (u: Tensor, v: Tensor) =>
            u.mul(v.log()).add(u.tanh().mul(u)).sigmoid().sum(-1).mul(u.exp().mean());
          await checkNumerically(fn, [a, b], `${a.shape}, ${b.shape}`);
        },
      ),
      { numRuns: GRADCHECK_RUNS },
    );
  });
});

// --- the backward rules one at a time ---------------------------------------------------------

/**
 * Each backward rule of src/tensor/functions.ts alone, on the reference backend in float64 (the
 * course's Task 2.4 runs these, so they need nothing of the cpu backend). A rule is checked by
 * seeding backward with an explicit upstream gradient g of the output's shape, so no other rule
 * runs (but unbroadcast, which every input's gradient passes through), against the formula
 * written here with plain loops, then all of them against central differences.
 */

type Shape = readonly number[];
const onReference = { backend: "reference", dtype: "float64" } as const;
/** float64 throughout: a right rule agrees with the formula to rounding. */
const TIGHT = { rel: 1e-12, abs: 1e-12 };

/** A float64 leaf on the reference backend holding row-major `values`. */
function leaf(values: readonly number[], shape: Shape): Tensor {
  return mt.tensor(nest(values, shape), { ...onReference, requiresGrad: true });
}

/** A constant on the reference backend: the upstream gradient g, a weight. */
function constant(values: readonly number[], shape: Shape): Tensor {
  return mt.tensor(nest(values, shape), onReference);
}

/** `n` distinct, exactly representable values: 0.5, −1.25, 2, …, none of them 0. */
function sample(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => ((((i + from) * 5) % 7) - 3 + 0.5) * (i % 2 ? -1 : 1));
}

/** The gradient that reached `x`, row-major, after checking that there is one of x's shape. */
function gradOf(x: Tensor, what: string): number[] {
  expect(x.grad, `${what}: no gradient reached the input`).not.toBeNull();
  expect(x.grad?.shape, `${what}: the gradient's shape`).toEqual(x.shape);
  return Array.from(x.grad?.dataSync() ?? []);
}

/**
 * ∂/∂a and ∂/∂b of Σ g·f(a, b) with a and b broadcast (NumPy rules) by plain loops: each input
 * element collects g·∂f/∂(its operand) from every output element that read it.
 */
function broadcastGrads(
  a: { values: readonly number[]; shape: Shape },
  b: { values: readonly number[]; shape: Shape },
  g: readonly number[],
  da: (x: number, y: number) => number,
  db: (x: number, y: number) => number,
): { shape: number[]; ga: number[]; gb: number[] } {
  const shape = broadcastShapes(a.shape, b.shape);
  const ga = new Array<number>(a.values.length).fill(0);
  const gb = new Array<number>(b.values.length).fill(0);
  allIndices(shape).forEach((index, k) => {
    const i = ordinalOf(readBroadcast(index, a.shape), a.shape);
    const j = ordinalOf(readBroadcast(index, b.shape), b.shape);
    ga[i] += g[k] * da(a.values[i], b.values[j]);
    gb[j] += g[k] * db(a.values[i], b.values[j]);
  });
  return { shape, ga, gb };
}

/** The binary rules: the op, and its partial derivatives in each operand. */
const binaryRules: [
  string,
  (a: Tensor, b: Tensor) => Tensor,
  (x: number, y: number) => number,
  (x: number, y: number) => number,
][] = [
  ["add", (a, b) => a.add(b), () => 1, () => 1],
  ["mul", (a, b) => a.mul(b), (_x, y) => y, (x) => x],
  ["div", (a, b) => a.div(b), (_x, y) => 1 / y, (x, y) => -x / (y * y)],
];

describe("tensor backward rules on the reference backend", () => {
  it.each(binaryRules)(
    "%s: each input gets g times its own partial derivative",
    (name, f, da, db) => {
      const a = { values: sample(6), shape: [2, 3] };
      const b = { values: sample(6, 3), shape: [2, 3] };
      const x = leaf(a.values, a.shape);
      const y = leaf(b.values, b.shape);
      const g = weights(6);
      f(x, y).backward(constant(g, [2, 3]));
      const want = broadcastGrads(a, b, g, da, db);
      const what = `${name}(a, b) of a = ${a.values}, b = ${b.values}, g = ${g}`;
      expectClose(gradOf(x, `${what}, ∂/∂a`), want.ga, TIGHT, `${what}, ∂/∂a`);
      expectClose(gradOf(y, `${what}, ∂/∂b`), want.gb, TIGHT, `${what}, ∂/∂b`);
    },
  );

  const pairs: [Shape, Shape][] = [
    [[3], [2, 3]],
    [[2, 1], [3]],
    [[], [2, 3]],
    [
      [2, 1, 3],
      [4, 1],
    ],
  ];
  it.each(binaryRules)(
    "%s of broadcast inputs: each gradient is summed back to its input's shape (unbroadcast)",
    (name, f, da, db) => {
      for (const [sa, sb] of pairs) {
        const a = { values: sample(product(sa)), shape: sa };
        const b = { values: sample(product(sb), 2), shape: sb };
        const x = leaf(a.values, sa);
        const y = leaf(b.values, sb);
        const want = broadcastGrads(a, b, weights(product(broadcastShapes(sa, sb))), da, db);
        f(x, y).backward(constant(weights(product(want.shape)), want.shape));
        const what = `${name} of shapes [${sa}] and [${sb}] (broadcast to [${want.shape}])`;
        expectClose(gradOf(x, `${what}, ∂/∂a`), want.ga, TIGHT, `${what}, ∂/∂a`);
        expectClose(gradOf(y, `${what}, ∂/∂b`), want.gb, TIGHT, `${what}, ∂/∂b`);
      }
    },
  );

  it("a number operand passes its tensor the gradient (x·3, x/4, x + 2)", () => {
    const values = sample(4);
    const g = weights(4);
    const cases: [string, (x: Tensor) => Tensor, number][] = [
      ["x·3", (x) => x.mul(3), 3],
      ["x/4", (x) => x.div(4), 0.25],
      ["x + 2", (x) => x.add(2), 1],
    ];
    for (const [what, f, slope] of cases) {
      const x = leaf(values, [4]);
      f(x).backward(constant(g, [4]));
      expectClose(
        gradOf(x, what),
        g.map((v) => v * slope),
        TIGHT,
        `${what} of x = ${values}`,
      );
    }
  });

  it("sum along a dim copies g back along that dim; sum of everything gives each element g", () => {
    const shape = [2, 3, 4];
    const values = sample(24);
    for (const [dim, keepdim] of [
      [0, false],
      [1, true],
      [-1, false],
    ] as const) {
      const x = leaf(values, shape);
      const d = dim < 0 ? dim + shape.length : dim;
      const kept = shape.map((s, i) => (i === d ? 1 : s));
      const outShape = keepdim ? kept : shape.filter((_, i) => i !== d);
      const g = weights(product(outShape));
      x.sum(dim, keepdim).backward(constant(g, outShape));
      const want = allIndices(shape).map(
        (index) =>
          g[
            ordinalOf(
              index.map((v, i) => (i === d ? 0 : v)),
              kept,
            )
          ],
      );
      const what = `x.sum(${dim}, ${keepdim}) of a [2,3,4] x`;
      expectClose(gradOf(x, what), want, TIGHT, what);
    }
    const x = leaf(values, shape);
    x.sum().backward(constant([1.5], []));
    expectClose(
      gradOf(x, "x.sum()"),
      values.map(() => 1.5),
      TIGHT,
      "x.sum() with g = 1.5",
    );
  });

  it("permute, transpose and view send each element of g back to the element it shows", () => {
    const shape = [2, 3, 4];
    const values = sample(24);
    const g = weights(24);
    // The element a view shows at output ordinal k is the input element at the index `source`
    // gives: out[i, j, k] of permute(2, 0, 1) is x[j, k, i].
    const cases: [string, (x: Tensor) => Tensor, Shape, (out: number[]) => number[]][] = [
      ["x.permute(2, 0, 1)", (x) => x.permute(2, 0, 1), [4, 2, 3], ([i, j, k]) => [j, k, i]],
      ["x.transpose(0, 2)", (x) => x.transpose(0, 2), [4, 3, 2], ([i, j, k]) => [k, j, i]],
      ["x.view(6, 4)", (x) => x.view(6, 4), [6, 4], ([r, c]) => [Math.floor(r / 3), r % 3, c]],
      [
        "x.view(24)",
        (x) => x.view(24),
        [24],
        ([n]) => [Math.floor(n / 12), Math.floor(n / 4) % 3, n % 4],
      ],
    ];
    for (const [what, f, outShape, source] of cases) {
      const x = leaf(values, shape);
      f(x).backward(constant(g, outShape));
      const want = new Array<number>(24).fill(0);
      allIndices(outShape).forEach((index, k) => {
        want[ordinalOf(source(index), shape)] += g[k];
      });
      expectClose(gradOf(x, what), want, TIGHT, `${what} of a [2,3,4] x`);
    }
  });

  it("expand sums g over the copies: new leading dims and grown size-1 dims", () => {
    const cases: [Shape, Shape][] = [
      [[3], [2, 3]],
      [
        [2, 1],
        [2, 4],
      ],
      [
        [1, 3],
        [2, 2, 3],
      ],
      [[], [3]],
    ];
    for (const [from, to] of cases) {
      const values = sample(product(from));
      const x = leaf(values, from);
      const g = weights(product(to));
      x.expand(...to).backward(constant(g, to));
      const want = new Array<number>(values.length).fill(0);
      allIndices(to).forEach((index, k) => {
        want[ordinalOf(readBroadcast(index, from), from)] += g[k];
      });
      const what = `expand of a [${from}] x to [${to}]`;
      expectClose(gradOf(x, what), want, TIGHT, what);
    }
  });

  const numerically: [string, (...t: Tensor[]) => Tensor, Shape[]][] = [
    [
      "a·b + a/b, broadcast",
      (a, b) => a.mul(b).add(a.div(b)),
      [
        [2, 1, 3],
        [4, 1],
      ],
    ],
    ["Σ over dim 1 of a·a", (a) => a.mul(a).sum(1), [[2, 3, 2]]],
    [
      "a permuted, times b",
      (a, b) => a.permute(1, 2, 0).mul(b),
      [
        [2, 3, 4],
        [3, 4, 2],
      ],
    ],
    ["a viewed, divided by b", (a, b) => a.view(4, 3).div(b), [[2, 6], [3]]],
    ["a expanded, times b, summed", (a, b) => a.expand(2, 3).mul(b).sum(), [[3], [2, 3]]],
  ];
  it.each(numerically)("%s: autograd agrees with central differences", (_what, f, shapes) => {
    const inputs = shapes.map((s, i) => leaf(sample(product(s), 7 * i + 1), s));
    // gradcheck's GradcheckError lists each element whose gradient disagrees.
    expect(mt.testing.gradcheck(f, inputs)).toBe(true);
  });
});
