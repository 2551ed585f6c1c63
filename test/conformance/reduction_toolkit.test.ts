import fc from "fast-check";
import { expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { indexDType, maskDType } from "../../src/tensor/promotion.js";
import { anyValue, EXACT, positive, SUMS, smallInts } from "../op_cases.js";
import { allIndices, ordinalOf, product, range } from "../shape_oracles.js";
import { describeEachBackend, GRADCHECK_RUNS, RUNS, weights } from "./harness.js";
import { allDims, arbAnyOperand, build, distinct, each, type Operand } from "./operands.js";

/**
 * The reduction toolkit on every backend: sum, mean, prod, amax, amin, logsumexp, all, any, var,
 * std and norm over one dim, several (negative too) or all, with and without keepdim; max/min
 * over a dim as {values, indices}; argmin; cumsum and cumprod; sort, argsort and topk — against
 * plain-JS folds over row-major arrays, on every layout, with ties, NaN, empty dims and 0-d
 * tensors, and their gradients against central differences.
 */

type Shape = readonly number[];
type Fold = (xs: number[]) => number;

/** The flat indices of each output element of a reduction of `shape` over `dims`, in order. */
function groups(shape: Shape, dims: readonly number[]): number[][] {
  const kept = shape.map((s, i) => (dims.includes(i) ? 1 : s));
  const out = range(product(kept)).map((): number[] => []);
  allIndices(shape).forEach((index, i) => {
    out[
      ordinalOf(
        index.map((x, k) => (dims.includes(k) ? 0 : x)),
        kept,
      )
    ].push(i);
  });
  return out;
}

/** The normalized, sorted dims a reduction named `dim` reduces (all when undefined or []). */
function dimsOf(rank: number, dim: number | number[] | undefined): number[] {
  if (dim === undefined || (Array.isArray(dim) && dim.length === 0)) return range(rank);
  const list = typeof dim === "number" ? [dim] : dim;
  return list
    .map((d) => (d < 0 ? d + Math.max(rank, 1) : d))
    .filter((d) => d < rank)
    .sort((a, b) => a - b);
}

/** `fold` over `dims` of `values` (row-major, `shape`), and the result's shape. */
function reduceHost(
  values: readonly number[],
  shape: Shape,
  dims: number[],
  keepdim: boolean,
  fold: Fold,
) {
  const out = groups(shape, dims).map((g) => fold(g.map((i) => values[i])));
  const outShape = keepdim
    ? shape.map((s, i) => (dims.includes(i) ? 1 : s))
    : shape.filter((_, i) => !dims.includes(i));
  return { shape: outShape, values: out };
}

const total: Fold = (xs) => xs.reduce((p, x) => p + x, 0);
/** NaN is larger (and smaller) than everything, as PyTorch's max and min propagate it. */
const largest: Fold = (xs) => (xs.some(Number.isNaN) ? NaN : Math.max(...xs));
const smallest: Fold = (xs) => (xs.some(Number.isNaN) ? NaN : Math.min(...xs));
const variance =
  (c: number): Fold =>
  (xs) => {
    const m = total(xs) / xs.length;
    return total(xs.map((x) => (x - m) ** 2)) / Math.max(0, xs.length - c);
  };

/** The reductions over dims, by name: the call and the fold. */
const overDims: [
  string,
  (t: mt.Tensor, dim: number | number[] | undefined, keepdim: boolean) => mt.Tensor,
  Fold,
][] = [
  ["sum", (t, dim, keepdim) => t.sum(dim, keepdim), total],
  ["mean", (t, dim, keepdim) => mt.mean(t, dim, { keepdim }), (xs) => total(xs) / xs.length],
  ["prod", (t, dim, keepdim) => t.prod(dim, keepdim), (xs) => xs.reduce((p, x) => p * x, 1)],
  ["amax", (t, dim, keepdim) => t.amax(dim, keepdim), largest],
  ["amin", (t, dim, keepdim) => mt.amin(t, dim, keepdim), smallest],
  [
    "logsumexp",
    (t, dim, keepdim) => t.logsumexp(dim, keepdim),
    (xs) => Math.log(total(xs.map(Math.exp))),
  ],
  ["var", (t, dim, keepdim) => t.var(dim, { keepdim }), variance(1)],
  [
    "std",
    (t, dim, keepdim) => mt.std(t, dim, { keepdim, correction: 0 }),
    (xs) => Math.sqrt(variance(0)(xs)),
  ],
  [
    "norm",
    (t, dim, keepdim) => t.norm(2, dim, keepdim),
    (xs) => Math.sqrt(total(xs.map((x) => x * x))),
  ],
  ["norm(1)", (t, dim, keepdim) => mt.norm(t, 1, dim, keepdim), (xs) => total(xs.map(Math.abs))],
  [
    "norm(∞)",
    (t, dim, keepdim) => t.norm(Infinity, dim, keepdim),
    (xs) => largest(xs.map(Math.abs)),
  ],
  [
    "norm(3)",
    (t, dim, keepdim) => t.norm({ p: 3, dim, keepdim }),
    (xs) => total(xs.map((x) => Math.abs(x) ** 3)) ** (1 / 3),
  ],
];

/** An operand and a random dim selection: none (all), one dim, or a list (negative dims too). */
function arbDims(values: (n: number) => fc.Arbitrary<number[]>, maxRank = 4) {
  return arbAnyOperand(values, { maxRank, maxDim: 3 }).chain((o: Operand) => {
    const rank = o.shape.length;
    const list = fc
      .shuffledSubarray(range(rank))
      .chain((ds) => fc.tuple(...ds.map((d) => fc.constantFrom(d, d - rank))).map((xs) => [...xs]));
    return fc.record({
      o: fc.constant(o),
      dim: fc.oneof(fc.constant(undefined), fc.constantFrom(...allDims(rank)), list),
      keepdim: fc.boolean(),
    });
  });
}

/** The slices of `shape` along `d`: each the flat indices in order along d. */
function slices(shape: Shape, d: number): number[][] {
  return groups(shape, [d]);
}

/** PyTorch's sort order: NaN largest; ties keep their order (a stable sort). */
function sortedOrder(xs: readonly number[], descending: boolean): number[] {
  const key = (x: number) => (Number.isNaN(x) ? Infinity : x);
  const rank = (a: number, b: number) => {
    const [x, y] = [xs[a], xs[b]];
    if (Number.isNaN(x) || Number.isNaN(y))
      return Number(Number.isNaN(x)) - Number(Number.isNaN(y));
    return key(x) - key(y);
  };
  return range(xs.length).sort((a, b) => (descending ? rank(b, a) : rank(a, b)) || a - b);
}

/** Where max (descending) or min finds its value: the first NaN, else the first extreme. */
function firstExtreme(xs: readonly number[], descending: boolean): number {
  const nan = xs.findIndex(Number.isNaN);
  return nan >= 0 ? nan : sortedOrder(xs, descending)[0];
}

/** Small integers (so ties are common) with NaN and infinities among them. */
const withSpecials = fc.oneof(
  { weight: 6, arbitrary: smallInts },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity) },
);

