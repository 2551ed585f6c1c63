import type { Context } from "../../autodiff/context.js";
import { AutogradFunction } from "../../autodiff/function.js";
import type { ConvGeometry } from "../../backend/backend.js";
import { convOutputSize } from "../../backend/checks.js";
import { BackendError, DataError, DTypeError, ShapeError } from "../../errors.js";
import {
  checkedWhereUsed,
  checkOptions,
  describeValue,
  notSupportedYet,
  type OptionCheck,
  type OptionChecks,
} from "../../options.js";
import { formatShape, type Shape } from "../../strided/shape.js";
import {
  copyOp,
  foldOp,
  matmulOp,
  reduceOp,
  unfoldOp,
  zipOp,
} from "../../tensor/history_free_ops.js";
import { Tensor } from "../../tensor/tensor.js";

/** Options of `conv2d` (and `Conv2d`): one number applies to both height and width. */
export interface Conv2dOptions {
  /** Step of the window, ≥ 1 (default 1). */
  stride?: number | [number, number];
  /** Zeros added on each side of the input, ≥ 0 (default 0). */
  padding?: number | [number, number];
  /** Spacing between the kernel's taps: only 1, PyTorch's default, is supported yet. */
  dilation?: 1 | readonly [1, 1];
  /** Blocks of channels convolved separately: only 1, PyTorch's default, is supported yet. */
  groups?: 1;
}

/** Options of `conv1d` (and `Conv1d`). */
export interface Conv1dOptions {
  /** Step of the window, ≥ 1 (default 1). */
  stride?: number;
  /** Zeros added on each end of the input, ≥ 0 (default 0). */
  padding?: number;
  /** Spacing between the kernel's taps: only 1, PyTorch's default, is supported yet. */
  dilation?: 1 | readonly [1];
  /** Blocks of channels convolved separately: only 1, PyTorch's default, is supported yet. */
  groups?: 1;
}

/** PyTorch's padding "valid" and "same" are not implemented; numbers are checked by `pair`. */
const numericPadding: OptionCheck = (v) =>
  typeof v === "string" ? 'is not supported yet as a string ("valid", "same")' : null;

/** The checks of `conv2d`'s options (`Conv2d` adds its own). */
export const conv2dChecks: OptionChecks<Conv2dOptions> = {
  stride: checkedWhereUsed,
  padding: numericPadding,
  dilation: notSupportedYet(1, [1, 1]),
  groups: notSupportedYet(1),
};

/** The checks of `conv1d`'s options (`Conv1d` adds its own). */
export const conv1dChecks: OptionChecks<Conv1dOptions> = {
  stride: checkedWhereUsed,
  padding: numericPadding,
  dilation: notSupportedYet(1, [1]),
  groups: notSupportedYet(1),
};

/** What the Function needs besides its tensors: the window, and 1 or 2 spatial dims. */
type ConvParams = { readonly g: ConvGeometry; readonly rank: 1 | 2 };

/** `t` seen as [N, C, 1, L] (rank 1) or as it is (rank 2): a view, whatever its strides. */
function asImage(t: Tensor, rank: 1 | 2): Tensor {
  if (rank === 2) return t;
  const { shape, strides, offset } = t.layout;
  return new Tensor(t.storage, {
    shape: [shape[0], shape[1], 1, shape[2]],
    strides: [strides[0], strides[1], 0, strides[2]],
    offset,
  });
}

/** A fresh result `t` seen with `shape`, letting go of `t` itself (the view keeps the storage). */
function viewOf(t: Tensor, shape: Shape): Tensor {
  const view = t.reshapeView(shape);
  t.dispose();
  return view;
}

/** `t` seen with `shape`: a view when it is contiguous, else a view of a contiguous copy. */
function reshaped(t: Tensor, shape: Shape): Tensor {
  return t.isContiguous() ? t.reshapeView(shape) : viewOf(copyOp(t), shape);
}

/**
 * What Convolution saves: the unfolded input (for dW) and the [O, C·k] weight (for dx), each null
 * when that gradient is not wanted, the input and weight shapes, and the parameters.
 */
type ConvContext = Context<
  [cols: Tensor | null, w2: Tensor | null, xShape: Shape, wShape: Shape, p: ConvParams]
>;

/**
 * Convolution (cross-correlation, as PyTorch's) as im2col + one batched matmul:
 * cols = unfold(x) [N, C·k, L]; out[n] = W [O, C·k] · cols[n] + b, viewed as [N, O, OH, OW].
 * Backward: dW = Σₙ g[n] · cols[n]ᵀ, dx = fold(Wᵀ · g), db = Σ over n and L of g.
 */
