import fc from "fast-check";
import { it } from "vitest";
import type * as mt from "../../src/index.js";
import { reduceOp } from "../../src/tensor/history_free_ops.js";
import {
  anyValue,
  EXACT,
  type Reduction,
  reduceCases,
  rowsOf,
  SUMS,
  smallInts,
} from "../op_cases.js";
import { allIndices, ordinalOf, product } from "../shape_oracles.js";
import { describeEachBackend, GRADCHECK_RUNS, RUNS, weights } from "./harness.js";
import {
  allDims,
  arbAnyOperand,
  build,
  distinct,
  each,
  type Operand,
  toLeaf,
  type ValuesArb,
} from "./operands.js";

/**
 * Reductions on every backend: each reduction of the op table (test/op_cases.ts) and `mean`, over
 * every dim (negative too) and over all elements, with and without keepdim, their gradients, and
 * argmax. `min` has no Tensor method (argmax is built on it): it runs as the history-free kernel.
 */

type Shape = readonly number[];

/** The mean: a Tensor method built on sum, not a row of the op table. */
const mean: Reduction = {
  fold: (xs) => xs.reduce((p, x) => p + x, 0) / xs.length,
  local: (xs) => 1 / xs.length,
  domain: anyValue,
  method: (t, dim, keepdim) => t.mean(dim, keepdim),
};

type Method = NonNullable<Reduction["method"]>;
const reductions: [string, Reduction][] = [...rowsOf(reduceCases), ["mean", mean]];
const methods = reductions.flatMap(([name, r]): [string, Reduction, Method][] =>
  r.method === null ? [] : [[name, r, r.method]],
);
const kernelOnly = rowsOf(reduceCases).filter(([, r]) => r.method === null);

/**
 * A reduction over `dim` (all elements when undefined) by nested loops, and the gradient of
 * Σ w·result with respect to each input element.
 */
function reduceHost(
  r: Reduction,
  values: readonly number[],
  shape: Shape,
  dim: number | undefined,
  keepdim: boolean,
  w: readonly number[] | null,
) {
  const rank = shape.length;
  // Reducing everything is reducing a flat view along its only dim.
  const flat = dim === undefined;
  const inShape = flat ? [values.length] : [...shape];
  const d = flat ? 0 : dim < 0 ? dim + Math.max(rank, 1) : dim;
  const kept = inShape.map((s, i) => (i === d ? 1 : s));
  const groups = new Map<number, number[]>();
  allIndices(inShape).forEach((index, i) => {
    const o = ordinalOf(
      index.map((x, k) => (k === d ? 0 : x)),
      kept,
    );
    groups.set(o, [...(groups.get(o) ?? []), i]);
  });
  const outValues: number[] = [];
  const grad = new Array<number>(values.length).fill(0);
  for (let o = 0; o < product(kept); o++) {
    const members = groups.get(o) ?? [];
    const xs = members.map((i) => values[i]);
    outValues.push(r.fold(xs));
    if (w !== null) {
      members.forEach((i, k) => {
        grad[i] += w[o] * r.local(xs, k);
      });
    }
  }
  let outShape: number[];
  if (flat) outShape = keepdim ? shape.map(() => 1) : [];
  else if (rank === 0) outShape = [];
  else outShape = keepdim ? kept : shape.filter((_, i) => i !== d);
  return { shape: outShape, values: outValues, grad };
}

/** Index of the first max along `dim` (of the flattened values when undefined). */
function argmaxHost(values: readonly number[], shape: Shape, dim: number | undefined) {
  // A 0-d tensor has one element: its argmax along dim 0 (or −1) is 0, with shape [].
  if (shape.length === 0 && dim !== undefined) return { kept: [], values: [0] };
  const flat = dim === undefined;
  const inShape = flat ? [values.length] : [...shape];
  const d = flat ? 0 : dim < 0 ? dim + inShape.length : dim;
  const kept = inShape.map((s, i) => (i === d ? 1 : s));
  const best = new Array<number>(product(kept)).fill(Number.NEGATIVE_INFINITY);
  const where = new Array<number>(product(kept)).fill(-1);
  allIndices(inShape).forEach((index, i) => {
    const o = ordinalOf(
      index.map((x, k) => (k === d ? 0 : x)),
      kept,
    );
    if (values[i] > best[o]) {
      best[o] = values[i];
      where[o] = index[d];
    }
  });
  return { kept, values: where };
}