describeEachBackend("the reduction toolkit", (suite) => {
  const { opts, grad, host, numerically, checkNumerically, expectValues, expectGrad } = suite;

  it.each(overDims)(
    "%s over one dim, several or all, with and without keepdim",
    async (name, f, fold) => {
      const values =
        name === "prod" ? each(fc.double({ min: -2, max: 2, noNaN: true })) : each(anyValue);
      await fc.assert(
        fc.asyncProperty(arbDims(values), async ({ o, dim, keepdim }) => {
          const { view } = build(o, opts);
          const want = reduceHost(o.values, o.shape, dimsOf(o.shape.length, dim), keepdim, fold);
          const what = `${name}(${JSON.stringify(dim)}, ${keepdim}) of ${o.layout} [${o.shape}]`;
          await expectValues(f(view, dim, keepdim), want.shape, want.values, SUMS, what);
        }),
        { numRuns: RUNS },
      );
    },
  );

  it.each(overDims)(`%s: the gradient matches ${numerically}`, async (name, f) => {
    const values =
      name === "logsumexp" || name === "prod"
        ? each(fc.double({ min: -2, max: 2, noNaN: true }))
        : distinct;
    await fc.assert(
      fc.asyncProperty(arbDims(values, 3), async ({ o, dim, keepdim }) => {
        // std's and the 2-norm's gradients are not defined at 0 (a 1-element slice, a zero).
        const n = product(dimsOf(o.shape.length, dim).map((d) => o.shape[d]));
        if ((name === "std" || name === "var") && n < 2) return;
        const fn = (x: mt.Tensor) => f(x, dim, keepdim);
        await checkNumerically(
          fn,
          [o],
          `${name}(${JSON.stringify(dim)}) of ${o.layout} [${o.shape}]`,
        );
      }),
      { numRuns: GRADCHECK_RUNS },
    );
  });

  it("all and any over dims: NaN counts as nonzero; the result is a mask", async () => {
    const values = each(fc.constantFrom(0, 0, 1, -2, NaN));
    await fc.assert(
      fc.asyncProperty(arbDims(values), async ({ o, dim, keepdim }) => {
        const { view } = build(o, opts);
        const dims = dimsOf(o.shape.length, dim);
        const all = reduceHost(o.values, o.shape, dims, keepdim, (xs) =>
          Number(xs.every((x) => x !== 0)),
        );
        const any = reduceHost(o.values, o.shape, dims, keepdim, (xs) =>
          Number(xs.some((x) => x !== 0)),
        );
        const a = view.all(dim, keepdim);
        expect(a.dtype).toBe(maskDType);
        await expectValues(a, all.shape, all.values, EXACT, `all(${dim})`);
        await expectValues(mt.any(view, dim, keepdim), any.shape, any.values, EXACT, `any(${dim})`);
      }),
      { numRuns: RUNS },
    );
  });

  it("max and min over a dim give {values, indices}: the first extreme, NaN the extreme", async () => {
    await fc.assert(
      fc.asyncProperty(arbAnyOperand(each(withSpecials), { maxRank: 3 }), async (o) => {
        const { view } = build(o, opts);
        for (const dim of allDims(o.shape.length)) {
          const d = dim < 0 ? dim + Math.max(o.shape.length, 1) : dim;
          for (const [name, descending] of [
            ["max", true],
            ["min", false],
          ] as const) {
            const { values, indices } = name === "max" ? view.max(dim) : mt.min(view, dim);
            const firsts = (o.shape.length === 0 ? [[0]] : slices(o.shape, d)).map((s) =>
              firstExtreme(
                s.map((i) => o.values[i]),
                descending,
              ),
            );
            const picked = (o.shape.length === 0 ? [[0]] : slices(o.shape, d)).map(
              (s, k) => o.values[s[firsts[k]]],
            );
            const shape = o.shape.filter((_, i) => i !== d);
            expect(indices.dtype).toBe(indexDType);
            await expectValues(
              indices,
              shape,
              firsts,
              EXACT,
              `${name}(${dim}).indices of [${o.shape}]`,
            );
            await expectValues(values, shape, picked, EXACT, `${name}(${dim}).values`);
            const kept = view.max(dim, true);
            expect(kept.values.shape).toEqual(o.shape.map((s, i) => (i === d ? 1 : s)));
            if (name === "min")
              await expectValues(view.argmin(dim), shape, firsts, EXACT, "argmin");
          }
        }
        await expectValues(view.max(), [], [largest(o.values)], EXACT, "max()");
        await expectValues(view.min(), [], [smallest(o.values)], EXACT, "min()");
      }),
      { numRuns: RUNS },
    );
  });

  it("max(dim)'s gradient goes to its index alone; amax and max() split it between ties", async () => {
    const x = mt.tensor(
      [
        [5, 5, 1],
        [5, 2, 5],
      ],
      grad,
    );
    x.max(1)
      .values.mul(host([1, 2], [2]))
      .sum()
      .backward();
    await expectGrad(x, [1, 0, 0, 2, 0, 0], EXACT, "max(1).values");
    const y = mt.tensor(
      [
        [5, 5, 1],
        [5, 2, 0],
      ],
      grad,
    );
    y.amax([0, -1]).backward();
    await expectGrad(y, [1 / 3, 1 / 3, 0, 1 / 3, 0, 0], EXACT, "amax over both dims: 3 ties");
    const z = mt.tensor([1, NaN, 3, NaN], grad);
    z.max().backward();
    await expectGrad(z, [0, 0.5, 0, 0.5], EXACT, "max() of NaNs: split between them");
  });

  it("max(other) and min(other) are elementwise", async () => {
    const a = host([1, 5, -2], [3]);
    await expectValues(a.max(host([3, 0, -1], [3])), [3], [3, 5, -1], EXACT, "max(other)");
    await expectValues(mt.min(a, host([3, 0, -1], [3])), [3], [1, 0, -2], EXACT, "min(other)");
  });

  it("var and std take correction (default 1), unbiased and keepdim", async () => {
    const x = host([1, 2, 3, 4, 5, 7], [2, 3]);
    const rows = [
      [1, 2, 3],
      [4, 5, 7],
    ];
    await expectValues(x.var(1), [2], rows.map(variance(1)), EXACT, "var(1)");
    await expectValues(
      x.var(1, false),
      [2],
      rows.map(variance(0)),
      EXACT,
      "var(1, unbiased=false)",
    );
    await expectValues(x.var(1, true, true), [2, 1], rows.map(variance(1)), EXACT, "keepdim");
    await expectValues(
      x.std(-1, { correction: 2 }),
      [2],
      rows.map((r) => Math.sqrt(variance(2)(r))),
      EXACT,
      "correction 2",
    );
    await expectValues(x.var(), [], [variance(1)([1, 2, 3, 4, 5, 7])], EXACT, "var()");
    await expectValues(host([3], [1]).var(), [], [NaN], EXACT, "var of one element (0/0)");
    await expectValues(
      host([1, 3], [2]).var({ correction: 2 }),
      [],
      [Infinity],
      EXACT,
      "N = correction",
    );
    expect(() => x.var({ correction: 1, unbiased: true })).toThrow(mt.DataError);
    expect(() => x.var({ ddof: 1 } as never)).toThrow(/ddof/);
  });

  it("logsumexp and the 2-norm stay finite for large values; ±∞ as PyTorch", async () => {
    await expectValues(
      host([1000, 1000], [2]).logsumexp(0),
      [],
      [1000 + Math.log(2)],
      EXACT,
      "lse 1000",
    );
    await expectValues(
      host([-Infinity, -Infinity], [2]).logsumexp(0),
      [],
      [-Infinity],
      EXACT,
      "lse −∞",
    );
    await expectValues(host([1, Infinity], [2]).logsumexp(0), [], [Infinity], EXACT, "lse +∞");
    await expectValues(
      host([1e30, 1e30], [2]).norm(),
      [],
      [Math.fround(1e30) * Math.SQRT2],
      EXACT,
      "norm 1e30",
    );
    await expectValues(host([3, -4], [2]).norm("fro"), [], [5], EXACT, "fro");
    await expectValues(host([0, 2, 0, -1], [4]).norm(0), [], [2], EXACT, "norm(0) counts nonzeros");
    const zeros = mt.zeros([3], grad);
    zeros.norm().backward();
    await expectGrad(zeros, [0, 0, 0], EXACT, "the 2-norm's gradient at 0 is 0");
    expect(() => host([1], [1]).norm("nuc" as never)).toThrow(mt.DataError);
  });

  it("cumsum and cumprod along every dim, with their gradients", async () => {
    const scans: [
      string,
      (t: mt.Tensor, d: number) => mt.Tensor,
      (p: number, x: number) => number,
    ][] = [
      ["cumsum", (t, d) => t.cumsum(d), (p, x) => p + x],
      ["cumprod", (t, d) => mt.cumprod(t, d), (p, x) => p * x],
    ];
    await fc.assert(
      fc.asyncProperty(arbAnyOperand(each(positive), { maxDim: 5 }), async (o) => {
        const { view } = build(o, opts);
        for (const dim of allDims(o.shape.length)) {
          const d = dim < 0 ? dim + Math.max(o.shape.length, 1) : dim;
          for (const [name, f, step] of scans) {
            const want = [...o.values];
            for (const s of o.shape.length === 0 ? [[0]] : slices(o.shape, d)) {
              s.reduce((p, i) => (want[i] = step(p, o.values[i])), name === "cumsum" ? 0 : 1);
            }
            await expectValues(
              f(view, dim),
              o.shape,
              want,
              SUMS,
              `${name}(${dim}) of [${o.shape}]`,
            );
          }
        }
      }),
      { numRuns: RUNS },
    );
    const withZero = mt.tensor([2, 0, 3, -1], grad);
    withZero.cumprod(0).sum().backward();
    // d/dx Σᵢ Πⱼ≤ᵢ xⱼ at [2, 0, 3, −1]: exact at the zero, where g·y/x would be NaN.
    await expectGrad(withZero, [1, 2 + 6 - 6, 0, 0], EXACT, "cumprod through a zero");
  });

  it(`cumsum, cumprod, sort, topk and max(dim): gradients match ${numerically}`, async () => {
    const cases: [string, (t: mt.Tensor) => mt.Tensor][] = [
      ["cumsum(-1)", (t) => t.cumsum(-1)],
      ["cumprod(0)", (t) => t.cumprod(0)],
      ["sort(-1).values", (t) => t.sort(-1).values],
      ["sort(0, descending).values", (t) => mt.sort(t, 0, true).values],
      ["topk(1).values", (t) => t.topk(1).values],
      ["max(0).values", (t) => t.max(0).values],
    ];
    await fc.assert(
      fc.asyncProperty(
        arbAnyOperand(distinct, { minRank: 1, maxRank: 3, maxDim: 3 }),
        async (o) => {
          for (const [what, fn] of cases)
            await checkNumerically(fn, [o], `${what} of ${o.layout} [${o.shape}]`);
        },
      ),
      { numRuns: GRADCHECK_RUNS },
    );
  });

  it("sort, argsort and topk along every dim: stable for ties, NaN the largest", async () => {
    await fc.assert(
      fc.asyncProperty(
        arbAnyOperand(each(withSpecials), { maxRank: 3 }),
        fc.boolean(),
        async (o, descending) => {
          const { view } = build(o, opts);
          for (const dim of allDims(o.shape.length)) {
            const d = dim < 0 ? dim + Math.max(o.shape.length, 1) : dim;
            const wantIdx = new Array<number>(o.values.length);
            const wantVal = new Array<number>(o.values.length);
            for (const s of o.shape.length === 0 ? [[0]] : slices(o.shape, d)) {
              sortedOrder(
                s.map((i) => o.values[i]),
                descending,
              ).forEach((j, r) => {
                wantIdx[s[r]] = j;
                wantVal[s[r]] = o.values[s[j]];
              });
            }
            const what = `sort(${dim}, ${descending}) of ${o.layout} [${o.shape}]`;
            const sorted = view.sort(dim, { descending });
            expect(sorted.indices.dtype).toBe(indexDType);
            await expectValues(sorted.indices, o.shape, wantIdx, EXACT, `${what}: indices`);
            await expectValues(sorted.values, o.shape, wantVal, EXACT, `${what}: values`);
            await expectValues(
              mt.argsort(view, dim, descending),
              o.shape,
              wantIdx,
              EXACT,
              `arg${what}`,
            );
            const n = o.shape.length === 0 ? 1 : o.shape[d];
            const k = Math.min(2, n);
            const top = view.topk(k, dim, descending);
            const keep = (_: number, i: number) =>
              o.shape.length === 0 || allIndices(o.shape)[i][d] < k;
            const shape = o.shape.map((s, i) => (i === d ? k : s));
            await expectValues(
              top.indices,
              shape,
              wantIdx.filter(keep),
              EXACT,
              `topk(${k}) ${what}`,
            );
            await expectValues(top.values, shape, wantVal.filter(keep), EXACT, `topk(${k}) values`);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("sort's gradient goes back to where each value came from", async () => {
    const x = mt.tensor([3, 1, 2], grad);
    const w = weights(3);
    x.sort()
      .values.mul(host(w, [3]))
      .sum()
      .backward();
    // sorted = [x1, x2, x0]
    await expectGrad(x, [w[2], w[0], w[1]], EXACT, "sort");
  });

  it("empty dims: sum 0, prod 1, mean NaN, all true, any false, logsumexp −∞; max refuses", async () => {
    const e = mt.zeros([2, 0], opts);
    await expectValues(e.sum(1), [2], [0, 0], EXACT, "sum");
    await expectValues(e.prod(-1, true), [2, 1], [1, 1], EXACT, "prod");
    await expectValues(e.mean(1), [2], [NaN, NaN], EXACT, "mean");
    await expectValues(e.sum(0), [0], [], EXACT, "sum over the non-empty dim");
    await expectValues(e.all(1), [2], [1, 1], EXACT, "all");
    await expectValues(e.any(), [], [0], EXACT, "any");
    await expectValues(e.logsumexp(1), [2], [-Infinity, -Infinity], EXACT, "logsumexp");
    await expectValues(e.cumsum(1), [2, 0], [], EXACT, "cumsum");
    await expectValues(e.sort(1).values, [2, 0], [], EXACT, "sort");
    for (const f of [
      () => e.max(),
      () => e.max(1),
      () => e.amax(1),
      () => e.argmin(),
      () => e.min(-1),
    ]) {
      expect(f).toThrow(mt.ShapeError);
    }
    const g = mt.zeros([0], grad);
    g.prod().backward();
    expect(g.grad?.shape).toEqual([0]);
  });

  it("0-d tensors reduce over dim 0 or −1 to themselves", async () => {
    const s = host([5], []);
    for (const [what, t] of [
      ["sum(0)", s.sum(0)],
      ["prod(-1)", s.prod(-1)],
      ["amax()", s.amax()],
      ["max(0).values", s.max(0).values],
      ["cumsum(0)", s.cumsum(0)],
      ["sort().values", s.sort().values],
      ["topk(1).values", s.topk(1).values],
    ] as const) {
      await expectValues(t, [], [5], EXACT, what);
    }
    await expectValues(s.max(0).indices, [], [0], EXACT, "max(0).indices");
    await expectValues(s.argsort(), [], [0], EXACT, "argsort()");
    await expectValues(s.var({ correction: 0 }), [], [0], EXACT, "var");
  });

  it("bad arguments are typed errors naming the op and the value", () => {
    const x = host([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(() => x.sum([1, -1])).toThrow(/sum: dim 1 appears more than once/);
    expect(() => x.amax([0, 0])).toThrow(mt.ShapeError);
    expect(() => x.sum(2)).toThrow(mt.ShapeError);
    expect(() => x.max([0, 1] as never)).toThrow(mt.DataError);
    expect(() => x.sum(0, { keepdims: true } as never)).toThrow(/keepdims/);
    expect(() => x.sum(0, true, { keepdim: true })).toThrow(/keepdim given both/);
    expect(() => x.topk(4)).toThrow(/topk: k = 4 is out of range for dim 1 of size 3/);
    expect(() => x.sort({ stable: "yes" } as never)).toThrow(mt.DataError);
    expect(() => x.norm(-1)).toThrow(/norm/);
    expect(() => mt.sum(7 as never)).toThrow(mt.DTypeError);
  });
});
