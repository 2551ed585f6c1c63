import fc from "fast-check";
import { expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { anyValue, EXACT } from "../op_cases.js";
import { allIndices, nest, range } from "../shape_oracles.js";
import { gather, gatherProperties } from "./gather.js";
import { describeEachBackend, type Suite } from "./harness.js";
import { arbAnyOperand, arbOperand, each } from "./operands.js";

/**
 * Basic indexing on every backend: `index(…)` / `slice(…)` in jax-js's form (numbers, slices as
 * arrays, null, "..."), `select` and `narrow` — the elements each shows, their gradients, that
 * they are views, and the errors for indices out of range. The index tensors' ops (gather,
 * scatter, where, masks…) are in selecting.test.ts.
 */

type Tensor = mt.Tensor;
type Shape = readonly number[];
type Slice = mt.Slice;
type Arg = Exclude<mt.IndexArg, Tensor>;

/** Python's range(start, stop, step) of a slice on a dim of `size`, as CPython resolves it. */
function sliceIndices(slice: Slice, size: number): number[] {
  const [start = null, stop = null, step = null] = slice as readonly (number | null)[];
  const by = step ?? 1;
  const bound = (b: number | null, otherwise: number) => {
    if (b === null) return otherwise;
    const i = b < 0 ? b + size : b;
    return Math.min(Math.max(i, 0), size);
  };
  const out: number[] = [];
  for (let i = bound(start, 0); i < bound(stop, size); i += by) out.push(i);
  return out;
}

/** What `x.index(...args)` shows, in plain JS: the result shape and each element's source. */
function indexHost(shape: Shape, args: readonly Arg[]) {
  const used = args.filter((a) => typeof a === "number" || Array.isArray(a)).length;
  const expanded: Arg[] = args.flatMap((a): Arg[] =>
    a === "..." ? new Array<Arg>(shape.length - used).fill([]) : [a],
  );
  const consumed = expanded.filter((a) => a !== null).length;
  for (let k = consumed; k < shape.length; k++) expanded.push([]);
  // Each result dim lists the input positions it walks (null: a new axis, no input dim).
  const outDims: { dim: number | null; positions: number[] }[] = [];
  const fixed: (number | null)[] = new Array<number | null>(shape.length).fill(null);
  let d = 0;
  for (const a of expanded) {
    if (a === null) outDims.push({ dim: null, positions: [0] });
    else if (typeof a === "number") {
      fixed[d] = a < 0 ? a + shape[d] : a;
      d++;
    } else if (a !== "...") {
      outDims.push({ dim: d, positions: sliceIndices(a, shape[d]) });
      d++;
    }
  }
  const outShape = outDims.map((o) => o.positions.length);
  return gather(shape, outShape, (o) => {
    const i = fixed.map((f) => f ?? 0);
    outDims.forEach((od, k) => {
      if (od.dim !== null) i[od.dim] = od.positions[o[k]];
    });
    return i;
  });
}

/** A bound of a slice on a dim of `size`: null, in range, negative, or past either end. */
const bound = (size: number) =>
  fc.oneof(fc.constant(null), fc.integer({ min: -size - 2, max: size + 2 }));

/** One argument for a dim of `size`: a number selecting, or a slice of any form. */
function argFor(size: number): fc.Arbitrary<Arg> {
  return fc.oneof<fc.Arbitrary<Arg>[]>(
    fc.integer({ min: -size, max: size - 1 }),
    fc.constant<Arg>([]),
    bound(size).map((b): Arg => [b]),
    fc.tuple(bound(size), bound(size)),
    fc.tuple(bound(size), bound(size), fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 3 }))),
  );
}

