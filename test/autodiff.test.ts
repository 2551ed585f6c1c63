import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { centralDifference } from "../src/autodiff/central_difference.js";
import { Context } from "../src/autodiff/context.js";
import { isGradEnabled, noGrad } from "../src/autodiff/grad_mode.js";
import { topologicalSort } from "../src/autodiff/topological_sort.js";
import { isConstant, isLeaf } from "../src/autodiff/variable.js";
import { DTypeError } from "../src/errors.js";
import { Scalar } from "../src/scalar/scalar.js";

describe("centralDifference", () => {
  it("estimates the derivative of a polynomial in each argument", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -5, max: 5, noNaN: true }),
        fc.double({ min: -5, max: 5, noNaN: true }),
        (x, y) => {
          const f = (a: number, b: number) => a * a * b + 3 * b;
          expect(centralDifference(f, [x, y], 0)).toBeCloseTo(2 * x * y, 4);
          expect(centralDifference(f, [x, y], 1)).toBeCloseTo(x * x + 3, 4);
        },
      ),
    );
  });
});

describe("topologicalSort", () => {
  it("puts every variable before the inputs it was computed from, each once", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 30 }), (picks) => {
        // Build a random DAG: each new node combines two earlier nodes.
        const nodes: Scalar[] = [new Scalar(1), new Scalar(2)];
        for (const p of picks) {
          const a = nodes[p % nodes.length];
          const b = nodes[(p * 7 + 3) % nodes.length];
          nodes.push(a.mul(b).add(1));
        }
        const order = topologicalSort(nodes[nodes.length - 1]);
        const position = new Map(order.map((v, i) => [v.uniqueId, i]));
        expect(position.size).toBe(order.length);
        for (const v of order) {
          for (const input of v.history?.inputs ?? []) {
            if (input.requiresGrad) {
              expect(position.get(input.uniqueId)).toBeGreaterThan(position.get(v.uniqueId)!);
            }
          }
        }
      }),
    );
  });

  it("leaves constants out", () => {
    const x = new Scalar(1);
    const order = topologicalSort(x.mul(2));
    expect(order.every((v) => v.requiresGrad)).toBe(true);
    expect(order).toHaveLength(2);
  });
});

describe("Context and variable kinds", () => {
  it("saves values only when a gradient will be computed", () => {
    const tracked = new Context(false, [true]);
    tracked.saveForBackward(1, 2);
    expect(tracked.savedValues).toEqual([1, 2]);
    const untracked = new Context(true, [false]);
    untracked.saveForBackward(1, 2);
    expect(untracked.savedValues).toEqual([]);
  });

  it("classifies leaves, constants and intermediates", () => {
    const x = new Scalar(1);
    const c = new Scalar(1, { requiresGrad: false });
    const y = x.add(c);
    expect([isLeaf(x), isConstant(x)]).toEqual([true, false]);
    expect([isLeaf(c), isConstant(c)]).toEqual([false, true]);
    expect([isLeaf(y), isConstant(y)]).toEqual([false, false]);
  });
});

describe("noGrad", () => {
  it("restores the mode after the function returns or throws", () => {
    expect(noGrad(() => isGradEnabled())).toBe(false);
    expect(isGradEnabled()).toBe(true);
    expect(() =>
      noGrad(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(isGradEnabled()).toBe(true);
  });

  it("rejects an async function instead of silently recording history", () => {
    expect(() => noGrad(async () => 1)).toThrow(DTypeError);
    expect(isGradEnabled()).toBe(true);
  });
});
