import type { Context } from "../../autodiff/context.js";
import { AutogradFunction } from "../../autodiff/function.js";
import type { ConvGeometry } from "../../backend/backend.js";
import { isFloating } from "../../backend/dtypes.js";
import { DataError, DTypeError, ShapeError } from "../../errors.js";
import { checkOptions } from "../../options.js";
import { formatShape, type Shape } from "../../strided/shape.js";
import { copyOp, foldOp, unfoldOp } from "../../tensor/history_free_ops.js";
import { indexDType } from "../../tensor/promotion.js";
import { Tensor } from "../../tensor/tensor.js";
import { pad } from "./padding.js";
import { chooseMax, lookUp, PickMax, Windows } from "./pool_windows.js";
import {
  type AvgPool1dOptions,
  type AvgPool2dOptions,
  avgPool1dChecks,
  avgPool2dChecks,
  type KernelSize,
  type MaxPool1dOptions,
  type MaxPool2dOptions,
  maxPool1dChecks,
  maxPool2dChecks,
  type PoolGeometry,
  poolGeometry,
  type Size1,
} from "./pooling_options.js";

export type { KernelSize } from "./pooling_options.js";

/**
 * Max and average pooling, as PyTorch's `max_pool1d/2d` and `avg_pool1d/2d`. A 1-D pooling is
 * the 2-D one over [N, C, 1, L]. The windows come from one `unfold` (im2col) of the input,
 * padded explicitly (with −∞ for max, 0 for average) so that padding never wins a max.
 */

/** Max pooling's values, and with `returnIndices` where each max is. */
export type MaxPoolResult = Tensor | [values: Tensor, indices: Tensor];

/** The input as images [N, C, H, W] (a 1-D input as [N, C, 1, L]), and the way back. */
interface Images {
  readonly x: Tensor;
  /** A result [N, C, OH, OW] in the input's layout (unbatched, 1-D). */
  readonly back: (t: Tensor) => Tensor;
}

/** `input` as images, checked: a float tensor of rank + 1 or rank + 2 dims, none empty. */
function images(op: string, input: unknown, rank: 1 | 2): Images {
  const layout = rank === 2 ? "[N, C, H, W] or [C, H, W]" : "[N, C, L] or [C, L]";
  if (!(input instanceof Tensor)) {
    throw new DataError(`${op}: expected a Tensor ${layout}, got ${typeof input}`);
  }
  const batched = input.ndim === rank + 2;
  if (!batched && input.ndim !== rank + 1) {
    throw new ShapeError(
      `${op}: expected an input ${layout}, got shape ${formatShape(input.shape)}`,
    );
  }
  if (input.shape.slice(batched ? 1 : 0).some((s) => s === 0)) {
    throw new ShapeError(
      `${op}: expected a non-empty input ${layout}, got shape ${formatShape(input.shape)}`,
    );
  }
  if (!isFloating(input.dtype)) {
    throw new DTypeError(
      `${op}: expected a float input, got ${input.dtype}; convert with .float()`,
    );
  }
  const x4 = batched ? input : input.unsqueeze(0);
  const x = rank === 2 ? x4 : x4.unsqueeze(2);
  const back = (t: Tensor) => {
    const r = rank === 2 ? t : t.squeeze(2);
    return batched ? r : r.squeeze(0);
  };
  return { x, back };
}

/**
 * The windows of `x` [N, C, H, W], padded with `fill`: `rows` holds them along dim 1, either
 * plane-major [N·C, kh·kw, OH·OW] or, on the fast path, window-major [1, kh·kw, N·C·OH·OW].
 * The fast path (no padding or dilation, windows not overlapping vertically) unfolds the planes
 * stacked into one [1, 1, N·C·H′, W′] image, as no window straddles two planes; elsewhere the
 * padded planes are unfolded with the dilated window's extent, and the dilated rows selected.
 */
interface Cut {
  readonly rows: Tensor;
  readonly planeMajor: boolean;
  /** Whether some window elements are padding (not real elements of the input). */
  readonly padded: boolean;
}

