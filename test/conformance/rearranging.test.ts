import fc from "fast-check";
import { expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { anyValue, EXACT } from "../op_cases.js";
import { nest, product, range } from "../shape_oracles.js";
import { type GatherCase, gather, gatherProperties } from "./gather.js";
import { describeEachBackend } from "./harness.js";
import { arbAnyOperand, arbPerm, each } from "./operands.js";

/**
 * Shaping and rearranging on every backend: flatten, unflatten, t, .T, .mT, squeeze (no dim, a
 * dim, dims), movedim (views), and repeat, tile, flip, roll, tril, triu (copies) — each stated in
 * plain JS as which input element every output element shows (or 0), then checked for values,
 * gradients and central differences on every layout by gatherProperties.
 */

type Tensor = mt.Tensor;
type Shape = readonly number[];
type Source = (o: number[]) => number[] | null;

/** The positive dim of `d` (negative counts from the end) in `rank` dims. */
const norm = (d: number, rank: number) => (d < 0 ? d + rank : d);

/** Cases of an op: a random operand, random parameters, the op and its plain-JS statement. */
function cases<P>(
  name: string,
  minRank: number,
  params: (shape: number[]) => fc.Arbitrary<P>,
  apply: (t: Tensor, p: P) => Tensor,
  host: (shape: number[], p: P) => { shape: number[]; source: Source },
) {
  return (maxRank: number, maxDim: number): fc.Arbitrary<GatherCase> =>
    arbAnyOperand(each(anyValue), { minRank, maxRank: Math.max(maxRank, minRank), maxDim }).chain(
      (input) =>
        params(input.shape).map((p) => {
          const h = host(input.shape, p);
          return {
            input,
            apply: (t: Tensor) => apply(t, p),
            want: gather(input.shape, h.shape, h.source),
            what: `${name}(${JSON.stringify(p)}) of ${JSON.stringify(input.shape)}`,
          };
        }),
    );
}

/** A dim of a tensor of `rank` dims, possibly negative (0 or −1 for a 0-d one). */
const arbDim = (rank: number) =>
  fc.integer({ min: -Math.max(rank, 1), max: Math.max(rank, 1) - 1 });

/** Row-major multi-index of ordinal `k` in `shape`. */
function unravel(k: number, shape: Shape): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = k % shape[d];
    k = Math.floor(k / shape[d]);
  }
  return out;
}
const ravel = (i: readonly number[], shape: Shape) => i.reduce((o, x, k) => o * shape[k] + x, 0);

const flattenCases = cases(
  "flatten",
  0,
  (s) => arbDim(s.length).chain((a) => arbDim(s.length).map((b) => [a, b] as const)),
  (t, [a, b]) => {
    const r = Math.max(t.ndim, 1);
    const [lo, hi] = norm(a, r) <= norm(b, r) ? [a, b] : [b, a];
    return t.flatten(lo, hi);
  },
  (s, [a, b]) => {
    if (s.length === 0) return { shape: [1], source: () => [] };
    const [lo, hi] = [norm(a, s.length), norm(b, s.length)].sort((x, y) => x - y);
    const shape = [...s.slice(0, lo), product(s.slice(lo, hi + 1)), ...s.slice(hi + 1)];
    return { shape, source: (o) => unravel(ravel(o, shape), s) };
  },
);

const unflattenCases = cases(
  "unflatten",
  1,
  (s) =>
    arbDim(s.length).chain((d) => {
      const size = s[norm(d, s.length)];
      const divisors = range(size + 1).filter((k) => k > 0 && size % k === 0);
      return fc.tuple(fc.constant(d), fc.constantFrom(...divisors), fc.boolean());
    }),
  (t, [d, k, infer]) => {
    const size = t.shape[norm(d, t.ndim)];
    return t.unflatten(d, infer ? [k, -1] : [k, size / k]);
  },
  (s, [d, k]) => {
    const dd = norm(d, s.length);
    const shape = [...s.slice(0, dd), k, s[dd] / k, ...s.slice(dd + 1)];
    return { shape, source: (o) => unravel(ravel(o, shape), s) };
  },
);

