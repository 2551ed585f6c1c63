// The matmul micro-kernel: one MR×NR = 4×8 tile of C from a packed A micro-panel (kc steps of 4
// f32, one per row) and a packed B micro-panel (kc steps of 8 f32, one per column):
//   C[i][j] (+)= Σ_k A[k][i] · B[k][j],  i < 4, j < 8.
// The tile lives in 8 f32x4 accumulators (4 rows × 2 vectors); each k costs 2 vector loads of B,
// 4 broadcast loads of A and 8 multiply-adds.
//
// Why 4×8 and not larger: V8 (x64) hands WebAssembly 15 usable xmm registers and its scheduler
// issues all the loads of a loop body before the arithmetic, so a body keeps accumulators + loads
// live at once: 8 + 6 = 14 here. 6×8 (12 + 8), 4×12 and 4×16 spill to the stack, and so does
// unrolling this loop twice; each measured 25–45% slower on Node 20. The loop compares pointers
// rather than counting k, which saves one instruction out of ~23 per step (≈5% measured).

import { madd } from "./simd";

/** Rows of the micro-tile. */
export const MR: i32 = 4;
/** Columns of the micro-tile (two f32x4). */
export const NR: i32 = 8;

/**
 * Computes the 4×8 tile into c (row stride ldc bytes): stores it, or adds it to what c holds when
 * `accumulate` (the K blocks after the first). ap/bp are the packed micro-panels, kc ≥ 1 steps.
 * Requires ap + 16·kc not to wrap past 4 GiB (the scratch layout keeps something after A's pack).
 * @task 3.2
 */
export function microTile(
  ap: usize,
  bp: usize,
  kc: i32,
  c: usize,
  ldc: usize,
  accumulate: bool,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  const aEnd = ap + (<usize>kc << 4);
  while (ap < aEnd) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  const c1 = c + ldc;
  const c2 = c1 + ldc;
  const c3 = c2 + ldc;
  if (accumulate) {
    c00 = f32x4.add(c00, v128.load(c));
    c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c1));
    c11 = f32x4.add(c11, v128.load(c1, 16));
    c20 = f32x4.add(c20, v128.load(c2));
    c21 = f32x4.add(c21, v128.load(c2, 16));
    c30 = f32x4.add(c30, v128.load(c3));
    c31 = f32x4.add(c31, v128.load(c3, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c1, c10);
  v128.store(c1, c11, 16);
  v128.store(c2, c20);
  v128.store(c2, c21, 16);
  v128.store(c3, c30);
  v128.store(c3, c31, 16);
}
