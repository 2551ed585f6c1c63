import { ParseError } from "../errors.js";
import { Scalar } from "./scalar.js";

/**
 * A tiny expression language over Scalars, for `minitorch graph` and the playground:
 * numbers, variables, `+ - * /`, `^` or `**` (power, right-associative), unary minus,
 * comparisons `<` `>` `==`, parentheses, and the functions below.
 */

/** The functions an expression may call, by name. */
export const expressionFunctions = {
  exp: (a: Scalar) => a.exp(),
  log: (a: Scalar) => a.log(),
  sigmoid: (a: Scalar) => a.sigmoid(),
  relu: (a: Scalar) => a.relu(),
  neg: (a: Scalar) => a.neg(),
} as const;

type FunctionName = keyof typeof expressionFunctions;
type BinaryOp = "+" | "-" | "*" | "/" | "^" | "<" | ">" | "==";

/** A parsed expression. `position` points at its first character in the source. */
export type Expression =
  | { readonly type: "number"; readonly value: number; readonly position: number }
  | { readonly type: "variable"; readonly name: string; readonly position: number }
  | { readonly type: "negate"; readonly operand: Expression; readonly position: number }
  | {
      readonly type: "call";
      readonly fn: FunctionName;
      readonly arg: Expression;
      readonly position: number;
    }
  | {
      readonly type: "binary";
      readonly op: BinaryOp;
      readonly left: Expression;
      readonly right: Expression;
      readonly position: number;
    };

interface Token {
  readonly text: string;
  readonly kind: "number" | "name" | "symbol" | "end";
  readonly position: number;
}

const symbols = ["**", "==", "+", "-", "*", "/", "^", "<", ">", "(", ")"];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const number = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?/i.exec(rest);
    const name = /^[A-Za-z_]\w*/.exec(rest);
    const symbol = symbols.find((s) => rest.startsWith(s));
    if (number) tokens.push({ text: number[0], kind: "number", position: i });
    else if (name) tokens.push({ text: name[0], kind: "name", position: i });
    else if (symbol) tokens.push({ text: symbol, kind: "symbol", position: i });
    else throw new ParseError(`unexpected character "${source[i]}"`, i);
    i += tokens[tokens.length - 1].text.length;
  }
  tokens.push({ text: "", kind: "end", position: source.length });
  return tokens;
}

/** Recursive descent, one method per precedence level (lowest first). */
class Parser {
  #tokens: Token[];
  #at = 0;

  constructor(source: string) {
    this.#tokens = tokenize(source);
  }

  parse(): Expression {
    const e = this.#comparison();
    const next = this.#peek();
    if (next.kind !== "end") throw new ParseError(`unexpected "${next.text}"`, next.position);
    return e;
  }

  #peek(): Token {
    return this.#tokens[this.#at];
  }

  #take(): Token {
    const t = this.#tokens[this.#at];
    this.#at += 1;
    return t;
  }

  #binaryLevel(ops: readonly string[], next: () => Expression): Expression {
    let left = next();
    while (this.#peek().kind === "symbol" && ops.includes(this.#peek().text)) {
      const op = this.#take();
      const right = next();
      left = { type: "binary", op: op.text as BinaryOp, left, right, position: op.position };
    }
    return left;
  }

  #comparison(): Expression {
    return this.#binaryLevel(["<", ">", "=="], () => this.#sum());
  }

  #sum(): Expression {
    return this.#binaryLevel(["+", "-"], () => this.#product());
  }

  #product(): Expression {
    return this.#binaryLevel(["*", "/"], () => this.#unary());
  }

  #unary(): Expression {
    const t = this.#peek();
    if (t.kind === "symbol" && t.text === "-") {
      this.#take();
      return { type: "negate", operand: this.#unary(), position: t.position };
    }
    return this.#power();
  }

  #power(): Expression {
    const base = this.#atom();
    const t = this.#peek();
    if (t.kind === "symbol" && (t.text === "^" || t.text === "**")) {
      this.#take();
      // Right-associative, and binds tighter than unary minus on its left: -x^2 = -(x^2).
      return { type: "binary", op: "^", left: base, right: this.#unary(), position: t.position };
    }
    return base;
  }

  #atom(): Expression {
    const t = this.#take();
    if (t.kind === "number") return { type: "number", value: Number(t.text), position: t.position };
    if (t.kind === "symbol" && t.text === "(") {
      const e = this.#comparison();
      this.#expect(")");
      return e;
    }
    if (t.kind === "name") {
      const next = this.#peek();
      if (next.kind === "symbol" && next.text === "(") {
        if (!(t.text in expressionFunctions)) {
          throw new ParseError(
            `unknown function "${t.text}"; choose one of ${Object.keys(expressionFunctions).join(", ")}`,
            t.position,
          );
        }
        this.#take();
        const arg = this.#comparison();
        this.#expect(")");
        return { type: "call", fn: t.text as FunctionName, arg, position: t.position };
      }
      return { type: "variable", name: t.text, position: t.position };
    }
    const what = t.kind === "end" ? "end of expression" : `"${t.text}"`;
    throw new ParseError(`unexpected ${what}; expected a number, a variable or "("`, t.position);
  }

  #expect(symbol: string): void {
    const t = this.#take();
    if (t.kind !== "symbol" || t.text !== symbol) {
      const what = t.kind === "end" ? "end of expression" : `"${t.text}"`;
      throw new ParseError(`expected "${symbol}" but found ${what}`, t.position);
    }
  }
}

/** Parse `source` into an expression tree; throws a `ParseError` that points at the problem. */
export function parseExpression(source: string): Expression {
  return new Parser(source).parse();
}

/** The names of the variables an expression uses, in order of first appearance. */
export function expressionVariables(e: Expression): string[] {
  const names = new Set<string>();
  const visit = (n: Expression): void => {
    if (n.type === "variable") names.add(n.name);
    else if (n.type === "negate") visit(n.operand);
    else if (n.type === "call") visit(n.arg);
    else if (n.type === "binary") {
      visit(n.left);
      visit(n.right);
    }
  };
  visit(e);
  return [...names];
}

/**
 * Evaluate an expression on Scalars. Every variable it uses must be in `variables`; an unknown
 * one is a `ParseError` pointing at it.
 */
export function evaluateExpression(
  e: Expression,
  variables: Readonly<Record<string, Scalar>>,
): Scalar {
  switch (e.type) {
    case "number":
      return new Scalar(e.value, { requiresGrad: false });
    case "variable": {
      const v = Object.hasOwn(variables, e.name) ? variables[e.name] : undefined;
      if (v === undefined) {
        const known = Object.keys(variables).join(", ");
        throw new ParseError(`unknown variable "${e.name}"; known variables: ${known}`, e.position);
      }
      return v;
    }
    case "negate":
      return evaluateExpression(e.operand, variables).neg();
    case "call":
      return expressionFunctions[e.fn](evaluateExpression(e.arg, variables));
    case "binary": {
      const a = evaluateExpression(e.left, variables);
      const b = evaluateExpression(e.right, variables);
      const ops: Record<BinaryOp, () => Scalar> = {
        "+": () => a.add(b),
        "-": () => a.sub(b),
        "*": () => a.mul(b),
        "/": () => a.div(b),
        "^": () => a.pow(b),
        "<": () => a.lt(b),
        ">": () => a.gt(b),
        "==": () => a.eq(b),
      };
      return ops[e.op]();
    }
  }
}
