import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DType, HostArray } from "../src/backend/backend.js";
import { ReferenceBackend, referenceBackend } from "../src/backend/reference/index.js";
import { BackendError, DataError, DTypeError, ShapeError } from "../src/errors.js";
import {
  type BinaryOp,
  binaryOps,
  type ReduceOp,
  type UnaryOp,
  unaryOps,
} from "../src/strided/ops.js";
import type { View } from "../src/strided/tensor_data.js";
import { binaryCases, opsOf, reduceCases, unaryCases } from "./op_cases.js";
import {
  allIndices,
  broadcastShapes,
  ordinalOf,
  positionOf,
  product,
  readBroadcast,
  rowMajor,
  smallerShapeArb,
} from "./shape_oracles.js";

/**
 * Tests of the reference backend alone, on views built by hand. Expectations come from nested
 * loops and formulas written here and in test/shape_oracles.ts (not from src/strided/shape.ts), so
 * a bug shared by the backend and its helpers cannot hide. Unused buffer slots hold NaN, so a read
 * from a wrong position shows.
 */

const backend = referenceBackend;
type Shape = readonly number[];

// --- views built by hand -----------------------------------------------------------------------

function typed(dtype: DType, length: number, fill: number): HostArray {
  return (dtype === "float32" ? new Float32Array(length) : new Float64Array(length)).fill(fill);
}

/** How a logical tensor sits in storage: dim i of the view is storage dim perm[i]. */
interface Placement {
  readonly perm: readonly number[];
  readonly offset: number;
}

/**
 * A view of shape `shape` holding `values` (row-major), stored as a permuted contiguous buffer at
 * `offset`, with `fill` in the slots the view never reaches.
 */
function makeView(
  values: readonly number[],
  shape: Shape,
  { perm, offset }: Placement = { perm: shape.map((_, i) => i), offset: 0 },
  dtype: DType = "float64",
  fill = Number.NaN,
): View<HostArray> {
  const storageShape = new Array<number>(shape.length);
  perm.forEach((p, i) => {
    storageShape[p] = shape[i];
  });
  const storageStrides = rowMajor(storageShape);
  const strides = perm.map((p) => storageStrides[p]);
  const buffer = typed(dtype, offset + product(shape) + 2, fill);
  for (const index of allIndices(shape)) {
    buffer[positionOf(index, strides, offset)] = values[ordinalOf(index, shape)];
  }
  return { buffer, shape, strides, offset };
}

/** The view's logical values, row-major. */
function readView(view: View<HostArray>): number[] {
  return allIndices(view.shape).map((ix) => view.buffer[positionOf(ix, view.strides, view.offset)]);
}

/** A zero-filled contiguous view filling its buffer exactly (no padding), offset 0. */
function contiguous(shape: Shape, dtype: DType = "float64"): View<HostArray> {
  return { buffer: typed(dtype, product(shape), 0), shape, strides: rowMajor(shape), offset: 0 };
}

// --- generators --------------------------------------------------------------------------------

const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 });
const valueArb = fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true });
const intArb = fc.integer({ min: -9, max: 9 });

function valuesArb(shape: Shape, arb: fc.Arbitrary<number> = valueArb) {
  const n = product(shape);
  return fc.array(arb, { minLength: n, maxLength: n });
}

function placementArb(rank: number): fc.Arbitrary<Placement> {
  const dims = [...new Array<number>(rank).keys()];
  return fc.record({
    perm: fc.shuffledSubarray(dims, { minLength: rank, maxLength: rank }),
    offset: fc.nat(3),
  });
}

/** A strided view (random permutation and offset) of `shape` with random values. */
function viewArb(shape: Shape, arb: fc.Arbitrary<number> = valueArb) {
  return fc
    .tuple(valuesArb(shape, arb), placementArb(shape.length))
    .map(([values, placement]) => ({ values, view: makeView(values, shape, placement) }));
}

const unaryNames = opsOf(unaryCases);
const binaryNames = opsOf(binaryCases);
const reduceNames = opsOf(reduceCases);

/** What a buffer of `dtype` holds after storing `x`. */
function stored(x: number, dtype: DType): number {
  return dtype === "float32" ? Math.fround(x) : x;
}

// --- tests ------------------------------------------------------------------------------------

