import { DataError, ShapeError } from "../errors.js";
import { formatShape, type Shape, sameShape, shapeBroadcast, shapeSize } from "../strided/shape.js";
import type { View } from "../strided/tensor_data.js";
import type { ConvGeometry } from "./backend.js";

/**
 * The cheap checks a backend runs at the top of each op, so a caller's mistake is a `ShapeError`
 * naming the op and the shapes instead of NaNs read past a buffer's end, writes silently dropped
 * by a typed array, or (on a GPU, where an out-of-range read returns 0 or a clamped element) silently
 * wrong numbers. Each costs O(ndim), never O(size). They sit beside the contract because every
 * backend runs the same ones, so they fail alike.
 */

/** Any buffer with a length in elements: a typed array, a GPU buffer. */
interface Sized {
  readonly length: number;
}

/** Whether `shape` broadcasts to `target` (NumPy rules: align right, each dim equal or 1). */
export function broadcastsTo(shape: Shape, target: Shape): boolean {
  const shift = target.length - shape.length;
  if (shift < 0) return false;
  return shape.every((d, i) => d === target[i + shift] || d === 1);
}

/**
 * A view must have one stride per dim, and every position it can reach must lie inside its
 * buffer: positions span offset + Σ min(0, (dᵢ−1)·sᵢ) … offset + Σ max(0, (dᵢ−1)·sᵢ).
 */
export function checkView(op: string, role: string, view: View<Sized>): void {
  const { shape, strides, offset, buffer } = view;
  if (strides.length !== shape.length) {
    throw new ShapeError(
      `${op}: ${role} has shape ${formatShape(shape)} but ${strides.length} strides`,
    );
  }
  if (shapeSize(shape) === 0) return; // an empty view reads and writes nothing
  let lowest = offset;
  let highest = offset;
  for (let i = 0; i < shape.length; i++) {
    const reach = (shape[i] - 1) * strides[i];
    if (reach < 0) lowest += reach;
    else highest += reach;
  }
  if (lowest < 0 || highest >= buffer.length) {
    throw new ShapeError(
      `${op}: ${role} of shape ${formatShape(shape)} (strides ${formatShape(strides)}, offset ${offset}) reaches positions ${lowest}..${highest}, outside its buffer of ${buffer.length}`,
    );
  }
}

/** The row of an op table, or a `DataError` for a name the table lacks (callers from plain JS). */
export function rowOf<K extends string, R>(table: Record<K, R>, op: K, kind: string): R {
  if (!Object.hasOwn(table, op)) {
    throw new DataError(`${kind}: unknown op ${JSON.stringify(op)}`);
  }
  return table[op];
}

/** A reduction's dim is in range and `out` has `a`'s shape with shape[dim] = 1; returns that shape. */
export function checkReduce(name: string, out: View<Sized>, a: View<Sized>, dim: number): number[] {
  checkView(name, "out", out);
  checkView(name, "input", a);
  if (!Number.isInteger(dim) || dim < 0 || dim >= a.shape.length) {
    throw new ShapeError(`${name}: dim ${dim} out of range for shape ${formatShape(a.shape)}`);
  }
  const expected = a.shape.map((d, i) => (i === dim ? 1 : d));
  if (!sameShape(out.shape, expected)) {
    throw new ShapeError(
      `${name}: out shape ${formatShape(out.shape)} should be ${formatShape(expected)} (shape ${formatShape(a.shape)} reduced along dim ${dim})`,
    );
  }
  return expected;
}

/** The sizes of a checked batched product a [...batchA, n, k] @ b [...batchB, k, m]. */
export interface MatmulShapes {
  n: number;
  k: number;
  m: number;
  aBatch: number[];
  bBatch: number[];
  /** The broadcast batch dims of the output. */
  batch: number[];
}

