import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { centralDifference } from "../src/autodiff/central_difference.js";
import type { Context } from "../src/autodiff/context.js";
import { AutogradFunction } from "../src/autodiff/function.js";
import { noGrad } from "../src/autodiff/grad_mode.js";
import { AutogradError } from "../src/errors.js";
import { Scalar } from "../src/scalar/scalar.js";
import { expectClose, type Tolerance } from "./close.js";

/** Relative-or-absolute closeness, for derivatives whose size varies over many decades. */
const DERIVATIVE: Tolerance = { relOrAbs: 1e-4 };

/** How a derivative mismatch reads: "got" is backward()'s, "want" the central difference. */
function derivativeOf(variable: string, at: number | string): string {
  const point = typeof at === "number" ? `at ${variable} = ${at}` : `at ${at}`;
  return `d/d${variable} ${point} (got: from backward(); want: the central difference)`;
}

/** Check d f(x)/dx from backward() against a central difference of the plain-number version. */
function checkUnary(f: (x: Scalar) => Scalar, g: (x: number) => number, x: number): void {
  const s = new Scalar(x);
  f(s).backward();
  expectClose(s.derivative ?? 0, centralDifference(g, [x]), DERIVATIVE, derivativeOf("x", x));
}

function checkBinary(
  f: (x: Scalar, y: Scalar) => Scalar,
  g: (x: number, y: number) => number,
  x: number,
  y: number,
): void {
  const a = new Scalar(x);
  const b = new Scalar(y);
  f(a, b).backward();
  const at = `(x = ${x}, y = ${y})`;
  expectClose(
    a.derivative ?? 0,
    centralDifference(g, [x, y], 0),
    DERIVATIVE,
    derivativeOf("x", at),
  );
  expectClose(
    b.derivative ?? 0,
    centralDifference(g, [x, y], 1),
    DERIVATIVE,
    derivativeOf("y", at),
  );
}

const small = fc.double({ min: -10, max: 10, noNaN: true });
const positive = fc.double({ min: 0.1, max: 10, noNaN: true });
const awayFromZero = small.filter((x) => Math.abs(x) > 0.1);

describe("Scalar forward values", () => {
  it("match the plain math", () => {
    const x = new Scalar(3);
    expect(x.add(2).data).toBe(5);
    expect(x.sub(5).data).toBe(-2);
    expect(x.mul(4).data).toBe(12);
    expect(x.div(2).data).toBe(1.5);
    expect(x.neg().data).toBe(-3);
    expect(x.lt(4).data).toBe(1);
    expect(x.gt(4).data).toBe(0);
    expect(x.eq(3).data).toBe(1);
    expect(x.pow(2).data).toBe(9);
    expect(x.log().data).toBeCloseTo(Math.log(3));
    expect(x.exp().data).toBeCloseTo(Math.exp(3));
    expect(x.sigmoid().data).toBeCloseTo(1 / (1 + Math.exp(-3)));
    expect(x.neg().relu().data).toBe(0);
  });
});