class Convolution extends AutogradFunction {
  static override forward(
    ctx: ConvContext,
    p: ConvParams,
    x: Tensor,
    w: Tensor,
    b?: Tensor,
  ): Tensor {
    const image = asImage(x, p.rank);
    const [n, , h, width] = image.shape;
    const [oh, ow] = convOutputSize(p.g, h, width);
    const o = w.shape[0];
    const length = oh * ow;
    const cols = unfoldOp(image, p.g);
    if (image !== x) image.dispose();
    const w2 = reshaped(w, [o, w.numel() / o]);
    // The [O, C·k] weight broadcasts over the batch: the backend walks it, it is never copied.
    let y = matmulOp(w2, cols);
    if (b !== undefined) {
      // The bias as a contiguous [O, L] block (an outer product with ones, one small matmul), so
      // the add is a repeated-row broadcast that backends run as a flat loop.
      const ones = Tensor.full([1, length], 1, y.dtype, y.backendImpl);
      const column = reshaped(b, [o, 1]);
      const rows = matmulOp(column, ones);
      const biased = zipOp("add", y, rows);
      for (const t of [y, rows, ones, column]) t.dispose();
      y = biased;
    }
    const [needX, needW] = ctx.needsInputGrad;
    // Backward needs cols for dW and the weight for dx; whatever it will not use goes now.
    const keepCols = !ctx.noGrad && needW;
    const keepWeight = !ctx.noGrad && needX;
    ctx.saveForBackward(keepCols ? cols : null, keepWeight ? w2 : null, x.shape, w.shape, p);
    if (!keepCols) cols.dispose();
    if (!keepWeight) w2.dispose();
    return viewOf(y, p.rank === 2 ? [n, o, oh, ow] : [n, o, ow]);
  }

  static override backward(ctx: ConvContext, gOut: Tensor): (Tensor | null)[] {
    const [cols, w2, xShape, wShape, p] = ctx.savedValues;
    const [needX, needW, needB] = ctx.needsInputGrad;
    const [n, o] = gOut.shape;
    const length = gOut.numel() / (n * o);
    const g = reshaped(gOut, [n, o, length]);
    let dx: Tensor | null = null;
    if (needX && w2 !== null) {
      const dCols = matmulOp(w2.permuteView([1, 0]), g);
      const image = p.rank === 2 ? xShape : [xShape[0], xShape[1], 1, xShape[2]];
      dx = viewOf(foldOp(dCols, p.g, image), xShape);
      dCols.dispose();
    }
    let dw: Tensor | null = null;
    if (needW && cols !== null) {
      // One product per sample, summed over the batch (measured faster on cpu than permuting g
      // and cols into one [O, N·L] · [N·L, C·k] product: those permuted copies cost more).
      const perSample = matmulOp(g, cols.permuteView([0, 2, 1]));
      dw = viewOf(reduceOp("sum", perSample, 0), wShape);
      perSample.dispose();
    }
    let db: Tensor | null = null;
    if (needB) {
      const rowSums = reduceOp("sum", g, 2);
      db = viewOf(reduceOp("sum", rowSums, 0), [o]);
      rowSums.dispose();
    }
    g.dispose();
    return ctx.needsInputGrad.length === 3 ? [dx, dw, db] : [dx, dw];
  }
}

/** A stride or padding option as a pair of valid integers, or a DataError naming it. */
function pair(
  op: string,
  name: "stride" | "padding",
  value: number | readonly number[] | undefined,
  fallback: number,
): [number, number] {
  const v = value ?? fallback;
  const values = typeof v === "number" ? [v, v] : Array.isArray(v) ? [...v] : [];
  const min = name === "stride" ? 1 : 0;
  if (values.length !== 2 || !values.every((x) => Number.isInteger(x) && x >= min)) {
    throw new DataError(
      `${op}: ${name} must be ${min === 1 ? "a positive" : "a non-negative"} integer${op === "conv2d" ? " or a pair of them" : ""}, got ${JSON.stringify(value)}`,
    );
  }
  return [values[0], values[1]];
}

