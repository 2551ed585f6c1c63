import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapeError } from "../src/errors.js";
import {
  broadcastIndex,
  checkShape,
  formatShape,
  indexToPosition,
  normalizeDim,
  type Shape,
  sameShape,
  shapeBroadcast,
  shapeSize,
  stridesFromShape,
  toIndex,
} from "../src/strided/shape.js";
import {
  allIndices,
  fmt,
  numpyBroadcast,
  padLeft,
  product,
  repeatTo,
  shapeArb,
  smallerShapeArb,
} from "./shape_oracles.js";

// ---------------------------------------------------------------------------------------------
// Independent helpers: none of these call the code under test.

/** The result of `shapeBroadcast`, or the string "error" when it throws a ShapeError. */
function tryBroadcast(a: Shape, b: Shape): number[] | "error" {
  try {
    return shapeBroadcast(a, b);
  } catch (e) {
    if (e instanceof ShapeError) return "error";
    throw e;
  }
}

/** A big shape and a small shape that broadcasts to it: a suffix with some dims set to 1. */
const smallToBigArb = (minDim = 1) =>
  shapeArb(minDim).chain((big) => smallerShapeArb(big).map((small) => ({ big, small })));

// ---------------------------------------------------------------------------------------------

describe("formatShape / shapeSize / sameShape", () => {
  it("formats shapes as [a,b,…]", () => {
    expect(formatShape([2, 3])).toBe("[2,3]");
    expect(formatShape([])).toBe("[]");
    fc.assert(fc.property(shapeArb(0), (s) => formatShape(s) === fmt(s)));
  });

  it("shapeSize is the product of the sizes (1 for a scalar, 0 with a zero dim)", () => {
    expect(shapeSize([])).toBe(1);
    expect(shapeSize([3, 0, 2])).toBe(0);
    fc.assert(fc.property(shapeArb(0), (s) => shapeSize(s) === product(s)));
  });

  it("sameShape is equality of the size lists", () => {
    expect(sameShape([], [])).toBe(true);
    expect(sameShape([], [1])).toBe(false);
    expect(sameShape([2, 3], [3, 2])).toBe(false);
    fc.assert(
      fc.property(shapeArb(0, 3), shapeArb(0, 3), (a, b) => {
        expect(sameShape(a, [...a])).toBe(true);
        expect(sameShape(a, b)).toBe(JSON.stringify(a) === JSON.stringify(b));
      }),
    );
  });
});

describe("stridesFromShape", () => {
  it("is row-major: last stride 1, stride[i] = stride[i+1]·shape[i+1]", () => {
    expect(stridesFromShape([2, 3, 4])).toEqual([12, 4, 1]);
    expect(stridesFromShape([])).toEqual([]);
    fc.assert(
      fc.property(shapeArb(0), (s) => {
        const st = stridesFromShape(s);
        expect(st.length).toBe(s.length);
        if (s.length > 0) expect(st[s.length - 1]).toBe(1);
        for (let i = 0; i < s.length - 1; i++) expect(st[i]).toBe(st[i + 1] * s[i + 1]);
      }),
    );
  });
});

describe("toIndex / indexToPosition", () => {
  it("the guide's transpose: strides [1,3] read t[2][1] at 0 + 2·1 + 1·3 = 5", () => {
    expect(indexToPosition([2, 1], [1, 3]), "indexToPosition([2,1], strides [1,3])").toBe(5);
    expect(indexToPosition([1], [1], 3), "indexToPosition([1], strides [1], offset 3)").toBe(4);
    expect(indexToPosition([], [], 7), "indexToPosition of a 0-d index, offset 7").toBe(7);
    const index = [0, 0, 0];
    toIndex(17, [2, 3, 4], index);
    expect(index, "toIndex(17) in shape [2,3,4] (17 = 1·12 + 1·4 + 1)").toEqual([1, 1, 1]);
    toIndex(23, [2, 3, 4], index);
    expect(index, "toIndex(23) in shape [2,3,4], the last element").toEqual([1, 2, 3]);
  });

  it("indexToPosition(toIndex(k)) = k for contiguous strides, for every ordinal k", () => {
    fc.assert(
      fc.property(shapeArb(), fc.integer({ min: 0, max: 50 }), (s, offset) => {
        const strides = stridesFromShape(s);
        const index = new Array<number>(s.length).fill(0);
        for (let k = 0; k < product(s); k++) {
          toIndex(k, s, index);
          for (let i = 0; i < s.length; i++) {
            expect(Number.isInteger(index[i]) && index[i] >= 0 && index[i] < s[i]).toBe(true);
          }
          expect(indexToPosition(index, strides)).toBe(k);
          expect(indexToPosition(index, strides, offset)).toBe(k + offset);
        }
      }),
    );
  });

  it("toIndex enumerates indices in row-major (odometer) order", () => {
    fc.assert(
      fc.property(shapeArb(), (s) => {
        const index = new Array<number>(s.length).fill(0);
        allIndices(s).forEach((expected, k) => {
          toIndex(k, s, index);
          expect(index).toEqual(expected);
        });
      }),
    );
  });

  it("indexToPosition is offset + Σ index·stride", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(10), fc.integer({ min: -10, max: 10 })), { maxLength: 5 }),
        fc.integer({ min: -20, max: 20 }),
        (pairs, offset) => {
          const idx = pairs.map((p) => p[0]);
          const st = pairs.map((p) => p[1]);
          const expected = pairs.reduce((acc, [i, s]) => acc + i * s, offset);
          expect(indexToPosition(idx, st, offset)).toBe(expected);
        },
      ),
    );
  });
});