function cut(x: Tensor, g: PoolGeometry, fill: number): Cut {
  const [n, c, h, w] = x.shape;
  const [[kh, kw], [sh, sw], [ph, pw], [dh, dw]] = [g.k, g.s, g.p, g.d];
  const [oh, ow] = g.out;
  const [eh, ew] = [dh * (kh - 1) + 1, dw * (kw - 1) + 1];
  const [needH, needW] = [(oh - 1) * sh + eh, (ow - 1) * sw + ew];
  if (ph === 0 && pw === 0 && dh === 1 && dw === 1 && sh === kh && needH <= h && needW <= w) {
    const cropped = needH < h || needW < w ? x.narrow(2, 0, needH).narrow(3, 0, needW) : x;
    const image = cropped.reshape([1, 1, n * c * needH, needW]);
    const geometry: ConvGeometry = { kh, kw, sh, sw, ph: 0, pw: 0 };
    return {
      rows: Windows.apply<Tensor>(image, { g: geometry }),
      planeMajor: false,
      padded: false,
    };
  }
  const [bottom, right] = [needH - h - ph, needW - w - pw];
  const needsPad = ph !== 0 || pw !== 0 || bottom !== 0 || right !== 0;
  const padded = needsPad ? pad(x, [pw, right, ph, bottom], { value: fill }) : x;
  const image = padded.reshape([n * c, 1, needH, needW]);
  const geometry: ConvGeometry = { kh: eh, kw: ew, sh, sw, ph: 0, pw: 0 };
  let rows = Windows.apply<Tensor>(image, { g: geometry });
  if (dh > 1 || dw > 1) {
    const picked = cells(g).map(([i, j]) => i * dh * ew + j * dw);
    rows = rows.indexSelect(
      1,
      Tensor.fromValues(picked, [picked.length], indexDType, x.backendImpl),
    );
  }
  return { rows, planeMajor: true, padded: ph > 0 || pw > 0 || bottom > 0 || right > 0 };
}

/** A window's elements as (i, j) offsets, row-major: PyTorch's order within a window. */
function cells(g: PoolGeometry): [number, number][] {
  const [kh, kw] = g.k;
  return Array.from({ length: kh * kw }, (_, r) => [Math.floor(r / kw), r % kw]);
}

/**
 * `f(ih, iw, r, l)` for each element r of each window l (input coordinates, which may fall in
 * the padding), as a [kh·kw, OH·OW] table, row-major.
 */
function windowTable(g: PoolGeometry, f: (ih: number, iw: number) => number): number[] {
  const [oh, ow] = g.out;
  const table: number[] = [];
  for (const [i, j] of cells(g)) {
    for (let a = 0; a < oh; a++) {
      for (let b = 0; b < ow; b++) {
        table.push(f(a * g.s[0] - g.p[0] + i * g.d[0], b * g.s[1] - g.p[1] + j * g.d[1]));
      }
    }
  }
  return table;
}

/** The arguments of a pooling common to max and average. */
interface Pooling {
  readonly op: string;
  readonly rank: 1 | 2;
  readonly kernel: unknown;
  readonly stride?: unknown;
  readonly padding?: unknown;
  readonly dilation?: unknown;
  readonly ceilMode?: boolean;
}

/** The images of `input` and the checked windows over them. */
function setUp(input: unknown, a: Pooling): Images & { g: PoolGeometry } {
  const im = images(a.op, input, a.rank);
  const [, c, h, w] = im.x.shape;
  const g = poolGeometry(a.op, a.rank, c, [h, w], {
    kernel: a.kernel,
    stride: a.stride,
    padding: a.padding,
    dilation: a.dilation,
    ceilMode: a.ceilMode ?? false,
  });
  return { ...im, g };
}

/** Max pooling (see `maxPool2d`), and where each max is when `returnIndices`. */
function maxPool(input: unknown, a: Pooling, returnIndices: boolean): MaxPoolResult {
  const { x, back, g } = setUp(input, a);
  const [n, c, h, w] = x.shape;
  const [oh, ow] = g.out;
  const k = g.k[0] * g.k[1];
  const impl = x.backendImpl;
  const windows = cut(x, g, -Infinity);
  const inside = (ih: number, iw: number) => (ih >= 0 && ih < h && iw >= 0 && iw < w ? 1 : 0);
  const valid = windows.padded
    ? Tensor.fromValues(windowTable(g, inside), [1, k, oh * ow], x.dtype, impl)
    : null;
  const pooled = PickMax.apply<Tensor>(windows.rows, { dim: 1, valid });
  const values = back(pooled.reshape([n, c, oh, ow]));
  if (!returnIndices) return values;
  const picked = chooseMax(windows.rows, pooled, 1, valid);
  const flat = Tensor.fromValues(
    windowTable(g, (ih, iw) => ih * w + iw),
    windows.planeMajor ? [1, k, oh * ow] : [k, 1, oh * ow],
    indexDType,
    impl,
  );
  const chosen = windows.planeMajor ? picked : picked.reshape([k, n * c, oh * ow]);
  const indices = lookUp(chosen, flat, windows.planeMajor ? 1 : 0).reshape([n, c, oh, ow]);
  return [values, back(indices)];
}

