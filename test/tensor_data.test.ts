import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapeError } from "../src/errors.js";
import {
  contiguousLayout,
  expandLayout,
  forEachPosition,
  inferShape,
  isContiguous,
  type Layout,
  permuteLayout,
  viewLayout,
} from "../src/strided/tensor_data.js";
import {
  allIndices,
  fmt,
  padLeft,
  product,
  repeatTo,
  rowMajor,
  shapeArb,
} from "./shape_oracles.js";

// ---------------------------------------------------------------------------------------------
// Independent helpers: none of these call the code under test.

/** A random permutation of 0..n-1: argsort of random keys. */
const permArb = (n: number) =>
  fc
    .array(fc.integer(), { minLength: n, maxLength: n })
    .map((keys) => keys.map((k, i) => [k, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]))
    .map((pairs) => pairs.map((p) => p[1]));

const shapeAndPerm = (minDim = 1) =>
  shapeArb(minDim).chain((s) => fc.tuple(fc.constant(s), permArb(s.length)));

const inverse = (p: readonly number[]) => {
  const inv = new Array<number>(p.length);
  p.forEach((d, i) => {
    inv[d] = i;
  });
  return inv;
};

/** All positions `forEachPosition` visits, with their ordinals. */
function visited(layout: Layout): { positions: number[]; ordinals: number[] } {
  const positions: number[] = [];
  const ordinals: number[] = [];
  forEachPosition(layout, (p, k) => {
    positions.push(p);
    ordinals.push(k);
  });
  return { positions, ordinals };
}

/** Whether `small` expands to `big` (NumPy rule, one-sided: small dims equal or 1). */
function expandable(small: readonly number[], big: readonly number[]): boolean {
  if (small.length > big.length) return false;
  const p = padLeft(small, big.length);
  return p.every((d, i) => d === big[i] || d === 1);
}

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a throw");
}

// ---------------------------------------------------------------------------------------------

describe("contiguousLayout / forEachPosition", () => {
  it("the guide's transpose (shape [3,2], strides [1,3]) is visited at positions 0,3,1,4,2,5", () => {
    expect(contiguousLayout([2, 3]), "contiguousLayout([2,3])").toEqual({
      shape: [2, 3],
      strides: [3, 1],
      offset: 0,
    });
    const t = { shape: [3, 2], strides: [1, 3], offset: 0 };
    expect(visited(t), "forEachPosition of shape [3,2], strides [1,3]").toEqual({
      positions: [0, 3, 1, 4, 2, 5],
      ordinals: [0, 1, 2, 3, 4, 5],
    });
  });

  it("a contiguous layout visits offset+k at ordinal k, shapeSize times", () => {
    fc.assert(
      fc.property(shapeArb(0), fc.nat(20), (s, offset) => {
        const layout = { ...contiguousLayout(s), offset };
        expect(contiguousLayout(s).offset).toBe(0);
        expect(layout.strides).toEqual(rowMajor(s));
        const { positions, ordinals } = visited(layout);
        const n = product(s);
        expect(ordinals).toEqual(Array.from({ length: n }, (_, k) => k));
        expect(positions).toEqual(Array.from({ length: n }, (_, k) => k + offset));
      }),
    );
  });

  it("a permuted view's positions are a bijection onto [offset, offset+size)", () => {
    fc.assert(
      fc.property(shapeAndPerm(), fc.nat(20), ([s, p], offset) => {
        const layout = permuteLayout({ ...contiguousLayout(s), offset }, p);
        const { positions } = visited(layout);
        const sorted = [...positions].sort((a, b) => a - b);
        expect(sorted).toEqual(Array.from({ length: product(s) }, (_, k) => k + offset));
      }),
    );
  });

  it("a permuted view is visited in its own row-major order (independent computation)", () => {
    fc.assert(
      fc.property(shapeAndPerm(0), fc.nat(20), ([s, p], offset) => {
        const layout = permuteLayout({ ...contiguousLayout(s), offset }, p);
        const pShape = p.map((d) => s[d]);
        expect(layout.shape).toEqual(pShape);
        // Permuted index i is original index j with j[p[k]] = i[k]; position = offset + j·rowMajor(s).
        const st = rowMajor(s);
        const expected = allIndices(pShape).map((i) => {
          const j = new Array<number>(s.length);
          i.forEach((v, k) => {
            j[p[k]] = v;
          });
          return offset + j.reduce((acc, v, d) => acc + v * st[d], 0);
        });
        const { positions, ordinals } = visited(layout);
        expect(positions.length).toBe(product(s));
        expect(ordinals).toEqual(expected.map((_, k) => k));
        expect(positions).toEqual(expected);
      }),
    );
  });

  it("a 0-d layout visits its one element; a layout with a zero dim visits none", () => {
    expect(visited({ shape: [], strides: [], offset: 3 }).positions).toEqual([3]);
    expect(visited(contiguousLayout([2, 0, 3])).positions).toEqual([]);
  });
});

