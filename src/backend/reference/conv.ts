import type { Shape } from "../../strided/shape.js";
import type { Layout, View } from "../../strided/tensor_data.js";
import type { ConvGeometry, HostArray } from "../backend.js";
import { checkConv, checkView, convDilation, convOutputSize } from "../checks.js";

/**
 * `unfold` (im2col) and `fold` (col2im) written as the plainest loops: for every input position a
 * window reads and every window offset, one element moves. This is the specification the cpu
 * backend's faster loops are tested against.
 */

/**
 * Visit every (column entry, image element) pair the convolution window links, as
 * `visit(colPos, b, ch, y, x)`: colPos is the entry's storage position in `cols`, and (b, ch, y, x)
 * the image index it reads — with y or x outside [0, H) × [0, W) in the zero padding. Entry
 * [b, (ch·kh + i)·kw + j, oh·OW + ow] of cols is offset (i, j) of window (oh, ow), which reads
 * image [b, ch, oh·sh − ph + i·dh, ow·sw − pw + j·dw] (dh, dw: the dilation).
 * @task 4.1
 */
function forEachWindowEntry(
  image: Shape,
  cols: Layout,
  g: ConvGeometry,
  visit: (colPos: number, b: number, ch: number, y: number, x: number) => void,
): void {
  const [n, c, h, w] = image;
  const [ohSize, owSize] = convOutputSize(g, h, w);
  const [dh, dw] = convDilation(g);
  const [tn, tr, tl] = cols.strides;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let i = 0; i < g.kh; i++) {
        for (let j = 0; j < g.kw; j++) {
          const row = (ch * g.kh + i) * g.kw + j;
          for (let oh = 0; oh < ohSize; oh++) {
            for (let ow = 0; ow < owSize; ow++) {
              const colPos = cols.offset + b * tn + row * tr + (oh * owSize + ow) * tl;
              visit(colPos, b, ch, oh * g.sh - g.ph + i * dh, ow * g.sw - g.pw + j * dw);
            }
          }
        }
      }
    }
  }
}

/** The storage position of image element (b, ch, y, x) in `v`. */
function position(v: Layout, b: number, ch: number, y: number, x: number): number {
  const [sn, sc, sh, sw] = v.strides;
  return v.offset + b * sn + ch * sc + y * sh + x * sw;
}

/** im2col: out [N, C·kh·kw, OH·OW] ← the windows of a [N, C, H, W], 0 in the padding. */
export function unfoldReference(out: View<HostArray>, a: View<HostArray>, g: ConvGeometry): void {
  checkView("unfold", "out", out);
  checkView("unfold", "input", a);
  checkConv("unfold", a.shape, out.shape, g);
  const [, , h, w] = a.shape;
  forEachWindowEntry(a.shape, out, g, (colPos, b, ch, y, x) => {
    const inside = y >= 0 && y < h && x >= 0 && x < w;
    out.buffer[colPos] = inside ? a.buffer[position(a, b, ch, y, x)] : 0;
  });
}

/**
 * col2im: out [N, C, H, W] ← 0, then every cols entry added to the element unfold read it from.
 * @task 4.2
 */
export function foldReference(out: View<HostArray>, cols: View<HostArray>, g: ConvGeometry): void {
  checkView("fold", "out", out);
  checkView("fold", "columns", cols);
  checkConv("fold", out.shape, cols.shape, g);
  // Accumulate in doubles, row-major (as the other reference ops do), then store each element once.
  const [n, c, h, w] = out.shape;
  const sums = new Float64Array(n * c * h * w);
  forEachWindowEntry(out.shape, cols, g, (colPos, b, ch, y, x) => {
    if (y >= 0 && y < h && x >= 0 && x < w)
      sums[((b * c + ch) * h + y) * w + x] += cols.buffer[colPos];
  });
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          out.buffer[position(out, b, ch, y, x)] = sums[((b * c + ch) * h + y) * w + x];
}