describe("shapeBroadcast", () => {
  it("the guide's examples: [4,1] with [3] is [4,3]; [2,3] with [4] does not broadcast", () => {
    expect(shapeBroadcast([4, 1], [3]), "shapeBroadcast([4,1], [3])").toEqual([4, 3]);
    expect(shapeBroadcast([5, 1, 2], [3, 1]), "shapeBroadcast([5,1,2], [3,1])").toEqual([5, 3, 2]);
    expect(shapeBroadcast([], [2, 3]), "shapeBroadcast([], [2,3])").toEqual([2, 3]);
    expect(() => shapeBroadcast([2, 3], [4], "add"), "shapeBroadcast([2,3], [4])").toThrow(
      new ShapeError("add: shapes [2,3] and [4] do not broadcast (3 ≠ 4 in dim -1)"),
    );
  });

  const dimsArb = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 });

  it("agrees with NumPy's rule (align right; sizes equal or one of them 1), zero dims included", () => {
    fc.assert(
      fc.property(dimsArb, dimsArb, (a, b) => {
        const expected = numpyBroadcast(a, b);
        expect(tryBroadcast(a, b)).toEqual(expected ?? "error");
      }),
    );
    expect(shapeBroadcast([0], [1])).toEqual([0]);
    expect(shapeBroadcast([2, 1], [3])).toEqual([2, 3]);
    expect(() => shapeBroadcast([0], [2])).toThrow(ShapeError);
  });

  it("is commutative", () => {
    fc.assert(
      fc.property(dimsArb, dimsArb, (a, b) => {
        expect(tryBroadcast(a, b)).toEqual(tryBroadcast(b, a));
      }),
    );
  });

  it("is idempotent, has [] and all-ones shapes as identities", () => {
    fc.assert(
      fc.property(shapeArb(0), fc.nat(5), (s, extra) => {
        expect(shapeBroadcast(s, s)).toEqual(s);
        expect(shapeBroadcast(s, [])).toEqual(s);
        expect(shapeBroadcast([], s)).toEqual(s);
        const ones = s.map(() => 1);
        expect(shapeBroadcast(s, ones)).toEqual(s);
        // Fewer ones than dims also leave s alone; more ones only add leading 1s.
        expect(shapeBroadcast(s, ones.slice(extra))).toEqual(s);
        const moreOnes = Array.from({ length: s.length + extra }, () => 1);
        expect(shapeBroadcast(s, moreOnes)).toEqual(padLeft(s, s.length + extra));
      }),
    );
  });

  it("is associative (both sides throw or both agree)", () => {
    const fromBig = shapeArb(0, 3).chain((big) => {
      const sub = fc
        .tuple(
          fc.integer({ min: 0, max: big.length }),
          fc.array(fc.integer({ min: 0, max: 3 }), {
            minLength: big.length,
            maxLength: big.length,
          }),
        )
        .map(([keep, noise]) =>
          // Mostly suffixes of `big` with 1s; sometimes a random size, to reach failures too.
          big.slice(big.length - keep).map((d, i) => (noise[i] === 0 ? 1 : noise[i] === 3 ? i : d)),
        );
      return fc.tuple(sub, sub, sub);
    });
    fc.assert(
      fc.property(fc.oneof(fromBig, fc.tuple(dimsArb, dimsArb, dimsArb)), ([a, b, c]) => {
        const ab = tryBroadcast(a, b);
        const bc = tryBroadcast(b, c);
        const left = ab === "error" ? "error" : tryBroadcast(ab, c);
        const right = bc === "error" ? "error" : tryBroadcast(a, bc);
        expect(left).toEqual(right);
      }),
    );
  });

  it("throws a ShapeError naming both shapes for incompatible pairs", () => {
    fc.assert(
      fc.property(dimsArb, dimsArb, (a, b) => {
        fc.pre(numpyBroadcast(a, b) === null);
        let err: unknown;
        try {
          shapeBroadcast(a, b, "add");
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(ShapeError);
        const msg = (err as Error).message;
        expect(msg).toContain(fmt(a));
        expect(msg).toContain(fmt(b));
        expect(msg).toContain("add");
      }),
    );
    expect(() => shapeBroadcast([2, 3], [4, 3])).toThrow(/\[2,3\].*\[4,3\]/);
  });
});

