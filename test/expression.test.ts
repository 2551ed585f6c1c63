import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ParseError } from "../src/errors.js";
import {
  evaluateExpression,
  expressionVariables,
  parseExpression,
} from "../src/scalar/expression.js";
import { Scalar } from "../src/scalar/scalar.js";

function value(source: string, x = 2, y = 3): number {
  const vars = { x: new Scalar(x), y: new Scalar(y) };
  return evaluateExpression(parseExpression(source), vars).data;
}

function parseErrorAt(source: string): number {
  try {
    value(source);
  } catch (e) {
    if (e instanceof ParseError) return e.position;
    throw e;
  }
  throw new Error(`"${source}" parsed`);
}

describe("parseExpression", () => {
  it("follows the usual precedence and associativity", () => {
    expect(value("1 + 2 * 3")).toBe(7);
    expect(value("(1 + 2) * 3")).toBe(9);
    expect(value("8 - 3 - 2")).toBe(3);
    expect(value("8 / 4 / 2")).toBe(1);
    expect(value("2 ^ 3 ^ 2")).toBe(512);
    expect(value("2 ** 3")).toBe(8);
    expect(value("-x^2")).toBe(-4);
    expect(value("x < y")).toBe(1);
    expect(value("x > y")).toBe(0);
    expect(value("x + 1 == y")).toBe(1);
    expect(value("1.5e1 + .5")).toBe(15.5);
  });

  it("calls the named functions", () => {
    expect(value("exp(0) + log(1) + relu(-x) + neg(y)")).toBe(-2);
    expect(value("sigmoid(0)")).toBe(0.5);
  });

  it("lists the variables an expression uses", () => {
    expect(expressionVariables(parseExpression("y * exp(x) + y"))).toEqual(["y", "x"]);
  });

  it("reports the position of each kind of mistake", () => {
    expect(parseErrorAt("x + * y")).toBe(4);
    expect(parseErrorAt("x $ y")).toBe(2);
    expect(parseErrorAt("x y")).toBe(2);
    expect(parseErrorAt("(x + y")).toBe(6);
    expect(parseErrorAt("tanh(x)")).toBe(0);
    expect(parseErrorAt("x + z")).toBe(4);
    expect(parseErrorAt("")).toBe(0);
    expect(() => value("foo(x)")).toThrow(/unknown function "foo"; choose one of exp, log/);
  });

  it("agrees with JavaScript on random fully parenthesised arithmetic", () => {
    const leaf = fc.oneof(fc.constantFrom("x", "y"), fc.integer({ min: 0, max: 9 }).map(String));
    const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
      e: fc.oneof(
        { depthSize: "small" },
        leaf,
        fc
          .tuple(tie("e"), fc.constantFrom("+", "-", "*"), tie("e"))
          .map(([a, op, b]) => `(${a} ${op} ${b})`),
        tie("e").map((a) => `-${a}`),
      ),
    })).e;
    fc.assert(
      fc.property(expr, (source) => {
        const js = source.replaceAll("x", "(2)").replaceAll("y", "(3)").replaceAll("-", " -");
        // "+ 0" folds −0 into 0: the two evaluate signs of zero differently, not values.
        expect(value(source) + 0).toBe(Function(`return ${js}`)() + 0);
      }),
    );
  });
});