/** Ranks, the shared k, broadcastable batch dims and out's shape of a batched product. */
export function checkMatmul(out: View<Sized>, a: View<Sized>, b: View<Sized>): MatmulShapes {
  checkView("matmul", "out", out);
  checkView("matmul", "first input", a);
  checkView("matmul", "second input", b);
  const shapes = `${formatShape(a.shape)} and ${formatShape(b.shape)}`;
  if (a.shape.length < 2 || b.shape.length < 2) {
    throw new ShapeError(`matmul: shapes ${shapes} need at least 2 dims each`);
  }
  const [n, k] = a.shape.slice(-2);
  const [k2, m] = b.shape.slice(-2);
  if (k !== k2) throw new ShapeError(`matmul: shapes ${shapes} do not align (${k} ≠ ${k2})`);
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const batch = shapeBroadcast(aBatch, bBatch, `matmul (batch dims of ${shapes})`);
  const expected = [...batch, n, m];
  if (!sameShape(out.shape, expected)) {
    throw new ShapeError(
      `matmul: out shape ${formatShape(out.shape)} should be ${formatShape(expected)} for shapes ${shapes}`,
    );
  }
  return { n, k, m, aBatch, bBatch, batch };
}

/** The dilation (dh, dw) of geometry `g`: 1 where it leaves it out. */
export function convDilation(g: ConvGeometry): [number, number] {
  return [g.dh ?? 1, g.dw ?? 1];
}

/** The extent (dh·(kh − 1) + 1, dw·(kw − 1) + 1) a dilated window covers. */
export function convSpan(g: ConvGeometry): [number, number] {
  const [dh, dw] = convDilation(g);
  return [dh * (g.kh - 1) + 1, dw * (g.kw - 1) + 1];
}

/** The output size OH × OW of a window of geometry `g` sliding over an H × W input. */
export function convOutputSize(g: ConvGeometry, h: number, w: number): [number, number] {
  const [spanH, spanW] = convSpan(g);
  return [
    Math.floor((h + 2 * g.ph - spanH) / g.sh) + 1,
    Math.floor((w + 2 * g.pw - spanW) / g.sw) + 1,
  ];
}

function describe(g: ConvGeometry): string {
  const [dh, dw] = convDilation(g);
  const dilation = dh === 1 && dw === 1 ? "" : `, dilation ${dh}×${dw}`;
  return `kernel ${g.kh}×${g.kw}, stride ${g.sh}×${g.sw}, padding ${g.ph}×${g.pw}${dilation}`;
}

/**
 * Check that `image` [N, C, H, W] and `cols` [N, C·kh·kw, OH·OW] fit geometry `g`, which must have
 * positive integer kernel sizes, strides and dilations, non-negative integer padding, and a
 * (dilated) window no larger than the padded input. O(1): both backends run it before touching
 * memory.
 */
export function checkConv(op: string, image: Shape, cols: Shape, g: ConvGeometry): void {
  const sizes = [g.kh, g.kw, g.sh, g.sw, ...convDilation(g)];
  const positive = sizes.every((v) => Number.isInteger(v) && v > 0);
  const padding = [g.ph, g.pw].every((v) => Number.isInteger(v) && v >= 0);
  if (!positive || !padding) {
    throw new ShapeError(
      `${op}: invalid geometry (${describe(g)}): kernel sizes, strides and dilations must be positive integers, padding a non-negative integer`,
    );
  }
  if (image.length !== 4 || cols.length !== 3) {
    throw new ShapeError(
      `${op}: expected an image [N, C, H, W] and columns [N, C·kh·kw, OH·OW], got ${formatShape(image)} and ${formatShape(cols)}`,
    );
  }
  const [n, c, h, w] = image;
  const [spanH, spanW] = convSpan(g);
  if (h + 2 * g.ph < spanH || w + 2 * g.pw < spanW) {
    throw new ShapeError(
      `${op}: the window (${describe(g)}) is larger than the padded input ${formatShape(image)}`,
    );
  }
  const [oh, ow] = convOutputSize(g, h, w);
  const expected = [n, c * g.kh * g.kw, oh * ow];
  if (cols.some((d, i) => d !== expected[i])) {
    throw new ShapeError(
      `${op}: columns of shape ${formatShape(cols)} should be ${formatShape(expected)} for an image ${formatShape(image)} (${describe(g)})`,
    );
  }
}
