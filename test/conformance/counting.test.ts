import fc from "fast-check";
import { expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { EXACT, LOOSE } from "../op_cases.js";
import { range } from "../shape_oracles.js";
import { describeEachBackend, GRADCHECK_RUNS, RUNS } from "./harness.js";
import { arbAnyOperand, build, contiguousOperand, each, type Operand } from "./operands.js";

/**
 * Counting and a few conveniences on every backend, against plain-JS oracles over row-major
 * values: unique (sorted or in order of appearance, inverse, counts, NaN each its own value) and
 * bincount (weights, minlength) — which read values, so on a backend that reads only
 * asynchronously they say to move to the CPU first — fillDiagonal_ (wrap, cubes, gradients
 * through it) and baddbmm (against central differences), with the errors PyTorch gives.
 */

type Tensor = mt.Tensor;

/** unique of row-major `values` in plain JS: NaN each distinct and last when sorted. */
function uniqueJS(values: number[], sorted: boolean) {
  const keys: number[] = [];
  const groupOf = values.map((v) => {
    const g = Number.isNaN(v) ? -1 : keys.indexOf(v);
    if (g >= 0) return g;
    keys.push(v);
    return keys.length - 1;
  });
  const order = range(keys.length);
  if (sorted) {
    const key = (g: number) => (Number.isNaN(keys[g]) ? Number.POSITIVE_INFINITY : keys[g]);
    order.sort((a, b) => key(a) - key(b) || a - b);
  }
  return {
    values: order.map((g) => keys[g]),
    inverse: groupOf.map((g) => order.indexOf(g)),
    counts: order.map((g) => groupOf.filter((h) => h === g).length),
  };
}

/** bincount in plain JS. */
function bincountJS(xs: number[], weights: number[] | null, minlength: number): number[] {
  const out = new Array<number>(Math.max(minlength, ...xs.map((x) => x + 1))).fill(0);
  xs.forEach((x, k) => {
    out[x] += weights === null ? 1 : weights[k];
  });
  return out;
}

/** [B, n, k] @ [B, k, p] in plain JS, row-major. */
function bmmJS(a: number[], b: number[], [B, n, k, p]: number[]): number[] {
  const out: number[] = [];
  for (let s = 0; s < B; s++)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < p; j++) {
        let acc = 0;
        for (let t = 0; t < k; t++) acc += a[s * n * k + i * k + t] * b[s * k * p + t * p + j];
        out.push(acc);
      }
  return out;
}

