import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { centralDifference } from "../src/autodiff/central_difference.js";
import { Context } from "../src/autodiff/context.js";
import { AutogradFunction } from "../src/autodiff/function.js";
import { isGradEnabled, noGrad } from "../src/autodiff/grad_mode.js";
import { topologicalSort } from "../src/autodiff/topological_sort.js";
import { isConstant, isLeaf } from "../src/autodiff/variable.js";
import { AutogradError, DTypeError, MinitorchError } from "../src/errors.js";
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

  it("types what forward saves, so backward reads it without a cast", () => {
    /** x·y, saving x and y under their names. */
    class Product extends AutogradFunction {
      static override forward(ctx: Context<[x: number, y: number]>, x: number, y: number): number {
        ctx.saveForBackward(x, y);
        return x * y;
      }
      static override backward(ctx: Context<[x: number, y: number]>, d: number): number[] {
        const [x, y] = ctx.savedValues;
        return [d * y, d * x];
      }
    }
    const x = new Scalar(3);
    const y = new Scalar(4);
    Product.apply(x, y).backward();
    expect([x.derivative, y.derivative]).toEqual([4, 3]);
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
    expect(() => noGrad(async () => 1)).toThrow(AutogradError);
    expect(isGradEnabled()).toBe(true);
  });
});

describe("AutogradError", () => {
  /** A Function whose backward returns whatever `result` holds. */
  class Returns extends AutogradFunction {
    static result: unknown = null;
    static override forward(_ctx: Context, a: number, b: number): number {
      return a + b;
    }
    static override backward(_ctx: Context, _d: number): unknown {
      return Returns.result;
    }
  }

  /** `fn` throws an AutogradError (a MinitorchError, not a DTypeError) matching `message`. */
  function expectAutogradError(fn: () => unknown, message: RegExp): void {
    let error: unknown;
    try {
      fn();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AutogradError);
    expect(error).toBeInstanceOf(MinitorchError);
    expect(error).not.toBeInstanceOf(DTypeError);
    expect((error as Error).name).toBe("AutogradError");
    expect((error as Error).message).toMatch(message);
  }

  it("names a Function without forward or backward", () => {
    class Nothing extends AutogradFunction {}
    expectAutogradError(() => Nothing.apply(new Scalar(1)), /^Nothing\.forward is not implemented/);
    class NoBackward extends AutogradFunction {
      static override forward(_ctx: Context, a: number): number {
        return a;
      }
    }
    const y = NoBackward.apply<Scalar>(new Scalar(1));
    expectAutogradError(() => y.backward(), /^NoBackward\.backward is not implemented/);
  });

  it("names a backward that returns the wrong number of derivatives, or none for an input", () => {
    Returns.result = [1];
    const y = Returns.apply<Scalar>(new Scalar(1), new Scalar(2));
    expectAutogradError(() => y.backward(), /Returns\.backward returned 1 derivative\(s\) for 2/);
    Returns.result = [1, undefined];
    const z = Returns.apply<Scalar>(new Scalar(1), new Scalar(2));
    expectAutogradError(() => z.backward(), /Returns\.backward returned no derivative for input 1/);
  });

  it("refuses apply without a Scalar or Tensor argument", () => {
    expectAutogradError(
      () => Returns.apply(1, 2),
      /Returns\.apply: needs at least one Scalar or Tensor/,
    );
  });
});
