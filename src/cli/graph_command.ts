import { ParseError } from "../errors.js";
import {
  type Expression,
  evaluateExpression,
  expressionVariables,
  parseExpression,
} from "../scalar/expression.js";
import { Scalar } from "../scalar/scalar.js";
import { toDot } from "../viz/dot.js";
import { numberFlag, parseCommandArgs } from "./args.js";
import { type CliIO, UsageError } from "./io.js";

export const graphHelp = `Usage: minitorch graph "<expression in x, y>" [--x <value>] [--y <value>]

Print the computation graph of an expression of Scalars as Graphviz DOT, after backward(): each
node shows its op, value and derivative. Render it with: minitorch graph "x*y" | dot -Tsvg > g.svg

Expressions: numbers, x, y, + - * / ^, unary -, < > ==, parentheses, and
exp(), log(), sigmoid(), relu(), neg().

Options:
  --x <value>   value of x (default: 0)
  --y <value>   value of y (default: 0)
  -h, --help    show this help

Example: minitorch graph "x * y + exp(x)" --x 1 --y 2
`;

/** `minitorch graph`: parse, evaluate, backpropagate, print DOT. */
export function graphCommand(args: string[], io: CliIO): number {
  const { values, positionals } = parseCommandArgs(args, {
    x: { type: "string" },
    y: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(graphHelp);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new UsageError(`graph takes one quoted expression, got ${positionals.length} arguments`);
  }
  const source = positionals[0];
  const variables = {
    x: new Scalar(numberFlag("x", values.x, 0), { name: "x" }),
    y: new Scalar(numberFlag("y", values.y, 0), { name: "y" }),
  };
  let out: Scalar;
  let expression: Expression;
  try {
    expression = parseExpression(source);
    out = evaluateExpression(expression, variables);
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    // Show where: the expression, and a caret under the offending character.
    throw new UsageError(`${e.message}\n  ${source}\n  ${" ".repeat(e.position)}^`);
  }
  // The graph is drawn after backward, so backward must not release it.
  if (out.requiresGrad) out.backward(1, { retainGraph: true });
  io.stdout(toDot(out));
  io.stderr(
    `value ${out.data}; ${expressionVariables(expression)
      .map((name) => `d/d${name} = ${variables[name as "x" | "y"].derivative ?? 0}`)
      .join(", ")}\n`,
  );
  return 0;
}