const transposeCases = cases(
  "t / T / mT",
  0,
  (s) => fc.constantFrom(...(s.length <= 2 ? ["t", "T"] : ["T"]), ...(s.length >= 2 ? ["mT"] : [])),
  (t, which) => (which === "t" ? t.t() : which === "T" ? t.T : t.mT),
  (s, which) => {
    const n = s.length;
    const order = which === "mT" ? [...range(n - 2), n - 1, n - 2] : range(n).map((i) => n - 1 - i);
    return {
      shape: order.map((d) => s[d]),
      source: (o) => {
        const i = new Array<number>(n);
        order.forEach((d, k) => {
          i[d] = o[k];
        });
        return i;
      },
    };
  },
);

const squeezeCases = cases(
  "squeeze",
  0,
  (s) =>
    fc.oneof(
      fc.constant(null),
      arbDim(s.length),
      fc.uniqueArray(arbDim(s.length), {
        maxLength: 3,
        selector: (d) => norm(d, Math.max(s.length, 1)),
      }),
    ),
  (t, dims) => (dims === null ? t.squeeze() : t.squeeze(dims)),
  (s, dims) => {
    const listed =
      dims === null
        ? range(s.length)
        : (typeof dims === "number" ? [dims] : dims).map((d) => norm(d, Math.max(s.length, 1)));
    const kept = range(s.length).filter((d) => !(listed.includes(d) && s[d] === 1));
    return {
      shape: kept.map((d) => s[d]),
      source: (o) => {
        const i = s.map(() => 0);
        kept.forEach((d, k) => {
          i[d] = o[k];
        });
        return i;
      },
    };
  },
);

const movedimCases = cases(
  "movedim",
  1,
  (s) =>
    fc
      .integer({ min: 1, max: s.length })
      .chain((k) =>
        fc
          .tuple(arbPerm(s.length), arbPerm(s.length))
          .map(([a, b]) => [a.slice(0, k), b.slice(0, k)] as const),
      ),
  (t, [src, dst]) =>
    t.movedim(
      src.map((d) => d - t.ndim),
      dst,
    ),
  (s, [src, dst]) => {
    const n = s.length;
    const order = new Array<number>(n).fill(-1);
    src.forEach((d, i) => {
      order[dst[i]] = d;
    });
    const rest = range(n).filter((d) => !src.includes(d));
    const full = order.map((d) => (d === -1 ? (rest.shift() as number) : d));
    return {
      shape: full.map((d) => s[d]),
      source: (o) => {
        const i = new Array<number>(n);
        full.forEach((d, k) => {
          i[d] = o[k];
        });
        return i;
      },
    };
  },
);

const repeatCases = cases(
  "repeat",
  0,
  (s) =>
    fc.integer({ min: 0, max: 2 }).chain((extra) =>
      fc.array(fc.integer({ min: 0, max: 3 }), {
        minLength: s.length + extra,
        maxLength: s.length + extra,
      }),
    ),
  (t, times) => t.repeat(times),
  (s, times) => {
    const lead = times.length - s.length;
    const base = [...new Array<number>(lead).fill(1), ...s];
    return {
      shape: times.map((r, i) => r * base[i]),
      source: (o) => o.slice(lead).map((x, k) => x % s[k]),
    };
  },
);

const tileCases = cases(
  "tile",
  0,
  () => fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 4 }),
  (t, dims) => t.tile(dims),
  (s, dims) => {
    const n = Math.max(s.length, dims.length);
    const base = [...new Array<number>(n - s.length).fill(1), ...s];
    const times = [...new Array<number>(n - dims.length).fill(1), ...dims];
    return {
      shape: times.map((r, i) => r * base[i]),
      source: (o) => o.slice(n - s.length).map((x, k) => x % s[k]),
    };
  },
);

const flipCases = cases(
  "flip",
  0,
  (s) =>
    fc.uniqueArray(arbDim(s.length), {
      maxLength: 3,
      selector: (d) => norm(d, Math.max(s.length, 1)),
    }),
  (t, dims) => t.flip(dims),
  (s, dims) => {
    const flipped = dims.map((d) => norm(d, Math.max(s.length, 1)));
    return {
      shape: [...s],
      source: (o) => o.map((x, k) => (flipped.includes(k) ? s[k] - 1 - x : x)),
    };
  },
);

