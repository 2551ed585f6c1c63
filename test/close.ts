import { expect } from "vitest";

/**
 * The one numeric comparison of the tests: `expectClose(got, want, tolerance, what)` compares
 * element by element and, on failure, names the first element that differs (its index, both
 * values, the error and the bound it broke), how many differ, and the worst one.
 */

/** |got − want| ≤ abs + rel·m, with m = |want| (NumPy's `allclose`); a missing part is 0. */
export interface RelAbs {
  readonly rel?: number;
  readonly abs?: number;
  /**
   * Per element, the magnitude `rel` is relative to instead of |want| — for a sum, Σ|terms|, the
   * size its float32 rounding error scales with.
   */
  readonly relativeTo?: ArrayLike<number>;
}

/** |got − want| < 10^−digits / 2: Vitest's `toBeCloseTo(want, digits)`, per element. */
export interface Digits {
  readonly digits: number;
}

/** |got − want| ≤ relOrAbs·max(1, |want|): an absolute bound below 1, a relative one above. */
export interface RelOrAbs {
  readonly relOrAbs: number;
}

/**
 * How close is close enough. Equal values always are; an infinity matches only itself; NaN
 * matches NaN only with `equalNan` (as `torch.testing.assert_close`), and nothing else.
 */
export type Tolerance = (RelAbs | Digits | RelOrAbs) & { readonly equalNan?: boolean };

/** Whether |error| is within the bound, and the bound written out for a failure message. */
function within(error: number, want: number, i: number, tol: Tolerance): [boolean, string] {
  if ("digits" in tol) {
    const bound = 10 ** -tol.digits / 2;
    return [error < bound, `< ${bound} (${tol.digits} digits)`];
  }
  if ("relOrAbs" in tol) {
    const bound = tol.relOrAbs * Math.max(1, Math.abs(want));
    return [error <= bound, `≤ ${bound} = ${tol.relOrAbs}·max(1, |want|)`];
  }
  const rel = tol.rel ?? 0;
  const abs = tol.abs ?? 0;
  const magnitude = tol.relativeTo === undefined ? Math.abs(want) : tol.relativeTo[i];
  const bound = abs + rel * magnitude;
  const of = tol.relativeTo === undefined ? "|want|" : `${magnitude}`;
  return [error <= bound, `≤ ${bound} = ${abs} + ${rel}·${of}`];
}

/** Why got[i] is not close to want[i], or null when it is. */
function mismatch(g: number, w: number, i: number, tol: Tolerance): string | null {
  if (g === w) return null;
  if (Number.isNaN(g) && Number.isNaN(w) && tol.equalNan === true) return null;
  // An infinity (or NaN) is close only to itself: a bound relative to it would be infinite.
  if (!Number.isFinite(g) || !Number.isFinite(w)) return `got ${g}, want ${w}`;
  const error = Math.abs(g - w);
  const [ok, bound] = within(error, w, i, tol);
  return ok ? null : `got ${g}, want ${w} (|error| ${error}, not ${bound})`;
}

/**
 * Asserts that `got` is close to `want` (numbers, or arrays of the same length) within `tol`;
 * `what` names the values in the failure message.
 */
export function expectClose(
  got: number | ArrayLike<number>,
  want: number | ArrayLike<number>,
  tol: Tolerance,
  what = "values",
): void {
  const scalar = typeof want === "number";
  const gs = typeof got === "number" ? [got] : got;
  const ws = typeof want === "number" ? [want] : want;
  if (gs.length !== ws.length) expect.fail(`${what}: ${gs.length} values, want ${ws.length}`);
  const at = (i: number) => (scalar ? "" : `[${i}] `);
  let first: string | null = null;
  let count = 0;
  let worst = 0;
  let worstError = -1;
  for (let i = 0; i < ws.length; i++) {
    const why = mismatch(gs[i], ws[i], i, tol);
    if (why === null) continue;
    count++;
    first ??= `${at(i)}${why}`;
    // A NaN on one side is the worst error of all.
    const error = Math.abs(gs[i] - ws[i]);
    const rank = Number.isNaN(error) ? Number.POSITIVE_INFINITY : error;
    if (rank > worstError) {
      worst = i;
      worstError = rank;
    }
  }
  if (first === null) return;
  const rest =
    count === 1
      ? ""
      : `; ${count} of ${ws.length} differ, the worst ${at(worst)}got ${gs[worst]}, want ${ws[worst]}`;
  expect.fail(`${what}: ${first}${rest}`);
}
