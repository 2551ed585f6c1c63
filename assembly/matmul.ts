// C[M×N] = A[M×K] · B[K×N] for f32, as a packed, blocked GEMM (the Goto/BLIS loop nest). A and B
// are each row-major with a leading dimension (lda, ldb f32 between rows) or stored transposed (the
// rows of Aᵀ or Bᵀ lda, ldb f32 apart): packing reads either layout (pack.ts), so a transposed
// operand costs no copy. C is contiguous row-major (N f32 per row). The work is cut into blocks
// that each fit a cache level, packed into the order the 4×8 micro-kernel reads, and swept so that
// every packed value is reused many times:
//
//   for jc in N by NC:                 B block column
//     for pc in K by KC:               pack B[pc:+KC, jc:+NC]   (KC×NC f32 = 512 KiB: L2/L3)
//       for ic in rows by MC:          pack A[ic:+MC, pc:+KC]   (MC×KC f32 =  64 KiB: L2)
//         for jr in NC by NR:          one B micro-panel        (KC×NR f32 =   8 KiB: L1)
//           for ir in MC by MR:        microTile → C[ic+ir:+MR, jc+jr:+NR]
//
// The first K block stores into C and the later ones add to it, so C needs no zeroing. Tiles that
// stick out past M or N (packing zero-pads them) are computed into a scratch tile and only their
// valid part is copied. The block sizes were tuned on Node 20 / x64 (Zen 4); KC from 128 to 512 and
// MC from 32 to 128 all land within ~3% at 1024³.

import { MR, NR, microTile } from "./microkernel";
import { packA, packB } from "./pack";

/** Depth of a K block: one B micro-panel (KC × NR f32 = 8 KiB) stays in L1 while A streams by. */
const KC: i32 = 256;
/** Rows of an A block (MC × KC f32 = 64 KiB), reused across the whole B block from L2. */
const MC: i32 = 64;
/** Columns of a B block (KC × NC f32 = 512 KiB). */
const NC: i32 = 512;

@inline
function roundUp(x: i32, m: i32): i32 {
  return ((x + m - 1) / m) * m;
}

/**
 * Bytes of scratch that matmul_f32 and matmul_f32_rows need for these sizes (any row range):
 * 4 · (min(K,256) · (⌈min(N,512)/8⌉·8 + ⌈min(M,64)/4⌉·4) + 32). At most 589,952 bytes.
 */
export function matmul_f32_scratch_bytes(M: i32, N: i32, K: i32): usize {
  const kc = min(K, KC);
  return (
    (<usize>kc * <usize>(roundUp(min(N, NC), NR) + roundUp(min(M, MC), MR)) + <usize>(MR * NR)) << 2
  );
}

/**
 * C = A · B for A M×K, B K×N, C M×N (contiguous row-major) f32; scratch as matmul_f32_scratch_bytes.
 * Operand layouts as for matmul_f32_rows.
 */
export function matmul_f32(
  a: usize,
  b: usize,
  c: usize,
  M: i32,
  N: i32,
  K: i32,
  transA: i32,
  transB: i32,
  lda: i32,
  ldb: i32,
  scratch: usize,
): void {
  matmul_f32_rows(a, b, c, M, N, K, transA, transB, lda, ldb, 0, M, scratch);
}

/**
 * Rows [rowStart, rowEnd) of C = A · B, touching no other row of C: threads may each take a row range,
 * each with its own scratch. C must not overlap A or B.
 *
 * Operand layouts (leading dimensions in f32, ≥ 0; one below the stored row's width is allowed, e.g.
 * 0 to repeat one row):
 *   transA = 0: A[i][k] at a + (i·lda + k)·4   (row-major M×K; contiguous: lda = K)
 *   transA = 1: A[i][k] at a + (k·lda + i)·4   (Aᵀ row-major K×M; contiguous: lda = M)
 *   transB = 0: B[k][j] at b + (k·ldb + j)·4   (row-major K×N; contiguous: ldb = N)
 *   transB = 1: B[k][j] at b + (j·ldb + k)·4   (Bᵀ row-major N×K; contiguous: ldb = K)
 * The packed panels, and so every bit of C, are the same whichever layout the values come from.
 */
export function matmul_f32_rows(
  a: usize,
  b: usize,
  c: usize,
  M: i32,
  N: i32,
  K: i32,
  transA: i32,
  transB: i32,
  lda: i32,
  ldb: i32,
  rowStart: i32,
  rowEnd: i32,
  scratch: usize,
): void {
  const r0 = max(rowStart, 0);
  const r1 = min(rowEnd, M);
  if (r0 >= r1 || N <= 0) return;
  const ldc = <usize>N << 2;
  if (K <= 0) {
    // An empty sum: C's rows are zero.
    memory.fill(c + <usize>r0 * ldc, 0, <usize>(r1 - r0) * ldc);
    return;
  }
  // Scratch layout: packed B block, packed A block, then the edge tile (last, so that no packed panel
  // ends at the very top of memory, which microTile's pointer loop relies on).
  const kcMax = min(K, KC);
  const bPack = scratch;
  const aPack = bPack + ((<usize>kcMax * <usize>roundUp(min(N, NC), NR)) << 2);
  const edgeTile = aPack + ((<usize>kcMax * <usize>roundUp(min(M, MC), MR)) << 2);

  for (let jc = 0; jc < N; jc += NC) {
    const nc = min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const accumulate = pc > 0;
      packB(at(b, pc, jc, ldb, transB), ldb, transB, kc, nc, bPack);
      for (let ic = r0; ic < r1; ic += MC) {
        const mc = min(MC, r1 - ic);
        packA(at(a, ic, pc, lda, transA), lda, transA, mc, kc, aPack);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const bp = bPack + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const ap = aPack + (<usize>(ir * kc) << 2);
            const cTile = c + <usize>(ic + ir) * ldc + (<usize>(jc + jr) << 2);
            if (rows == MR && cols == NR) {
              microTile(ap, bp, kc, cTile, ldc, accumulate);
            } else {
              microTile(ap, bp, kc, edgeTile, NR << 2, false);
              copyEdge(edgeTile, cTile, ldc, rows, cols, accumulate);
            }
          }
        }
      }
    }
  }
}

/** Byte address of element [row][col] of an operand stored as is or transposed (see above). */
@inline
function at(base: usize, row: i32, col: i32, ld: i32, trans: i32): usize {
  const outer = trans != 0 ? col : row;
  const inner = trans != 0 ? row : col;
  return base + ((<usize>outer * <usize>ld + <usize>inner) << 2);
}

/** Stores (or adds) the top-left rows×cols of the MR×NR tile at `tile` into C at cTile. */
function copyEdge(
  tile: usize,
  cTile: usize,
  ldc: usize,
  rows: i32,
  cols: i32,
  accumulate: bool,
): void {
  for (let i = 0; i < rows; i++) {
    const src = tile + (<usize>(i * NR) << 2);
    const dst = cTile + <usize>i * ldc;
    for (let j = 0; j < cols; j++) {
      const at = <usize>j << 2;
      const v = load<f32>(src + at);
      store<f32>(dst + at, accumulate ? load<f32>(dst + at) + v : v);
    }
  }
}