const rollCases = cases(
  "roll",
  0,
  (s) =>
    fc.oneof(
      fc.tuple(
        fc.integer({ min: -7, max: 7 }).map((k) => [k]),
        fc.constant(null),
      ),
      fc
        .uniqueArray(arbDim(s.length), {
          minLength: 1,
          maxLength: 3,
          selector: (d) => norm(d, Math.max(s.length, 1)),
        })
        .chain((dims) =>
          fc.tuple(
            fc.array(fc.integer({ min: -7, max: 7 }), {
              minLength: dims.length,
              maxLength: dims.length,
            }),
            fc.constant(dims),
          ),
        ),
    ),
  (t, [shifts, dims]) => (dims === null ? t.roll(shifts[0]) : t.roll(shifts, dims)),
  (s, [shifts, dims]) => {
    const mod = (a: number, n: number) => ((a % n) + n) % n;
    if (dims === null) {
      const n = product(s);
      return { shape: [...s], source: (o) => unravel(mod(ravel(o, s) - shifts[0], n), s) };
    }
    const by = new Map<number, number>();
    dims.forEach((d, i) => {
      by.set(norm(d, Math.max(s.length, 1)), shifts[i]);
    });
    return { shape: [...s], source: (o) => o.map((x, k) => mod(x - (by.get(k) ?? 0), s[k])) };
  },
);

const triangleCases = cases(
  "tril / triu",
  2,
  () => fc.tuple(fc.constantFrom("tril", "triu"), fc.integer({ min: -4, max: 4 })),
  (t, [op, k]) => (op === "tril" ? t.tril(k) : t.triu(k)),
  (s, [op, k]) => ({
    shape: [...s],
    source: (o) => {
      const [i, j] = o.slice(-2);
      return (op === "tril" ? j - i <= k : j - i >= k) ? o : null;
    },
  }),
);

