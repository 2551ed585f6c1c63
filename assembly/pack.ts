// Packing copies a block of A or B into the order the micro-kernel reads it, so that its loads are
// sequential, stay in cache, and never need edge checks: panels are zero-padded to full MR rows or
// NR columns, and zeros add nothing to the products.
//
//   packed A (mc×kc block): ⌈mc/MR⌉ micro-panels, each kc steps of MR f32: [A[i0][k], …, A[i0+3][k]]
//   packed B (kc×nc block): ⌈nc/NR⌉ micro-panels, each kc steps of NR f32: [B[k][j0], …, B[k][j0+7]]
//
// Either operand may be stored transposed: the packed order is the same, only the gather differs.
//
//   A as stored     A[i][k] at a + (i·lda + k)·4    4 rows, 4 k at a time: a 4×4 transpose
//   A transposed    A[i][k] at a + (k·lda + i)·4    4 rows of one k are consecutive: plain copies
//   B as stored     B[k][j] at b + (k·ldb + j)·4    8 columns of one k are consecutive: copies
//   B transposed    B[k][j] at b + (j·ldb + k)·4    8 columns, 4 k at a time: two 4×4 transposes

import { MR, NR } from "./microkernel";

/**
 * Packs the mc×kc block of A whose element [0][0] is at a: rows lda f32 apart (trans = 0), or, for
 * A stored transposed (trans ≠ 0), columns lda f32 apart. MR = 4 rows per micro-panel.
 */
export function packA(a: usize, lda: i32, trans: i32, mc: i32, kc: i32, dst: usize): void {
  if (trans != 0) packATransposed(a, lda, mc, kc, dst);
  else packARows(a, lda, mc, kc, dst);
}

/** packA for A as stored: row i of the block at a + i·lda·4. */
function packARows(a: usize, lda: i32, mc: i32, kc: i32, dst: usize): void {
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

/**
 * packA for A stored transposed (Aᵀ row-major): step k of a panel, A[i0..i0+3][k], is 4 consecutive
 * f32 of Aᵀ's row k, so every step is one vector copy. Four panels (16 rows of A, one 64-byte line
 * of Aᵀ) are packed together, so each line of Aᵀ is read once, whole, rather than a quarter of it
 * in each of four passes down lda-strided rows (at lda = 1024 those all fall in one L1 set).
 */
function packATransposed(a: usize, lda: i32, mc: i32, kc: i32, dst: usize): void {
  const rowBytes = <usize>lda << 2;
  const panelBytes = <usize>kc << 4; // kc steps of MR = 4 f32
  let i = 0;
  for (; i + 4 * MR <= mc; i += 4 * MR) {
    let src = a + (<usize>i << 2);
    let d = dst;
    for (let k = 0; k < kc; k++) {
      const x0 = v128.load(src);
      const x1 = v128.load(src, 16);
      const x2 = v128.load(src, 32);
      const x3 = v128.load(src, 48);
      v128.store(d, x0);
      v128.store(d + panelBytes, x1);
      v128.store(d + 2 * panelBytes, x2);
      v128.store(d + 3 * panelBytes, x3);
      src += rowBytes;
      d += 16;
    }
    dst += 4 * panelBytes;
  }
  for (; i < mc; i += MR) {
    const rows = min(MR, mc - i);
    let src = a + (<usize>i << 2);
    if (rows == MR) {
      for (let k = 0; k < kc; k++) {
        v128.store(dst, v128.load(src));
        src += rowBytes;
        dst += 16;
      }
    } else {
      // The last, partial panel: zeros below row `rows`.
      for (let k = 0; k < kc; k++) {
        for (let r = 0; r < MR; r++) {
          store<f32>(dst + (<usize>r << 2), r < rows ? load<f32>(src + (<usize>r << 2)) : 0);
        }
        src += rowBytes;
        dst += 16;
      }
    }
  }
}

/**
 * Packs the kc×nc block of B whose element [0][0] is at b: rows ldb f32 apart (trans = 0), or, for
 * B stored transposed (trans ≠ 0), columns ldb f32 apart. NR = 8 columns per micro-panel.
 */
export function packB(b: usize, ldb: i32, trans: i32, kc: i32, nc: i32, dst: usize): void {
  if (trans != 0) packBTransposed(b, ldb, kc, nc, dst);
  else packBRows(b, ldb, kc, nc, dst);
}

/** packB for B as stored: row k of the block at b + k·ldb·4. */
function packBRows(b: usize, ldb: i32, kc: i32, nc: i32, dst: usize): void {
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

/**
 * packB for B stored transposed (Bᵀ row-major): the 8 columns of a panel are 8 rows of Bᵀ, column
 * j of B at b + j·ldb·4. Each full panel reads 4 consecutive k from each of the 8 rows and writes
 * them as two 4×4 transposes in registers (columns j0..j0+3, then j0+4..j0+7), as packA4 does.
 */
function packBTransposed(b: usize, ldb: i32, kc: i32, nc: i32, dst: usize): void {
  const rowBytes = <usize>ldb << 2;
  for (let j = 0; j < nc; j += NR) {
    const cols = min(NR, nc - j);
    const r0 = b + <usize>j * rowBytes;
    if (cols == NR) {
      dst = packBT8(r0, rowBytes, kc, dst);
    } else {
      // The last, partial panel: one f32 at a time, zeros right of column `cols`.
      for (let k = 0; k < kc; k++) {
        const src = r0 + (<usize>k << 2);
        for (let x = 0; x < NR; x++) {
          store<f32>(dst + (<usize>x << 2), x < cols ? load<f32>(src + <usize>x * rowBytes) : 0);
        }
        dst += NR << 2;
      }
    }
  }
}

/** 8 full columns of B (8 rows of Bᵀ from r0, rowBytes apart) × kc steps. Returns the end written. */
@inline
function packBT8(r0: usize, rowBytes: usize, kc: i32, dst: usize): usize {
  const r4 = r0 + (rowBytes << 2);
  let off: usize = 0;
  let k = 0;
  for (; k + 4 <= kc; k += 4) {
    transpose4(r0 + off, rowBytes, dst);
    transpose4(r4 + off, rowBytes, dst + 16);
    dst += 4 * NR * 4;
    off += 16;
  }
  for (; k < kc; k++) {
    let src = r0 + off;
    for (let x = 0; x < NR; x++) {
      store<f32>(dst + (<usize>x << 2), load<f32>(src));
      src += rowBytes;
    }
    dst += NR << 2;
    off += 4;
  }
  return dst;
}

/**
 * Reads 4 f32 from each of 4 rows (src, rowBytes apart) and stores the transpose: its row q, element
 * q of every row, at dst + q·NR·4 (so the two halves of a B micro-panel step interleave).
 */
@inline
function transpose4(src: usize, rowBytes: usize, dst: usize): void {
  const x0 = v128.load(src); // B[k..k+3][j]
  const x1 = v128.load(src + rowBytes);
  const x2 = v128.load(src + 2 * rowBytes);
  const x3 = v128.load(src + 3 * rowBytes);
  const lo01 = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
  const lo23 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
  const hi01 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
  const hi23 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
  v128.store(dst, i32x4.shuffle(lo01, lo23, 0, 1, 4, 5)); // B[k][j..j+3]
  v128.store(dst, i32x4.shuffle(lo01, lo23, 2, 3, 6, 7), NR * 4);
  v128.store(dst, i32x4.shuffle(hi01, hi23, 0, 1, 4, 5), 2 * NR * 4);
  v128.store(dst, i32x4.shuffle(hi01, hi23, 2, 3, 6, 7), 3 * NR * 4);
}
