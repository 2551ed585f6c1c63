import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapeError } from "../src/errors.js";
import {
  add,
  addLists,
  eq,
  exp,
  expBack,
  id,
  inv,
  invBack,
  isClose,
  log,
  logBack,
  lt,
  map,
  max,
  mul,
  neg,
  negList,
  prod,
  reduce,
  relu,
  reluBack,
  sigmoid,
  sigmoidBack,
  sum,
  zipWith,
} from "../src/operators.js";
import { expectClose, type Tolerance } from "./close.js";

const small = fc.double({ min: -100, max: 100, noNaN: true });
const list = fc.array(small, { maxLength: 20 });

/** Central difference (f(x+h) − f(x−h)) / 2h: the numeric derivative the `*Back` ops must match. */
function centralDiff(f: (x: number) => number, x: number, h = 1e-6): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}

/** Relative-or-absolute closeness: derivatives can be large (exp, inv near 0.1). */
const DERIVATIVE: Tolerance = { relOrAbs: 1e-4 };

describe("scalar ops: values", () => {
  it("computes the basic ops", () => {
    expect(mul(3, 4)).toBe(12);
    expect(id(7)).toBe(7);
    expect(add(2, 5)).toBe(7);
    expect(neg(3)).toBe(-3);
    expect(lt(1, 2)).toBe(1.0);
    expect(lt(2, 1)).toBe(0.0);
    expect(eq(2, 2)).toBe(1.0);
    expect(eq(2, 3)).toBe(0.0);
    expect(max(2, 5)).toBe(5);
    expect(isClose(1, 1.005)).toBe(true);
    expect(isClose(1, 1.02)).toBe(false);
    expect(sigmoid(0)).toBe(0.5);
    expect(relu(-2)).toBe(0);
    expect(relu(3)).toBe(3);
    expect(log(Math.E)).toBeCloseTo(1, 12);
    expect(exp(0)).toBe(1);
    expect(inv(4)).toBe(0.25);
  });

  it("computes the derivatives at known points", () => {
    expect(logBack(2, 3)).toBe(1.5);
    expect(invBack(2, 4)).toBe(-1);
    expect(reluBack(1, 5)).toBe(5);
    expect(reluBack(-1, 5)).toBe(0);
    expect(sigmoidBack(0, 1)).toBe(0.25);
    expect(expBack(0, 3)).toBe(3);
  });
});

describe("sigmoid", () => {
  it("does not overflow or return NaN at ±1000", () => {
    for (const x of [1000, -1000, 710, -710, Number.MAX_VALUE, -Number.MAX_VALUE]) {
      const s = sigmoid(x);
      expect(Number.isNaN(s)).toBe(false);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
    }
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-1000)).toBe(0);
    expect(Number.isNaN(sigmoidBack(1000, 1))).toBe(false);
    expect(Number.isNaN(sigmoidBack(-1000, 1))).toBe(false);
  });

  it("lies in [0, 1]", () => {
    fc.assert(
      fc.property(fc.double({ min: -1000, max: 1000, noNaN: true }), (x) => {
        const s = sigmoid(x);
        return s >= 0 && s <= 1;
      }),
    );
  });

  it("is symmetric: σ(−x) = 1 − σ(x)", () => {
    fc.assert(fc.property(small, (x) => isClose(sigmoid(-x), 1 - sigmoid(x))));
  });

  it("is monotone", () => {
    fc.assert(
      fc.property(small, small, (a, b) => {
        const [x, y] = a <= b ? [a, b] : [b, a];
        return sigmoid(x) <= sigmoid(y);
      }),
    );
  });
});

describe("relu", () => {
  it("is non-negative", () => {
    fc.assert(fc.property(small, (x) => relu(x) >= 0));
  });

  it("is monotone", () => {
    fc.assert(
      fc.property(small, small, (a, b) => {
        const [x, y] = a <= b ? [a, b] : [b, a];
        return relu(x) <= relu(y);
      }),
    );
  });
});

