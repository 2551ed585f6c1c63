// Packing copies a block of A or B into the order the micro-kernel reads it, so that its loads are
// sequential, stay in cache, and never need edge checks: panels are zero-padded to full MR rows or
// NR columns, and zeros add nothing to the products.
//
//   packed A (mc×kc block): ⌈mc/MR⌉ micro-panels, each kc steps of MR f32: [A[i0][k], …, A[i0+3][k]]
//   packed B (kc×nc block): ⌈nc/NR⌉ micro-panels, each kc steps of NR f32: [B[k][j0], …, B[k][j0+7]]

import { MR, NR } from "./microkernel";

/** Packs the mc×kc block at a (row stride lda f32) into dst; MR = 4 rows per micro-panel. */
export function packA(a: usize, lda: i32, mc: i32, kc: i32, dst: usize): void {
  const rowBytes = <usize>lda << 2;
  for (let i = 0; i < mc; i += MR) {
    const rows = min(MR, mc - i);
    const r0 = a + <usize>i * rowBytes;
    if (rows == MR) {
      dst = packA4(r0, rowBytes, kc, dst);
    } else {
      // The last, partial panel: one f32 at a time, zeros below row `rows`.
      for (let k = 0; k < kc; k++) {
        const src = r0 + (<usize>k << 2);
        for (let r = 0; r < MR; r++) {
          store<f32>(dst + (<usize>r << 2), r < rows ? load<f32>(src + <usize>r * rowBytes) : 0);
        }
        dst += MR << 2;
      }
    }
  }
}

/**
 * Packs 4 full rows × kc columns, 4 columns at a time as a 4×4 transpose in registers (a scalar copy
 * here cost ~10% of a 128³ matmul). Returns the end of what it wrote.
 */
@inline
function packA4(r0: usize, rowBytes: usize, kc: i32, dst: usize): usize {
  const r1 = r0 + rowBytes;
  const r2 = r1 + rowBytes;
  const r3 = r2 + rowBytes;
  let off: usize = 0;
  let k = 0;
  for (; k + 4 <= kc; k += 4) {
    const x0 = v128.load(r0 + off); // A[i][k..k+3]
    const x1 = v128.load(r1 + off);
    const x2 = v128.load(r2 + off);
    const x3 = v128.load(r3 + off);
    const lo01 = i32x4.shuffle(x0, x1, 0, 4, 1, 5); // A[i][k], A[i+1][k], A[i][k+1], A[i+1][k+1]
    const lo23 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
    const hi01 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
    const hi23 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
    v128.store(dst, i32x4.shuffle(lo01, lo23, 0, 1, 4, 5)); // A[i..i+3][k]
    v128.store(dst, i32x4.shuffle(lo01, lo23, 2, 3, 6, 7), 16);
    v128.store(dst, i32x4.shuffle(hi01, hi23, 0, 1, 4, 5), 32);
    v128.store(dst, i32x4.shuffle(hi01, hi23, 2, 3, 6, 7), 48);
    dst += 64;
    off += 16;
  }
  for (; k < kc; k++) {
    store<f32>(dst, load<f32>(r0 + off));
    store<f32>(dst, load<f32>(r1 + off), 4);
    store<f32>(dst, load<f32>(r2 + off), 8);
    store<f32>(dst, load<f32>(r3 + off), 12);
    dst += 16;
    off += 4;
  }
  return dst;
}

/** Packs the kc×nc block at b (row stride ldb f32) into dst; NR = 8 columns per micro-panel. */
export function packB(b: usize, ldb: i32, kc: i32, nc: i32, dst: usize): void {
  const rowBytes = <usize>ldb << 2;
  for (let j = 0; j < nc; j += NR) {
    const cols = min(NR, nc - j);
    let src = b + (<usize>j << 2);
    if (cols == NR) {
      for (let k = 0; k < kc; k++) {
        v128.store(dst, v128.load(src));
        v128.store(dst, v128.load(src, 16), 16);
        src += rowBytes;
        dst += NR << 2;
      }
    } else {
      // The last, partial panel: zeros right of column `cols`.
      for (let k = 0; k < kc; k++) {
        for (let x = 0; x < NR; x++) {
          store<f32>(dst + (<usize>x << 2), x < cols ? load<f32>(src + (<usize>x << 2)) : 0);
        }
        src += rowBytes;
        dst += NR << 2;
      }
    }
  }
}