/** The checks a user's mistake should meet before any kernel runs, with the values named. */
function checkArguments(
  op: string,
  rank: 1 | 2,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  g: ConvGeometry,
): void {
  const dims = rank + 2;
  const layout = rank === 2 ? "[N, C, H, W]" : "[N, C, L]";
  const weightLayout = rank === 2 ? "[out, in, kh, kw]" : "[out, in, k]";
  if (input.ndim !== dims) {
    throw new ShapeError(
      `${op}: expected an input ${layout} of ${dims} dims, got shape ${formatShape(input.shape)}`,
    );
  }
  if (weight.ndim !== dims) {
    throw new ShapeError(
      `${op}: expected a weight ${weightLayout} of ${dims} dims, got shape ${formatShape(weight.shape)}`,
    );
  }
  for (const t of bias === null ? [weight] : [weight, bias]) {
    if (t.backend !== input.backend) {
      throw new BackendError(
        `${op}: the input is on the ${input.backend} backend but a ${t === weight ? "weight" : "bias"} on ${t.backend}; move it with await t.to("${input.backend}")`,
      );
    }
    if (t.dtype !== input.dtype) {
      throw new DTypeError(
        `${op}: the input is ${input.dtype} but the ${t === weight ? "weight" : "bias"} is ${t.dtype}; convert one with .float() or .double()`,
      );
    }
  }
  const [outChannels, inChannels] = weight.shape;
  if (weight.numel() === 0) {
    throw new ShapeError(`${op}: the weight of shape ${formatShape(weight.shape)} has no elements`);
  }
  if (input.shape[1] !== inChannels) {
    throw new ShapeError(
      `${op}: input has ${input.shape[1]} channels but weight expects ${inChannels} (input shape ${formatShape(input.shape)}, weight shape ${formatShape(weight.shape)})`,
    );
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new ShapeError(
      `${op}: bias of shape ${formatShape(bias.shape)} should be [${outChannels}], one per output channel (weight shape ${formatShape(weight.shape)})`,
    );
  }
  const spatial = input.shape.slice(2);
  const kernel = weight.shape.slice(2);
  const padding = rank === 2 ? [g.ph, g.pw] : [g.pw];
  if (kernel.some((k, i) => k < 1 || k > spatial[i] + 2 * padding[i])) {
    throw new ShapeError(
      `${op}: kernel ${kernel.join("×")} is larger than the input ${spatial.join("×")} padded by ${padding.join("×")} (input shape ${formatShape(input.shape)}, weight shape ${formatShape(weight.shape)})`,
    );
  }
}

/**
 * The bias is a Tensor or null: options passed third (`conv2d(x, w, {stride})`) would otherwise
 * surface as a confusing backend error, or be ignored.
 */
function checkBias(op: string, bias: unknown): void {
  if (bias !== null && !(bias instanceof Tensor)) {
    throw new DataError(
      `${op}: bias must be a Tensor or null, got ${describeValue(bias)}; options come fourth: ${op}(x, w, null, {stride})`,
    );
  }
}

/** Run the Function, with the bias as a third tensor input when there is one. */
function convolve(p: ConvParams, input: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  return bias === null
    ? Convolution.apply<Tensor>(p, input, weight)
    : Convolution.apply<Tensor>(p, input, weight, bias);
}

/**
 * 2-D convolution, as `torch.nn.functional.conv2d` (groups and dilation only 1 yet): input
 * [N, C, H, W], weight [O, C, kh, kw], bias [O] → [N, O, OH, OW] with
 * OH = ⌊(H + 2·padding − kh) / stride⌋ + 1 (OW likewise), differentiable in all three.
 */
export function conv2d(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: Conv2dOptions = {},
): Tensor {
  checkOptions("conv2d", options, conv2dChecks);
  checkBias("conv2d", bias);
  const [sh, sw] = pair("conv2d", "stride", options.stride, 1);
  const [ph, pw] = pair("conv2d", "padding", options.padding, 0);
  const kh = weight.shape[2];
  const kw = weight.shape[3];
  const g: ConvGeometry = { kh, kw, sh, sw, ph, pw };
  checkArguments("conv2d", 2, input, weight, bias, g);
  return convolve({ g, rank: 2 }, input, weight, bias);
}

/**
 * 1-D convolution, as `torch.nn.functional.conv1d` (groups and dilation only 1 yet): input [N, C, L],
 * weight [O, C, k], bias [O] → [N, O, OL] with OL = ⌊(L + 2·padding − k) / stride⌋ + 1.
 */
export function conv1d(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: Conv1dOptions = {},
): Tensor {
  checkOptions("conv1d", options, conv1dChecks);
  checkBias("conv1d", bias);
  const [stride] = pair("conv1d", "stride", options.stride, 1);
  const [padding] = pair("conv1d", "padding", options.padding, 0);
  const g: ConvGeometry = { kh: 1, kw: weight.shape[2], sh: 1, sw: stride, ph: 0, pw: padding };
  checkArguments("conv1d", 1, input, weight, bias, g);
  return convolve({ g, rank: 1 }, input, weight, bias);
}