/** A random `index(…)` of a random operand: per-dim arguments, new axes, an ellipsis, omitted trailing dims. */
function arbIndexCase(maxRank: number, maxDim: number) {
  return arbAnyOperand(each(anyValue), { maxRank, maxDim }).chain((input) => {
    const shape = input.shape;
    const n = shape.length;
    return fc
      .record({
        perDim: fc.tuple(...shape.map(argFor)),
        nulls: fc.array(fc.integer({ min: 0, max: n }), { maxLength: 2 }),
        ellipsis: fc.option(
          fc
            .integer({ min: 0, max: n })
            .chain((at) => fc.integer({ min: 0, max: n - at }).map((length) => ({ at, length }))),
        ),
        dropTrailing: fc.integer({ min: 0, max: n }),
      })
      .map(({ perDim, nulls, ellipsis, dropTrailing }) => {
        let args: Arg[] = [...(perDim as Arg[])];
        if (ellipsis !== null) {
          args.splice(ellipsis.at, ellipsis.length, "...");
        } else {
          // Trailing dims left out are kept whole, as Python's x[0] of a matrix.
          args = args.slice(0, n - dropTrailing);
        }
        for (const at of [...nulls].sort((a, b) => b - a))
          args.splice(Math.min(at, args.length), 0, null);
        return {
          input,
          apply: (t: Tensor) => t.index(...args),
          want: indexHost(shape, args),
          what: `index(${JSON.stringify(args)}) of ${JSON.stringify(shape)}`,
        };
      });
  });
}

/** select(dim, i) of a random operand (rank ≥ 1). */
function arbSelectCase(maxRank: number, maxDim: number) {
  return arbAnyOperand(each(anyValue), { minRank: 1, maxRank, maxDim }).chain((input) => {
    const n = input.shape.length;
    return fc
      .integer({ min: -n, max: n - 1 })
      .chain((dim) => {
        const size = input.shape[dim < 0 ? dim + n : dim];
        return fc.tuple(fc.constant(dim), fc.integer({ min: -size, max: size - 1 }));
      })
      .map(([dim, i]) => {
        const d = dim < 0 ? dim + n : dim;
        const at = i < 0 ? i + input.shape[d] : i;
        const outShape = input.shape.filter((_, k) => k !== d);
        return {
          input,
          apply: (t: Tensor) => t.select(dim, i),
          want: gather(input.shape, outShape, (o) => [...o.slice(0, d), at, ...o.slice(d)]),
          what: `select(${dim}, ${i})`,
        };
      });
  });
}

/** narrow(dim, start, length) of a random operand (rank ≥ 1), start possibly negative. */
function arbNarrowCase(maxRank: number, maxDim: number) {
  return arbAnyOperand(each(anyValue), { minRank: 1, maxRank, maxDim }).chain((input) => {
    const n = input.shape.length;
    return fc
      .integer({ min: -n, max: n - 1 })
      .chain((dim) => {
        const size = input.shape[dim < 0 ? dim + n : dim];
        return fc.integer({ min: -size, max: size }).chain((start) => {
          const from = start < 0 ? start + size : start;
          return fc.tuple(
            fc.constant(dim),
            fc.constant(start),
            fc.integer({ min: 0, max: size - from }),
          );
        });
      })
      .map(([dim, start, length]) => {
        const d = dim < 0 ? dim + n : dim;
        const from = start < 0 ? start + input.shape[d] : start;
        const outShape = input.shape.map((s, k) => (k === d ? length : s));
        return {
          input,
          apply: (t: Tensor) => t.narrow(dim, start, length),
          want: gather(input.shape, outShape, (o) => o.map((x, k) => (k === d ? x + from : x))),
          what: `narrow(${dim}, ${start}, ${length})`,
        };
      });
  });
}

/** A tensor of `shape` holding 0, 1, 2, … on the suite's backend. */
function counting(suite: Suite, shape: Shape, options: mt.TensorOptions = suite.opts): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return mt.tensor(nest(range(n), shape), options);
}

