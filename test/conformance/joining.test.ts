import fc from "fast-check";
import { expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { anyValue, EXACT } from "../op_cases.js";
import { allIndices, nest, ordinalOf, product, range } from "../shape_oracles.js";
import { type GatherCase, gather, gatherProperties } from "./gather.js";
import { describeEachBackend, GRADCHECK_RUNS, RUNS } from "./harness.js";
import { arbAnyOperand, arbOperand, arbShape, build, each, type Operand } from "./operands.js";

/**
 * Joining and splitting on every backend: cat and stack (copies, gradients to each input), and
 * split, chunk and unbind (views of their input) — values from plain JS, gradients against the
 * elements shown and central differences, the empty and 0-d cases, and the errors.
 */

type Tensor = mt.Tensor;

/** The operand's view, its leaf made with zeros when empty (nest() of no values has no shape). */
function viewOn(o: Operand, opts: mt.TensorOptions): Tensor {
  if (product(o.shape) > 0) return build(o, opts).view;
  return mt.zeros(o.shape, opts);
}

/** Two or three operands of one shape but along `d`, where each has `min`–3 elements. */
function arbJoinable(maxRank: number, min = 0) {
  return arbShape(1, maxRank, 3).chain((shape) =>
    fc.integer({ min: -shape.length, max: shape.length - 1 }).chain((dim) => {
      const d = dim < 0 ? dim + shape.length : dim;
      return fc
        .array(fc.integer({ min, max: 3 }), { minLength: 2, maxLength: 3 })
        .chain((sizes) =>
          fc.tuple(
            ...sizes.map((s) =>
              arbOperand(
                shape.map((x, k) => (k === d ? s : x)),
                each(anyValue),
              ),
            ),
          ),
        )
        .map((inputs) => ({ dim, d, inputs: inputs as Operand[] }));
    }),
  );
}

/** cat's value in plain JS: element o comes from the input whose stretch along d holds o[d]. */
function catHost(inputs: readonly Operand[], d: number): { shape: number[]; values: number[] } {
  const shape = [...inputs[0].shape];
  shape[d] = inputs.reduce((n, x) => n + x.shape[d], 0);
  const values = allIndices(shape).map((o) => {
    let at = o[d];
    for (const x of inputs) {
      if (at < x.shape[d])
        return x.values[
          ordinalOf(
            o.map((v, k) => (k === d ? at : v)),
            x.shape,
          )
        ];
      at -= x.shape[d];
    }
    throw new Error("unreachable");
  });
  return { shape, values };
}

/** Piece `k` of a split, chunk or unbind of a random operand, as a gather of its elements. */
function pieceCases(op: "split" | "splitSizes" | "chunk" | "unbind") {
  return (maxRank: number, maxDim: number): fc.Arbitrary<GatherCase> =>
    arbAnyOperand(each(anyValue), { minRank: 1, maxRank, maxDim }).chain((input) => {
      const n = input.shape.length;
      return fc.integer({ min: -n, max: n - 1 }).chain((dim) => {
        const d = dim < 0 ? dim + n : dim;
        const size = input.shape[d];
        const param =
          op === "splitSizes"
            ? fc.integer({ min: 0, max: size }).map((a) => [a, size - a])
            : op === "unbind"
              ? fc.constant(0)
              : fc.integer({ min: 1, max: size + 1 });
        return param.chain((p) => {
          // The pieces' starts and lengths along d, in plain JS.
          let lengths: number[];
          if (op === "splitSizes") lengths = p as number[];
          else if (op === "unbind") lengths = new Array<number>(size).fill(1);
          else {
            const piece = op === "split" ? (p as number) : Math.ceil(size / (p as number));
            lengths = range(Math.ceil(size / piece)).map((i) => Math.min(piece, size - i * piece));
          }
          return fc.integer({ min: 0, max: lengths.length - 1 }).map((k) => {
            const start = lengths.slice(0, k).reduce((a, b) => a + b, 0);
            const apply = (t: Tensor) => {
              const pieces =
                op === "unbind"
                  ? t.unbind(dim)
                  : op === "chunk"
                    ? t.chunk(p as number, dim)
                    : t.split(p as number | number[], dim);
              expect(pieces.length, `${op}: the number of pieces`).toBe(lengths.length);
              return pieces[k];
            };
            const outShape =
              op === "unbind"
                ? input.shape.filter((_, j) => j !== d)
                : input.shape.map((s, j) => (j === d ? lengths[k] : s));
            const source = (o: number[]) =>
              op === "unbind"
                ? [...o.slice(0, d), k, ...o.slice(d)]
                : o.map((x, j) => (j === d ? x + start : x));
            return {
              input,
              apply,
              want: gather(input.shape, outShape, source),
              what: `${op}(${JSON.stringify(p)}, ${dim})[${k}]`,
            };
          });
        });
      });
    });
}

describeEachBackend("joining and splitting", (suite) => {
  const { opts, expectValues, checkNumerically } = suite;

  for (const op of ["cat", "stack"] as const) {
    it(`${op} of any layouts lays the inputs end to end`, async () => {
      await fc.assert(
        fc.asyncProperty(arbJoinable(3), async ({ dim, d, inputs }) => {
          const views = inputs.map((x) => viewOn(x, opts));
          if (op === "cat") {
            const want = catHost(inputs, d);
            await expectValues(
              mt.cat(views, dim),
              want.shape,
              want.values,
              EXACT,
              `cat(…, ${dim})`,
            );
            return;
          }
          // stack needs equal shapes: the first input stacked with itself.
          const same = [inputs[0], inputs[0]];
          const vs = same.map((x) => viewOn(x, opts));
          const shape = [...inputs[0].shape];
          // stack's dim counts in the result's dims, one more than the inputs have.
          const sd = dim < 0 ? dim + shape.length + 1 : dim;
          const unsqueezed = same.map((x) => ({
            ...x,
            shape: [...shape.slice(0, sd), 1, ...shape.slice(sd)],
          }));
          const want = catHost(unsqueezed, sd);
          await expectValues(mt.stack(vs, dim), want.shape, want.values, EXACT, `stack(…, ${dim})`);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it(`cat and stack: the gradients match ${suite.numerically}`, async () => {
    await fc.assert(
      fc.asyncProperty(arbJoinable(3, 1), async ({ dim, inputs }) => {
        const shapes = inputs.map((x) => x.shape);
        await checkNumerically(
          (...ts) => mt.cat(ts, dim),
          inputs,
          `cat of ${JSON.stringify(shapes)} along ${dim}`,
        );
        const first = inputs[0];
        await checkNumerically(
          (a, b) => mt.stack([a, b.mul(2)], dim),
          [first, first],
          `stack along ${dim}`,
        );
      }),
      { numRuns: GRADCHECK_RUNS },
    );
  });

  gatherProperties(suite, "split(size)", pieceCases("split"));
  gatherProperties(suite, "split(sizes)", pieceCases("splitSizes"));
  gatherProperties(suite, "chunk", pieceCases("chunk"));
  gatherProperties(suite, "unbind", pieceCases("unbind"));

  const counting = (shape: number[]) => mt.tensor(nest(range(product(shape)), shape), opts);

  it("cat skips empty 1-D tensors, stacks 0-d tensors, and mt.split/chunk/unbind are the methods", async () => {
    const x = counting([2, 2]);
    await expectValues(
      mt.cat([x, mt.zeros([0], opts), x], -1),
      [2, 4],
      [0, 1, 0, 1, 2, 3, 2, 3],
      EXACT,
      "cat with an empty 1-D",
    );
    await expectValues(mt.cat([mt.zeros([0], opts)]), [0], [], EXACT, "cat of one empty");
    await expectValues(
      mt.stack([mt.tensor(1, opts), mt.tensor(2, opts)]),
      [2],
      [1, 2],
      EXACT,
      "stack of 0-d",
    );
    await expectValues(
      mt.stack([x, x], 2),
      [2, 2, 2],
      [0, 0, 1, 1, 2, 2, 3, 3],
      EXACT,
      "stack at the end",
    );
    expect(mt.split(x, 1, 1).map((p) => p.shape)).toEqual([
      [2, 1],
      [2, 1],
    ]);
    expect(mt.chunk(counting([5]), 3).map((p) => p.shape)).toEqual([[2], [2], [1]]);
    expect(
      mt.chunk(counting([4]), 3).map((p) => p.shape),
      "fewer chunks when they run out",
    ).toEqual([[2], [2]]);
    expect(mt.chunk(mt.zeros([0], opts), 2).map((p) => p.shape)).toEqual([[0], [0]]);
    expect(mt.unbind(x, -1).length).toBe(2);
    expect(x.split([0, 2]).map((p) => p.shape)).toEqual([
      [0, 2],
      [2, 2],
    ]);
  });

  it("split, chunk and unbind are views; cat copies", async () => {
    const x = counting([4, 3]);
    const before = mt.memory().buffers;
    const pieces = [...x.split(2), ...x.chunk(3, 1), ...x.unbind(1)];
    expect(mt.memory().buffers, "views allocate nothing").toBe(before);
    expect(pieces.length).toBe(8);
    const joined = mt.cat(x.split(1), 0);
    expect(mt.memory().buffers).toBeGreaterThan(before);
    await expectValues(joined, [4, 3], range(12), EXACT, "cat of the split");
  });

  it("cat's gradient reaches each input, and split's pieces carry it back", async () => {
    const a = mt.tensor([[1, 2]], suite.grad);
    const b = mt.tensor(
      [
        [3, 4],
        [5, 6],
      ],
      suite.grad,
    );
    const w = mt.tensor(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      opts,
    );
    mt.cat([a, b]).mul(w).sum().backward();
    await suite.expectGrad(a, [1, 2], EXACT, "cat: a");
    await suite.expectGrad(b, [3, 4, 5, 6], EXACT, "cat: b");
    const x = mt.tensor([1, 2, 3, 4, 5], suite.grad);
    const [p, q] = x.split([2, 3]);
    p.mul(2).sum().add(q.mul(q).sum()).backward();
    await suite.expectGrad(x, [2, 2, 6, 8, 10], EXACT, "split");
  });

  it("errors name the op and the shapes", () => {
    const x = counting([2, 3]);
    expect(() => mt.cat([])).toThrow(/cat: expected a non-empty array of Tensors/);
    expect(() => mt.cat([x, counting([2, 4])])).toThrow(
      /cat: tensor 1 has shape \[2,4\] and tensor 0 \[2,3\]: sizes must match except in dim 0/,
    );
    expect(() => mt.cat([x, counting([6])])).toThrow(/1 dims, but tensor 0 has 2/);
    expect(() => mt.cat([mt.tensor(1, opts)])).toThrow(/cat: tensor 0 is 0-d/);
    expect(() => mt.cat([x, x], 2)).toThrow(/cat: dim 2 is out of range/);
    expect(() => mt.cat([x, 3 as unknown as Tensor])).toThrow(mt.DTypeError);
    expect(() => mt.stack([x, counting([3, 2])])).toThrow(
      /stack: tensor 1 has shape \[3,2\] but tensor 0 has \[2,3\]/,
    );
    expect(() => mt.stack([x], 3)).toThrow(/stack: dim 3 is out of range/);
    expect(() => x.split([1, 2])).toThrow(
      /split: sizes \[1,2\] must be non-negative integers summing to 2/,
    );
    expect(() => x.split(0)).toThrow(/split: size 0 must be a positive integer/);
    expect(() => x.chunk(0)).toThrow(/chunk: chunks must be a positive integer/);
    expect(() => mt.tensor(1, opts).unbind()).toThrow(/unbind: cannot be applied to a 0-d tensor/);
  });
});