/**
 * PyTorch's divisor of each window of an average pooling: the window clipped to the padded
 * input (`countIncludePad`) or to the input, or `divisorOverride`.
 */
function divisors(g: PoolGeometry, includePad: boolean, override: number | null): number[] {
  const [oh, ow] = g.out;
  const out: number[] = [];
  const span = (o: number, dim: 0 | 1) => {
    const start = o * g.s[dim] - g.p[dim];
    const end = Math.min(start + g.k[dim], g.input[dim] + g.p[dim]);
    const real = Math.min(end, g.input[dim]) - Math.max(start, 0);
    return includePad ? end - start : real;
  };
  for (let a = 0; a < oh; a++) {
    for (let b = 0; b < ow; b++) out.push(override ?? span(a, 0) * span(b, 1));
  }
  return out;
}

/** Average pooling (see `avgPool2d`). */
function avgPool(input: unknown, a: Pooling, includePad: boolean, override: number | null): Tensor {
  const { x, back, g } = setUp(input, a);
  const [n, c] = x.shape;
  const [oh, ow] = g.out;
  const windows = cut(x, g, 0);
  const sums = windows.rows.sum(1, true);
  const counts = divisors(g, includePad, override);
  const same = counts.every((v) => v === counts[0]);
  const divisor = same
    ? counts[0]
    : Tensor.fromValues(counts, [1, 1, oh * ow], x.dtype, x.backendImpl);
  return back(sums.div(divisor).reshape([n, c, oh, ow]));
}

/**
 * 2-D max pooling of `input` [N, C, H, W] or [C, H, W], as `torch.nn.functional.max_pool2d`:
 * out[n, c, i, j] = max over the window at (i·sH − pH, j·sW − pW) of kH×kW elements spaced by
 * the dilation, −∞ outside the input; OH = ⌊(H + 2pH − dH·(kH − 1) − 1) / sH⌋ + 1 (rounded up
 * with `ceilMode`). Ties go to the first max in the window, a window holding NaN gives NaN, and
 * the gradient goes to the chosen element, as PyTorch's CPU kernel. With `returnIndices`,
 * returns [values, indices], the int32 indices into each plane's flattened H·W.
 */
export function maxPool2d(
  input: Tensor,
  kernelSize: KernelSize,
  options: MaxPool2dOptions & { returnIndices: true },
): [Tensor, Tensor];
export function maxPool2d(
  input: Tensor,
  kernelSize: KernelSize,
  options?: MaxPool2dOptions,
): Tensor;
export function maxPool2d(
  input: Tensor,
  kernelSize: KernelSize,
  options: MaxPool2dOptions = {},
): MaxPoolResult {
  const o = checkOptions("maxPool2d", options, maxPool2dChecks);
  return maxPool(
    input,
    { op: "maxPool2d", rank: 2, kernel: kernelSize, ...o },
    o.returnIndices ?? false,
  );
}

/**
 * 1-D max pooling of `input` [N, C, L] or [C, L], as `torch.nn.functional.max_pool1d` (see
 * `maxPool2d`); indices are positions along L.
 */
export function maxPool1d(
  input: Tensor,
  kernelSize: Size1,
  options: MaxPool1dOptions & { returnIndices: true },
): [Tensor, Tensor];
export function maxPool1d(input: Tensor, kernelSize: Size1, options?: MaxPool1dOptions): Tensor;
export function maxPool1d(
  input: Tensor,
  kernelSize: Size1,
  options: MaxPool1dOptions = {},
): MaxPoolResult {
  const o = checkOptions("maxPool1d", options, maxPool1dChecks);
  return maxPool(
    input,
    { op: "maxPool1d", rank: 1, kernel: kernelSize, ...o },
    o.returnIndices ?? false,
  );
}

/**
 * 2-D average pooling of `input` [N, C, H, W] or [C, H, W], as
 * `torch.nn.functional.avg_pool2d`: the sum over each window (zero padding) divided by its size
 * clipped to the padded input (`countIncludePad`, the default) or to the input, or by
 * `divisorOverride`; output size as `maxPool2d`'s with dilation 1.
 */