describe("reference backend: buffers", () => {
  it("describes itself and is a singleton instance", () => {
    expect(referenceBackend).toBeInstanceOf(ReferenceBackend);
    expect(backend.name).toBe("reference");
    expect(backend.dtypes).toEqual(["float32", "float64", "int32", "bool"]);
    expect(backend.synchronousRead).toBe(true);
  });

  it("allocates zero-filled arrays of the dtype", () => {
    const f32 = backend.allocate(3, "float32");
    const f64 = backend.allocate(4, "float64");
    expect(f32).toBeInstanceOf(Float32Array);
    expect(f64).toBeInstanceOf(Float64Array);
    expect([...f32]).toEqual([0, 0, 0]);
    expect([...f64]).toEqual([0, 0, 0, 0]);
    const bad: string = "float16";
    expect(() => backend.allocate(2, bad as DType)).toThrow(DTypeError);
  });

  it("uploads, and downloads copies", async () => {
    const buffer = backend.allocate(3, "float64");
    backend.upload(buffer, [1, 2, 3]);
    const sync = backend.downloadSync(buffer);
    const later = await backend.download(buffer);
    expect([...sync]).toEqual([1, 2, 3]);
    expect([...later]).toEqual([1, 2, 3]);
    expect(later).toBeInstanceOf(Float64Array);
    sync[0] = 99;
    later[1] = 99;
    expect([...buffer]).toEqual([1, 2, 3]);
    backend.free(buffer);
  });

  it("rejects an upload of the wrong length, naming both lengths", () => {
    const buffer = backend.allocate(3, "float32");
    expect(() => backend.upload(buffer, [1, 2])).toThrow(BackendError);
    expect(() => backend.upload(buffer, [1, 2])).toThrow(/2 values .* 3 elements/);
  });
});

describe("reference backend: map", () => {
  const samples = [-2.5, -1, -0.25, 0, 0.5, 1, 3];

  it.each(unaryNames)("%s matches its op-table fn in both dtypes", (op) => {
    for (const dtype of ["float32", "float64"] as const) {
      const a = makeView(samples, [samples.length], undefined, dtype);
      const out = contiguous([samples.length], dtype);
      backend.map(op, out, a);
      const expected = samples.map((x) => stored(unaryOps[op].fn(stored(x, dtype)), dtype));
      expect(readView(out)).toEqual(expected);
    }
  });

  it("reads permuted, offset views and broadcasts the input to the output", () => {
    const arb = shapeArb.chain((full) =>
      fc.record({
        full: fc.constant(full),
        op: fc.constantFrom(...unaryNames),
        a: smallerShapeArb(full).chain((small) => viewArb(small)),
      }),
    );
    fc.assert(
      fc.property(arb, ({ full, op, a }) => {
        const out = contiguous(full);
        backend.map(op, out, a.view);
        const expected = allIndices(full).map((ix) =>
          unaryOps[op].fn(a.values[ordinalOf(readBroadcast(ix, a.view.shape), a.view.shape)]),
        );
        expect(readView(out)).toEqual(expected);
      }),
    );
  });
});

