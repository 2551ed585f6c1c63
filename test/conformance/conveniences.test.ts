import fc from "fast-check";
import { expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { maskDType } from "../../src/tensor/promotion.js";
import { EXACT } from "../op_cases.js";
import { allIndices, broadcastShapes, ordinalOf, readBroadcast } from "../shape_oracles.js";
import { describeEachBackend, RUNS } from "./harness.js";
import { arbAnyOperand, arbBroadcastPair, build, each } from "./operands.js";

/**
 * The conveniences on every backend: numel, size, dim, clone, tolist, and the whole-tensor comparisons
 * isclose (against the formula in plain JS, on any layout, with broadcasting, NaN and infinity),
 * allclose and equal (which answer synchronously, so on a GPU backend they say to read
 * asynchronously).
 */

const inf = Number.POSITIVE_INFINITY;

/** torch.isclose of two numbers, in plain JS: equal, both NaN (if asked), or a finite error within tolerance. */
function closeJS(a: number, b: number, rtol: number, atol: number, equalNan: boolean): boolean {
  if (a === b) return true;
  if (equalNan && Number.isNaN(a) && Number.isNaN(b)) return true;
  const error = Math.abs(a - b);
  return Number.isFinite(error) && error <= atol + rtol * Math.abs(b);
}

/**
 * Multiples of 1/8 in [−4, 4] and, now and then, ±∞ or NaN. With tolerances that are powers of two
 * every error and allowance is exact in float32, so the boundary |a − b| = allowed is tested
 * exactly, the same in JS as on every backend.
 */
const closeValue = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -32, max: 32 }).map((k) => k / 8) },
  { weight: 1, arbitrary: fc.constantFrom(inf, -inf, Number.NaN) },
);
const tolerance = fc.constantFrom(0, 1 / 64, 1 / 8, 1 / 2);