export function avgPool2d(
  input: Tensor,
  kernelSize: KernelSize,
  options: AvgPool2dOptions = {},
): Tensor {
  const o = checkOptions("avgPool2d", options, avgPool2dChecks);
  const a: Pooling = { op: "avgPool2d", rank: 2, kernel: kernelSize, ...o };
  return avgPool(input, a, o.countIncludePad ?? true, o.divisorOverride ?? null);
}

/** 1-D average pooling of `input` [N, C, L] or [C, L], as `torch.nn.functional.avg_pool1d`. */
export function avgPool1d(
  input: Tensor,
  kernelSize: Size1,
  options: AvgPool1dOptions = {},
): Tensor {
  const o = checkOptions("avgPool1d", options, avgPool1dChecks);
  const a: Pooling = { op: "avgPool1d", rank: 1, kernel: kernelSize, ...o };
  return avgPool(input, a, o.countIncludePad ?? true, null);
}

/** The window as [kh, kw], checked to be positive integers. */
function kernelPair(op: string, kernel: KernelSize): [number, number] {
  const pair: readonly number[] = typeof kernel === "number" ? [kernel, kernel] : kernel;
  if (pair.length !== 2 || !pair.every((k) => Number.isInteger(k) && k > 0)) {
    throw new DataError(
      `${op}: the kernel must be a positive integer or two of them, got ${JSON.stringify(kernel)}`,
    );
  }
  return [pair[0], pair[1]];
}

/** Tiles saves the input's shape and the window. */
type TilesContext = Context<[shape: Shape, g: ConvGeometry]>;

/**
 * x [N, C, H, W] → its non-overlapping windows window-major, [kh·kw, N, C, H/kh, W/kw]: one
 * `unfold` of the planes stacked into a [1, 1, N·C·H, W] image (kh divides H, so no window
 * straddles two planes); backward is `fold`.
 */
class Tiles extends AutogradFunction {
  static override forward(ctx: TilesContext, x: Tensor, p: { g: ConvGeometry }): Tensor {
    const { g } = p;
    const [n, c, h, w] = x.shape;
    ctx.saveForBackward(x.shape, g);
    const image = (x.isContiguous() ? x : copyOp(x)).reshapeView([1, 1, n * c * h, w]);
    return unfoldOp(image, g).reshapeView([g.kh * g.kw, n, c, h / g.kh, w / g.kw]);
  }
  static override backward(ctx: TilesContext, grad: Tensor): Tensor {
    const [[n, c, h, w], g] = ctx.savedValues;
    const dense = grad.isContiguous() ? grad : copyOp(grad);
    const cols = dense.reshapeView([1, g.kh * g.kw, dense.numel() / (g.kh * g.kw)]);
    return foldOp(cols, g, [1, 1, n * c * h, w]).reshapeView([n, c, h, w]);
  }
}

/**
 * The non-overlapping kh×kw windows of `input` [N, C, H, W] laid out along a new last dim:
 * [N, C, H/kh, W/kw, kh·kw], as the course's `tile` (window element i·kw + j is offset (i, j)).
 * H and W must be multiples of kh and kw (a `ShapeError` names them otherwise).
 */
export function tile(input: Tensor, kernel: KernelSize): Tensor {
  const [kh, kw] = kernelPair("tile", kernel);
  if (input.ndim !== 4) {
    throw new ShapeError(
      `tile: expected an input of shape [N, C, H, W], got ${formatShape(input.shape)}`,
    );
  }
  const [, , h, w] = input.shape;
  if (h % kh !== 0 || w % kw !== 0) {
    throw new ShapeError(
      `tile: the kernel [${kh},${kw}] does not divide the input's height ${h} and width ${w} (input shape ${formatShape(input.shape)})`,
    );
  }
  const g: ConvGeometry = { kh, kw, sh: kh, sw: kw, ph: 0, pw: 0 };
  return Tiles.apply<Tensor>(input, { g }).permute(1, 2, 3, 4, 0);
}

/**
 * The max along `dim` (of all elements when omitted), as the course's `nn.max`: the Tensor
 * method, whose gradient is split evenly between tied maxima.
 */
export function max(x: Tensor, dim?: number): Tensor {
  return x.amax(dim);
}

/**
 * The index of the (first) max along `dim` (into the flattened tensor when omitted), as a float
 * tensor without gradient: the Tensor method.
 */
export function argmax(x: Tensor, dim?: number): Tensor {
  return x.argmax(dim);
}
