// im2col / col2im over f32, the cpu backend's `unfold` and `fold` for float32 (the JS loops of
// src/backend/cpu/conv.ts do the other dtypes, and say how the loops are turned inside out). For
// each window offset (i, j) the output rows and columns whose input position falls inside the image
// form ranges [rowLo, rowHi) × [colLo, colHi); the rest is zero padding. Pointers are byte offsets
// (of the first element of a view), strides are in elements and may be any (a permuted input).
// fold adds in f32 exactly as the JS loop does (a sum of two f32 rounded once is the same in f64).

/** The first output position q whose tap q·stride − pad + tap lies inside [0, size), ≤ outSize. */
@inline
function insideLo(tap: i32, outSize: i32, stride: i32, pad: i32): i32 {
  return min(outSize, max(0, <i32>Math.ceil(<f64>(pad - tap) / <f64>stride)));
}

/** One past the last output position whose tap lies inside [0, size), ≥ lo. */
@inline
function insideHi(lo: i32, tap: i32, size: i32, outSize: i32, stride: i32, pad: i32): i32 {
  return max(lo, min(outSize, <i32>Math.floor(<f64>(size - 1 + pad - tap) / <f64>stride) + 1));
}

@inline
function at(base: usize, elements: i32): usize {
  // A negative element offset wraps modulo 2^32, as the pointer arithmetic needs.
  return base + (<usize>elements << 2);
}

/**
 * cols [n, c·kh·kw, oh·ow] (contiguous, at o) ← the windows of image [n, c, h, w] at x (strides
 * sn, sc, sy, sx): entry [b, (ch·kh + i)·kw + j, r·ow + q] reads x[b, ch, r·sh − ph + i·dh,
 * q·sw − pw + j·dw], 0 outside the image.
 */
export function unfold_f32(
  o: usize, x: usize,
  n: i32, c: i32, h: i32, w: i32, sn: i32, sc: i32, sy: i32, sx: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
): void {
  const step = sw * sx;
  const plane = oh * ow;
  let p = o;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = b * sn + ch * sc;
      for (let i = 0; i < kh; i++) {
        const r0 = insideLo(i * dh, oh, sh, ph);
        const r1 = insideHi(r0, i * dh, h, oh, sh, ph);
        for (let j = 0; j < kw; j++) {
          const lo = insideLo(j * dw, ow, sw, pw);
          const hi = insideHi(lo, j * dw, w, ow, sw, pw);
          // Rows of the window above and below the image are all padding.
          if (r0 > 0) memory.fill(p, 0, <usize>(r0 * ow) << 2);
          let src = base + (r0 * sh - ph + i * dh) * sy + (lo * sw - pw + j * dw) * sx;
          for (let r = r0; r < r1; r++, src += sh * sy) {
            const row = p + (<usize>(r * ow) << 2);
            if (lo > 0) memory.fill(row, 0, <usize>lo << 2);
            if (step == 1) {
              // Runs are short (a row of the output, 8–24 here): vectors and a tail beat the
              // bulk copy's call.
              let q = lo;
              let s = at(x, src);
              for (; q + 4 <= hi; q += 4, s += 16) v128.store(row + (<usize>q << 2), v128.load(s));
              for (; q < hi; q++, s += 4) store<f32>(row + (<usize>q << 2), load<f32>(s));
            } else {
              for (let q = lo, s = src; q < hi; q++, s += step) {
                store<f32>(row + (<usize>q << 2), load<f32>(at(x, s)));
              }
            }
            if (hi < ow) memory.fill(row + (<usize>hi << 2), 0, <usize>(ow - hi) << 2);
          }
          if (r1 < oh) memory.fill(p + (<usize>(r1 * ow) << 2), 0, <usize>((oh - r1) * ow) << 2);
          p += <usize>plane << 2;
        }
      }
    }
  }
}

/**
 * image [n, c, h, w] (contiguous, at o) ← 0, then every entry of cols [n, c·kh·kw, oh·ow] at y
 * (strides tn, tr, tl) added to the image element unfold reads it from.
 */
export function fold_f32(
  o: usize, y: usize,
  n: i32, c: i32, h: i32, w: i32, tn: i32, tr: i32, tl: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, dh: i32, dw: i32, oh: i32, ow: i32,
): void {
  memory.fill(o, 0, <usize>(n * c * h * w) << 2);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = (b * c + ch) * h * w;
      for (let i = 0; i < kh; i++) {
        const r0 = insideLo(i * dh, oh, sh, ph);
        const r1 = insideHi(r0, i * dh, h, oh, sh, ph);
        for (let j = 0; j < kw; j++) {
          const lo = insideLo(j * dw, ow, sw, pw);
          const hi = insideHi(lo, j * dw, w, ow, sw, pw);
          const rowStart = b * tn + ((ch * kh + i) * kw + j) * tr;
          for (let r = r0; r < r1; r++) {
            const d = base + (r * sh - ph + i * dh) * w + lo * sw - pw + j * dw;
            const s = rowStart + (r * ow + lo) * tl;
            const len = hi - lo;
            let q = 0;
            if (sw == 1 && tl == 1) {
              for (; q + 4 <= len; q += 4) {
                const pd = at(o, d + q);
                v128.store(pd, f32x4.add(v128.load(pd), v128.load(at(y, s + q))));
              }
            }
            for (; q < len; q++) {
              const pd = at(o, d + q * sw);
              store<f32>(pd, load<f32>(pd) + load<f32>(at(y, s + q * tl)));
            }
          }
        }
      }
    }
  }
}
