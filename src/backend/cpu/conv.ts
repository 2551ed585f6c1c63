import type { Layout } from "../../strided/tensor_data.js";
import type { ConvGeometry, HostArray } from "../backend.js";
import { convDilation, convOutputSize } from "../checks.js";

/**
 * The cpu backend's im2col / col2im: the reference loops turned inside out so the innermost loop
 * runs along one output row (a run of OW columns) with no bounds test. For each window offset
 * (i, j) the rows and columns whose input position falls inside the image form ranges
 * [rowLo, rowHi) × [colLo, colHi), computed once per call; the rest is zero padding. Input
 * strides are arbitrary (a permuted input costs nothing extra); the output (unfold) or image
 * (fold) is contiguous.
 */

/**
 * For each window offset k < kernel, the output range [lo, hi) whose input coordinate
 * q·stride − pad + k·dilation lies inside [0, size): the same for every sample and channel, so
 * computed once.
 */
function insideRanges(
  kernel: number,
  size: number,
  outSize: number,
  stride: number,
  pad: number,
  dilation: number,
): [Int32Array, Int32Array] {
  const lo = new Int32Array(kernel);
  const hi = new Int32Array(kernel);
  for (let k = 0; k < kernel; k++) {
    const tap = k * dilation;
    lo[k] = Math.min(outSize, Math.max(0, Math.ceil((pad - tap) / stride)));
    hi[k] = Math.max(lo[k], Math.min(outSize, Math.floor((size - 1 + pad - tap) / stride) + 1));
  }
  return [lo, hi];
}

/** im2col into a contiguous `o` from `out`'s offset: see `Backend.unfold`. */
export function unfoldDense(
  o: HostArray,
  outOffset: number,
  x: HostArray,
  a: Layout,
  g: ConvGeometry,
): void {
  const [n, c, h, w] = a.shape;
  const [sn, sc, sy, sx] = a.strides;
  const [oh, ow] = convOutputSize(g, h, w);
  const [dh, dw] = convDilation(g);
  const [rowLo, rowHi] = insideRanges(g.kh, h, oh, g.sh, g.ph, dh);
  const [colLo, colHi] = insideRanges(g.kw, w, ow, g.sw, g.pw, dw);
  const step = g.sw * sx;
  const rowStep = g.sh * sy;
  let p = outOffset;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = a.offset + b * sn + ch * sc;
      for (let i = 0; i < g.kh; i++) {
        const r0 = rowLo[i];
        const r1 = rowHi[i];
        for (let j = 0; j < g.kw; j++) {
          const lo = colLo[j];
          const hi = colHi[j];
          // Rows of the window above and below the image are all padding.
          const top = p + r0 * ow;
          for (let q = p; q < top; q++) o[q] = 0;
          let src = base + (r0 * g.sh - g.ph + i * dh) * sy + (lo * g.sw - g.pw + j * dw) * sx;
          for (let r = r0; r < r1; r++, src += rowStep) {
            const row = p + r * ow;
            for (let q = 0; q < lo; q++) o[row + q] = 0;
            if (step === 1) {
              // The common case (stride 1 along a contiguous row): a straight copy.
              for (let q = lo, s = src; q < hi; q++, s++) o[row + q] = x[s];
            } else {
              for (let q = lo, s = src; q < hi; q++, s += step) o[row + q] = x[s];
            }
            for (let q = hi; q < ow; q++) o[row + q] = 0;
          }
          const end = p + oh * ow;
          for (let q = p + r1 * ow; q < end; q++) o[q] = 0;
          p = end;
        }
      }
    }
  }
}

/** col2im into a contiguous `o` from `out`'s offset, over `out`'s shape: see `Backend.fold`. */
export function foldDense(
  o: HostArray,
  out: Layout,
  y: HostArray,
  cols: Layout,
  g: ConvGeometry,
): void {
  const [n, c, h, w] = out.shape;
  const [tn, tr, tl] = cols.strides;
  const [oh, ow] = convOutputSize(g, h, w);
  const [dh, dw] = convDilation(g);
  const [rowLo, rowHi] = insideRanges(g.kh, h, oh, g.sh, g.ph, dh);
  const [colLo, colHi] = insideRanges(g.kw, w, ow, g.sw, g.pw, dw);
  o.fill(0, out.offset, out.offset + n * c * h * w);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const base = out.offset + (b * c + ch) * h * w;
      for (let i = 0; i < g.kh; i++) {
        for (let j = 0; j < g.kw; j++) {
          const lo = colLo[j];
          const hi = colHi[j];
          const rowStart = cols.offset + b * tn + ((ch * g.kh + i) * g.kw + j) * tr;
          for (let r = rowLo[i]; r < rowHi[i]; r++) {
            const d = base + (r * g.sh - g.ph + i * dh) * w + lo * g.sw - g.pw + j * dw;
            const s = rowStart + (r * ow + lo) * tl;
            if (g.sw === 1 && tl === 1) {
              for (let q = 0; q < hi - lo; q++) o[d + q] += y[s + q];
            } else {
              for (let q = 0; q < hi - lo; q++) o[d + q * g.sw] += y[s + q * tl];
            }
          }
        }
      }
    }
  }
}

/** An image shape [n, c, h, w] as the WebAssembly im2col/col2im kernels take it. */
export function imageOf(shape: readonly number[]): [number, number, number, number] {
  const [n, c, h, w] = shape;
  return [n, c, h, w];
}

/**
 * The window arguments of the WebAssembly im2col/col2im kernels (assembly/conv.ts) for an image
 * of `shape`: kernel, stride, padding, dilation, and the output's spatial size.
 */
export function windowOf(
  g: ConvGeometry,
  shape: readonly number[],
): [number, number, number, number, number, number, number, number, number, number] {
  const [dh, dw] = convDilation(g);
  const [oh, ow] = convOutputSize(g, shape[2], shape[3]);
  return [g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, dh, dw, oh, ow];
}