describe("permuteLayout", () => {
  it("the guide's transpose: permuting [2,3] strides [3,1] by [1,0] gives [3,2] strides [1,3]", () => {
    const a = { shape: [2, 3], strides: [3, 1], offset: 3 };
    expect(permuteLayout(a, [1, 0]), "permuteLayout(shape [2,3], strides [3,1], [1,0])").toEqual({
      shape: [3, 2],
      strides: [1, 3],
      offset: 3,
    });
  });

  it("permutes shape and strides together and keeps the offset", () => {
    fc.assert(
      fc.property(shapeAndPerm(0), fc.nat(9), ([s, p], offset) => {
        const base = { ...contiguousLayout(s), offset };
        const out = permuteLayout(base, p);
        expect(out.shape).toEqual(p.map((d) => s[d]));
        expect(out.strides).toEqual(p.map((d) => base.strides[d]));
        expect(out.offset).toBe(offset);
      }),
    );
  });

  it("p then inverse(p) gives back the original layout", () => {
    fc.assert(
      fc.property(shapeAndPerm(0), fc.nat(9), ([s, p], offset) => {
        // A non-contiguous start: strides are arbitrary here, so use a permuted one.
        const base = { shape: s, strides: s.map((_, i) => i * 3 + 1), offset };
        const back = permuteLayout(permuteLayout(base, p), inverse(p));
        expect(back).toEqual(base);
      }),
    );
  });

  it("throws a ShapeError for anything that is not a permutation of the dims", () => {
    const layout = contiguousLayout([2, 3, 4]);
    for (const bad of [[], [0, 1], [0, 1, 2, 3], [0, 0, 1], [0, 1, 3], [-1, 0, 1], [0, 1, 1.5]]) {
      const err = thrown(() => permuteLayout(layout, bad));
      expect(err).toBeInstanceOf(ShapeError);
      expect(err.message).toContain("[2,3,4]");
    }
    fc.assert(
      fc.property(
        shapeArb(0),
        fc.array(fc.integer({ min: -2, max: 6 }), { maxLength: 6 }),
        (s, order) => {
          const isPerm =
            order.length === s.length && [...order].sort((a, b) => a - b).every((d, i) => d === i);
          fc.pre(!isPerm);
          expect(() => permuteLayout(contiguousLayout(s), order)).toThrow(ShapeError);
        },
      ),
    );
  });
});

