import fc from "fast-check";
import { expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { EXACT, LOOSE } from "../op_cases.js";
import { allIndices, ordinalOf, product, range } from "../shape_oracles.js";
import { describeEachBackend, GRADCHECK_RUNS, RUNS } from "./harness.js";
import {
  arbAnyOperand,
  build,
  contiguousOperand,
  distinct,
  each,
  type Operand,
} from "./operands.js";

/**
 * More everyday conveniences on every backend, against plain-JS oracles over row-major values:
 * softmax/logSoftmax as methods and mt.* functions; requiresGrad_, typeAs, expandAs, viewAs,
 * reshapeAs and the new* family, mt.empty; nonzero/argwhere (which read values, so on a backend
 * that reads only asynchronously they say to move to the CPU first); diagonals (diag, diagonal as
 * a view, trace) and meshgrid — with gradients against central differences (or the reference
 * backend's), on non-contiguous views, 0-d and empty tensors, and the errors PyTorch gives.
 */

type Tensor = mt.Tensor;

/** A dim of a tensor of `rank` dims, negatives included (0-d tensors take 0 and −1). */
const arbDim = (rank: number) =>
  fc.integer({ min: -Math.max(rank, 1), max: Math.max(rank, 1) - 1 });
const norm = (d: number, rank: number) => (d < 0 ? d + Math.max(rank, 1) : d);

/** softmax (or log-softmax) of row-major `values` of `shape` along `dim`, in plain JS. */
function softmaxJS(values: number[], shape: number[], dim: number, log: boolean): number[] {
  if (shape.length === 0) return values.map(() => (log ? 0 : 1));
  return allIndices(shape).map((index) => {
    const line = range(shape[dim]).map((k) => {
      const at = [...index];
      at[dim] = k;
      return values[ordinalOf(at, shape)];
    });
    const m = Math.max(...line);
    const total = line.reduce((s, v) => s + Math.exp(v - m), 0);
    const x = values[ordinalOf(index, shape)];
    return log ? x - m - Math.log(total) : Math.exp(x - m) / total;
  });
}

/** Row-major diagonal `offset` of dims d1, d2 of `values` in `shape`, and its shape, in plain JS. */
function diagonalJS(
  values: number[],
  shape: number[],
  offset: number,
  d1: number,
  d2: number,
): { shape: number[]; values: number[] } {
  const size = Math.max(
    0,
    offset >= 0 ? Math.min(shape[d1], shape[d2] - offset) : Math.min(shape[d1] + offset, shape[d2]),
  );
  const rest = shape.filter((_, i) => i !== d1 && i !== d2);
  const out = [...rest, size];
  const want = allIndices(out).map((index) => {
    const k = index[index.length - 1];
    const at: number[] = [];
    let r = 0;
    for (let i = 0; i < shape.length; i++) {
      if (i === d1) at.push(k + Math.max(0, -offset));
      else if (i === d2) at.push(k + Math.max(0, offset));
      else at.push(index[r++]);
    }
    return values[ordinalOf(at, shape)];
  });
  return { shape: out, values: want };
}

/** The multi-indices of the nonzero elements of row-major `values` in `shape`, in plain JS. */
function nonzeroJS(values: number[], shape: number[]): number[][] {
  const indices = shape.length === 0 ? [[]] : allIndices(shape);
  return indices.filter((_, k) => values[k] !== 0);
}

const smallValues = each(fc.integer({ min: -9, max: 9 }).map((k) => k / 4));

describeEachBackend(
  "more conveniences (softmax, *As, new*, nonzero, diagonals, meshgrid)",
  (suite) => {
    const { opts, grad, host, numerically, checkNumerically, expectValues, expectGrad } = suite;
    const syncRead = suite.backend.synchronousRead;
    const hasFloat64 = suite.backend.dtypes.includes("float64");

    // softmax / logSoftmax ------------------------------------------------------------------------

    it("softmax and logSoftmax match the formula along any dim, on any layout, as methods and mt.*", async () => {
      await fc.assert(
        fc.asyncProperty(
          arbAnyOperand(smallValues, { maxRank: 3 }).chain((o) =>
            fc.tuple(fc.constant(o), arbDim(o.shape.length)),
          ),
          async ([o, dim]) => {
            const { view } = build(o, opts);
            const d = norm(dim, o.shape.length);
            const what = `dim ${dim} of ${o.layout} ${o.shape}`;
            const s = softmaxJS(o.values, o.shape, d, false);
            const ls = softmaxJS(o.values, o.shape, d, true);
            await expectValues(view.softmax(dim), o.shape, s, LOOSE, `softmax ${what}`);
            await expectValues(mt.softmax(view, dim), o.shape, s, LOOSE, `mt.softmax ${what}`);
            await expectValues(view.logSoftmax(dim), o.shape, ls, LOOSE, `logSoftmax ${what}`);
            await expectValues(
              mt.logSoftmax(view, dim),
              o.shape,
              ls,
              LOOSE,
              `mt.logSoftmax ${what}`,
            );
          },
        ),
        { numRuns: RUNS },
      );
      // nn.functional keeps its API: the same functions.
      expect(mt.nn.functional.softmax).toBe(mt.softmax);
      expect(mt.nn.functional.logSoftmax).toBe(mt.logSoftmax);
    });

    it("softmax is stable for large logits, and keeps empty shapes", async () => {
      const x = host([1000, 0, -1000, 1000], [2, 2]);
      await expectValues(x.softmax(1), [2, 2], [1, 0, 0, 1], EXACT, "softmax ±1000");
      await expectValues(x.logSoftmax(-1), [2, 2], [0, -1000, -2000, 0], EXACT, "logSoftmax ±1000");
      for (const [shape, dim] of [
        [[0, 3], 1],
        [[3, 0], 1],
        [[3, 0], 0],
      ] as [number[], number][]) {
        await expectValues(mt.zeros(shape, opts).softmax(dim), shape, [], EXACT, `${shape}`);
        await expectValues(mt.zeros(shape, opts).logSoftmax(dim), shape, [], EXACT, `${shape}`);
      }
    });

    it(`softmax and logSoftmax gradients match ${numerically}`, async () => {
      await fc.assert(
        fc.asyncProperty(
          arbAnyOperand(smallValues, { maxRank: 3, maxDim: 3 }).chain((o) =>
            fc.tuple(fc.constant(o), arbDim(o.shape.length)),
          ),
          async ([o, dim]) => {
            await checkNumerically((x) => x.softmax(dim), [o], `softmax dim ${dim} of ${o.shape}`);
            await checkNumerically((x) => mt.logSoftmax(x, dim), [o], `logSoftmax dim ${dim}`);
          },
        ),
        { numRuns: GRADCHECK_RUNS },
      );
    });

    it("softmax refuses integer tensors, dims out of range and non-tensors", () => {
      const cases: [() => unknown, typeof mt.DTypeError | typeof mt.ShapeError, RegExp][] = [
        [
          () => mt.tensor([1, 2], { ...opts, dtype: "int32" }).softmax(0),
          mt.DTypeError,
          /softmax: needs a float tensor, got int32/,
        ],
        [() => mt.logSoftmax(mt.tensor([true], opts), 0), mt.DTypeError, /logSoftmax: .*bool/],
        [
          () => mt.zeros([2, 3], opts).softmax(2),
          mt.ShapeError,
          /softmax: dim 2 is out of range for a 2-d tensor/,
        ],
        [() => mt.zeros([2, 3], opts).logSoftmax(-3), mt.ShapeError, /logSoftmax: dim -3/],
        [
          () => mt.softmax([1, 2] as unknown as Tensor, 0),
          mt.DTypeError,
          /softmax: expected a Tensor/,
        ],
      ];
      for (const [f, type, message] of cases) {
        expect(f).toThrow(type);
        expect(f).toThrow(message);
      }
    });

    // requiresGrad_, typeAs, expandAs, viewAs, reshapeAs -----------------------------------------

    it("requiresGrad_ sets the flag on a leaf and returns the tensor itself", () => {
      const x = mt.zeros([2], opts);
      expect(x.requiresGrad_()).toBe(x);
      expect(x.requiresGrad).toBe(true);
      expect(x.requiresGrad_(false).requiresGrad).toBe(false);
      const y = mt.ones([2], grad).mul(2);
      expect(() => y.requiresGrad_(false)).toThrow(mt.AutogradError);
      expect(y.requiresGrad_()).toBe(y); // already requires grad: a no-op, as in PyTorch
      expect(y.isLeaf).toBe(false);
      expect(() => mt.tensor([1], { ...opts, dtype: "int32" }).requiresGrad_()).toThrow(
        /float dtype/,
      );
      expect(() => x.requiresGrad_("yes" as unknown as boolean)).toThrow(mt.DataError);
    });

    it("typeAs converts to the other's dtype (itself when alike), with gradients between floats", async () => {
      const ints = mt.tensor([1, -2, 3], { ...opts, dtype: "int32" });
      const floats = host([1.75, -2.5, 0], [3]);
      const f = ints.typeAs(floats);
      expect(f.dtype).toBe("float32");
      await expectValues(f, [3], [1, -2, 3], EXACT, "int32 → float32");
      const i = floats.typeAs(ints);
      expect(i.dtype).toBe("int32");
      await expectValues(i, [3], [1, -2, 0], EXACT, "float32 → int32 truncates");
      expect(floats.typeAs(floats)).toBe(floats);
      expect(mt.tensor([true, false], opts).typeAs(floats).dtype).toBe("float32");
      if (hasFloat64) {
        const x = mt.tensor([1, 2], grad);
        const d = x.typeAs(mt.zeros([1], { ...opts, dtype: "float64" }));
        expect(d.dtype).toBe("float64");
        d.mul(d).sum().backward();
        await expectGrad(x, [2, 4], EXACT, "grad through typeAs");
      }
      expect(() => floats.typeAs(3 as unknown as Tensor)).toThrow(/typeAs: expected a Tensor/);
      if (suite.name !== "reference") {
        const other = mt.zeros([1], { backend: "reference" });
        expect(() => floats.typeAs(other)).toThrow(mt.BackendError);
        expect(() => floats.typeAs(other)).toThrow(/await x.to\("reference"\)/);
      }
    });

    it("expandAs, viewAs and reshapeAs take the other's shape", async () => {
      const x = host([1, 2, 3], [3, 1]);
      const e = x.expandAs(mt.zeros([2, 3, 4], opts));
      expect(e.storage).toBe(x.storage);
      await expectValues(
        e,
        [2, 3, 4],
        [0, 1].flatMap(() => [1, 2, 3].flatMap((v) => [v, v, v, v])),
        EXACT,
        "expandAs",
      );
      const m = host([1, 2, 3, 4, 5, 6], [2, 3]);
      const v = m.viewAs(mt.zeros([3, 2], opts));
      expect(v.storage).toBe(m.storage);
      await expectValues(v, [3, 2], [1, 2, 3, 4, 5, 6], EXACT, "viewAs");
      await expectValues(
        m.t().reshapeAs(mt.zeros([6], opts)),
        [6],
        [1, 4, 2, 5, 3, 6],
        EXACT,
        "reshapeAs of a transpose",
      );
      await expectValues(
        host([7], []).reshapeAs(mt.zeros([1, 1], opts)),
        [1, 1],
        [7],
        EXACT,
        "0-d reshapeAs",
      );
      expect(() => m.t().viewAs(mt.zeros([6], opts))).toThrow(/view: .*not contiguous/);
      expect(() => host([1, 2], [2]).expandAs(mt.zeros([3], opts))).toThrow(mt.ShapeError);
      expect(() => m.reshapeAs(mt.zeros([4], opts))).toThrow(mt.ShapeError);
      expect(() => m.expandAs([2, 3] as unknown as Tensor)).toThrow(/expandAs: expected a Tensor/);
    });

    it(`expandAs and reshapeAs gradients match ${numerically}`, async () => {
      const small = contiguousOperand([0.5, -1, 2], [3, 1]);
      const target = mt.zeros([2, 3, 2], opts);
      await checkNumerically(
        (x) => x.expandAs(target).mul(x.expandAs(target)),
        [small],
        "expandAs",
      );
      await fc.assert(
        fc.asyncProperty(arbAnyOperand(smallValues, { minRank: 1, maxRank: 3 }), async (o) => {
          const flat = mt.zeros([product(o.shape)], opts);
          await checkNumerically(
            (x) => x.reshapeAs(flat).mul(x.reshapeAs(flat)),
            [o],
            `reshapeAs of ${o.layout}`,
          );
        }),
        { numRuns: GRADCHECK_RUNS },
      );
    });

    // new* and mt.empty ---------------------------------------------------------------------------

    it("newZeros, newOnes, newFull, newEmpty take this tensor's dtype and backend unless told", async () => {
      const dtypes = (["float32", "int32", "bool"] as const).filter((d) =>
        suite.backend.dtypes.includes(d),
      );
      for (const dtype of dtypes) {
        const x = mt.zeros([1], { ...opts, dtype });
        for (const [t, shape, fill] of [
          [x.newZeros(2, 3), [2, 3], 0],
          [x.newZeros([2, 3]), [2, 3], 0],
          [x.newOnes([4]), [4], 1],
          [x.newOnes(), [], 1],
          [x.newFull([2], 1), [2], 1],
          [x.newZeros(0, 2), [0, 2], 0],
        ] as [Tensor, number[], number][]) {
          expect([t.dtype, t.requiresGrad], `${dtype} ${shape}`).toEqual([dtype, false]);
          await expectValues(
            t,
            shape,
            new Array(product(shape)).fill(fill),
            EXACT,
            `${dtype} ${shape}`,
          );
        }
        const e = x.newEmpty(3, 2);
        expect([e.shape, e.dtype, e.backend]).toEqual([[3, 2], dtype, suite.name]);
      }
      const f = mt.ones([1], grad);
      await expectValues(f.newFull([2, 2], 7.5), [2, 2], [7.5, 7.5, 7.5, 7.5], EXACT, "newFull");
      expect(f.newZeros(2).requiresGrad).toBe(false);
      const i = f.newOnes([2], { dtype: "int64" });
      expect(i.dtype).toBe("int32");
      expect(f.newZeros([2], { requiresGrad: true }).requiresGrad).toBe(true);
      expect(f.newEmpty([2], { dtype: "int32" }).dtype).toBe("int32");
      expect(f.newFull([1], 3, { dtype: "bool" }).dtype).toBe("bool");
    });

    it("newTensor copies data into this tensor's dtype and backend, and mt.empty takes zeros' arguments", async () => {
      const f = host([0], [1]);
      const b = f.newTensor([true, false]);
      expect(b.dtype).toBe("float32");
      await expectValues(b, [2], [1, 0], EXACT, "bools as float32");
      const ints = mt.zeros([1], { ...opts, dtype: "int32" });
      const t = ints.newTensor([
        [1.5, 2.75],
        [-1.5, 3],
      ]);
      expect(t.dtype).toBe("int32");
      await expectValues(t, [2, 2], [1, 2, -1, 3], EXACT, "floats into int32 truncate");
      await expectValues(ints.newTensor(5, { dtype: "float32" }), [], [5], EXACT, "0-d float");
      expect(ints.newTensor([1], { requiresGrad: true, dtype: "float32" }).requiresGrad).toBe(true);
      for (const [e, shape] of [
        [mt.empty(2, 3, opts), [2, 3]],
        [mt.empty([2, 3], opts), [2, 3]],
        [mt.empty([], opts), []],
        [mt.empty(0, opts), [0]],
      ] as [Tensor, number[]][]) {
        expect([e.shape, e.dtype, e.backend]).toEqual([shape, "float32", suite.name]);
      }
      expect(mt.empty([2], { ...opts, dtype: "int32" }).dtype).toBe("int32");
      expect(mt.empty([2], { ...opts, requiresGrad: true }).requiresGrad).toBe(true);
    });

    it("new* and mt.empty refuse unknown options and bad shapes", () => {
      const x = mt.zeros([1], opts);
      const cases: [
        () => unknown,
        typeof mt.DataError | typeof mt.ShapeError | typeof mt.DTypeError,
        RegExp,
      ][] = [
        [
          () => x.newZeros([2], { device: "cpu" } as mt.TensorOptions),
          mt.DataError,
          /newZeros: unknown option device/,
        ],
        [() => x.newOnes(-1), mt.ShapeError, /newOnes: a shape holds non-negative integers/],
        [
          () => x.newFull(2 as unknown as number[], 1),
          mt.ShapeError,
          /newFull: the shape must be an array/,
        ],
        [
          () => x.newFull([2], "a" as unknown as number),
          mt.DataError,
          /newFull: the value must be a number/,
        ],
        [() => x.newTensor([1], { dtype: "complex" as mt.DType }), mt.DTypeError, /complex/],
        [
          () => x.newEmpty([2], { requires_grad: true } as mt.TensorOptions),
          mt.DataError,
          /newEmpty: unknown option requires_grad/,
        ],
        [
          () => mt.empty([2], { pinMemory: true } as mt.TensorOptions),
          mt.DataError,
          /empty: unknown option pinMemory/,
        ],
        [() => mt.empty(2.5), mt.ShapeError, /empty: a shape holds non-negative integers/],
      ];
      for (const [f, type, message] of cases) {
        expect(f).toThrow(type);
        expect(f).toThrow(message);
      }
    });

    // nonzero / argwhere ---------------------------------------------------------------------------

    const sparse = each(fc.constantFrom(0, 0, 0, 1, -2.5, Number.NaN, -0));

    it.skipIf(!syncRead)(
      "nonzero lists the nonzero indices in row-major order, on any layout and dtype",
      async () => {
        await fc.assert(
          fc.asyncProperty(
            arbAnyOperand(sparse, { maxRank: 3 }),
            fc.constantFrom("float32", "int32", "bool"),
            async (o, dtype) => {
              // Integer and bool tensors hold NaN as 1 and −2.5 as −2 (bool: true).
              const stored = (v: number) =>
                dtype === "float32" ? v : Number.isNaN(v) ? 1 : Math.trunc(v);
              const values = o.values.map(stored);
              const source: Operand = { ...o, values, leafValues: o.leafValues.map(stored) };
              const { view } = build(source, { ...opts, dtype });
              const rows = nonzeroJS(values, o.shape);
              const what = `${dtype} ${o.layout} ${o.shape}`;
              const n = view.nonzero();
              expect(n.dtype).toBe("int32");
              await expectValues(
                n,
                [rows.length, o.shape.length],
                rows.flat(),
                EXACT,
                `nonzero ${what}`,
              );
              await expectValues(
                mt.nonzero(view),
                [rows.length, o.shape.length],
                rows.flat(),
                EXACT,
                `mt.nonzero ${what}`,
              );
              await expectValues(
                mt.argwhere(view),
                [rows.length, o.shape.length],
                rows.flat(),
                EXACT,
                `argwhere ${what}`,
              );
              await expectValues(
                view.argwhere(),
                [rows.length, o.shape.length],
                rows.flat(),
                EXACT,
                `.argwhere ${what}`,
              );
              const columns = view.nonzero({ asTuple: true });
              expect(columns.length).toBe(Math.max(o.shape.length, 1));
              for (const [d, c] of columns.entries()) {
                const want = o.shape.length === 0 ? rows.map(() => 0) : rows.map((r) => r[d]);
                await expectValues(c, [rows.length], want, EXACT, `asTuple column ${d} of ${what}`);
              }
            },
          ),
          { numRuns: RUNS },
        );
      },
    );

    it.skipIf(!syncRead)("nonzero of 0-d and empty tensors, NaN and −0 as PyTorch's", async () => {
      await expectValues(host([5], []).nonzero(), [1, 0], [], EXACT, "0-d nonzero");
      await expectValues(host([0], []).nonzero(), [0, 0], [], EXACT, "0-d zero");
      const [only] = mt.nonzero(host([5], []), { asTuple: true });
      await expectValues(only, [1], [0], EXACT, "0-d asTuple");
      await expectValues(mt.zeros([2, 0, 3], opts).nonzero(), [0, 3], [], EXACT, "empty");
      expect(
        mt
          .zeros([2, 0, 3], opts)
          .nonzero({ asTuple: true })
          .map((c) => c.shape),
      ).toEqual([[0], [0], [0]]);
      await expectValues(
        host([Number.NaN, -0, 0, 2], [4]).nonzero(),
        [2, 1],
        [0, 3],
        EXACT,
        "NaN counts, −0 does not",
      );
      const x = mt.tensor([0, 3], grad);
      expect(x.nonzero().requiresGrad).toBe(false);
      expect(x.nonzero({ asTuple: false }).shape).toEqual([1, 1]);
    });

    it("nonzero refuses bad options, and a backend that reads only asynchronously names the move", async () => {
      const x = host([0, 1], [2]);
      expect(() => x.nonzero({ as_tuple: true } as mt.NonzeroOptions)).toThrow(
        /nonzero: unknown option as_tuple/,
      );
      expect(() => x.nonzero({ asTuple: 1 } as unknown as mt.NonzeroOptions)).toThrow(mt.DataError);
      expect(() => mt.argwhere(null as unknown as Tensor)).toThrow(mt.DTypeError);
      if (!syncRead) {
        for (const f of [
          () => x.nonzero(),
          () => mt.argwhere(x),
          () => mt.nonzero(x, { asTuple: true }),
        ]) {
          expect(f).toThrow(mt.BackendError);
          expect(f).toThrow(/the result's size depends on the values.*await x.to\("cpu"\)/);
        }
        const onCpu = await x.to("cpu");
        expect(onCpu.nonzero().toArray()).toEqual([[1]]);
      }
    });

    // diagonal, diag, trace --------------------------------------------------------------------------

    /** A tensor of 2–4 dims, any layout, with an offset and two distinct dims (negatives included). */
    const arbDiagonal = arbAnyOperand(smallValues, { minRank: 2, maxRank: 4 }).chain((o) => {
      const r = o.shape.length;
      return fc
        .tuple(
          fc.constant(o),
          fc.integer({ min: -4, max: 4 }),
          fc.integer({ min: -r, max: r - 1 }),
          fc.integer({ min: -r, max: r - 1 }),
        )
        .filter(([, , a, b]) => norm(a, r) !== norm(b, r));
    });

    it("diagonal is the diagonal of any two dims, a view, in every argument form", async () => {
      await fc.assert(
        fc.asyncProperty(arbDiagonal, async ([o, offset, dim1, dim2]) => {
          const { view } = build(o, opts);
          const r = o.shape.length;
          const want = diagonalJS(o.values, o.shape, offset, norm(dim1, r), norm(dim2, r));
          const what = `diagonal(${offset}, ${dim1}, ${dim2}) of ${o.layout} ${o.shape}`;
          const d = view.diagonal(offset, dim1, dim2);
          expect(d.storage).toBe(view.storage);
          await expectValues(d, want.shape, want.values, EXACT, what);
          await expectValues(
            mt.diagonal(view, { offset, dim1, dim2 }),
            want.shape,
            want.values,
            EXACT,
            `mt ${what}`,
          );
        }),
        { numRuns: RUNS },
      );
      const m = host(range(12), [3, 4]);
      await expectValues(m.diagonal(), [3], [0, 5, 10], EXACT, "defaults");
      await expectValues(m.diagonal({ offset: 1 }), [3], [1, 6, 11], EXACT, "offset 1");
      await expectValues(mt.diagonal(m, -1), [2], [4, 9], EXACT, "offset -1");
      await expectValues(m.diagonal(4), [0], [], EXACT, "outside");
      await expectValues(m.diagonal({ dim1: 1, dim2: 0 }), [3], [0, 5, 10], EXACT, "dims swapped");
    });

    it("writing through a diagonal writes the tensor (x.diagonal().fill_(v))", async () => {
      const x = mt.zeros([3, 3], opts);
      x.diagonal().fill_(2);
      await expectValues(x, [3, 3], [2, 0, 0, 0, 2, 0, 0, 0, 2], EXACT, "fill_ through diagonal");
      x.diagonal(1).fill_(-1);
      await expectValues(
        x,
        [3, 3],
        [2, -1, 0, 0, 2, -1, 0, 0, 2],
        EXACT,
        "fill_ through diagonal 1",
      );
    });

    it(`diagonal gradients match ${numerically}`, async () => {
      await fc.assert(
        fc.asyncProperty(arbDiagonal, async ([o, offset, dim1, dim2]) => {
          await checkNumerically(
            (x) => x.diagonal(offset, dim1, dim2).mul(x.diagonal(offset, dim1, dim2)),
            [o],
            `diagonal(${offset}, ${dim1}, ${dim2}) of ${o.shape}`,
          );
        }),
        { numRuns: GRADCHECK_RUNS },
      );
      const x = mt.ones([2, 3], grad);
      x.diagonal(1).sum().backward();
      await expectGrad(x, [0, 1, 0, 0, 0, 1], EXACT, "Σ diagonal(1)");
    });

    it("diag makes a matrix of a vector and takes a matrix's diagonal (a copy)", async () => {
      const v = [1, 2, 3];
      for (const k of [-2, -1, 0, 1, 2]) {
        const n = 3 + Math.abs(k);
        const want = allIndices([n, n]).map(([i, j]) => (j - i === k ? v[Math.min(i, j)] : 0));
        await expectValues(host(v, [3]).diag(k), [n, n], want, EXACT, `diag(v, ${k})`);
        await expectValues(mt.diag(host(v, [3]), k), [n, n], want, EXACT, `mt.diag(v, ${k})`);
      }
      await expectValues(mt.diag(host([], [0])), [0, 0], [], EXACT, "empty vector");
      await expectValues(mt.diag(host([], [0]), 1), [1, 1], [0], EXACT, "empty vector, diagonal 1");
      const m = host(range(6), [2, 3]);
      await expectValues(m.diag(), [2], [0, 4], EXACT, "matrix");
      await expectValues(mt.diag(m, 1), [2], [1, 5], EXACT, "matrix, 1");
      await expectValues(m.t().diag(-1), [2], [1, 5], EXACT, "transposed, -1");
      await expectValues(m.diag(3), [0], [], EXACT, "outside");
      expect(m.diag().storage).not.toBe(m.storage);
      expect(mt.diag(mt.tensor([1, 2], { ...opts, dtype: "int32" })).dtype).toBe("int32");
    });

    it(`diag gradients match ${numerically} both ways`, async () => {
      await fc.assert(
        fc.asyncProperty(
          arbAnyOperand(smallValues, { minRank: 1, maxRank: 2 }),
          fc.integer({ min: -3, max: 3 }),
          async (o, k) => {
            await checkNumerically(
              (x) => x.diag(k).mul(x.diag(k)),
              [o],
              `diag(${k}) of ${o.layout} ${o.shape}`,
            );
          },
        ),
        { numRuns: GRADCHECK_RUNS },
      );
    });

    it("trace sums a matrix's main diagonal, with gradient g·I", async () => {
      await expectValues(host(range(6), [2, 3]).trace(), [], [4], EXACT, "2 × 3");
      await expectValues(mt.trace(host(range(6), [3, 2])), [], [3], EXACT, "3 × 2");
      await expectValues(mt.trace(host(range(9), [3, 3]).t()), [], [12], EXACT, "transposed");
      await expectValues(mt.zeros([0, 3], opts).trace(), [], [0], EXACT, "empty");
      const i = mt
        .tensor(
          [
            [1, 2],
            [3, 4],
          ],
          { ...opts, dtype: "int32" },
        )
        .trace();
      expect(i.dtype).toBe("int32");
      await expectValues(i, [], [5], EXACT, "int32");
      const m = mt.tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        grad,
      );
      m.trace().mul(3).backward();
      await expectGrad(m, [3, 0, 0, 0, 3, 0], EXACT, "trace");
      await fc.assert(
        fc.asyncProperty(arbAnyOperand(distinct, { minRank: 2, maxRank: 2 }), async (o) => {
          await checkNumerically((a) => a.mul(a).trace(), [o], `trace of ${o.layout} ${o.shape}`);
        }),
        { numRuns: GRADCHECK_RUNS },
      );
    });

    it("diagonal, diag and trace refuse what PyTorch refuses", () => {
      const v = mt.zeros([3], opts);
      const m = mt.zeros([2, 3], opts);
      const cases: [
        () => unknown,
        typeof mt.DataError | typeof mt.ShapeError | typeof mt.DTypeError,
        RegExp,
      ][] = [
        [
          () => v.diagonal(),
          mt.ShapeError,
          /diagonal: needs a tensor of at least 2 dims, got a 1-d tensor of shape \[3\]/,
        ],
        [() => m.diagonal(0, 1, -1), mt.ShapeError, /diagonal: dim1 1 and dim2 -1 are both dim 1/],
        [() => m.diagonal(0, 0, 2), mt.ShapeError, /diagonal: dim 2 is out of range/],
        [() => m.diagonal(0.5), mt.DataError, /diagonal: offset must be an integer, got 0.5/],
        [
          () => m.diagonal({ offset: 1 }, 0),
          mt.DataError,
          /diagonal: give the dims either positionally or as options/,
        ],
        [
          () => mt.diagonal(m, { axis1: 0 } as mt.DiagonalOptions),
          mt.DataError,
          /diagonal: unknown option axis1/,
        ],
        [
          () => mt.diag(mt.zeros([], opts)),
          mt.ShapeError,
          /diag: expects a 1-D or 2-D tensor, got a 0-d tensor/,
        ],
        [
          () => mt.zeros([2, 2, 2], opts).diag(),
          mt.ShapeError,
          /diag: .*3-d tensor of shape \[2,2,2\]/,
        ],
        [() => v.diag(1.5), mt.DataError, /diag: diagonal must be an integer/],
        [() => v.trace(), mt.ShapeError, /trace: expects a matrix \(2-D\), got a 1-d tensor/],
        [() => mt.trace(mt.zeros([], opts)), mt.ShapeError, /trace: .*0-d/],
        [
          () => mt.trace(mt.tensor([[true]], opts)),
          mt.DTypeError,
          /trace: not defined for a bool tensor/,
        ],
        [() => mt.trace("m" as unknown as Tensor), mt.DTypeError, /trace: expected a Tensor/],
      ];
      for (const [f, type, message] of cases) {
        expect(f).toThrow(type);
        expect(f).toThrow(message);
      }
    });

    // meshgrid ---------------------------------------------------------------------------------------

    it("meshgrid repeats each input along the other dims, ij and xy, 0-d inputs as one element", async () => {
      const inputs = [
        [1, 2, 3],
        [4, 5],
        [6, 7, 8, 9],
      ];
      for (const count of [1, 2, 3]) {
        const given = inputs.slice(0, count);
        const sizes = given.map((v) => v.length);
        for (const indexing of ["ij", "xy"] as const) {
          const swap = indexing === "xy" && count >= 2;
          const shape = swap ? [sizes[1], sizes[0], ...sizes.slice(2)] : sizes;
          const position = (k: number) => (swap && k < 2 ? 1 - k : k);
          const grids = mt.meshgrid(
            given.map((v) => host(v, [v.length])),
            { indexing },
          );
          expect(grids.length).toBe(count);
          for (const [k, g] of grids.entries()) {
            const want = allIndices(shape).map((index) => given[k][index[position(k)]]);
            await expectValues(g, shape, want, EXACT, `${indexing} grid ${k} of ${count}`);
          }
        }
      }
      const [a, b] = mt.meshgrid([host([7], []), host([1, 2], [2])]);
      await expectValues(a, [1, 2], [7, 7], EXACT, "0-d input");
      await expectValues(b, [1, 2], [1, 2], EXACT, "1-D input beside a 0-d one");
      const [x, y] = mt.meshgrid([host([1, 2, 3], [3]), host([4, 5], [2])]);
      expect([x.shape, y.shape]).toEqual([
        [3, 2],
        [3, 2],
      ]); // the default is "ij"
      expect(x.storage).not.toBe(y.storage);
      const strided = host([1, 0, 2, 0, 3], [5]).index([null, null, 2]);
      const [s] = mt.meshgrid([strided, host([0, 0], [2])], { indexing: "ij" });
      await expectValues(s, [3, 2], [1, 1, 2, 2, 3, 3], EXACT, "a strided input");
      const [e] = mt.meshgrid([mt.zeros([0], opts), host([1, 2, 3], [3])]);
      await expectValues(e, [0, 3], [], EXACT, "an empty input");
    });

    it(`meshgrid gradients match ${numerically}`, async () => {
      await fc.assert(
        fc.asyncProperty(
          arbAnyOperand(smallValues, { maxRank: 1 }),
          arbAnyOperand(smallValues, { minRank: 1, maxRank: 1 }),
          fc.constantFrom("ij" as const, "xy" as const),
          async (a, b, indexing) => {
            await checkNumerically(
              (p, q) => {
                const [X, Y] = mt.meshgrid([p, q], { indexing });
                return X.mul(Y).add(X);
              },
              [a, b],
              `meshgrid ${indexing} of ${a.shape}, ${b.shape}`,
            );
          },
        ),
        { numRuns: GRADCHECK_RUNS },
      );
      const u = mt.tensor([1, 2, 3], grad);
      const w = mt.tensor([4, 5], grad);
      const [X, Y] = mt.meshgrid([u, w], { indexing: "xy" });
      X.mul(Y).sum().backward();
      await expectGrad(u, [9, 9, 9], EXACT, "Σ_j w_j");
      await expectGrad(w, [6, 6], EXACT, "Σ_i u_i");
    });

    it("meshgrid refuses what PyTorch refuses", () => {
      const v = mt.zeros([2], opts);
      const cases: [
        () => unknown,
        typeof mt.DataError | typeof mt.ShapeError | typeof mt.DTypeError,
        RegExp,
      ][] = [
        [() => mt.meshgrid([]), mt.ShapeError, /meshgrid: expected a non-empty array of Tensors/],
        [
          () => mt.meshgrid(v as unknown as Tensor[]),
          mt.DTypeError,
          /meshgrid: expected an array of Tensors/,
        ],
        [
          () => mt.meshgrid([v, mt.zeros([2, 2], opts)]),
          mt.ShapeError,
          /meshgrid: expects 0-d or 1-D tensors, but tensor 1 has shape \[2,2\]/,
        ],
        [
          () => mt.meshgrid([v, mt.zeros([2], { ...opts, dtype: "int32" })]),
          mt.DTypeError,
          /meshgrid: tensor 1 is int32 but tensor 0 is float32/,
        ],
        [
          () => mt.meshgrid([v], { indexing: "ji" as "ij" }),
          mt.DataError,
          /meshgrid: option indexing must be "ij" or "xy", got "ji"/,
        ],
        [
          () => mt.meshgrid([v], { sparse: true } as mt.MeshgridOptions),
          mt.DataError,
          /meshgrid: unknown option sparse/,
        ],
      ];
      for (const [f, type, message] of cases) {
        expect(f).toThrow(type);
        expect(f).toThrow(message);
      }
    });
  },
);