describe("reference backend: zip", () => {
  const pairs: [number, number][] = [
    [-2, 3],
    [0.5, 0.5],
    [1, 1.005],
    [4, -0.5],
    [-1.5, 2],
    [0, -3],
  ];

  it.each(binaryNames)("%s matches its op-table fn in both dtypes", (op) => {
    for (const dtype of ["float32", "float64"] as const) {
      const a = makeView(
        pairs.map(([x]) => x),
        [pairs.length],
        undefined,
        dtype,
      );
      const b = makeView(
        pairs.map(([, y]) => y),
        [pairs.length],
        undefined,
        dtype,
      );
      const out = contiguous([pairs.length], dtype);
      backend.zip(op, out, a, b);
      const expected = pairs.map(([x, y]) =>
        stored(binaryOps[op].fn(stored(x, dtype), stored(y, dtype)), dtype),
      );
      expect(readView(out)).toEqual(expected);
    }
  });

  it("broadcasts either input (or both) to the output, from strided views", () => {
    // Each input is the full shape or a smaller one, so "a broadcasts", "b broadcasts" and both
    // at once all occur; `out` may even be bigger than broadcast(a, b), as the contract allows.
    const operand = (full: Shape) => fc.oneof(fc.constant([...full]), smallerShapeArb(full));
    const arb = shapeArb.chain((full) =>
      fc.record({
        full: fc.constant(full),
        op: fc.constantFrom<BinaryOp>("add", "sub", "mul", "div", "lt"),
        a: operand(full).chain((s) => viewArb(s)),
        b: operand(full).chain((s) => viewArb(s)),
      }),
    );
    fc.assert(
      fc.property(arb, ({ full, op, a, b }) => {
        const out = contiguous(full);
        backend.zip(op, out, a.view, b.view);
        const expected = allIndices(full).map((ix) =>
          binaryOps[op].fn(
            a.values[ordinalOf(readBroadcast(ix, a.view.shape), a.view.shape)],
            b.values[ordinalOf(readBroadcast(ix, b.view.shape), b.view.shape)],
          ),
        );
        expect(readView(out)).toEqual(expected);
      }),
    );
  });

  it("broadcasts a column against a row", () => {
    const col = makeView([1, 2, 3], [3, 1]);
    const row = makeView([10, 20, 30, 40], [4]);
    const out = contiguous([3, 4]);
    backend.zip("add", out, col, row);
    expect(readView(out)).toEqual([11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43]);
    const out2 = contiguous([3, 4]);
    backend.zip("sub", out2, row, col);
    expect(readView(out2)).toEqual([9, 19, 29, 39, 8, 18, 28, 38, 7, 17, 27, 37]);
  });
});

describe("reference backend: reduce", () => {
  it("sums the rows of a transposed view by hand, stepping by its strides", () => {
    // The transpose of [[1,5,2],[7,3,4]] at offset 1: shape [3,2], strides [1,3], so row r
    // reads positions 1 + r and 4 + r.
    const a = makeView([1, 7, 5, 3, 2, 4], [3, 2], { perm: [1, 0], offset: 1 });
    const out = contiguous([3, 1]);
    backend.reduce("sum", out, a, 1);
    expect(readView(out), "sum over dim 1 of [[1,7],[5,3],[2,4]] stored transposed").toEqual([
      8, 8, 6,
    ]);
  });

  it("folds each op over each dim of a strided view", () => {
    const arb = fc
      .array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 })
      .chain((shape) =>
        fc.record({
          shape: fc.constant(shape),
          dim: fc.integer({ min: 0, max: shape.length - 1 }),
          op: fc.constantFrom(...reduceNames),
          a: viewArb(shape, intArb),
        }),
      );
    fc.assert(
      fc.property(arb, ({ shape, dim, op, a }) => {
        const outShape = shape.map((d, i) => (i === dim ? 1 : d));
        const out = contiguous(outShape);
        backend.reduce(op, out, a.view, dim);
        const expected = allIndices(outShape).map((ix) => {
          const row = [];
          for (let j = 0; j < shape[dim]; j++) {
            const at = ix.map((v, k) => (k === dim ? j : v));
            row.push(a.values[ordinalOf(at, shape)]);
          }
          return reduceCases[op].fold(row);
        });
        expect(readView(out)).toEqual(expected);
      }),
    );
  });

  it("reduces [[1,5,2],[7,3,4]] by hand", () => {
    const a = makeView([1, 5, 2, 7, 3, 4], [2, 3]);
    const cases: [ReduceOp, number, number[]][] = [
      ["sum", 0, [8, 8, 6]],
      ["sum", 1, [8, 14]],
      ["max", 0, [7, 5, 4]],
      ["max", 1, [5, 7]],
      ["min", 0, [1, 3, 2]],
      ["min", 1, [1, 3]],
    ];
    for (const [op, dim, want] of cases) {
      const out = contiguous(dim === 0 ? [1, 3] : [2, 1]);
      backend.reduce(op, out, a, dim);
      expect(readView(out)).toEqual(want);
    }
  });

  it("gives the identity when the reduced dim is empty", () => {
    const a = makeView([], [2, 0]);
    for (const op of reduceNames) {
      const { identity } = reduceCases[op];
      const out = contiguous([2, 1]);
      backend.reduce(op, out, a, 1);
      expect(readView(out)).toEqual([identity, identity]);
    }
  });
});

