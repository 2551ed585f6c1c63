import fc from "fast-check";
import { expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { type BinaryOp, unaryOps } from "../../src/strided/ops.js";
import { zipOp } from "../../src/tensor/history_free_ops.js";
import {
  type BinaryCase,
  binaryCases,
  EXACT,
  type MethodCase,
  rowsOf,
  SUMS,
  unaryCases,
} from "../op_cases.js";
import { allIndices, broadcastShapes, ordinalOf, readBroadcast } from "../shape_oracles.js";
import { describeEachBackend, GRADCHECK_RUNS, RUNS, weights } from "./harness.js";
import { arbAnyOperand, arbBroadcastPair, build, each, type Operand, toLeaf } from "./operands.js";

/**
 * Elementwise ops on every backend: each row of the op table (test/op_cases.ts) on any layout and
 * on broadcasting pairs, and the gradients of the ones a Tensor method runs. A derivative row
 * `*Back` has no Tensor method: it runs as the history-free kernel, and through its op's backward.
 */

type Tensor = mt.Tensor;

const unaryRows = rowsOf(unaryCases);
const binaryRows = rowsOf(binaryCases);
const methodRows = binaryRows.filter(
  (row): row is [BinaryOp, MethodCase] => row[1].kind === "method",
);
const smoothRows = methodRows.filter(([, c]) => c.smooth);
/** The rows whose results carry gradients (comparisons give bool masks, which do not). */
const gradientRows = methodRows.filter(([, c]) => c.mask !== true);
const maskRows = methodRows.filter(([, c]) => c.mask === true);

/** How a binary row runs on two tensors: its Tensor method, or the kernel for a derivative row. */
function runner(op: BinaryOp, c: BinaryCase): (a: Tensor, b: Tensor) => Tensor {
  return c.kind === "method" ? c.apply : (a, b) => zipOp(op, a, b);
}

/** op(a, b) with broadcasting, and for a method the gradients of Σ w·op(a, b) for each input. */
function zipHost(c: BinaryCase, a: Operand, b: Operand, w: readonly number[] | null) {
  const shape = broadcastShapes(a.shape, b.shape);
  const av = a.values;
  const bv = b.values;
  const ga = new Array<number>(av.length).fill(0);
  const gb = new Array<number>(bv.length).fill(0);
  const values = allIndices(shape).map((index, i) => {
    const ia = ordinalOf(readBroadcast(index, a.shape), a.shape);
    const ib = ordinalOf(readBroadcast(index, b.shape), b.shape);
    if (w !== null && c.kind === "method") {
      ga[ia] += w[i] * c.da(av[ia], bv[ib]);
      gb[ib] += w[i] * c.db(av[ia], bv[ib]);
    }
    return c.f(av[ia], bv[ib]);
  });
  return { shape, values, ga, gb };
}

it("each unary op's derivative row is tested as the derivative of that op", () => {
  for (const [op, row] of rowsOf(unaryOps)) {
    expect(binaryCases[row.back]).toMatchObject({ kind: "derivative", of: op });
  }
});

describeEachBackend("elementwise ops", (suite) => {
  const { opts, grad, host, numerically, checkNumerically, expectValues, expectGrad } = suite;

  it.each(unaryRows)("%s of any layout applies it to each element", async (op, c) => {
    await fc.assert(
      fc.asyncProperty(arbAnyOperand(each(c.domain)), async (o) => {
        const { view } = build(o, opts);
        const want = o.values.map(c.f);
        await expectValues(c.apply(view), o.shape, want, c.tol, `${op} ${o.layout}`);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(binaryRows)("%s of two broadcasting tensors, in either order", async (op, c) => {
    const run = runner(op, c);
    await fc.assert(
      fc.asyncProperty(arbBroadcastPair(each(c.left), each(c.right)), async ([a, b]) => {
        const z = run(build(a, opts).view, build(b, opts).view);
        const want = zipHost(c, a, b, null);
        await expectValues(z, want.shape, want.values, c.tol, `${a.shape} ${op} ${b.shape}`);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(methodRows)("%s of a tensor and a number", async (op, c) => {
    await fc.assert(
      fc.asyncProperty(arbAnyOperand(each(c.left)), c.right, async (a, x) => {
        // A number operand takes the tensor's dtype, so it is rounded to float32 first.
        const want = a.values.map((v) => c.f(v, Math.fround(x)));
        await expectValues(c.apply(build(a, opts).view, x), a.shape, want, c.tol, op);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(unaryRows)("%s: d Σ w·op(x) / dx = w·op'(x), through any layout", async (op, c) => {
    await fc.assert(
      // The whole domain: relu's gradient at exactly 0 is the subgradient 0, as in PyTorch.
      fc.asyncProperty(arbAnyOperand(each(c.domain)), async (o) => {
        const { leaf, view } = build(o, grad);
        const y = c.apply(view);
        const w = weights(y.numel());
        y.backward(host(w, y.shape)); // a non-scalar backward with an explicit gradient
        const want = toLeaf(
          o,
          o.values.map((x, i) => w[i] * c.df(x)),
        );
        await expectGrad(leaf, want, SUMS, `${op} ${o.layout} ${o.shape}`);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(gradientRows)(
    "%s of broadcasting tensors: gradients are summed back to each input's shape",
    async (op, c) => {
      await fc.assert(
        fc.asyncProperty(arbBroadcastPair(each(c.left), each(c.right)), async ([a, b]) => {
          const ta = build(a, grad);
          const tb = build(b, grad);
          const z = c.apply(ta.view, tb.view);
          const w = weights(z.numel());
          z.mul(host(w, z.shape)).sum().backward();
          const want = zipHost(c, a, b, w);
          const what = `${a.layout} ${a.shape} ${op} ${b.layout} ${b.shape}`;
          await expectGrad(ta.leaf, toLeaf(a, want.ga), SUMS, `${what}, first`);
          await expectGrad(tb.leaf, toLeaf(b, want.gb), SUMS, `${what}, second`);
        }),
        { numRuns: RUNS },
      );
    },
  );

  it.each(maskRows)(
    "%s gives a bool mask without history, of tensors that require grad too",
    async (op, c) => {
      for (const dtype of ["float32", "int32", "bool"] as const) {
        if (!suite.backend.dtypes.includes(dtype)) continue;
        const a = mt.tensor([0, 1, 2], { ...opts, dtype, requiresGrad: dtype === "float32" });
        const z = c.apply(a, mt.tensor([1, 1, 1], { ...opts, dtype }));
        expect([z.dtype, z.requiresGrad, z.history], `${op} of ${dtype}`).toEqual([
          "bool",
          false,
          null,
        ]);
        const want = [0, 1, 2].map((v) => c.f(dtype === "bool" ? Number(v !== 0) : v, 1));
        await expectValues(z, [3], want, EXACT, `${op} of ${dtype}`);
      }
    },
  );

  it.each(gradientRows)("%s of a tensor and a number: the gradient", async (op, c) => {
    await fc.assert(
      fc.asyncProperty(arbAnyOperand(each(c.left)), c.right, async (a, x) => {
        const ta = build(a, grad);
        const z = c.apply(ta.view, x);
        const w = weights(z.numel());
        z.mul(host(w, z.shape)).sum().backward();
        const want = toLeaf(
          a,
          a.values.map((v, i) => w[i] * c.da(v, Math.fround(x))),
        );
        await expectGrad(ta.leaf, want, SUMS, `${op} ${a.layout} ${a.shape} with ${x}`);
      }),
      { numRuns: RUNS },
    );
  });

  it("d Σ(a·b) / da = b summed over the dims a was broadcast along", async () => {
    const a = mt.tensor([[1], [2]], grad); // [2,1] broadcasts along dim 1
    const b = mt.tensor([10, 20, 30], grad); // [3] broadcasts along dim 0
    a.mul(b).sum().backward();
    await expectGrad(a, [60, 60], EXACT, "a");
    await expectGrad(b, [3, 3, 3], EXACT, "b");
  });

  const small = { maxRank: 3, maxDim: 3 };
  const runs = { numRuns: GRADCHECK_RUNS };

  it.each(unaryRows)(`%s: the gradient matches ${numerically}`, async (op, c) => {
    await fc.assert(
      fc.asyncProperty(arbAnyOperand(each(c.smooth ?? c.domain), small), async (o) => {
        await checkNumerically(c.apply, [o], `${op} ${o.layout}`);
      }),
      runs,
    );
  });

  it.each(smoothRows)(
    `%s of broadcasting tensors of any layout: the gradients match ${numerically}`,
    async (op, c) => {
      await fc.assert(
        fc.asyncProperty(arbBroadcastPair(each(c.left), each(c.right), small), async ([a, b]) => {
          await checkNumerically(c.apply, [a, b], `${a.shape} ${op} ${b.shape}`);
        }),
        runs,
      );
    },
  );

  it.each(smoothRows)(
    `%s of a tensor and a number: the gradient matches ${numerically}`,
    async (op, c) => {
      await fc.assert(
        fc.asyncProperty(arbAnyOperand(each(c.left), small), c.right, async (a, x) => {
          await checkNumerically((t) => c.apply(t, x), [a], `${op} ${x}`);
        }),
        runs,
      );
    },
  );
});