describe("Scalar derivatives agree with central differences", () => {
  it("unary ops", () => {
    fc.assert(
      fc.property(small, (x) => {
        checkUnary(
          (s) => s.neg(),
          (v) => -v,
          x,
        );
        checkUnary(
          (s) => s.sigmoid(),
          (v) => 1 / (1 + Math.exp(-v)),
          x,
        );
        checkUnary((s) => s.exp(), Math.exp, x);
      }),
    );
    fc.assert(
      fc.property(positive, (x) => {
        checkUnary((s) => s.log(), Math.log, x);
      }),
    );
    fc.assert(
      fc.property(awayFromZero, (x) => {
        checkUnary(
          (s) => s.relu(),
          (v) => Math.max(v, 0),
          x,
        );
      }),
    );
  });

  it("binary ops", () => {
    fc.assert(
      fc.property(small, small, (x, y) => {
        checkBinary(
          (a, b) => a.add(b),
          (u, v) => u + v,
          x,
          y,
        );
        checkBinary(
          (a, b) => a.sub(b),
          (u, v) => u - v,
          x,
          y,
        );
        checkBinary(
          (a, b) => a.mul(b),
          (u, v) => u * v,
          x,
          y,
        );
      }),
    );
    fc.assert(
      fc.property(small, awayFromZero, (x, y) => {
        checkBinary(
          (a, b) => a.div(b),
          (u, v) => u / v,
          x,
          y,
        );
      }),
    );
    fc.assert(
      fc.property(positive, fc.double({ min: -3, max: 3, noNaN: true }), (x, y) => {
        checkBinary(
          (a, b) => a.pow(b),
          (u, v) => u ** v,
          x,
          y,
        );
      }),
    );
  });

  it("comparisons have zero derivative", () => {
    const a = new Scalar(1);
    const b = new Scalar(2);
    a.lt(b).add(a.gt(b)).add(a.eq(b)).backward();
    expect(a.derivative).toBe(0);
    expect(b.derivative).toBe(0);
  });

  it("a constant exponent does not make the base's derivative NaN for a negative base", () => {
    const x = new Scalar(-2);
    x.pow(3).backward();
    expect(x.derivative).toBeCloseTo(12);
  });
});

/** A random expression in x and y, evaluated both on Scalars and on numbers. */
type Expr =
  | { kind: "x" }
  | { kind: "y" }
  | { kind: "const"; value: number }
  | { kind: "unary"; op: UnaryName; a: Expr }
  | { kind: "binary"; op: BinaryName; a: Expr; b: Expr };
type UnaryName = "neg" | "sigmoid" | "tanhish";
type BinaryName = "add" | "sub" | "mul";

const exprArb: fc.Arbitrary<Expr> = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant<Expr>({ kind: "x" }),
    fc.constant<Expr>({ kind: "y" }),
    fc.double({ min: -2, max: 2, noNaN: true }).map((value): Expr => ({ kind: "const", value })),
    fc.record({
      kind: fc.constant("unary" as const),
      op: fc.constantFrom("neg" as const, "sigmoid" as const, "tanhish" as const),
      a: tie("expr"),
    }),
    fc.record({
      kind: fc.constant("binary" as const),
      op: fc.constantFrom("add" as const, "sub" as const, "mul" as const),
      a: tie("expr"),
      b: tie("expr"),
    }),
  ),
})).expr;

/** How to evaluate an Expr over values of type T: the variables, constants and each op. */
interface Algebra<T> {
  readonly x: T;
  readonly y: T;
  constant(value: number): T;
  readonly unary: Record<UnaryName, (a: T) => T>;
  readonly binary: Record<BinaryName, (a: T, b: T) => T>;
}

/** The value of `e` in algebra `on`. */
function evaluate<T>(e: Expr, on: Algebra<T>): T {
  switch (e.kind) {
    case "x":
      return on.x;
    case "y":
      return on.y;
    case "const":
      return on.constant(e.value);
    case "unary":
      return on.unary[e.op](evaluate(e.a, on));
    case "binary":
      return on.binary[e.op](evaluate(e.a, on), evaluate(e.b, on));
  }
}

/** Expressions on Scalars, which record the graph backward walks. */
const onScalars = (x: Scalar, y: Scalar): Algebra<Scalar> => ({
  x,
  y,
  constant: (value) => new Scalar(value, { requiresGrad: false }),
  unary: {
    neg: (a) => a.neg(),
    sigmoid: (a) => a.sigmoid(),
    // 2σ(2a) − 1 = tanh(a): exercises exp-free composition of several ops.
    tanhish: (a) => a.mul(2).sigmoid().mul(2).sub(1),
  },
  binary: { add: (a, b) => a.add(b), sub: (a, b) => a.sub(b), mul: (a, b) => a.mul(b) },
});

/** The same expressions on plain numbers. */
const onNumbers = (x: number, y: number): Algebra<number> => ({
  x,
  y,
  constant: (value) => value,
  unary: { neg: (a) => -a, sigmoid: (a) => 1 / (1 + Math.exp(-a)), tanhish: Math.tanh },
  binary: { add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b },
});