describe("isContiguous", () => {
  it("the guide's examples: [2,3] strides [3,1] is contiguous, its transpose is not", () => {
    const at = (shape: number[], strides: number[]) => ({ shape, strides, offset: 0 });
    expect(isContiguous(at([2, 3], [3, 1])), "shape [2,3], strides [3,1]").toBe(true);
    expect(isContiguous(at([3, 2], [1, 3])), "shape [3,2], strides [1,3]").toBe(false);
    expect(isContiguous(at([2, 1, 3], [3, 99, 1])), "a size-1 dim with any stride").toBe(true);
    expect(isContiguous(at([2, 3], [0, 1])), "shape [2,3], strides [0,1] (expanded)").toBe(false);
  });

  it("is true for every contiguousLayout, zero dims included", () => {
    fc.assert(fc.property(shapeArb(0), (s) => isContiguous(contiguousLayout(s))));
  });

  it("is false after swapping two dims of size > 1, and true again after swapping back", () => {
    const arb = shapeArb(1, 4).chain((s) =>
      fc.tuple(
        fc.constant(s),
        fc.nat(s.length),
        fc.nat(s.length),
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 2, max: 4 }),
      ),
    );
    fc.assert(
      fc.property(arb, ([base, i0, j0, a, b]) => {
        // Insert two dims of size > 1 at random places, then swap exactly them.
        const s = [...base];
        s.splice(Math.min(i0, s.length), 0, a);
        s.splice(Math.min(j0, s.length), 0, b);
        const big = s.map((d, k) => [d, k] as const).filter(([d]) => d > 1);
        const i = big[0][1];
        const j = big[big.length - 1][1];
        const p = s.map((_, k) => (k === i ? j : k === j ? i : k));
        const swapped = permuteLayout(contiguousLayout(s), p);
        expect(isContiguous(swapped)).toBe(false);
        expect(isContiguous(permuteLayout(swapped, p))).toBe(true);
      }),
    );
  });

  it("for a permutation: contiguous iff the dims of size > 1 keep their relative order", () => {
    fc.assert(
      fc.property(shapeAndPerm(), ([s, p]) => {
        const kept = p.filter((d) => s[d] > 1);
        const ordered = kept.every((d, k) => k === 0 || kept[k - 1] < d);
        const permuted = permuteLayout(contiguousLayout(s), p);
        expect(isContiguous(permuted)).toBe(ordered);
        expect(isContiguous(permuteLayout(permuted, inverse(p)))).toBe(true);
      }),
    );
  });

  it("agrees with its definition (element k at offset + k) for arbitrary strides", () => {
    const arb = shapeArb(1, 4).chain((s) =>
      fc.tuple(
        fc.constant(s),
        fc.array(fc.option(fc.integer({ min: 0, max: 12 }), { freq: 2 }), {
          minLength: s.length,
          maxLength: s.length,
        }),
        fc.nat(5),
      ),
    );
    fc.assert(
      fc.property(arb, ([s, noise, offset]) => {
        const strides = rowMajor(s).map((st, i) => noise[i] ?? st);
        const layout = { shape: s, strides, offset };
        const { positions } = visited(layout);
        const expected = positions.every((pos, k) => pos === offset + k);
        expect(isContiguous(layout)).toBe(expected);
      }),
    );
  });
});

describe("expandLayout", () => {
  it("the guide's example: [3] expanded to [2,3] gets strides [0,1]; [4,1] to [4,3] gets [1,0]", () => {
    const b = contiguousLayout([3]);
    expect(expandLayout(b, [2, 3]), "expandLayout(shape [3], to [2,3])").toEqual({
      shape: [2, 3],
      strides: [0, 1],
      offset: 0,
    });
    const a = { ...contiguousLayout([4, 1]), offset: 2 };
    expect(expandLayout(a, [4, 3]), "expandLayout(shape [4,1] at offset 2, to [4,3])").toEqual({
      shape: [4, 3],
      strides: [1, 0],
      offset: 2,
    });
    expect(() => expandLayout(b, [4]), "expandLayout(shape [3], to [4])").toThrow(ShapeError);
  });

  /** A big shape and a small shape that expands to it: a suffix with some dims set to 1. */
  const smallToBig = shapeArb().chain((big) =>
    fc
      .tuple(
        fc.integer({ min: 0, max: big.length }),
        fc.array(fc.boolean(), { minLength: big.length, maxLength: big.length }),
        fc.nat(9),
      )
      .map(([keep, ones, offset]) => ({
        big,
        small: big.slice(big.length - keep).map((d, i) => (ones[i] ? 1 : d)),
        offset,
      })),
  );

  it("gives stride 0 to new and grown dims and keeps the others", () => {
    fc.assert(
      fc.property(smallToBig, ({ big, small, offset }) => {
        const base = { ...contiguousLayout(small), offset };
        const out = expandLayout(base, big);
        const shift = big.length - small.length;
        expect(out.shape).toEqual(big);
        expect(out.offset).toBe(offset);
        big.forEach((d, i) => {
          if (i < shift) expect(out.strides[i]).toBe(0);
          else if (small[i - shift] !== d) expect(out.strides[i]).toBe(0);
          else expect(out.strides[i]).toBe(base.strides[i - shift]);
        });
      }),
    );
  });

  it("reading through the expanded layout reproduces explicit repetition (also of a permuted view)", () => {
    const arb = smallToBig.chain((c) => fc.tuple(fc.constant(c), permArb(c.small.length)));
    fc.assert(
      fc.property(arb, ([{ big, small, offset }, p]) => {
        // Storage holds 100+k at position offset+k; the small view is a permutation of it.
        const storageShape = inverse(p).map((d) => small[d]);
        const storage = Array.from({ length: offset + product(small) }, (_, k) => 100 + k - offset);
        const view = permuteLayout({ ...contiguousLayout(storageShape), offset }, p);
        expect(view.shape).toEqual(small);
        const smallData = visited(view).positions.map((pos) => storage[pos]);
        const out = expandLayout(view, big, "add");
        const read = visited(out).positions.map((pos) => storage[pos]);
        expect(read).toEqual(repeatTo(smallData, small, big));
      }),
    );
  });

  it("throws a ShapeError naming both shapes exactly when the shapes do not expand", () => {
    const dims = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 });
    fc.assert(
      fc.property(dims, dims, (small, big) => {
        const layout = contiguousLayout(small);
        if (expandable(small, big)) {
          expect(expandLayout(layout, big).shape).toEqual(big);
        } else {
          const err = thrown(() => expandLayout(layout, big, "expand"));
          expect(err).toBeInstanceOf(ShapeError);
          expect(err.message).toContain(fmt(small));
          expect(err.message).toContain(fmt(big));
        }
      }),
    );
    expect(() => expandLayout(contiguousLayout([2, 3]), [3])).toThrow(/\[2,3\].*\[3\]/);
    expect(() => expandLayout(contiguousLayout([2]), [3])).toThrow(ShapeError);
  });
});