describeEachBackend("counting (unique, bincount), fillDiagonal_, baddbmm", (suite) => {
  const { opts, grad, host, checkNumerically, expectValues, expectGrad } = suite;
  const syncRead = suite.backend.synchronousRead;
  const ints = (values: number[]) => mt.tensor(values, { ...opts, dtype: "int32" });

  // unique -----------------------------------------------------------------------------------------

  it.skipIf(!syncRead)("unique: values, inverse and counts on any layout and dtype", async () => {
    const few = each(fc.constantFrom(0, 1, 1, -2.5, 3, Number.NaN, -0));
    await fc.assert(
      fc.asyncProperty(
        arbAnyOperand(few, { maxRank: 3 }),
        fc.constantFrom("float32", "int32", "bool"),
        fc.boolean(),
        async (o, dtype, sorted) => {
          const stored = (v: number) =>
            dtype === "float32"
              ? v
              : Number.isNaN(v)
                ? 1
                : dtype === "bool"
                  ? Number(v !== 0)
                  : Math.trunc(v);
          const values = o.values.map(stored);
          const source: Operand = { ...o, values, leafValues: o.leafValues.map(stored) };
          const { view } = build(source, { ...opts, dtype });
          const want = uniqueJS(values, sorted);
          const what = `${dtype} ${o.layout} ${o.shape} sorted ${sorted}`;
          const n = want.values.length;
          const plain = view.unique({ sorted });
          expect(plain.dtype).toBe(dtype);
          await expectValues(plain, [n], want.values, EXACT, `unique ${what}`);
          const r = mt.unique(view, { sorted, returnInverse: true, returnCounts: true });
          expect(Object.keys(r).sort()).toEqual(["counts", "inverse", "values"]);
          await expectValues(r.values, [n], want.values, EXACT, `values ${what}`);
          expect(r.inverse?.dtype).toBe("int32");
          await expectValues(r.inverse as Tensor, o.shape, want.inverse, EXACT, `inverse ${what}`);
          await expectValues(r.counts as Tensor, [n], want.counts, EXACT, `counts ${what}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it.skipIf(!syncRead)("unique of 0-d, empty and all-equal tensors; NaN and −0", async () => {
    const zero = host([5], []).unique({ returnInverse: true, returnCounts: true });
    await expectValues(zero.values, [1], [5], EXACT, "0-d values");
    await expectValues(zero.inverse as Tensor, [], [0], EXACT, "0-d inverse");
    await expectValues(zero.counts as Tensor, [1], [1], EXACT, "0-d counts");
    const empty = mt.zeros([2, 0], opts).unique({ returnInverse: true, returnCounts: true });
    await expectValues(empty.values, [0], [], EXACT, "empty values");
    await expectValues(empty.inverse as Tensor, [2, 0], [], EXACT, "empty inverse");
    await expectValues(empty.counts as Tensor, [0], [], EXACT, "empty counts");
    const same = mt.full([2, 3], 7, opts).unique({ returnCounts: true });
    expect(Object.keys(same).sort()).toEqual(["counts", "values"]);
    await expectValues(same.values, [1], [7], EXACT, "all equal");
    await expectValues(same.counts as Tensor, [1], [6], EXACT, "all equal counts");
    const nan = host([3, Number.NaN, 1, Number.NaN, 3, 2], [6]);
    const r = mt.unique(nan, { returnInverse: true, returnCounts: true });
    await expectValues(r.values, [5], [1, 2, 3, Number.NaN, Number.NaN], EXACT, "NaN last");
    await expectValues(r.inverse as Tensor, [6], [2, 3, 0, 4, 2, 1], EXACT, "NaN inverse");
    await expectValues(r.counts as Tensor, [5], [1, 1, 2, 1, 1], EXACT, "NaN counts");
    const zeros = Array.from(await host([-0, 0], [2]).unique().data());
    expect(Object.is(zeros[0], -0)).toBe(true);
    expect(zeros.length).toBe(1);
    await expectValues(
      mt.tensor([true, false, true], opts).unique(),
      [2],
      [0, 1],
      EXACT,
      "bool unique",
    );
  });

  it("unique's errors: dim not supported yet, unknown options, bad flags", () => {
    const x = host([1, 2], [2]);
    expect(() => x.unique({ dim: 0 })).toThrow(mt.DataError);
    expect(() => x.unique({ dim: 0 })).toThrow(/dim is not supported yet/);
    expect(() => mt.unique(x, { bogus: 1 } as never)).toThrow(/unknown option bogus/);
    expect(() => mt.unique(x, { sorted: "no" } as never)).toThrow(mt.DataError);
    expect(() => mt.unique(3 as never)).toThrow(/unique/);
  });

  // bincount ---------------------------------------------------------------------------------------

  it.skipIf(!syncRead)("bincount counts, with weights and minlength", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 12 }),
        fc.integer({ min: 0, max: 9 }),
        async (xs, minlength) => {
          const x = ints(xs);
          const want = bincountJS(xs, null, minlength);
          const c = x.bincount({ minlength });
          expect(c.dtype).toBe("int32");
          await expectValues(c, [want.length], want, EXACT, `bincount ${xs} min ${minlength}`);
          const w = xs.map((_, k) => Math.fround(k * 0.25 - 1));
          const weighted = mt.bincount(x, { weights: host(w, [w.length]), minlength });
          expect(weighted.dtype).toBe("float32");
          const wantW = bincountJS(xs, w, minlength);
          await expectValues(weighted, [wantW.length], wantW, LOOSE, `weighted ${xs}`);
        },
      ),
      { numRuns: RUNS },
    );
    await expectValues(mt.bincount(ints([])), [0], [], EXACT, "empty");
    await expectValues(mt.bincount(ints([]), { minlength: 3 }), [3], [0, 0, 0], EXACT, "empty, 3");
    const intWeights = mt.bincount(ints([0, 2, 2]), { weights: ints([1, 2, 3]) });
    expect(intWeights.dtype).toBe("float64");
    await expectValues(intWeights, [3], [1, 0, 5], EXACT, "int weights as float64");
  });

  it.skipIf(!syncRead)("bincount's errors, as PyTorch's", () => {
    expect(() => mt.bincount(ints([1, -1]))).toThrow(mt.DataError);
    expect(() => mt.bincount(ints([1, -1]))).toThrow(/non-negative/);
    expect(() => mt.bincount(host([1, 2], [2]))).toThrow(mt.DTypeError);
    expect(() => mt.bincount(mt.tensor([true], opts))).toThrow(mt.DTypeError);
    expect(() => mt.bincount(mt.tensor([[1, 2]], { ...opts, dtype: "int32" }))).toThrow(
      mt.ShapeError,
    );
    expect(() => mt.bincount(mt.tensor(1, { ...opts, dtype: "int32" }))).toThrow(mt.ShapeError);
    expect(() => ints([0, 2]).bincount({ minlength: -1 })).toThrow(/minlength should be >= 0/);
    expect(() => ints([0, 2]).bincount({ weights: host([1], [1]) })).toThrow(/same length/);
    expect(() => ints([0]).bincount({ weights: [1] as never })).toThrow(mt.DataError);
  });

  it.skipIf(syncRead)("unique and bincount say to move to the CPU on this backend", () => {
    expect(() => host([1, 2], [2]).unique()).toThrow(mt.BackendError);
    expect(() => mt.unique(host([1], [1]), { returnCounts: true })).toThrow(/await x.to\("cpu"\)/);
    expect(() => ints([0, 1]).bincount()).toThrow(mt.BackendError);
  });

  // fillDiagonal_ ----------------------------------------------------------------------------------

  it("fillDiagonal_ fills [i, i, …], tall matrices wrapping when asked", async () => {
    const diagonalJS = (shape: number[], wrap: boolean, v: number) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const step = shape.reduceRight(
        (acc, _, d) => acc + shape.slice(d + 1).reduce((a, b) => a * b, 1),
        0,
      );
      const end = wrap && shape.length === 2 ? size : Math.min(...shape) * step;
      return range(size).map((j) => (j < end && j % step === 0 ? v : 0));
    };
    for (const shape of [
      [7, 3],
      [3, 5],
      [4, 4],
      [2, 2, 2],
      [3, 3, 3, 3],
      [0, 3],
      [1, 1],
    ]) {
      for (const wrap of [false, true]) {
        const x = mt.zeros(shape, opts);
        expect(x.fillDiagonal_(5, { wrap })).toBe(x);
        await expectValues(x, shape, diagonalJS(shape, wrap, 5), EXACT, `${shape} wrap ${wrap}`);
      }
    }
    const i = mt.zeros([2, 3], { ...opts, dtype: "int32" }).fillDiagonal_(2.7);
    await expectValues(i, [2, 3], [2, 0, 0, 0, 2, 0], EXACT, "int32 truncates");
    // A view: the base sees the write.
    const base = mt.zeros([3, 4], opts);
    base.transpose(0, 1).fillDiagonal_(1);
    await expectValues(base, [3, 4], [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0], EXACT, "through a view");
  });

  it("fillDiagonal_ with gradients: 0 on the diagonal; leaves and shapes refused", async () => {
    const x = mt.ones([3, 3], grad);
    const y = x.mul(2);
    y.fillDiagonal_(0);
    y.sum().backward();
    await expectGrad(x, [0, 2, 2, 2, 0, 2, 2, 2, 0], EXACT, "grad through fillDiagonal_");
    expect(() => mt.ones([2, 2], grad).fillDiagonal_(1)).toThrow(mt.AutogradError);
    expect(() => mt.zeros([2, 3, 2], opts).fillDiagonal_(1)).toThrow(/equal length/);
    expect(() => mt.zeros([3], opts).fillDiagonal_(1)).toThrow(mt.ShapeError);
    expect(() => mt.zeros([2, 2], opts).fillDiagonal_(1, { wrapped: true } as never)).toThrow(
      /unknown option wrapped/,
    );
    expect(() => mt.zeros([2, 2], opts).fillDiagonal_("1" as never)).toThrow(mt.DataError);
  });

  // baddbmm ----------------------------------------------------------------------------------------

  it("baddbmm is beta·input + alpha·(b1 @ b2), input broadcast", async () => {
    const dims = [2, 3, 4, 2];
    const [B, n, k, p] = dims;
    const a = range(B * n * k).map((i) => Math.fround(Math.sin(i)));
    const b = range(B * k * p).map((i) => Math.fround(Math.cos(i)));
    const inp = range(p).map((i) => i - 0.5);
    const prod = bmmJS(a, b, dims);
    const b1 = host(a, [B, n, k]);
    const b2 = host(b, [B, k, p]);
    const want = prod.map((v, j) => 0.5 * inp[j % p] + 2 * v);
    const out = mt.baddbmm(host(inp, [p]), b1, b2, { beta: 0.5, alpha: 2 });
    await expectValues(out, [B, n, p], want, LOOSE, "baddbmm");
    const full = host(range(B * n * p), [B, n, p]);
    await expectValues(
      full.baddbmm(b1, b2),
      [B, n, p],
      prod.map((v, j) => v + j),
      LOOSE,
      ".baddbmm",
    );
    const nan = mt.full([1, 1, 1], Number.NaN, opts);
    const one = mt.ones([1, 1, 1], opts);
    await expectValues(mt.baddbmm(nan, one, one, { beta: 0 }), [1, 1, 1], [1], EXACT, "beta 0");
    await expectValues(
      mt.baddbmm(host([1], [1]), mt.zeros([2, 0, 3], opts), mt.zeros([2, 3, 0], opts)),
      [2, 0, 0],
      [],
      EXACT,
      "empty",
    );
  });

  it(`baddbmm's gradients against ${suite.numerically}`, async () => {
    const arb = (n: number) =>
      fc.array(fc.integer({ min: -20, max: 20 }), { minLength: n, maxLength: n });
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(arb(2 * 3 * 2), arb(2 * 2 * 3), arb(3)),
        fc.constantFrom(1, 0.5, 0),
        async ([a, b, c], beta) => {
          const ops = [
            contiguousOperand(
              c.map((v) => v / 8),
              [3],
            ),
            contiguousOperand(
              a.map((v) => v / 8),
              [2, 3, 2],
            ),
            contiguousOperand(
              b.map((v) => v / 8),
              [2, 2, 3],
            ),
          ];
          await checkNumerically(
            (i, x, y) => mt.baddbmm(i, x, y, { beta, alpha: -1.5 }),
            ops,
            `baddbmm beta ${beta}`,
          );
        },
      ),
      { numRuns: GRADCHECK_RUNS },
    );
  });

  it("baddbmm's errors, as PyTorch's", () => {
    const i = mt.zeros([2, 3, 4], opts);
    const b1 = mt.zeros([2, 3, 5], opts);
    const b2 = mt.zeros([2, 5, 4], opts);
    expect(() => mt.baddbmm(i, mt.zeros([3, 5], opts), b2)).toThrow(/batch1 must be a 3-D/);
    expect(() => mt.baddbmm(i, b1, mt.zeros([3, 5, 4], opts))).toThrow(/cannot be multiplied/);
    expect(() => mt.baddbmm(i, b1, mt.zeros([2, 4, 4], opts))).toThrow(mt.ShapeError);
    expect(() => mt.baddbmm(mt.zeros([3, 3, 4], opts), b1, b2)).toThrow(mt.ShapeError);
    expect(() => mt.baddbmm(mt.zeros([3, 1], opts), b1, b2)).not.toThrow();
    expect(() => mt.baddbmm(mt.zeros([1, 2, 3, 4], opts), b1, b2)).toThrow(/does not broadcast/);
    expect(() => mt.baddbmm(i, b1.int(), b2)).toThrow(mt.DTypeError);
    expect(() => i.baddbmm(b1, b2, { gamma: 1 } as never)).toThrow(/unknown option gamma/);
  });
});