/** Plain batched matmul over nested indices: out[...β, r, c] = Σₖ a[...βa, r, k] · b[...βb, k, c]. */
function expectedMatmul(
  aValues: number[],
  aShape: Shape,
  bValues: number[],
  bShape: Shape,
): { shape: number[]; values: number[] } {
  const [n, k] = aShape.slice(-2);
  const m = bShape[bShape.length - 1];
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  const batch = broadcastShapes(aBatch, bBatch);
  const shape = [...batch, n, m];
  const values = allIndices(shape).map((ix) => {
    const beta = ix.slice(0, -2);
    const [r, c] = ix.slice(-2);
    const ai = readBroadcast(beta, aBatch);
    const bi = readBroadcast(beta, bBatch);
    let acc = 0;
    for (let j = 0; j < k; j++) {
      acc += aValues[ordinalOf([...ai, r, j], aShape)] * bValues[ordinalOf([...bi, j, c], bShape)];
    }
    return acc;
  });
  return { shape, values };
}

describe("reference backend: matmul", () => {
  it("multiplies 2-D matrices", () => {
    const a = makeView([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = makeView([7, 8, 9, 10, 11, 12], [3, 2]);
    const out = contiguous([2, 2]);
    backend.matmul(out, a, b);
    expect(readView(out)).toEqual([58, 64, 139, 154]);
  });

  it("broadcasts batch dims: [1,2,3] @ [4,3,2] → [4,2,2]", () => {
    const aValues = [1, -2, 3, 0, 5, -1];
    const bValues = Array.from({ length: 24 }, (_, i) => i - 10);
    const a = makeView(aValues, [1, 2, 3]);
    const b = makeView(bValues, [4, 3, 2]);
    const out = contiguous([4, 2, 2]);
    backend.matmul(out, a, b);
    // Each of the 4 results is a's single [2,3] matrix times b's matrix of that batch.
    const want: number[] = [];
    for (let t = 0; t < 4; t++) {
      for (let r = 0; r < 2; r++) {
        for (let c = 0; c < 2; c++) {
          let acc = 0;
          for (let j = 0; j < 3; j++) acc += aValues[r * 3 + j] * bValues[t * 6 + j * 2 + c];
          want.push(acc);
        }
      }
    }
    expect(readView(out)).toEqual(want);
  });

  it("agrees with nested loops on random batched, broadcast, transposed views", () => {
    const arb = fc
      .record({
        n: fc.integer({ min: 1, max: 4 }),
        k: fc.integer({ min: 1, max: 4 }),
        m: fc.integer({ min: 1, max: 4 }),
        batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
      })
      .chain(({ n, k, m, batch }) =>
        fc.record({
          a: smallerShapeArb(batch).chain((bt) => viewArb([...bt, n, k], intArb)),
          b: smallerShapeArb(batch).chain((bt) => viewArb([...bt, k, m], intArb)),
        }),
      );
    fc.assert(
      fc.property(arb, ({ a, b }) => {
        const want = expectedMatmul(a.values, a.view.shape, b.values, b.view.shape);
        const out = contiguous(want.shape);
        backend.matmul(out, a.view, b.view);
        expect(readView(out)).toEqual(want.values);
      }),
    );
  });
});

describe("reference backend: copy and strided outputs", () => {
  it("copies a permuted view into a contiguous one", () => {
    // a is the transpose of [[0,1,2],[3,4,5]]: shape [3,2], strides [1,3].
    const a: View<HostArray> = {
      buffer: Float64Array.from([0, 1, 2, 3, 4, 5]),
      shape: [3, 2],
      strides: [1, 3],
      offset: 0,
    };
    const out = contiguous([3, 2]);
    backend.copy(out, a);
    expect([...out.buffer]).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it("copies an expanded (stride-0) view into a contiguous one", () => {
    const a: View<HostArray> = {
      buffer: Float64Array.from([Number.NaN, 7, 8, 9]),
      shape: [2, 3],
      strides: [0, 1],
      offset: 1,
    };
    const out = contiguous([2, 3]);
    backend.copy(out, a);
    expect([...out.buffer]).toEqual([7, 8, 9, 7, 8, 9]);
  });

  it("copies any strided or expanded view to its logical values", () => {
    const arb = shapeArb.chain((full) =>
      fc.record({ full: fc.constant(full), a: smallerShapeArb(full).chain((s) => viewArb(s)) }),
    );
    fc.assert(
      fc.property(arb, ({ full, a }) => {
        // Expand by hand: new leading dims and grown size-1 dims get stride 0.
        const shift = full.length - a.view.shape.length;
        const strides = full.map((d, i) =>
          i < shift || (a.view.shape[i - shift] === 1 && d !== 1) ? 0 : a.view.strides[i - shift],
        );
        const expanded = { ...a.view, shape: full, strides };
        const out = contiguous(full);
        backend.copy(out, expanded);
        const want = allIndices(full).map(
          (ix) => a.values[ordinalOf(readBroadcast(ix, a.view.shape), a.view.shape)],
        );
        expect([...out.buffer]).toEqual(want);
      }),
    );
  });

  it("writes through a strided output view and nowhere else", () => {
    const sentinel = -12345;
    const arb = shapeArb.chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        a: viewArb(shape),
        b: viewArb(shape),
        outPlacement: placementArb(shape.length),
        kind: fc.constantFrom("map", "zip", "copy", "reduce"),
      }),
    );
    fc.assert(
      fc.property(arb, ({ shape, a, b, outPlacement, kind }) => {
        const outShape = kind === "reduce" && shape.length > 0 ? [1, ...shape.slice(1)] : shape;
        const zeros = new Array<number>(product(outShape)).fill(0);
        const out = makeView(zeros, outShape, outPlacement, "float64", sentinel);
        let want: number[];
        if (kind === "map") {
          backend.map("neg", out, a.view);
          want = a.values.map((x) => -x);
        } else if (kind === "zip") {
          backend.zip("mul", out, a.view, b.view);
          want = a.values.map((x, i) => x * b.values[i]);
        } else if (kind === "reduce" && shape.length > 0) {
          backend.reduce("sum", out, a.view, 0);
          want = allIndices(outShape).map((ix) => {
            let s = 0;
            for (let j = 0; j < shape[0]; j++) s += a.values[ordinalOf([j, ...ix.slice(1)], shape)];
            return s;
          });
        } else {
          backend.copy(out, a.view);
          want = a.values;
        }
        expect(readView(out)).toEqual(want);
        const written = new Set(
          allIndices(outShape).map((ix) => positionOf(ix, out.strides, out.offset)),
        );
        out.buffer.forEach((v, p) => {
          if (!written.has(p)) expect(v).toBe(sentinel);
        });
      }),
    );
  });

  it("writes through a transposed output in matmul", () => {
    const a = makeView([1, 2, 3, 4], [2, 2]);
    const b = makeView([5, 6, 7, 8], [2, 2]);
    const out = makeView([0, 0, 0, 0], [2, 2], { perm: [1, 0], offset: 1 }, "float64", 0);
    backend.matmul(out, a, b);
    expect(readView(out)).toEqual([19, 22, 43, 50]);
    expect([...out.buffer]).toEqual([0, 19, 43, 22, 50, 0, 0]);
  });
});

describe("reference backend: precision", () => {
  it("keeps float64 precision in float64 buffers and rounds in float32 ones", () => {
    const tiny = 1e-12;
    for (const dtype of ["float32", "float64"] as const) {
      const a = makeView([1, 1], [2], undefined, dtype);
      const b = makeView([tiny, 2 * tiny], [2], undefined, dtype);
      const out = contiguous([2], dtype);
      backend.zip("add", out, a, b);
      const sum = contiguous([1], dtype);
      backend.reduce("sum", sum, out, 0);
      if (dtype === "float64") {
        expect(readView(out)).toEqual([1 + tiny, 1 + 2 * tiny]);
        expect(sum.buffer[0]).toBe(1 + tiny + (1 + 2 * tiny));
        expect(sum.buffer[0]).not.toBe(2);
      } else {
        expect(readView(out)).toEqual([1, 1]);
        expect(sum.buffer[0]).toBe(2);
      }
    }
  });

  it("computes in float64 from float64 inputs (matmul, map)", () => {
    const a = makeView([1 / 3, 1 / 7], [1, 2]);
    const b = makeView([3, 7], [2, 1]);
    const out = contiguous([1, 1]);
    backend.matmul(out, a, b);
    expect(out.buffer[0]).toBe((1 / 3) * 3 + (1 / 7) * 7);
    const e = contiguous([1]);
    backend.map("exp", e, makeView([0.1], [1]));
    expect(e.buffer[0]).toBe(Math.exp(0.1));
  });
});

describe("reference backend: errors", () => {
  it("names the op and shapes when they do not fit", () => {
    const v = (shape: Shape) => contiguous(shape);
    expect(() => backend.zip("add", v([2, 3]), v([2, 3]), v([4]))).toThrow(
      new ShapeError("zip(add): shapes [2,3] and [4] do not broadcast to [2,3]"),
    );
    expect(() => backend.zip("mul", v([3]), v([2, 3]), v([3]))).toThrow(
      new ShapeError("zip(mul): shapes [2,3] and [3] do not broadcast to [3]"),
    );
    expect(() => backend.map("exp", v([2, 3]), v([4]))).toThrow(
      new ShapeError("map(exp): shape [4] does not broadcast to [2,3]"),
    );
    expect(() => backend.copy(v([2, 3]), v([3, 2]))).toThrow(
      new ShapeError("copy: shape [3,2] does not broadcast to [2,3]"),
    );
    expect(() => backend.matmul(v([2, 5]), v([2, 3]), v([4, 5]))).toThrow(
      new ShapeError("matmul: shapes [2,3] and [4,5] do not align (3 ≠ 4)"),
    );
    expect(() => backend.reduce("sum", v([2, 1]), v([2, 3]), 3)).toThrow(
      new ShapeError("reduce(sum): dim 3 out of range for shape [2,3]"),
    );
    expect(() => backend.reduce("max", v([2, 1]), v([2, 3]), -1)).toThrow(
      new ShapeError("reduce(max): dim -1 out of range for shape [2,3]"),
    );
  });

  it("rejects outputs of the wrong shape", () => {
    const v = (shape: Shape) => contiguous(shape);
    expect(() => backend.reduce("sum", v([2, 3]), v([2, 3]), 1)).toThrow(
      /reduce\(sum\): out shape \[2,3\] should be \[2,1\]/,
    );
    expect(() => backend.matmul(v([2, 2]), v([2, 3]), v([3, 5]))).toThrow(
      /matmul: out shape \[2,2\] should be \[2,5\]/,
    );
    expect(() => backend.matmul(v([3, 2, 2]), v([2, 2, 3]), v([3, 3, 2]))).toThrow(ShapeError);
    expect(() => backend.matmul(v([3, 2, 2]), v([2, 2, 3]), v([3, 3, 2]))).toThrow(
      /batch dims of \[2,2,3\] and \[3,3,2\]/,
    );
    expect(() => backend.matmul(v([1]), v([3]), v([3, 1]))).toThrow(
      new ShapeError("matmul: shapes [3] and [3,1] need at least 2 dims each"),
    );
  });

  it("rejects malformed views and unknown ops", () => {
    const good = contiguous([2, 3]);
    const short: View<HostArray> = { ...good, offset: 1 };
    expect(() => backend.copy(contiguous([2, 3]), short)).toThrow(ShapeError);
    expect(() => backend.copy(contiguous([2, 3]), short)).toThrow(/outside its buffer of 6/);
    const wrongStrides: View<HostArray> = { ...good, strides: [1] };
    expect(() => backend.map("neg", good, wrongStrides)).toThrow(/shape \[2,3\] but 1 strides/);
    // A negative stride that walks below position 0 is caught too; one that stays inside reads.
    const reversed = (offset: number): View<HostArray> => ({
      buffer: Float64Array.from([1, 2, 3]),
      shape: [3],
      strides: [-1],
      offset,
    });
    expect(() => backend.copy(contiguous([3]), reversed(1))).toThrow(/positions -1\.\.1/);
    const out = contiguous([3]);
    backend.copy(out, reversed(2));
    expect([...out.buffer]).toEqual([3, 2, 1]);
    const unknown: string = "nope";
    expect(() => backend.map(unknown as UnaryOp, good, good)).toThrow(DataError);
  });
});