describe("broadcastIndex", () => {
  it("the guide's example: out[i][j] of [4,1] + [3] reads a[i][0] and b[j]", () => {
    const a = [-1, -1];
    const b = [-1];
    broadcastIndex([2, 1], [4, 3], [4, 1], a);
    expect(a, "broadcastIndex([2,1] of [4,3] into shape [4,1])").toEqual([2, 0]);
    broadcastIndex([2, 1], [4, 3], [3], b);
    expect(b, "broadcastIndex([2,1] of [4,3] into shape [3])").toEqual([1]);
  });

  it("maps each big index to a valid small index holding the NumPy-repeated value", () => {
    fc.assert(
      fc.property(smallToBigArb(), ({ big, small }) => {
        const smallData = Array.from({ length: product(small) }, (_, i) => i * 7 + 1);
        const repeated = repeatTo(smallData, small, big);
        expect(repeated.length).toBe(product(big));
        const smallStrides = stridesFromShape(small);
        const out = new Array<number>(small.length).fill(-1);
        allIndices(big).forEach((bigIndex, k) => {
          broadcastIndex(bigIndex, big, small, out);
          for (let i = 0; i < small.length; i++) {
            expect(Number.isInteger(out[i]) && out[i] >= 0 && out[i] < small[i]).toBe(true);
          }
          const pos = out.reduce((acc, d, i) => acc + d * smallStrides[i], 0);
          expect(smallData[pos]).toBe(repeated[k]);
        });
      }),
    );
  });

  it("a scalar (shape []) reads its one element everywhere", () => {
    const out: number[] = [];
    broadcastIndex([1, 2], [2, 3], [], out);
    expect(out).toEqual([]);
  });
});

describe("normalizeDim", () => {
  it("maps [−ndim, ndim) onto [0, ndim), negatives counting from the end", () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 6 })
          .chain((ndim) => fc.tuple(fc.constant(ndim), fc.integer({ min: -ndim, max: ndim - 1 }))),
        ([ndim, dim]) => {
          const d = normalizeDim(dim, ndim, "sum");
          expect(d).toBe(dim < 0 ? dim + ndim : dim);
          expect(d >= 0 && d < ndim).toBe(true);
        },
      ),
    );
  });

  it("accepts 0 and -1 for a 0-d tensor, like PyTorch", () => {
    expect(normalizeDim(0, 0, "sum")).toBe(0);
    expect(normalizeDim(-1, 0, "sum")).toBe(0);
    expect(() => normalizeDim(1, 0, "sum")).toThrow(ShapeError);
  });

  it("throws a ShapeError naming the op, the dim and the ndim when out of range", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 20 }),
        fc.boolean(),
        (ndim, excess, negative) => {
          const dim = negative ? -ndim - 1 - excess : ndim + excess;
          let err: unknown;
          try {
            normalizeDim(dim, ndim, "softmax");
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(ShapeError);
          const msg = (err as Error).message;
          expect(msg).toContain("softmax");
          expect(msg).toMatch(new RegExp(`(^|[^\\d-])${dim}(?!\\d)`));
          expect(msg).toMatch(new RegExp(`(^|[^\\d-])${ndim}(?!\\d)`));
        },
      ),
    );
  });

  it("rejects non-integer dims", () => {
    for (const dim of [0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => normalizeDim(dim, 3, "sum")).toThrow(ShapeError);
    }
  });
});

describe("checkShape", () => {
  it("accepts lists of non-negative integers and returns them", () => {
    fc.assert(
      fc.property(shapeArb(0), (s) => {
        expect(checkShape(s, "zeros")).toEqual(s);
      }),
    );
  });

  it("rejects negatives and non-integers with a ShapeError naming the op", () => {
    const bad = fc.oneof(
      fc.integer({ max: -1 }),
      fc.double({ noInteger: true }),
      fc.constantFrom<unknown>(Number.NaN, Number.POSITIVE_INFINITY, "2", null, undefined, [2]),
    );
    fc.assert(
      fc.property(shapeArb(0), bad, fc.nat(5), (s, b, at) => {
        const shape: unknown[] = [...s];
        shape.splice(Math.min(at, s.length), 0, b);
        expect(() => checkShape(shape, "zeros")).toThrow(ShapeError);
        expect(() => checkShape(shape, "zeros")).toThrow(/zeros/);
      }),
    );
  });
});
