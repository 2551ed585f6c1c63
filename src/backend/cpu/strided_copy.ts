import type { Layout } from "../../strided/tensor_data.js";
import type { HostArray } from "../backend.js";

/**
 * out ← a for any two layouts (a broadcast to out's shape): an odometer over the outer dims and a
 * run along the last one, stepping both by their strides — no per-element index arithmetic, which
 * is what the reference loops spend their time on. This materialises permuted views (the
 * transpose that merges attention heads) and writes into strided views (the gradient of a narrow).
 * The typed arrays convert dtypes on store, as the reference backend's copy (not into bool: a
 * wrapping store is not x ≠ 0, so bool outputs stay with the reference).
 */
export function copyStrided(o: HostArray, out: Layout, x: HostArray, a: Layout): void {
  const shape = out.shape;
  const rank = shape.length;
  if (rank === 0) {
    o[out.offset] = x[a.offset];
    return;
  }
  const shift = rank - a.shape.length;
  const from = shape.map((_, i) => {
    const own = i - shift;
    return own < 0 || a.shape[own] === 1 ? 0 : a.strides[own];
  });
  const to = out.strides;
  const inner = shape[rank - 1];
  const aStep = from[rank - 1];
  const oStep = to[rank - 1];
  let rows = 1;
  for (let d = 0; d < rank - 1; d++) rows *= shape[d];
  if (rows === 0 || inner === 0) return;
  const index = new Array<number>(rank - 1).fill(0);
  let p = a.offset;
  let q = out.offset;
  for (let r = 0; r < rows; r++) {
    for (let j = 0, pj = p, qj = q; j < inner; j++, pj += aStep, qj += oStep) o[qj] = x[pj];
    // Next row: bump the last outer dim, carrying into earlier ones.
    for (let d = rank - 2; d >= 0; d--) {
      index[d]++;
      p += from[d];
      q += to[d];
      if (index[d] < shape[d]) break;
      p -= from[d] * shape[d];
      q -= to[d] * shape[d];
      index[d] = 0;
    }
  }
}
