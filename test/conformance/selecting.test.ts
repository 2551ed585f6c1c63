import fc from "fast-check";
import { expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { anyValue, EXACT } from "../op_cases.js";
import {
  allIndices,
  broadcastShapes,
  nest,
  ordinalOf,
  product,
  readBroadcast,
} from "../shape_oracles.js";
import { gather, gatherProperties } from "./gather.js";
import { describeEachBackend, GRADCHECK_RUNS, RUNS } from "./harness.js";
import { arbAnyOperand, arbOperand, arbShape, build, each, type Operand } from "./operands.js";

/**
 * Selecting by index tensors and masks on every backend: gather, indexSelect, scatter,
 * scatterAdd, where, maskedFill and maskedSelect — values from plain-JS loops over row-major
 * arrays, gradients against the elements picked and central differences, and the errors.
 */

type Tensor = mt.Tensor;
type Shape = readonly number[];

/** An index tensor on `t`'s backend: int64 where the backend stores integers, else float32. */
function indexOn(t: Tensor, values: readonly number[], shape: Shape): Tensor {
  const dtype = t.backendImpl.dtypes.includes("int32") ? "int64" : "float32";
  return mt.tensor(nest(values, shape), { backend: t.backend, dtype }).reshape([...shape]);
}

/** A mask on `t`'s backend: bool where the backend stores it, else float32 1/0. */
function maskOn(t: Tensor, values: readonly number[], shape: Shape): Tensor {
  const dtype = t.backendImpl.dtypes.includes("bool") ? "bool" : "float32";
  return mt.tensor(nest(values, shape), { backend: t.backend, dtype }).reshape([...shape]);
}

/** An input shape, a dim, an index shape fitting it (any size along dim) and index values. */
function arbIndexProblem(maxRank: number, maxDim: number, minSize = 1) {
  return arbShape(1, maxRank, maxDim).chain((shape) =>
    fc.integer({ min: -shape.length, max: shape.length - 1 }).chain((dim) => {
      const d = dim < 0 ? dim + shape.length : dim;
      const indexShape = fc.tuple(
        ...shape.map((s, k) => fc.integer({ min: k === d ? minSize : 1, max: k === d ? 4 : s })),
      );
      return indexShape.chain((is) =>
        fc
          .array(fc.integer({ min: 0, max: shape[d] - 1 }), {
            minLength: product(is),
            maxLength: product(is),
          })
          .map((values) => ({ shape, dim, d, indexShape: is as number[], values })),
      );
    }),
  );
}

/** gather(dim, index) of a random operand: out[p] = input[p with p[d] = index[p]]. */
function arbGatherCase(maxRank: number, maxDim: number) {
  return arbIndexProblem(maxRank, maxDim).chain(({ shape, dim, d, indexShape, values }) =>
    arbOperand(shape, each(anyValue)).map((input) => ({
      input,
      apply: (t: Tensor) => t.gather(dim, indexOn(t, values, indexShape)),
      want: gather(shape, indexShape, (p) =>
        p.map((x, k) => (k === d ? values[ordinalOf(p, indexShape)] : x)),
      ),
      what: `gather(${dim}, ${JSON.stringify(values)} of ${JSON.stringify(indexShape)})`,
    })),
  );
}

/** indexSelect(dim, index) of a random operand (index 1-D, repeats allowed). */
function arbIndexSelectCase(maxRank: number, maxDim: number) {
  return arbAnyOperand(each(anyValue), { minRank: 1, maxRank, maxDim }).chain((input) => {
    const n = input.shape.length;
    return fc.integer({ min: -n, max: n - 1 }).chain((dim) => {
      const d = dim < 0 ? dim + n : dim;
      return fc
        .array(fc.integer({ min: 0, max: input.shape[d] - 1 }), { maxLength: 5 })
        .map((values) => ({
          input,
          apply: (t: Tensor) => t.indexSelect(dim, indexOn(t, values, [values.length])),
          want: gather(
            input.shape,
            input.shape.map((s, k) => (k === d ? values.length : s)),
            (p) => p.map((x, k) => (k === d ? values[x] : x)),
          ),
          what: `indexSelect(${dim}, ${JSON.stringify(values)})`,
        }));
    });
  });
}

/** scatter / scatterAdd in plain JS: input's values with src written (or added) at index. */
function scatterHost(
  input: Operand,
  src: Operand,
  d: number,
  indexShape: Shape,
  values: readonly number[],
  add: boolean,
): number[] {
  const out = [...input.values];
  // Row-major order visits the rows aiming at one target in increasing position along d: the
  // last one written wins, as the implementation promises.
  allIndices(indexShape).forEach((p, k) => {
    const target = ordinalOf(
      p.map((x, j) => (j === d ? values[k] : x)),
      input.shape,
    );
    const v = src.values[ordinalOf(p, src.shape)];
    out[target] = add ? out[target] + v : v;
  });
  return out;
}

function arbScatterProblem(maxRank: number, maxDim: number) {
  return arbIndexProblem(maxRank, maxDim).chain((problem) =>
    fc
      .tuple(...problem.indexShape.map((s) => fc.integer({ min: s, max: s + 1 })))
      .chain((srcShape) =>
        fc.tuple(
          arbOperand(problem.shape, each(anyValue)),
          arbOperand(srcShape as number[], each(anyValue)),
        ),
      )
      .map(([input, src]) => ({ ...problem, input, src })),
  );
}

describeEachBackend("selecting by index tensors and masks", (suite) => {
  const { opts, grad, expectValues, expectGrad, checkNumerically } = suite;
  const sync = suite.backend.synchronousRead;

  gatherProperties(suite, "gather", arbGatherCase);
  gatherProperties(suite, "indexSelect", arbIndexSelectCase);

  for (const add of [false, true]) {
    const op = add ? "scatterAdd" : "scatter";
    const run = (t: Tensor, dim: number, index: Tensor, src: Tensor) =>
      add ? t.scatterAdd(dim, index, src) : t.scatter(dim, index, src);
    it(`${op} of any layouts writes src at index (repeats: ${add ? "added" : "the last wins"})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          arbScatterProblem(3, 4),
          async ({ input, src, dim, d, indexShape, values }) => {
            const a = build(input, opts).view;
            const s = build(src, opts).view;
            const out = run(a, dim, indexOn(a, values, indexShape), s);
            const want = scatterHost(input, src, d, indexShape, values, add);
            await expectValues(
              out,
              input.shape,
              want,
              EXACT,
              `${op}(${dim}, ${JSON.stringify(values)})`,
            );
          },
        ),
        { numRuns: RUNS },
      );
    });
    it(`${op}: the gradients match ${suite.numerically}`, async () => {
      await fc.assert(
        fc.asyncProperty(
          arbScatterProblem(3, 3),
          async ({ input, src, dim, indexShape, values }) => {
            await checkNumerically(
              (a, s) => run(a, dim, indexOn(a, values, indexShape), s),
              [input, src],
              `${op}(${dim}, ${JSON.stringify(values)}) of ${input.shape}`,
            );
          },
        ),
        { numRuns: GRADCHECK_RUNS },
      );
    });
  }

  it("scatter takes a number as its source; mt.scatter and mt.scatterAdd are the methods", async () => {
    const x = mt.tensor(
      [
        [0, 1, 2],
        [3, 4, 5],
      ],
      opts,
    );
    const i = indexOn(x, [0, 2], [2, 1]);
    await expectValues(x.scatter(1, i, 7), [2, 3], [7, 1, 2, 3, 4, 7], EXACT, "scatter(1, i, 7)");
    await expectValues(mt.scatter(x, 1, i, 7), [2, 3], [7, 1, 2, 3, 4, 7], EXACT, "mt.scatter");
    const ones = mt.ones([2, 3], opts);
    const j = indexOn(x, [0, 0], [1, 2]);
    await expectValues(
      mt.scatterAdd(x, 1, j, ones),
      [2, 3],
      [2, 1, 2, 3, 4, 5],
      EXACT,
      "scatterAdd twice at 0",
    );
  });

  it("gather and indexSelect of 0-d, empty and non-contiguous inputs; NaN not picked stays out", async () => {
    const s = mt.tensor(5, opts);
    await expectValues(s.gather(0, indexOn(s, [0], [])), [], [5], EXACT, "gather of a 0-d tensor");
    await expectValues(
      mt.indexSelect(s, -1, indexOn(s, [0], [1])),
      [],
      [5],
      EXACT,
      "indexSelect of a 0-d tensor",
    );
    const x = mt.tensor(
      [
        [0, 1, 2],
        [3, 4, 5],
      ],
      opts,
    );
    await expectValues(x.gather(1, indexOn(x, [], [2, 0])), [2, 0], [], EXACT, "an empty index");
    await expectValues(
      x.indexSelect(0, indexOn(x, [1], [])),
      [1, 3],
      [3, 4, 5],
      EXACT,
      "a 0-d index keeps the dim",
    );
    await expectValues(
      mt.gather(x.T, 0, indexOn(x, [2, 0], [1, 2])),
      [1, 2],
      [2, 3],
      EXACT,
      "gather of x.T",
    );
    const nan = mt.tensor(
      [
        [Number.NaN, 1],
        [2, Number.POSITIVE_INFINITY],
      ],
      opts,
    );
    await expectValues(
      nan.gather(1, indexOn(nan, [1, 0], [2, 1])),
      [2, 1],
      [1, 2],
      EXACT,
      "NaN and ∞ not picked",
    );
    await expectValues(
      nan.indexSelect(0, indexOn(nan, [1], [1])),
      [1, 2],
      [2, Number.POSITIVE_INFINITY],
      EXACT,
      "∞ picked",
    );
  });

  it("index errors are typed and name the values", () => {
    const x = mt.tensor(
      [
        [0, 1, 2],
        [3, 4, 5],
      ],
      opts,
    );
    expect(() => x.gather(1, indexOn(x, [0, 1], [2]))).toThrow(
      /gather: index has 1 dims but the input has 2/,
    );
    expect(() => x.gather(0, indexOn(x, [0, 0, 0, 0], [1, 4]))).toThrow(mt.ShapeError);
    expect(() => x.gather(2, indexOn(x, [0], [1, 1]))).toThrow(/gather: dim 2 is out of range/);
    expect(() => x.indexSelect(0, indexOn(x, [0, 1], [1, 2]))).toThrow(
      /indexSelect: index must be 1-D/,
    );
    if (x.backendImpl.dtypes.includes("bool")) {
      expect(() => x.gather(1, maskOn(x, [1, 0], [2, 1]))).toThrow(
        /gather: index must be an integer tensor, got a bool tensor/,
      );
    }
    if (x.backendImpl.dtypes.includes("float64")) {
      const double = mt.ones([1, 1], { ...opts, dtype: "float64" });
      expect(() => x.scatter(1, indexOn(x, [0], [1, 1]), double)).toThrow(
        /scatter: the source is float64 but the input is float32/,
      );
    }
    expect(() => x.scatterAdd(1, indexOn(x, [0, 0, 0], [1, 3]), mt.ones([1, 2], opts))).toThrow(
      /larger than the source's/,
    );
    if (!sync) return;
    // Index values are checked where the backend reads them synchronously.
    expect(() => x.gather(1, indexOn(x, [3, 0], [2, 1]))).toThrow(mt.DataError);
    expect(() => x.gather(1, indexOn(x, [0, 3], [2, 1]))).toThrow(
      /gather: index 3 \(element 1 of the index\) is out of range for dim 1 of size 3/,
    );
    expect(() => x.indexSelect(0, indexOn(x, [-1], [1]))).toThrow(
      /indexSelect: index -1 .* out of range for dim 0 of size 2/,
    );
    expect(() => x.scatter(0, indexOn(x, [2], [1, 1]), 1)).toThrow(
      /scatter: index 2 .* dim 0 of size 2/,
    );
    expect(() => x.gather(1, mt.tensor([[0.5], [0]], opts))).toThrow(/index 0.5/);
  });

  it("where(cond, a, b) broadcasts all three and picks elementwise", async () => {
    await fc.assert(
      fc.asyncProperty(
        arbShape(0, 3, 3)
          .chain((shape) =>
            fc.tuple(
              fc.constant(shape),
              fc.array(fc.boolean(), { minLength: product(shape), maxLength: product(shape) }),
              fc.integer({ min: 0, max: shape.length }),
              fc.integer({ min: 0, max: shape.length }),
            ),
          )
          .chain(([shape, flags, dropA, dropB]) => {
            const aShape = shape.slice(dropA);
            const bShape = shape.map((s, k) => (k < dropB ? 1 : s));
            return fc.tuple(
              fc.constant({ shape, flags, aShape, bShape }),
              arbOperand(aShape, each(anyValue)),
              arbOperand(bShape, each(anyValue)),
            );
          }),
        async ([{ shape, flags, aShape, bShape }, a, b]) => {
          const cond = maskOn(mt.zeros([], opts), flags.map(Number), shape);
          const out = mt.where(cond, build(a, opts).view, build(b, opts).view);
          const full = broadcastShapes(shape, broadcastShapes(aShape, bShape));
          const want = allIndices(full).map((i) => {
            const c = flags[ordinalOf(readBroadcast(i, shape), shape)];
            return c
              ? a.values[ordinalOf(readBroadcast(i, aShape), aShape)]
              : b.values[ordinalOf(readBroadcast(i, bShape), bShape)];
          });
          await expectValues(out, full, want, EXACT, "where");
          await checkNumerically(
            (x, y) => mt.where(maskOn(x, flags.map(Number), shape), x, y),
            [a, b],
            `where of ${shape}, ${aShape}, ${bShape}`,
          );
        },
      ),
      { numRuns: GRADCHECK_RUNS },
    );
  });

  it("where with numbers, NaN in the branch not taken, and x.where(cond, y)", async () => {
    const x = mt.tensor([1, Number.NaN, 3], opts);
    const c = maskOn(x, [1, 0, 1], [3]);
    await expectValues(mt.where(c, x, 0), [3], [1, 0, 3], EXACT, "where(c, x, 0)");
    await expectValues(mt.where(c, 0.5, x), [3], [0.5, Number.NaN, 0.5], EXACT, "where(c, 0.5, x)");
    await expectValues(x.where(c, -1), [3], [1, -1, 3], EXACT, "x.where(c, -1)");
    const both = mt.where(c, 1.5, 2);
    await expectValues(both, [3], [1.5, 2, 1.5], EXACT, "where of two numbers");
    expect(both.dtype).toBe("float32");
    expect(() => mt.where(c, mt.zeros([2], opts), x)).toThrow(
      /where: shapes \[2\] and \[3\] do not broadcast/,
    );
  });

  it("maskedFill fills where the mask is true, with gradients to input and to a 0-d value", async () => {
    const x = mt.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      grad,
    );
    const v = mt.tensor(9, grad);
    const m = maskOn(x, [1, 0, 1], [3]);
    const out = x.maskedFill(m, v);
    await expectValues(out, [2, 3], [9, 2, 9, 9, 5, 9], EXACT, "maskedFill(m, v)");
    out
      .mul(
        mt.tensor(
          [
            [1, 2, 3],
            [4, 5, 6],
          ],
          opts,
        ),
      )
      .sum()
      .backward();
    await expectGrad(x, [0, 2, 0, 0, 5, 0], EXACT, "maskedFill: input");
    await expectGrad(v, [1 + 3 + 4 + 6], EXACT, "maskedFill: value");
    await expectValues(
      mt.maskedFill(mt.zeros([3], opts), maskOn(x, [1, 1, 1, 0, 0, 1], [2, 3]), 2),
      [2, 3],
      [2, 2, 2, 0, 0, 2],
      EXACT,
      "the mask broadcasts the input",
    );
    expect(() => x.maskedFill(m, mt.ones([1], opts))).toThrow(
      /maskedFill: value must be a number or a 0-d tensor/,
    );
  });

  it("maskedSelect lists the elements where the mask is true (CPU backends)", async () => {
    const x = mt.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      grad,
    );
    const m = maskOn(x, [1, 0, 1], [3]);
    if (!sync) {
      expect(() => x.maskedSelect(m)).toThrow(mt.BackendError);
      expect(() => x.maskedSelect(m)).toThrow(
        /maskedSelect: the result's size depends on the mask's values/,
      );
      return;
    }
    const out = x.maskedSelect(m);
    await expectValues(out, [4], [1, 3, 4, 6], EXACT, "maskedSelect");
    out
      .mul(mt.tensor([1, 2, 3, 4], opts))
      .sum()
      .backward();
    await expectGrad(x, [1, 0, 2, 3, 0, 4], EXACT, "maskedSelect: the gradient");
    await expectValues(
      mt.maskedSelect(x, maskOn(x, [0, 0, 0], [3])),
      [0],
      [],
      EXACT,
      "nothing selected",
    );
    await expectValues(
      mt.maskedSelect(mt.tensor(2, opts), maskOn(x, [1, 0, 1], [3])),
      [2],
      [2, 2],
      EXACT,
      "the input broadcasts",
    );
  });

  it("indexSelect's gradient adds up over repeated indices (numerically too)", async () => {
    const leaf = mt.tensor(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      grad,
    );
    leaf
      .indexSelect(0, indexOn(leaf, [2, 0, 2], [3]))
      .sum()
      .backward();
    await expectGrad(leaf, [1, 1, 0, 0, 2, 2], EXACT, "indexSelect([2, 0, 2])");
    await fc.assert(
      fc.asyncProperty(arbOperand([3, 2], each(anyValue)), async (input) => {
        await checkNumerically(
          (t) => t.indexSelect(0, indexOn(t, [2, 0, 2], [3])).mul(t.index([0, 3])),
          [input],
          "indexSelect × x",
        );
      }),
      { numRuns: 3 },
    );
  });
});
