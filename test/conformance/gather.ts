import fc from "fast-check";
import { expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { EXACT, SUMS } from "../op_cases.js";
import { allIndices, ordinalOf, product } from "../shape_oracles.js";
import { GRADCHECK_RUNS, RUNS, type Suite, weights } from "./harness.js";
import { build, type Operand, toLeaf } from "./operands.js";

/**
 * Properties shared by the ops whose every output element is one input element or 0 (indexing,
 * views, flip, roll, repeat, tril…): a case says, in plain JS, which input element each output
 * element reads (`src`, −1 for a 0), and the same three properties check any such op on every
 * backend and layout — the values, the gradient (w scattered back along `src`), and the gradient
 * against central differences.
 */

type Tensor = mt.Tensor;
type Shape = readonly number[];

/** What an op computes, stated in plain JS: the result's shape and the input element of each. */
export interface Gather {
  readonly shape: number[];
  /** Row-major ordinal of the input element that output element k shows, or −1 for a 0. */
  readonly src: number[];
}

/** An input (any layout), the op applied to it, and the plain-JS answer. */
export interface GatherCase {
  readonly input: Operand;
  readonly apply: (t: Tensor) => Tensor;
  readonly want: Gather;
  /** The op and its arguments, for messages. */
  readonly what: string;
}

/** The result of reading `shape`'s elements at `source(outIndex)` for each index of `outShape`. */
export function gather(
  inShape: Shape,
  outShape: readonly number[],
  source: (outIndex: number[]) => number[] | null,
): Gather {
  const src = allIndices(outShape).map((o) => {
    const i = source(o);
    return i === null ? -1 : ordinalOf(i, inShape);
  });
  return { shape: [...outShape], src };
}

/** Output element k's value: the input element `src[k]` shows, or 0. */
export function gathered(values: readonly number[], want: Gather): number[] {
  return want.src.map((j) => (j < 0 ? 0 : values[j]));
}

/** Gradient of Σ w·out with respect to the input (logical elements): w summed back along src. */
export function scatteredBack(inputSize: number, want: Gather, w: readonly number[]): number[] {
  const g = new Array<number>(inputSize).fill(0);
  want.src.forEach((j, k) => {
    if (j >= 0) g[j] += w[k];
  });
  return g;
}

/** The three properties for one op's cases (`arb(maxRank, maxDim)`), as `it`s named by `op`. */
export function gatherProperties(
  suite: Suite,
  op: string,
  arb: (maxRank: number, maxDim: number) => fc.Arbitrary<GatherCase>,
): void {
  const { opts, grad, host, numerically, checkNumerically, expectValues, expectGrad } = suite;
  it(`${op} of any layout shows the right elements`, async () => {
    await fc.assert(
      fc.asyncProperty(arb(4, 4), async ({ input, apply, want, what }) => {
        const { view } = build(input, opts);
        const out = apply(view);
        expect(product(want.shape)).toBe(want.src.length);
        await expectValues(out, want.shape, gathered(input.values, want), EXACT, what);
      }),
      { numRuns: RUNS },
    );
  });
  it(`${op}: the gradient flows back to the elements shown`, async () => {
    await fc.assert(
      fc.asyncProperty(arb(4, 4), async ({ input, apply, want, what }) => {
        const { leaf, view } = build(input, grad);
        const out = apply(view);
        const w = weights(out.numel());
        // An empty result's gradient: nest() of no values cannot say its shape.
        out.backward(w.length === 0 ? mt.zeros(out.shape, opts) : host(w, out.shape));
        const g = scatteredBack(input.values.length, want, w);
        await expectGrad(leaf, toLeaf(input, g), SUMS, `${what} of ${input.layout}`);
      }),
      { numRuns: RUNS },
    );
  });
  it(`${op}: the gradient matches ${numerically}`, async () => {
    await fc.assert(
      fc.asyncProperty(arb(3, 3), async ({ input, apply, want, what }) => {
        // An empty result has no gradient to compare (the property above checks it is zeros).
        if (want.src.length === 0) return;
        await checkNumerically(apply, [input], `${what} of ${input.layout} ${input.shape}`);
      }),
      { numRuns: GRADCHECK_RUNS },
    );
  });
}