describe("algebraic laws", () => {
  it("mul and add are commutative", () => {
    fc.assert(
      fc.property(
        small,
        small,
        (x, y) => isClose(mul(x, y), mul(y, x)) && isClose(add(x, y), add(y, x)),
      ),
    );
  });

  it("mul distributes over add: z·(x+y) ≈ z·x + z·y", () => {
    fc.assert(
      fc.property(small, small, small, (x, y, z) =>
        isClose(mul(z, add(x, y)), add(mul(z, x), mul(z, y))),
      ),
    );
  });

  it("lt and eq are consistent: lt(x,y) + lt(y,x) + eq(x,y) = 1", () => {
    // Small integers make equal pairs common enough that the eq branch is exercised.
    const num = fc.oneof(small, fc.integer({ min: -3, max: 3 }));
    fc.assert(fc.property(num, num, (x, y) => lt(x, y) + lt(y, x) + eq(x, y) === 1));
    fc.assert(fc.property(small, (x) => eq(x, x) === 1 && lt(x, x) === 0));
  });

  it("max is symmetric and an upper bound", () => {
    fc.assert(
      fc.property(small, small, (x, y) => {
        const m = max(x, y);
        return m === max(y, x) && m >= x && m >= y && (m === x || m === y);
      }),
    );
  });

  it("neg is an involution and id is the identity", () => {
    fc.assert(fc.property(small, (x) => neg(neg(x)) === x && id(x) === x));
  });

  it("log ∘ exp ≈ id on a bounded range", () => {
    fc.assert(
      fc.property(fc.double({ min: -50, max: 50, noNaN: true }), (x) => isClose(log(exp(x)), x)),
    );
  });

  it("inv ∘ inv ≈ id away from 0", () => {
    fc.assert(
      fc.property(fc.double({ min: 0.1, max: 100, noNaN: true }), (x) => isClose(inv(inv(x)), x)),
    );
  });
});

describe("derivatives agree with central differences", () => {
  const grad = fc.double({ min: -10, max: 10, noNaN: true });
  const positive = fc.double({ min: 0.1, max: 100, noNaN: true });
  const awayFromZero = fc.oneof(
    fc.double({ min: 0.1, max: 100, noNaN: true }),
    fc.double({ min: -100, max: -0.1, noNaN: true }),
  );

  type Back = (x: number, d: number) => number;
  /** Each `*Back` op, its function, and the inputs to check it on (where f is differentiable). */
  const backs: [string, Back, (x: number) => number, fc.Arbitrary<number>][] = [
    ["sigmoidBack", sigmoidBack, sigmoid, small],
    ["expBack", expBack, exp, fc.double({ min: -10, max: 10, noNaN: true })],
    ["reluBack (away from 0)", reluBack, relu, awayFromZero],
    ["logBack (x > 0, away from 0)", logBack, log, positive],
    ["invBack (away from 0)", invBack, inv, awayFromZero],
  ];

  it.each(backs)("%s", (_, back, f, xs) => {
    fc.assert(
      fc.property(xs, grad, (x, d) => expectClose(back(x, d), d * centralDiff(f, x), DERIVATIVE)),
    );
  });
});

describe("functional helpers and list functions", () => {
  it("map, zipWith and reduce apply their function", () => {
    expect(map((x: number) => x * 2)([1, 2, 3])).toEqual([2, 4, 6]);
    expect(zipWith((x: number, y: number) => x - y)([5, 7], [1, 2])).toEqual([4, 5]);
    expect(reduce((acc: number, x: number) => acc * 10 + x, 0)([1, 2, 3])).toBe(123);
    expect(map((x: number) => String(x))([1, 2])).toEqual(["1", "2"]);
  });

  it("sum and prod of the empty list are 0 and 1", () => {
    expect(sum([])).toBe(0);
    expect(prod([])).toBe(1);
    expect(prod([2, 3, 4])).toBe(24);
  });

  it("sum of a concatenation is the sum of the sums", () => {
    fc.assert(fc.property(list, list, (a, b) => isClose(sum([...a, ...b]), sum(a) + sum(b))));
  });

  it("addLists equals the elementwise sum", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(small, small), { maxLength: 20 }), (pairs) => {
        const xs = pairs.map(([x]) => x);
        const ys = pairs.map(([, y]) => y);
        const out = addLists(xs, ys);
        return out.length === xs.length && out.every((v, i) => v === xs[i] + ys[i]);
      }),
    );
  });

  it("negList twice is the identity", () => {
    fc.assert(
      fc.property(list, (xs) => {
        const back = negList(negList(xs));
        return back.length === xs.length && back.every((v, i) => v === xs[i]);
      }),
    );
  });

  it("prod of a list containing 0 is 0", () => {
    fc.assert(
      fc.property(list, fc.nat(), (xs, k) => {
        const at = k % (xs.length + 1);
        const withZero = [...xs.slice(0, at), 0, ...xs.slice(at)];
        return prod(withZero) === 0; // `=== 0` also accepts −0
      }),
    );
  });

  it("zipWith with mismatched lengths throws ShapeError naming both lengths", () => {
    expect(() => addLists([1, 2, 3], [1, 2])).toThrow(ShapeError);
    expect(() => addLists([1, 2, 3], [1, 2])).toThrow("zipWith: lists of length 3 and 2 differ");
    fc.assert(
      fc.property(list, list, (a, b) => {
        fc.pre(a.length !== b.length);
        try {
          zipWith(add)(a, b);
          return false;
        } catch (e) {
          return e instanceof ShapeError && e.message.includes(`${a.length} and ${b.length}`);
        }
      }),
    );
  });
});