/** An operand, a random dim (or none: all elements) and keepdim. */
function arbReduction(values: ValuesArb, options: Parameters<typeof arbAnyOperand>[1] = {}) {
  return arbAnyOperand(values, options).chain((o: Operand) =>
    fc.record({
      o: fc.constant(o),
      dim: fc.option(fc.constantFrom(...allDims(o.shape.length)), { nil: undefined }),
      keepdim: fc.boolean(),
    }),
  );
}

describeEachBackend("reductions", (suite) => {
  const { opts, grad, host, numerically, checkNumerically, expectValues, expectGrad } = suite;

  it.each(methods)(
    "%s over every dim (negative too), with and without keepdim, and over all elements",
    async (name, r, method) => {
      await fc.assert(
        fc.asyncProperty(arbAnyOperand(each(r.domain)), async (o) => {
          const { view } = build(o, opts);
          const x = o.values;
          for (const dim of [undefined, ...allDims(o.shape.length)]) {
            for (const keepdim of [false, true]) {
              const want = reduceHost(r, x, o.shape, dim, keepdim, null);
              const what = `${name}(${dim}, ${keepdim}) of ${o.shape}`;
              const got = method(view, dim, keepdim);
              await expectValues(got, want.shape, want.values, SUMS, what);
            }
          }
        }),
        { numRuns: RUNS },
      );
    },
  );

  it.each(kernelOnly)("%s (the kernel) over every dim (negative too)", async (op, r) => {
    await fc.assert(
      fc.asyncProperty(arbAnyOperand(each(r.domain)), async (o) => {
        const { view } = build(o, opts);
        for (const dim of allDims(o.shape.length)) {
          const want = reduceHost(r, o.values, o.shape, dim, true, null);
          const got = reduceOp(op, view, dim);
          await expectValues(got, want.shape, want.values, SUMS, `${op}(${dim}) of ${o.shape}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("argmax along every dim picks the first max on ties", async () => {
    await fc.assert(
      fc.asyncProperty(arbAnyOperand(each(smallInts)), async (o) => {
        const { view } = build(o, opts);
        for (const dim of allDims(o.shape.length)) {
          const want = argmaxHost(o.values, o.shape, dim);
          const d = dim < 0 ? dim + o.shape.length : dim;
          const dropped = o.shape.filter((_, i) => i !== d);
          await expectValues(view.argmax(dim), dropped, want.values, EXACT, `argmax(${dim})`);
          await expectValues(view.argmax(dim, true), want.kept, want.values, EXACT, "keepdim");
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("argmax over all elements indexes the flattened tensor, first max on ties", async () => {
    await fc.assert(
      fc.asyncProperty(arbAnyOperand(each(smallInts)), async (o) => {
        const { view } = build(o, opts);
        const want = argmaxHost(o.values, o.shape, undefined);
        await expectValues(view.argmax(), [], want.values, EXACT, "argmax()");
        const ones = o.shape.map(() => 1);
        await expectValues(view.argmax(undefined, true), ones, want.values, EXACT, "keepdim");
      }),
      { numRuns: RUNS },
    );
  });

  it("argmax(0) of a 0-d tensor has shape [] (a regression)", async () => {
    const s = host([5], []);
    await expectValues(s.argmax(0), [], [0], EXACT, "argmax(0)");
    await expectValues(s.argmax(-1, true), [], [0], EXACT, "argmax(-1, true)");
  });

  it.each(methods)(
    "%s over a random dim or all elements: the gradient (max: split evenly between ties)",
    async (name, r, method) => {
      await fc.assert(
        fc.asyncProperty(arbReduction(each(r.domain)), async ({ o, dim, keepdim }) => {
          const { leaf, view } = build(o, grad);
          const y = method(view, dim, keepdim);
          const w = weights(y.numel());
          y.backward(host(w, y.shape));
          const want = reduceHost(r, o.values, o.shape, dim, keepdim, w);
          const what = `${name}(${dim}, ${keepdim}) of ${o.layout} ${o.shape}`;
          await expectGrad(leaf, toLeaf(o, want.grad), SUMS, what);
        }),
        { numRuns: RUNS },
      );
    },
  );

  it.each(methods)(
    `%s over a random dim or all elements: the gradient matches ${numerically}`,
    async (name, _r, method) => {
      const arb = arbReduction(distinct, { maxRank: 3, maxDim: 3 });
      await fc.assert(
        fc.asyncProperty(arb, async ({ o, dim, keepdim }) => {
          const fn = (x: mt.Tensor) => method(x, dim, keepdim);
          await checkNumerically(fn, [o], `${name}(${dim}) of ${o.layout} ${o.shape}`);
        }),
        { numRuns: GRADCHECK_RUNS },
      );
    },
  );
});