describe("viewLayout", () => {
  it("gives row-major strides, keeps the offset and the order of elements", () => {
    const arb = shapeArb(1, 4).chain((s) =>
      fc.tuple(fc.constant(s), fc.shuffledSubarray(s, { minLength: s.length }), fc.nat(9)),
    );
    fc.assert(
      fc.property(arb, ([s, t, offset]) => {
        const base = { ...contiguousLayout(s), offset };
        const v = viewLayout(base, t);
        expect(v.shape).toEqual(t);
        expect(v.strides).toEqual(rowMajor(t));
        expect(v.offset).toBe(offset);
        expect(visited(v).positions).toEqual(visited(base).positions);
      }),
    );
  });
});

describe("inferShape", () => {
  it("returns a fully given shape of the right size unchanged (zero dims included)", () => {
    fc.assert(
      fc.property(shapeArb(0), (s) => {
        expect(inferShape(s, product(s), "view")).toEqual(s);
      }),
    );
  });

  it("infers one −1 from the element count", () => {
    fc.assert(
      fc.property(
        shapeArb().filter((s) => s.length > 0),
        fc.nat(),
        (s, at) => {
          const requested = [...s];
          requested[at % s.length] = -1;
          expect(inferShape(requested, product(s), "view")).toEqual(s);
        },
      ),
    );
    expect(inferShape([-1], 0, "view")).toEqual([0]);
    expect(inferShape([-1, 3], 0, "view")).toEqual([0, 3]);
  });

  it("rejects two −1s with a ShapeError naming the requested shape", () => {
    fc.assert(
      fc.property(shapeArb(), fc.nat(), fc.nat(), (s, i, j) => {
        const requested = [...s];
        requested.splice(i % (s.length + 1), 0, -1);
        requested.splice(j % (s.length + 2), 0, -1);
        const err = thrown(() => inferShape(requested, product(s), "view"));
        expect(err).toBeInstanceOf(ShapeError);
        expect(err.message).toContain(fmt(requested));
      }),
    );
  });

  it("rejects a size mismatch with a ShapeError naming the shape and the element count", () => {
    fc.assert(
      fc.property(shapeArb(0), fc.nat(200), fc.boolean(), fc.nat(), (s, size, infer, at) => {
        const requested = [...s];
        if (infer && s.length > 0) requested[at % s.length] = -1;
        const known = product(requested.filter((d) => d !== -1));
        const fits = requested.includes(-1)
          ? known === 0
            ? size === 0
            : size % known === 0
          : known === size;
        fc.pre(!fits);
        const err = thrown(() => inferShape(requested, size, "reshape"));
        expect(err).toBeInstanceOf(ShapeError);
        expect(err.message).toContain(fmt(requested));
        expect(err.message).toMatch(new RegExp(`(^|\\D)${size}(\\D|$)`));
        expect(err.message).toContain("reshape");
      }),
    );
    expect(() => inferShape([2, -1], 5, "view")).toThrow(/\[2,-1\].*5/);
  });

  it("rejects dims below −1 and non-integers", () => {
    for (const bad of [[-2, 3], [1.5, 2], [Number.NaN]]) {
      expect(() => inferShape(bad, 3, "view")).toThrow(ShapeError);
    }
  });
});