describeEachBackend("shaping and rearranging", (suite) => {
  const { opts, expectValues } = suite;

  gatherProperties(suite, "flatten", flattenCases);
  gatherProperties(suite, "unflatten", unflattenCases);
  gatherProperties(suite, "t / T / mT", transposeCases);
  gatherProperties(suite, "squeeze", squeezeCases);
  gatherProperties(suite, "movedim", movedimCases);
  gatherProperties(suite, "repeat", repeatCases);
  gatherProperties(suite, "tile", tileCases);
  gatherProperties(suite, "flip", flipCases);
  gatherProperties(suite, "roll", rollCases);
  gatherProperties(suite, "tril / triu", triangleCases);

  /** 0, 1, … in `shape`. */
  const counting = (shape: Shape) => mt.tensor(nest(range(product(shape)), shape), opts);

  it("the mt.f forms are the methods", async () => {
    const x = counting([2, 3]);
    await expectValues(mt.flatten(x), [6], range(6), EXACT, "mt.flatten");
    await expectValues(mt.unflatten(x, 1, [3, 1]), [2, 3, 1], range(6), EXACT, "mt.unflatten");
    await expectValues(mt.t(x), [3, 2], [0, 3, 1, 4, 2, 5], EXACT, "mt.t");
    await expectValues(mt.squeeze(x.unsqueeze(0), 0), [2, 3], range(6), EXACT, "mt.squeeze");
    await expectValues(mt.movedim(x, 0, 1), [3, 2], [0, 3, 1, 4, 2, 5], EXACT, "mt.movedim");
    await expectValues(
      mt.tile(x, [2]),
      [2, 6],
      [0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5],
      EXACT,
      "mt.tile",
    );
    await expectValues(mt.flip(x, [0, 1]), [2, 3], [5, 4, 3, 2, 1, 0], EXACT, "mt.flip");
    await expectValues(x.flip(-1), [2, 3], [2, 1, 0, 5, 4, 3], EXACT, "x.flip(-1)");
    await expectValues(mt.roll(x, 1, 1), [2, 3], [2, 0, 1, 5, 3, 4], EXACT, "mt.roll");
    await expectValues(mt.tril(x), [2, 3], [0, 0, 0, 3, 4, 0], EXACT, "mt.tril");
    await expectValues(mt.triu(x, 1), [2, 3], [0, 1, 2, 0, 0, 5], EXACT, "mt.triu");
    await expectValues(x.repeat(2, 1), [4, 3], [...range(6), ...range(6)], EXACT, "x.repeat(2, 1)");
  });

  it("views share storage; repeat, tile, flip, roll and tril copy", () => {
    const x = counting([2, 1, 3]);
    const before = mt.memory().buffers;
    const views = [
      x.flatten(),
      x.flatten(1),
      x.unflatten(2, [3, 1]),
      x.squeeze(),
      x.squeeze([0, 1]),
      x.T,
      x.mT,
      x.movedim(0, -1),
      x.squeeze().t(),
    ];
    expect(mt.memory().buffers, "views allocate nothing").toBe(before);
    expect(views.map((v) => v.shape)).toEqual([
      [6],
      [2, 3],
      [2, 1, 3, 1],
      [2, 3],
      [2, 3],
      [3, 1, 2],
      [2, 3, 1],
      [1, 3, 2],
      [3, 2],
    ]);
    const copies = [x.repeat(1, 1, 1), x.tile([1]), x.flip(1), x.roll(0), x.tril()];
    expect(mt.memory().buffers - before, "each a new tensor").toBeGreaterThanOrEqual(copies.length);
    expect(x.flatten().T.shape, ".T of 1-D is itself").toEqual([6]);
  });

  it("flatten of a non-contiguous tensor copies; of 0-d and empty tensors", async () => {
    const x = counting([2, 3]).T;
    await expectValues(x.flatten(), [6], [0, 3, 1, 4, 2, 5], EXACT, "x.T.flatten()");
    await expectValues(mt.tensor(4, opts).flatten(), [1], [4], EXACT, "0-d flatten");
    expect(mt.zeros([2, 0, 3], opts).flatten(1).shape).toEqual([2, 0]);
    expect(mt.zeros([0, 1], opts).squeeze().shape).toEqual([0]);
    expect(mt.zeros([0, 2], opts).repeat(2, 2).shape).toEqual([0, 4]);
    expect(mt.zeros([2, 0], opts).tril().shape).toEqual([2, 0]);
    expect(mt.zeros([0], opts).roll(3).shape).toEqual([0]);
  });

  it("errors name the op and the values", () => {
    const x = counting([2, 3, 4]);
    expect(() => x.flatten(2, 1)).toThrow(/flatten: startDim 2 comes after endDim 1/);
    expect(() => x.flatten(0, 3)).toThrow(mt.ShapeError);
    expect(() => x.unflatten(1, [2, 2])).toThrow(mt.ShapeError);
    expect(() => x.unflatten(1, [])).toThrow(/unflatten: sizes must not be empty/);
    expect(() => x.t()).toThrow(/t: expects a tensor of at most 2 dims, got shape \[2,3,4\]/);
    expect(() => mt.tensor([1, 2], opts).mT).toThrow(/mT: needs a matrix/);
    expect(() => x.squeeze([0, 0])).toThrow(/squeeze: dim 0 appears more than once/);
    expect(() => x.squeeze(3)).toThrow(/squeeze: dim 3 is out of range/);
    expect(() => x.movedim([0, 1], [2])).toThrow(/movedim: source \[0,1\] and destination \[2\]/);
    expect(() => x.repeat(2, 2)).toThrow(
      /repeat: \[2,2\] names fewer dims than the tensor's shape \[2,3,4\]/,
    );
    expect(() => x.flip(0, 0)).toThrow(/flip: dim 0 appears more than once/);
    expect(() => x.roll([1, 2], [0])).toThrow(/roll: 2 shifts for 1 dims/);
    expect(() => x.roll([1, 2])).toThrow(/roll: without dims, shifts must be one integer/);
    expect(() => x.roll(1.5)).toThrow(/roll: shifts must be an integer/);
    expect(() => mt.tensor([1, 2], opts).tril()).toThrow(
      /tril: needs at least 2 dims, got shape \[2\]/,
    );
    expect(() => x.triu(0.5)).toThrow(/triu: diagonal must be an integer/);
  });

  it("tril keeps NaN and ∞ out of the zeroed triangle", async () => {
    const x = mt.tensor(
      [
        [1, Number.NaN],
        [Number.POSITIVE_INFINITY, 4],
      ],
      opts,
    );
    await expectValues(x.tril(), [2, 2], [1, 0, Number.POSITIVE_INFINITY, 4], EXACT, "tril");
    await expectValues(x.triu(), [2, 2], [1, Number.NaN, 0, 4], EXACT, "triu");
  });
});
