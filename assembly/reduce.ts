// Sums of contiguous f32 runs. Four f32x4 accumulators (16 partial sums) hide the latency of f32x4.add
// (3–4 cycles) so the loop runs at load speed; they are combined pairwise at the end, which is also
// more accurate than one running sum. The result therefore differs from a left-to-right JS sum by
// rounding only. Both exports are the `sum` row of the cpu backend's SIMD table
// (src/backend/cpu/simd_table.ts).

import { hsum } from "./simd";

/** The sum of the n f32 values at a. */
export function sum_f32(a: usize, n: i32): f32 {
  return sumRun(a, n);
}

/** out[r] = Σ_j a[r·cols + j] for r < rows: the sum of each contiguous row of length cols. */
export function sum_rows_f32(a: usize, out: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    store<f32>(out + (<usize>r << 2), sumRun(a, cols));
    a += rowBytes;
  }
}

/**
 * The sum of the n f32 values at a: four f32x4 accumulators while 16 values are left, then one
 * f32x4 per step into the first, combined pairwise (`hsum` adds a vector's four lanes), then the
 * scalar tail of the last n mod 4.
 * @task 3.1
 */
@inline
function sumRun(a: usize, n: i32): f32 {
  let left = n;
  let s0 = f32x4.splat(0);
  let s1 = f32x4.splat(0);
  let s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0);
  for (; left >= 16; left -= 16) {
    s0 = f32x4.add(s0, v128.load(a));
    s1 = f32x4.add(s1, v128.load(a, 16));
    s2 = f32x4.add(s2, v128.load(a, 32));
    s3 = f32x4.add(s3, v128.load(a, 48));
    a += 64;
  }
  for (; left >= 4; left -= 4) {
    s0 = f32x4.add(s0, v128.load(a));
    a += 16;
  }
  let total = hsum(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)));
  for (; left > 0; left--) {
    total += load<f32>(a);
    a += 4;
  }
  return total;
}