describeEachBackend("basic indexing", (suite) => {
  const { opts, expectValues } = suite;

  gatherProperties(suite, "index(…)", arbIndexCase);
  gatherProperties(suite, "select", arbSelectCase);
  gatherProperties(suite, "narrow", arbNarrowCase);

  it("index reads Python's x[1:3, :, ::2], x[..., 0], x[:, None] and x[-1]", async () => {
    const x = counting(suite, [4, 3, 5]);
    // Expected values from the row-major ordinal 15i + 5j + k.
    const at = (i: number, j: number, k: number) => 15 * i + 5 * j + k;
    const pick = (is: number[], js: number[], ks: number[]) =>
      is.flatMap((i) => js.flatMap((j) => ks.map((k) => at(i, j, k))));
    await expectValues(
      x.index([1, 3], [], [null, null, 2]),
      [2, 3, 3],
      pick([1, 2], [0, 1, 2], [0, 2, 4]),
      EXACT,
      "x[1:3, :, ::2]",
    );
    await expectValues(
      x.index("...", 0),
      [4, 3],
      pick([0, 1, 2, 3], [0, 1, 2], [0]),
      EXACT,
      "x[..., 0]",
    );
    await expectValues(
      x.index([], null).index(0, 0),
      [3, 5],
      pick([0], [0, 1, 2], [0, 1, 2, 3, 4]),
      EXACT,
      "x[:, None][0, 0]",
    );
    expect(x.index([], null).shape).toEqual([4, 1, 3, 5]);
    await expectValues(x.index(-1), [3, 5], pick([3], [0, 1, 2], [0, 1, 2, 3, 4]), EXACT, "x[-1]");
    await expectValues(
      x.slice(-1, [-2], [1, -1, 2]),
      [2, 2],
      pick([3], [1, 2], [1, 3]),
      EXACT,
      "x[-1, -2:, 1:-1:2]",
    );
    expect(x.index([5, 9]).shape, "a slice past the end is empty").toEqual([0, 3, 5]);
    expect(x.index([3, 1]).shape, "a slice ending before it starts is empty").toEqual([0, 3, 5]);
    expect(x.index("...", null).shape).toEqual([4, 3, 5, 1]);
    expect(x.index(null, "...", null).shape).toEqual([1, 4, 3, 5, 1]);
  });

  it("index of a 0-d tensor: no argument, an ellipsis, new axes", async () => {
    const s = mt.tensor(7, opts);
    await expectValues(s.index(), [], [7], EXACT, "s[()]");
    await expectValues(s.index("..."), [], [7], EXACT, "s[...]");
    await expectValues(s.index(null, null), [1, 1], [7], EXACT, "s[None, None]");
    expect(() => s.index(0)).toThrow(mt.ShapeError);
  });

  it("index, select and narrow of an empty tensor", async () => {
    const e = mt.zeros([2, 0, 3], opts);
    expect(e.index([], [], 1).shape).toEqual([2, 0]);
    expect(e.select(2, -1).shape).toEqual([2, 0]);
    expect(e.narrow(1, 0, 0).shape).toEqual([2, 0, 3]);
    expect(() => e.select(1, 0)).toThrow(/index 0 is out of range for dim 1 of size 0/);
    await expectValues(e.index(0), [0, 3], [], EXACT, "empty[0]");
  });

  it("index, select and narrow are views: no new buffer, and later writes show through", async () => {
    const x = counting(suite, [3, 4]);
    const before = mt.memory().buffers;
    const views = [
      x.index([1], [null, null, 2]),
      x.select(1, -1),
      x.narrow(0, 1, 2),
      x.index(null, "...", 0),
    ];
    expect(mt.memory().buffers, "views allocate nothing").toBe(before);
    expect(views.map((v) => v.shape)).toEqual([[2, 2], [3], [2, 4], [1, 3]]);
    // A tensor written in place through the backend (as an optimizer's step does) shows its new
    // values through a view made before.
    const y = mt.zeros([3, 4], opts);
    const row = y.select(0, 1);
    y.backendImpl.upload(
      y.storage.buffer,
      range(12).map((i) => i * 10),
    );
    await expectValues(row, [4], [40, 50, 60, 70], EXACT, "select after a write");
  });

  it("index of a non-contiguous view reads its logical elements", async () => {
    const x = counting(suite, [3, 4]).T; // [4, 3], x[i][j] = 4j + i
    await expectValues(x.index([1, 3], -1), [2], [9, 10], EXACT, "x.T[1:3, -1]");
    await expectValues(x.select(0, 2).narrow(0, 1, 2), [2], [6, 10], EXACT, "x.T[2][1:3]");
  });

  it("errors name the op, the index and the dim's size", () => {
    const x = counting(suite, [2, 3]);
    expect(() => x.index(2)).toThrow(mt.ShapeError);
    expect(() => x.index(2)).toThrow(/index: index 2 is out of range for dim 0 of size 2/);
    expect(() => x.index([], -4)).toThrow(/index -4 is out of range for dim 1 of size 3/);
    expect(() => x.index(0, 0, 0)).toThrow(/too many indices for a tensor of shape \[2,3\]/);
    expect(() => x.index("...", 0, "...")).toThrow(/at most one "\.\.\."/);
    expect(() => x.index([0, 2, -1])).toThrow(/step that is not positive/);
    expect(() => x.index([0, 2, 0])).toThrow(mt.DataError);
    expect(() => x.index([0.5])).toThrow(/not an integer or null/);
    expect(() => x.index(1.5)).toThrow(/index 1.5 is not an integer/);
    expect(() => x.index([1, 2, 3, 4] as unknown as [])).toThrow(/is not a slice/);
    expect(() => x.index("x" as unknown as null)).toThrow(/argument 0 must be a number/);
    expect(() => x.select(-3, 0)).toThrow(/select: dim -3 is out of range/);
    expect(() => x.select(1, 3)).toThrow(/select: index 3 is out of range for dim 1 of size 3/);
    expect(() => x.narrow(1, 2, 2)).toThrow(/narrow: start 2 \+ length 2 exceeds dim 1 of size 3/);
    expect(() => x.narrow(1, -4, 1)).toThrow(
      /narrow: start -4 is out of range for dim 1 of size 3/,
    );
    expect(() => mt.tensor(1, opts).select(0, 0)).toThrow(
      /select: cannot be applied to a 0-d tensor/,
    );
    expect(() => x.index(x as unknown as number)).toThrow(/advanced indexing/);
  });

  it("mt.select and mt.narrow are the methods", async () => {
    const x = counting(suite, [2, 3]);
    await expectValues(mt.select(x, 1, -1), [2], [2, 5], EXACT, "mt.select");
    await expectValues(mt.narrow(x, 0, -1, 1), [1, 3], [3, 4, 5], EXACT, "mt.narrow");
  });

  it("gradients of a chain of indexes add up where the same element is read twice", async () => {
    const leaf = counting(suite, [3, 4], suite.grad);
    const y = leaf
      .index([], [1, 3])
      .add(leaf.index([], [2]))
      .sum();
    y.backward();
    // Column 1 once, column 2 twice (both slices), column 3 once.
    const g = allIndices([3, 4]).map(([, j]) => (j === 1 ? 1 : j === 2 ? 2 : j === 3 ? 1 : 0));
    await suite.expectGrad(leaf, g, EXACT, "x[:, 1:3] + x[:, 2:]");
  });

  it("index keeps gradients through new axes and an ellipsis (a reshape of g)", async () => {
    await fc.assert(
      fc.asyncProperty(arbOperand([2, 3], each(anyValue)), async (input) => {
        await suite.checkNumerically(
          (t) => t.index(null, "...", null).mul(t.index(null, [], [], null)),
          [input],
          "x[None, ..., None]²",
        );
      }),
      { numRuns: 5 },
    );
  });
});
