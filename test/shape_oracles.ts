/**
 * Independent oracles for the shape tests: none of these call the code under test, so a test that
 * compares against them can fail when src/tensor/shape.ts or tensor_data.ts is wrong.
 */
import fc from "fast-check";

/** Shapes of rank 0–5 with dims in [minDim, maxDim]. */
export const shapeArb = (minDim = 1, maxDim = 5) =>
  fc.array(fc.integer({ min: minDim, max: maxDim }), { maxLength: 5 });

/** `[2,3]`, written out independently of `formatShape`. */
export const fmt = (s: readonly number[]) => `[${s.join(",")}]`;

/** Product of the sizes, computed with reduce. */
export const product = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

export /** Every multi-index of `shape` in row-major order (an odometer: the last dim moves fastest). */
function allIndices(shape: readonly number[]): number[][] {
  if (shape.some((d) => d === 0)) return [];
  const out: number[][] = [];
  const idx = shape.map(() => 0);
  for (;;) {
    out.push([...idx]);
    let k = shape.length - 1;
    while (k >= 0) {
      idx[k]++;
      if (idx[k] < shape[k]) break;
      idx[k] = 0;
      k--;
    }
    if (k < 0) return out;
  }
}

/** Pad on the left with 1s to length n. */
export const padLeft = (s: readonly number[], n: number) => [
  ...Array.from({ length: n - s.length }, () => 1),
  ...s,
];
