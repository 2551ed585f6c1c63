import type { View } from "../../strided/tensor_data.js";
import type { ConvGeometry } from "../backend.js";
import { checkConv, checkView, convDilation, convOutputSize } from "../checks.js";
import { type GpuBuffer, type GpuContext, workgroupsFor } from "./gpu_context.js";
import { threadEntry } from "./wgsl_params.js";

/**
 * unfold (im2col) and fold (col2im) on the GPU, one thread per OUTPUT element in both directions:
 * unfold's thread reads the one image element its column entry copies (or 0 in the padding);
 * fold's thread gathers, for its pixel, every column entry that unfold would have read from it —
 * so no two threads write the same element and no atomics are needed.
 */

const THREADS = 64;

/**
 * The uniform block of both kernels (24 words): the geometry (dilation dh, dw last), the image
 * [N, C, H, W] and columns [N, C·kh·kw, OH·OW] views' strides and offsets, and the thread count. Strides are u32: a
 * negative one wraps and the sums still land right (integer arithmetic is modulo 2^32).
 */
const PARAMS = `struct Params {
  n: u32, c: u32, h: u32, w: u32,
  kh: u32, kw: u32, sh: u32, sw: u32,
  ph: u32, pw: u32, oh: u32, ow: u32,
  iOff: u32, iSn: u32, iSc: u32, iSh: u32,
  iSw: u32, cOff: u32, cSn: u32, cSr: u32,
  cSl: u32, total: u32, dh: u32, dw: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
`;

const unfoldSource = `${PARAMS}
@group(0) @binding(1) var<storage, read_write> cols: array<f32>;
@group(0) @binding(2) var<storage, read> image: array<f32>;

${threadEntry(THREADS, "t")}
  if (t >= p.total) { return; }
  // t = (b · rows + row) · L + l, row = (ch · kh + i) · kw + j, l = y0 · OW + x0.
  let l = t % (p.oh * p.ow);
  let rest = t / (p.oh * p.ow);
  let rows = p.c * p.kh * p.kw;
  let row = rest % rows;
  let b = rest / rows;
  let j = row % p.kw;
  let i = (row / p.kw) % p.kh;
  let ch = row / (p.kw * p.kh);
  let y = i32((l / p.ow) * p.sh + i * p.dh) - i32(p.ph);
  let x = i32((l % p.ow) * p.sw + j * p.dw) - i32(p.pw);
  var v = 0.0;
  if (y >= 0 && y < i32(p.h) && x >= 0 && x < i32(p.w)) {
    v = image[p.iOff + b * p.iSn + ch * p.iSc + u32(y) * p.iSh + u32(x) * p.iSw];
  }
  cols[p.cOff + b * p.cSn + row * p.cSr + l * p.cSl] = v;
}
`;

const foldSource = `${PARAMS}
@group(0) @binding(1) var<storage, read_write> image: array<f32>;
@group(0) @binding(2) var<storage, read> cols: array<f32>;

${threadEntry(THREADS, "t")}
  if (t >= p.total) { return; }
  let x = t % p.w;
  let y = (t / p.w) % p.h;
  let ch = (t / (p.w * p.h)) % p.c;
  let b = t / (p.w * p.h * p.c);
  // Window row i reaches this pixel from output row y0 when y0 · sh + i · dh = y + ph: i runs
  // over the taps at or above the pixel whose distance to it is a multiple of sh, and y0 must land
  // in [0, OH) (likewise j, x0). Taps grow with i, so the first one past the pixel ends the loop.
  let py = y + p.ph;
  let px = x + p.pw;
  let base = p.cOff + b * p.cSn;
  var acc = 0.0;
  for (var i = 0u; i < p.kh && i * p.dh <= py; i++) {
    let ry = py - i * p.dh;
    let y0 = ry / p.sh;
    if (ry % p.sh != 0u || y0 >= p.oh) { continue; }
    for (var j = 0u; j < p.kw && j * p.dw <= px; j++) {
      let rx = px - j * p.dw;
      let x0 = rx / p.sw;
      if (rx % p.sw != 0u || x0 >= p.ow) { continue; }
      let row = (ch * p.kh + i) * p.kw + j;
      acc += cols[base + row * p.cSr + (y0 * p.ow + x0) * p.cSl];
    }
  }
  image[p.iOff + b * p.iSn + ch * p.iSc + y * p.iSh + x * p.iSw] = acc;
}
`;

/** The uniform words for image view `image`, columns view `cols`, geometry `g`, `total` threads. */
function params(
  image: View<GpuBuffer>,
  cols: View<GpuBuffer>,
  g: ConvGeometry,
  total: number,
): Uint32Array {
  const [n, c, h, w] = image.shape;
  const [oh, ow] = convOutputSize(g, h, w);
  // Typed-array stores wrap negative strides modulo 2^32, which the kernels' u32 sums undo.
  return Uint32Array.from([
    n,
    c,
    h,
    w,
    g.kh,
    g.kw,
    g.sh,
    g.sw,
    g.ph,
    g.pw,
    oh,
    ow,
    image.offset,
    ...image.strides,
    cols.offset,
    ...cols.strides,
    total,
    ...convDilation(g),
  ]);
}

/** im2col: out [N, C·kh·kw, OH·OW] ← the windows of a [N, C, H, W], 0 in the padding. */
export function unfoldKernel(
  ctx: GpuContext,
  out: View<GpuBuffer>,
  a: View<GpuBuffer>,
  g: ConvGeometry,
): void {
  checkView("unfold", "out", out);
  checkView("unfold", "input", a);
  checkConv("unfold", a.shape, out.shape, g);
  const total = out.shape[0] * out.shape[1] * out.shape[2];
  if (total === 0) return;
  ctx.dispatch(
    unfoldSource,
    params(a, out, g, total),
    [out.buffer.buffer, a.buffer.buffer],
    workgroupsFor(total, THREADS),
  );
}

/** col2im: out [N, C, H, W] ← at each pixel, the sum of the column entries unfold reads from it. */
export function foldKernel(
  ctx: GpuContext,
  out: View<GpuBuffer>,
  cols: View<GpuBuffer>,
  g: ConvGeometry,
): void {
  checkView("fold", "out", out);
  checkView("fold", "columns", cols);
  checkConv("fold", out.shape, cols.shape, g);
  const total = out.shape[0] * out.shape[1] * out.shape[2] * out.shape[3];
  if (total === 0) return;
  ctx.dispatch(
    foldSource,
    params(out, cols, g, total),
    [out.buffer.buffer, cols.buffer.buffer],
    workgroupsFor(total, THREADS),
  );
}