describeEachBackend(
  "conveniences (numel, size, dim, clone, tolist, isclose, allclose, equal)",
  (suite) => {
    const { opts, host, numerically, checkNumerically, expectValues } = suite;
    const syncRead = suite.backend.synchronousRead;

    it("numel and dim count elements and dims, 0-d and empty included", () => {
      const cases: [number[], number][] = [
        [[], 1],
        [[0], 0],
        [[2, 0, 3], 0],
        [[2, 3, 4], 24],
      ];
      for (const [shape, n] of cases) {
        const t = mt.zeros(shape, opts);
        expect(t.numel(), `${shape}`).toBe(n);
        expect(mt.numel(t), `${shape}`).toBe(n);
        expect(t.dim(), `${shape}`).toBe(shape.length);
      }
      expect(mt.zeros([2, 3], opts).permute(1, 0).expand(4, 3, 2).numel()).toBe(24);
      expect(() => mt.numel([1, 2] as unknown as mt.Tensor)).toThrow(mt.DTypeError);
    });

    it("size() is the shape (a fresh copy), size(d) one dim's size, negatives from the end", () => {
      const t = mt.zeros([2, 3, 4], opts);
      const shape = t.size();
      expect(shape).toEqual([2, 3, 4]);
      shape[0] = 99;
      expect(t.size()).toEqual([2, 3, 4]);
      expect(t.permute(2, 0, 1).size()).toEqual([4, 2, 3]);
      expect([t.size(0), t.size(1), t.size(2)]).toEqual([2, 3, 4]);
      expect([t.size(-1), t.size(-3)]).toEqual([4, 2]);
      expect(mt.zeros([], opts).size()).toEqual([]);
      expect(mt.zeros([0, 5], opts).size(1)).toBe(5);
      // PyTorch: IndexError "Dimension out of range (expected to be in range of [-3, 2], but got 3)".
      for (const d of [3, -4, 1.5]) {
        expect(() => t.size(d), `${d}`).toThrow(mt.ShapeError);
        expect(() => t.size(d), `${d}`).toThrow(`dim ${d}`);
        expect(() => t.size(d), `${d}`).toThrow("3-d tensor");
      }
      expect(() => mt.zeros([], opts).size(0)).toThrow(/size: dim 0 .*0-d tensor/);
    });

    it("clone copies any layout into storage of its own, keeping dtype and backend", async () => {
      await fc.assert(
        fc.asyncProperty(arbAnyOperand(each(fc.integer({ min: -9, max: 9 }))), async (o) => {
          const { view } = build(o, opts);
          const c = view.clone();
          expect(c.storage).not.toBe(view.storage);
          expect(c.isContiguous()).toBe(true);
          expect([c.dtype, c.backend]).toEqual([view.dtype, view.backend]);
          await expectValues(c, o.shape, o.values, EXACT, `clone of ${o.layout}`);
          await expectValues(mt.clone(view), o.shape, o.values, EXACT, "mt.clone");
        }),
        { numRuns: RUNS },
      );
      const a = host([1, 2, 3], [3]);
      const c = a.clone();
      // Writing into the clone's buffer must not show in the original.
      c.backendImpl.copy(c.strided, host([7, 8, 9], [3]).strided);
      await expectValues(a, [3], [1, 2, 3], EXACT, "original after writing the clone");
      await expectValues(c, [3], [7, 8, 9], EXACT, "the clone written");
    });

    it(`clone passes gradients through: they match ${numerically}`, async () => {
      await fc.assert(
        fc.asyncProperty(arbAnyOperand(each(fc.integer({ min: -9, max: 9 }))), async (o) => {
          await checkNumerically((x) => x.clone().mul(x), [o], "clone");
        }),
        { numRuns: 5 },
      );
      const x = mt.tensor([1, 2], suite.grad);
      const c = x.clone();
      expect([c.requiresGrad, c.isLeaf]).toEqual([true, false]);
    });

    it.skipIf(!syncRead)("tolist is toArray", () => {
      const t = host([1, 2, 3, 4, 5, 6], [2, 3]).transpose(0, 1);
      expect(t.tolist()).toEqual([
        [1, 4],
        [2, 5],
        [3, 6],
      ]);
      expect(host([5], []).tolist()).toBe(5);
    });

    it("isclose is |a − b| ≤ atol + rtol·|b|, broadcast, on any layout, with NaN and ∞", async () => {
      await fc.assert(
        fc.asyncProperty(
          arbBroadcastPair(each(closeValue), each(closeValue), { maxRank: 3 }),
          tolerance,
          tolerance,
          fc.boolean(),
          async ([a, b], rtol, atol, equalNan) => {
            const shape = broadcastShapes(a.shape, b.shape);
            const want = allIndices(shape).map((i) => {
              const x = a.values[ordinalOf(readBroadcast(i, a.shape), a.shape)];
              const y = b.values[ordinalOf(readBroadcast(i, b.shape), b.shape)];
              return closeJS(x, y, rtol, atol, equalNan) ? 1 : 0;
            });
            const [A, B] = [build(a, opts).view, build(b, opts).view];
            const got = A.isclose(B, { rtol, atol, equalNan });
            expect(got.dtype).toBe(maskDType);
            const what = `isclose(rtol ${rtol}, atol ${atol}, equalNan ${equalNan}) on ${a.layout}, ${b.layout}`;
            await expectValues(got, shape, want, EXACT, what);
          },
        ),
        { numRuns: RUNS },
      );
    });

    it("isclose has PyTorch's defaults (rtol 1e-5, atol 1e-8) and scales by |other|, not |self|", async () => {
      const f64 = { ...opts, dtype: "float64" as const };
      const a = mt.tensor(
        [1, 1, 0, 0, 100, inf, inf, Number.NaN],
        suite.backend.dtypes.includes("float64") ? f64 : opts,
      );
      const b = mt.tensor([1 + 5e-6, 1 + 5e-5, 5e-9, 5e-8, 100.0009, inf, -inf, Number.NaN], {
        ...opts,
        dtype: a.dtype,
      });
      await expectValues(mt.isclose(a, b), [8], [1, 0, 1, 0, 1, 1, 0, 0], EXACT, "defaults");
      await expectValues(
        a.isclose(b, { equalNan: true }),
        [8],
        [1, 0, 1, 0, 1, 1, 0, 1],
        EXACT,
        "equalNan",
      );
      // |0 − 1| ≤ 0.5·|1|? no. |1 − 0| ≤ 0.5·|0|? no; but |1 − 2| ≤ 0.5·|2| while |2 − 1| > 0.5·|1|.
      const one = host([1], [1]);
      const two = host([2], [1]);
      await expectValues(
        one.isclose(two, { rtol: 0.5, atol: 0 }),
        [1],
        [1],
        EXACT,
        "scaled by |2|",
      );
      await expectValues(
        two.isclose(one, { rtol: 0.5, atol: 0 }),
        [1],
        [0],
        EXACT,
        "scaled by |1|",
      );
      const x = mt.tensor([1, 2], suite.grad);
      expect(x.isclose(x).requiresGrad).toBe(false);
    });

    it("isclose and allclose refuse what PyTorch refuses", () => {
      const a = mt.zeros([2], opts);
      const cases: [() => unknown, typeof mt.DataError | typeof mt.ShapeError, RegExp][] = [
        [() => a.isclose(mt.zeros([3], opts)), mt.ShapeError, /isclose: .*\[2\].*\[3\]/],
        [() => a.allclose(mt.zeros([3], opts)), mt.ShapeError, /allclose: /],
        [
          () => a.isclose(a, { rtol: -1 }),
          mt.DataError,
          /isclose: option rtol must be a number ≥ 0, got -1/,
        ],
        [() => a.allclose(a, { atol: Number.NaN }), mt.DataError, /allclose: option atol/],
        [
          () => a.isclose(a, { equal_nan: true } as mt.CloseOptions),
          mt.DataError,
          /unknown option equal_nan/,
        ],
        [() => a.isclose(1 as unknown as mt.Tensor), mt.DTypeError, /isclose: expected a Tensor/],
        [
          () => mt.isclose([0, 0] as unknown as mt.Tensor, a),
          mt.DTypeError,
          /isclose: expected a Tensor/,
        ],
        [() => a.equal("a" as unknown as mt.Tensor), mt.DTypeError, /equal: expected a Tensor/],
      ];
      if (suite.backend.dtypes.includes("float64")) {
        cases.push([
          () => a.isclose(mt.zeros([2], { ...opts, dtype: "float64" })),
          mt.DTypeError,
          /isclose: expected both tensors to have one dtype, got float32 and float64/,
        ]);
      }
      for (const [f, type, message] of cases) {
        expect(f).toThrow(type);
        expect(f).toThrow(message);
      }
    });

    it.skipIf(!syncRead)("allclose and equal answer with one boolean, as PyTorch", () => {
      const a = host([1, 2, 3, Number.NaN], [4]);
      const near = host([1, 2, 3.00001, Number.NaN], [4]);
      expect(a.allclose(near)).toBe(false); // NaN is not close to NaN by default
      expect(a.allclose(near, { equalNan: true })).toBe(true);
      expect(mt.allclose(a, host([1, 2, 3.1, Number.NaN], [4]), { equalNan: true })).toBe(false);
      expect(mt.ones([2, 3], opts).allclose(mt.ones([3], opts))).toBe(true); // broadcasts
      expect(mt.zeros([0], opts).allclose(mt.zeros([0], opts))).toBe(true);
      const m = host([1, 2, 3, 4], [2, 2]);
      expect(m.equal(host([1, 3, 2, 4], [2, 2]).transpose(0, 1))).toBe(true);
      expect(mt.equal(m, host([1, 2, 3, 5], [2, 2]))).toBe(false);
      expect(m.equal(host([1, 2, 3, 4], [4]))).toBe(false); // another shape is unequal, not an error
      expect(m.equal(host([1, 2], [2]))).toBe(false);
      expect(a.equal(a)).toBe(false); // NaN ≠ NaN
      expect(mt.zeros([0, 2], opts).equal(mt.zeros([0, 2], opts))).toBe(true);
    });

    it.skipIf(syncRead)("allclose and equal on an asynchronous backend name the async read", () => {
      const a = mt.ones([2], opts);
      expect(() => a.allclose(a)).toThrow(mt.BackendError);
      expect(() => a.allclose(a)).toThrow(/allclose: .*await t.data\(\)/);
      expect(() => a.equal(a)).toThrow(/equal: .*await t.data\(\)/);
    });
  },
);
