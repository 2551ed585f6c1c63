import type { Shape } from "../../strided/shape.js";
import { denseOrder, isContiguous, type Layout } from "../../strided/tensor_data.js";

/**
 * How an elementwise operand reads its elements, following the output's row-major order, when
 * that needs no index arithmetic:
 * - `full`: element i is at start + i (a contiguous operand of the output's shape);
 * - `scalar`: every element reads start (a one-element operand, or one expanded everywhere);
 * - `row`: element i is at start + (i mod row) (a contiguous row repeated over the leading dims:
 *   the bias of a Linear layer, or a gradient expanded back over a batch).
 * Anything else is null and goes through the reference backend's strided loops.
 */
export type Operand =
  | { readonly kind: "full"; readonly start: number }
  | { readonly kind: "scalar"; readonly start: number }
  | { readonly kind: "row"; readonly start: number; readonly row: number };

/**
 * Classify `v`, an operand broadcast to `out`: align its strides to out's dims (missing leading
 * dims and broadcast size-1 dims read with stride 0), then look for a contiguous trailing block
 * with only stride-0 dims before it.
 */
export function classify(v: Layout, out: Shape): Operand | null {
  const rank = out.length;
  const shift = rank - v.shape.length;
  // Dims of size 1 in the output never step, so their stride does not matter: skip them.
  let expected = 1;
  let k = rank;
  for (let i = rank - 1; i >= 0; i--) {
    if (out[i] === 1) continue;
    const own = i - shift;
    const stride = own < 0 || v.shape[own] === 1 ? 0 : v.strides[own];
    if (stride !== expected) break;
    expected *= out[i];
    k = i;
  }
  // Everything before the contiguous block must be a pure repeat (stride 0).
  for (let i = 0; i < k; i++) {
    if (out[i] === 1) continue;
    const own = i - shift;
    if (own >= 0 && v.shape[own] !== 1 && v.strides[own] !== 0) return null;
  }
  if (expected === 1) return { kind: "scalar", start: v.offset };
  let row = 1;
  for (let i = k; i < rank; i++) row *= out[i];
  let total = 1;
  for (const d of out) total *= d;
  return row === total ? { kind: "full", start: v.offset } : { kind: "row", start: v.offset, row };
}

/** Whether `v` reads a single element everywhere it is broadcast to `out`. */
function constant(v: Layout, out: Shape): boolean {
  const shift = out.length - v.shape.length;
  return v.shape.every((d, i) => d === 1 || out[i + shift] === 1 || v.strides[i] === 0);
}

/**
 * The operands of an elementwise op as flat patterns over the output's storage, or null. A
 * contiguous output uses `classify`; an output that is a dense permutation (a transposed result)
 * is walked in its own memory order, which works when every operand is either laid out exactly
 * like it (same shape and strides) or constant.
 */
export function flatOperands(out: Layout, inputs: readonly Layout[]): Operand[] | null {
  const result: Operand[] = [];
  if (isContiguous(out)) {
    for (const v of inputs) {
      const operand = classify(v, out.shape);
      if (operand === null) return null;
      result.push(operand);
    }
    return result;
  }
  if (denseOrder(out) === null) return null;
  for (const v of inputs) {
    const same =
      v.shape.length === out.shape.length &&
      v.shape.every((d, i) => d === out.shape[i] && (d === 1 || v.strides[i] === out.strides[i]));
    if (same) result.push({ kind: "full", start: v.offset });
    else if (constant(v, out.shape)) result.push({ kind: "scalar", start: v.offset });
    else return null;
  }
  return result;
}

/**
 * An operand read as a column broadcast along the output's trailing dims: element i at
 * start + ⌊i / repeat⌋ — a keepdim reduction ([…, R, 1]: a row's max, mean or sum) against the
 * […, R, C] it was taken from, as softmax, layer norm and their gradients do. The leading dims
 * must be contiguous; null for any other layout (or when nothing repeats).
 */
export function columnOperand(v: Layout, out: Shape): { start: number; repeat: number } | null {
  const rank = out.length;
  const shift = rank - v.shape.length;
  const strideOf = (i: number) => {
    const own = i - shift;
    return own < 0 || v.shape[own] === 1 ? 0 : v.strides[own];
  };
  let i = rank - 1;
  let repeat = 1;
  for (; i >= 0 && (out[i] === 1 || strideOf(i) === 0); i--) repeat *= out[i];
  if (repeat === 1 || i < 0) return null;
  let expected = 1;
  for (; i >= 0; i--) {
    if (out[i] === 1) continue;
    if (i - shift < 0 || strideOf(i) !== expected) return null;
    expected *= out[i];
  }
  return { start: v.offset, repeat };
}
