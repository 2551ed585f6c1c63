import { DataError, ShapeError } from "../errors.js";
import { formatShape } from "../strided/shape.js";

/**
 * Parsing an einsum equation (`"bij,bjk->bik"`) against its operands' ranks: each dim of each
 * operand gets a label, and the output gets its labels, in PyTorch's rules. A label is a number:
 * a letter's char code, or, for the dims an ellipsis `...` stands for, −k for the k-th dim from
 * the right of the broadcast ellipsis (so ellipses of different lengths align on the right, as
 * broadcasting does).
 */

/** The parsed equation: one label per dim of each operand (repeats allowed), and the output's. */
export interface EinsumLabels {
  readonly inputs: readonly (readonly number[])[];
  readonly output: readonly number[];
}

/** One term of the equation before the ellipsis is expanded: letters, and where `...` sits. */
interface Term {
  readonly letters: number[];
  /** Index in `letters` where the ellipsis goes, or −1. */
  readonly ellipsis: number;
}

/** A label as messages show it: its letter, or `...` for an ellipsis dim. */
export function labelName(label: number): string {
  return label < 0 ? "..." : String.fromCharCode(label);
}

function isLetter(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
}

function parseTerm(term: string, what: string): Term {
  const letters: number[] = [];
  let ellipsis = -1;
  for (let i = 0; i < term.length; i++) {
    const c = term[i];
    if (isLetter(c)) {
      letters.push(c.charCodeAt(0));
    } else if (c === ".") {
      if (term.slice(i, i + 3) !== "...") {
        throw new DataError(`einsum: found '.' for ${what} that is not part of any ellipsis`);
      }
      if (ellipsis >= 0) {
        throw new DataError(
          `einsum: found '.' for ${what} for which an ellipsis was already found`,
        );
      }
      ellipsis = letters.length;
      i += 2;
    } else {
      throw new DataError(
        `einsum: invalid subscript ${JSON.stringify(c)} for ${what}; subscripts must be letters in [a-zA-Z] (or an ellipsis ...)`,
      );
    }
  }
  return { letters, ellipsis };
}

/** The labels of a term with its ellipsis standing for `n` dims (labels −n … −1). */
function expand(term: Term, n: number): number[] {
  if (term.ellipsis < 0) return [...term.letters];
  const dims = Array.from({ length: n }, (_, i) => i - n);
  return [...term.letters.slice(0, term.ellipsis), ...dims, ...term.letters.slice(term.ellipsis)];
}

/**
 * The labels of `equation` for operands of shapes `shapes`. Without `->` the output is implicit,
 * as PyTorch's: the ellipsis dims, then the letters that appear exactly once, alphabetically
 * (uppercase before lowercase). An ellipsis the explicit output leaves out is summed over.
 */
export function parseEquation(
  equation: string,
  shapes: readonly (readonly number[])[],
): EinsumLabels {
  if (typeof equation !== "string") {
    throw new DataError(`einsum: the equation must be a string, got ${typeof equation}`);
  }
  // Whitespace between subscripts is allowed, as in PyTorch.
  const eq = equation.replace(/\s+/g, "");
  const sides = eq.split("->");
  if (sides.length > 2) {
    throw new DataError(`einsum: the equation ${JSON.stringify(equation)} has more than one "->"`);
  }
  const terms = sides[0].split(",");
  if (terms.length !== shapes.length) {
    const more = shapes.length > terms.length ? "more" : "fewer";
    throw new DataError(
      `einsum: ${more} operands were provided (${shapes.length}) than specified in the equation ${JSON.stringify(equation)} (${terms.length})`,
    );
  }
  const parsed = terms.map((t, i) => parseTerm(t, `operand ${i}`));
  const ellipsisDims = parsed.map((term, i) => {
    const ndim = shapes[i].length;
    const n = term.letters.length;
    if (term.ellipsis < 0 && n !== ndim) {
      throw new ShapeError(
        `einsum: the number of subscripts in the equation (${n}) does not match the number of dimensions (${ndim}) of operand ${i} (shape ${formatShape(shapes[i])}) and no ellipsis was given`,
      );
    }
    if (n > ndim) {
      throw new ShapeError(
        `einsum: the number of subscripts in the equation (${n}) is more than the number of dimensions (${ndim}) of operand ${i} (shape ${formatShape(shapes[i])})`,
      );
    }
    return ndim - n;
  });
  const inputs = parsed.map((term, i) => expand(term, ellipsisDims[i]));
  const ellipsisRank = Math.max(0, ...ellipsisDims.filter((_, i) => parsed[i].ellipsis >= 0));
  return { inputs, output: outputLabels(sides[1], inputs, ellipsisRank) };
}

function outputLabels(
  side: string | undefined,
  inputs: readonly (readonly number[])[],
  ellipsisRank: number,
): number[] {
  const ellipsis = Array.from({ length: ellipsisRank }, (_, i) => i - ellipsisRank);
  const counts = new Map<number, number>();
  for (const label of inputs.flat()) counts.set(label, (counts.get(label) ?? 0) + 1);
  if (side === undefined) {
    const once = [...counts].filter(([l, c]) => l >= 0 && c === 1).map(([l]) => l);
    return [...ellipsis, ...once.sort((a, b) => a - b)];
  }
  const term = parseTerm(side, "the output");
  const seen = new Set<number>();
  for (const label of term.letters) {
    if (seen.has(label)) {
      throw new DataError(
        `einsum: output subscript ${labelName(label)} appears more than once in the output`,
      );
    }
    seen.add(label);
    if (!counts.has(label)) {
      throw new DataError(
        `einsum: output subscript ${labelName(label)} does not appear in the equation for any input operand`,
      );
    }
  }
  return expand(term, ellipsisRank);
}