describe("random compositions", () => {
  it("backward agrees with central differences in both variables", () => {
    const unit = fc.double({ min: -2, max: 2, noNaN: true });
    fc.assert(
      fc.property(exprArb, unit, unit, (e, xv, yv) => {
        const x = new Scalar(xv);
        const y = new Scalar(yv);
        const out = evaluate(e, onScalars(x, y));
        expectClose(out.data, evaluate(e, onNumbers(xv, yv)), { relOrAbs: 1e-9 });
        if (!out.requiresGrad) return; // an expression of constants only
        out.backward();
        const f = (u: number, v: number) => evaluate(e, onNumbers(u, v));
        expectClose(x.derivative ?? 0, centralDifference(f, [xv, yv], 0), { relOrAbs: 1e-3 });
        expectClose(y.derivative ?? 0, centralDifference(f, [xv, yv], 1), { relOrAbs: 1e-3 });
      }),
      { numRuns: 200 },
    );
  });
});

describe("backpropagation", () => {
  it("sums the derivative over every path to a shared node", () => {
    const x = new Scalar(3);
    const y = x.mul(x).add(x); // x² + x → 2x + 1
    y.backward();
    expect(x.derivative).toBe(7);
  });

  it("accumulates across backward calls until zeroGrad", () => {
    const x = new Scalar(2);
    x.mul(5).backward();
    x.mul(5).backward();
    expect(x.derivative).toBe(10);
    x.zeroGrad();
    expect(x.derivative).toBeNull();
  });

  it("skips constants and leaves that do not require a gradient", () => {
    const c = new Scalar(4, { requiresGrad: false });
    const x = new Scalar(2);
    x.mul(c).backward();
    expect(x.derivative).toBe(4);
    expect(c.derivative).toBeNull();
  });

  it("handles a chain of 100,000 ops without overflowing the stack", () => {
    const x = new Scalar(1);
    let y = x;
    for (let i = 0; i < 100_000; i++) y = y.add(1);
    y.backward();
    expect(x.derivative).toBe(1);
  });

  it("refuses backward on a value computed from constants only", () => {
    const c = new Scalar(1, { requiresGrad: false });
    expect(() => c.add(1).backward()).toThrow(AutogradError);
  });

  it("records no history under noGrad", () => {
    const x = new Scalar(2);
    const y = noGrad(() => x.mul(3));
    expect(y.history).toBeNull();
    expect(y.requiresGrad).toBe(false);
    expect(x.mul(3).history?.fn.name).toBe("Mul");
  });

  it("rejects non-number operands with a typed error", () => {
    const x = new Scalar(1);
    expect(() => x.add("2" as unknown as number)).toThrow(/expected a number or a Scalar/);
  });
});

describe("user-defined Functions", () => {
  /** f(a) = a³ with its derivative 3a², written as a user would. */
  class Cube extends AutogradFunction {
    static override forward(ctx: Context, a: number): number {
      ctx.saveForBackward(a);
      return a * a * a;
    }
    static override backward(ctx: Context, d: number): number {
      const [a] = ctx.savedValues as number[];
      return 3 * a * a * d;
    }
  }

  it("apply builds a Scalar with history and backward uses the user's derivative", () => {
    const x = new Scalar(2);
    const y = Cube.apply(x);
    expect(y).toBeInstanceOf(Scalar);
    expect(y.data).toBe(8);
    y.backward();
    expect(x.derivative).toBe(12);
  });

  it("a backward that returns the wrong number of derivatives is a clear error", () => {
    class Bad extends AutogradFunction {
      static override forward(_ctx: Context, a: number, b: number): number {
        return a + b;
      }
      static override backward(_ctx: Context, d: number): number {
        return d;
      }
    }
    const out = Bad.apply(new Scalar(1), new Scalar(2));
    expect(() => out.backward()).toThrow(
      /Bad.backward returned 1 derivative\(s\) for 2 input\(s\)/,
    );
  });
});
