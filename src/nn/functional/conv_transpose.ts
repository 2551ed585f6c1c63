import type { Context } from "../../autodiff/context.js";
import { AutogradFunction } from "../../autodiff/function.js";
import type { ConvGeometry } from "../../backend/backend.js";
import { DataError, ShapeError } from "../../errors.js";
import {
  checkedWhereUsed,
  checkOptions,
  describeValue,
  isPositiveInteger,
  type OptionCheck,
  type OptionChecks,
} from "../../options.js";
import { formatShape, type Shape } from "../../strided/shape.js";
import { foldOp, matmulOp, reduceOp, unfoldOp } from "../../tensor/history_free_ops.js";
import { Tensor } from "../../tensor/tensor.js";
import { checkBias, checkSameKind, geometryOf } from "./conv.js";
import { type ConvSpec, groupsOf, type PerDim, perDim } from "./conv_options.js";
import {
  asImage,
  groupedShape,
  imageShape,
  reshaped,
  transposedView,
  viewOf,
} from "./conv_views.js";
import { pad } from "./padding.js";

/**
 * Transposed convolution ("deconvolution"), as PyTorch's: the gradient of a convolution with
 * respect to its input. Each input pixel scatters its channels, weighted by the kernel, into a
 * window of the output: out[n, o, y·s − p + i·d, …] += x[n, c, y, …] · w[c, o, i, …]. The scatter
 * is col2im, so the forward pass is cols = Wᵀ · x then `fold`, and the backward pass is a
 * convolution's forward: `unfold` the output gradient, then matmuls.
 */

/** Options of `convTranspose2d`: one number applies to both height and width. */
export interface ConvTranspose2dOptions {
  /** Step between the windows the input pixels scatter into, ≥ 1 (default 1). */
  stride?: PerDim<[number, number]>;
  /** Cropped from each side of the output: dilation·(k − 1) − padding zeros pad the input, ≥ 0. */
  padding?: PerDim<[number, number]>;
  /** Extra rows/columns on the bottom/right of the output, < stride or < dilation (default 0). */
  outputPadding?: PerDim<[number, number]>;
  /** Blocks of channels convolved separately; divides the input channels (default 1). */
  groups?: number;
  /** Spacing between the kernel's taps, ≥ 1 (default 1). */
  dilation?: PerDim<[number, number]>;
}

/** Options of `convTranspose1d`. */
export interface ConvTranspose1dOptions {
  stride?: PerDim<[number]>;
  padding?: PerDim<[number]>;
  outputPadding?: PerDim<[number]>;
  groups?: number;
  dilation?: PerDim<[number]>;
}

/** PyTorch's transposed convolutions take numeric padding only. */
const numericPadding: OptionCheck = (v) =>
  typeof v === "string"
    ? 'must be a non-negative integer or a list of them (transposed convolutions take no "same" or "valid")'
    : null;

/** The checks of `convTranspose2d`'s options; the per-dim ones are checked where resolved. */
export const convTranspose2dChecks: OptionChecks<ConvTranspose2dOptions> = {
  stride: checkedWhereUsed,
  padding: numericPadding,
  outputPadding: checkedWhereUsed,
  groups: isPositiveInteger,
  dilation: checkedWhereUsed,
};

/** The checks of `convTranspose1d`'s options. */
export const convTranspose1dChecks: OptionChecks<ConvTranspose1dOptions> = convTranspose2dChecks;

/** A transposed convolution's options resolved per spatial dim, as its layer keeps them. */
export interface ConvTransposeSpec extends ConvSpec {
  readonly padding: readonly number[];
  readonly outputPadding: readonly number[];
}

/** Resolves the options; outputPadding must be below the stride or the dilation (PyTorch's rule). */
export function resolveTranspose(
  op: string,
  options: ConvTranspose2dOptions | ConvTranspose1dOptions,
  rank: number,
): ConvTransposeSpec {
  const stride = perDim(op, "stride", options.stride, rank);
  const dilation = perDim(op, "dilation", options.dilation, rank);
  const padding = perDim(op, "padding", options.padding, rank);
  const outputPadding = perDim(op, "outputPadding", options.outputPadding, rank);
  if (outputPadding.some((o, i) => o >= stride[i] && o >= dilation[i])) {
    throw new DataError(
      `${op}: outputPadding must be smaller than either stride or dilation, got outputPadding ${JSON.stringify(outputPadding)}, stride ${JSON.stringify(stride)}, dilation ${JSON.stringify(dilation)}`,
    );
  }
  const groups = groupsOf(op, options.groups);
  return {
    stride,
    dilation,
    padding,
    padBefore: padding,
    padAfter: padding,
    groups,
    outputPadding,
  };
}

/** What the Function needs besides its tensors: the window, the rank, groups, the output size. */
type TransposeParams = {
  readonly g: ConvGeometry;
  readonly rank: 1 | 2;
  readonly groups: number;
  readonly outShape: Shape;
};

/** What ConvTranspose saves: the grouped input (for dW) and weight (for dx), when wanted. */
type TransposeContext = Context<
  [xs: Tensor | null, w2: Tensor | null, xShape: Shape, wShape: Shape, p: TransposeParams]
>;

/**
 * x [N, C, …in] and w [C, O/G, …k] → [N, O, …out]: per group, cols = W_gᵀ [(O/G)·k, C/G] · x_g,
 * then fold. Backward: dCols = unfold(g); dx = W_g · dCols; dW = Σₙ x_g[n] · dCols[n]ᵀ.
 */
class ConvTranspose extends AutogradFunction {
  static override forward(ctx: TransposeContext, p: TransposeParams, x: Tensor, w: Tensor) {
    const [n, c] = x.shape;
    const pixels = x.numel() / (n * c);
    const rows = w.numel() / c;
    const xs = reshaped(x, groupedShape([n], p.groups, [c / p.groups, pixels]));
    const w2 = reshaped(w, groupedShape([], p.groups, [c / p.groups, rows]));
    const grouped = matmulOp(transposedView(w2), xs);
    const cols = viewOf(grouped, [n, p.groups * rows, pixels]);
    const y = foldOp(cols, p.g, imageShape(p.outShape, p.rank));
    cols.dispose();
    const [needX, needW] = ctx.needsInputGrad;
    const keepX = !ctx.noGrad && needW;
    const keepWeight = !ctx.noGrad && needX;
    ctx.saveForBackward(keepX ? xs : null, keepWeight ? w2 : null, x.shape, w.shape, p);
    if (!keepX) xs.dispose();
    if (!keepWeight) w2.dispose();
    return p.rank === 2 ? y : viewOf(y, p.outShape);
  }

  static override backward(ctx: TransposeContext, gOut: Tensor): (Tensor | null)[] {
    const [xs, w2, xShape, wShape, p] = ctx.savedValues;
    const [needX, needW] = ctx.needsInputGrad;
    const image = asImage(gOut, p.rank);
    const unfolded = unfoldOp(image, p.g);
    if (image !== gOut) image.dispose();
    const [n, rowsAll, pixels] = unfolded.shape;
    const dCols =
      p.groups === 1 ? unfolded : viewOf(unfolded, [n, p.groups, rowsAll / p.groups, pixels]);
    const dx = needX && w2 !== null ? viewOf(matmulOp(w2, dCols), xShape) : null;
    let dw: Tensor | null = null;
    if (needW && xs !== null) {
      const perSample = matmulOp(xs, transposedView(dCols));
      dw = viewOf(reduceOp("sum", perSample, 0), wShape);
      perSample.dispose();
    }
    dCols.dispose();
    return [dx, dw];
  }
}

/** Shapes, channels and output size, checked with the values named before any kernel runs. */
function checkTranspose(
  op: string,
  rank: 1 | 2,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  spec: ConvTransposeSpec,
): number[] {
  const dims = rank + 2;
  for (const [what, t, layout] of [
    ["input", input, rank === 2 ? "[N, C, H, W]" : "[N, C, L]"],
    ["weight", weight, rank === 2 ? "[in, out/groups, kh, kw]" : "[in, out/groups, k]"],
  ] as const) {
    if (!(t instanceof Tensor) || t.ndim !== dims) {
      const got = t instanceof Tensor ? `shape ${formatShape(t.shape)}` : describeValue(t);
      throw new ShapeError(
        `${op}: expected ${what === "input" ? "an" : "a"} ${what} ${layout} of ${dims} dims, got ${got}`,
      );
    }
  }
  checkSameKind(op, input, weight, bias);
  const shapes = `input shape ${formatShape(input.shape)}, weight shape ${formatShape(weight.shape)}`;
  const [inChannels, outPerGroup] = weight.shape;
  if (weight.numel() === 0) {
    throw new ShapeError(`${op}: the weight of shape ${formatShape(weight.shape)} has no elements`);
  }
  if (input.shape[1] !== inChannels) {
    throw new ShapeError(
      `${op}: input has ${input.shape[1]} channels but the weight expects ${inChannels} (${shapes})`,
    );
  }
  if (inChannels % spec.groups !== 0) {
    throw new ShapeError(
      `${op}: the weight's ${inChannels} input channels do not divide into groups=${spec.groups} (${shapes})`,
    );
  }
  const outChannels = outPerGroup * spec.groups;
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new ShapeError(
      `${op}: bias of shape ${formatShape(bias.shape)} should be [${outChannels}], one per output channel (weight shape ${formatShape(weight.shape)}, groups=${spec.groups})`,
    );
  }
  const spatial = input.shape.slice(2);
  const kernel = weight.shape.slice(2);
  // PyTorch's size: (in − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1.
  const out = spatial.map(
    (s, i) =>
      (s - 1) * spec.stride[i] -
      2 * spec.padding[i] +
      spec.dilation[i] * (kernel[i] - 1) +
      spec.outputPadding[i] +
      1,
  );
  if (spatial.some((s) => s < 1) || out.some((o) => o < 1)) {
    throw new ShapeError(
      `${op}: given input size per channel ${spatial.join("×")}, the output size per channel ${out.join("×")} is too small (${shapes}, padding ${spec.padding.join("×")})`,
    );
  }
  return out;
}

/** The shared body of convTranspose1d and convTranspose2d, on resolved options. */
export function convolveTransposed(
  op: string,
  rank: 1 | 2,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  spec: ConvTransposeSpec,
): Tensor {
  const out = checkTranspose(op, rank, input, weight, bias, spec);
  // An outputPadding ≥ stride (allowed when below the dilation) makes the output one window
  // longer than the input has pixels for: zero pixels appended to the input scatter nothing and
  // give fold the window count it needs for that size.
  const extra = spec.outputPadding.map((o, i) => Math.floor(o / spec.stride[i]));
  const x = extra.some((e) => e > 0) ? pad(input, extra.flatMap((e) => [e, 0]).reverse()) : input;
  const outChannels = weight.shape[1] * spec.groups;
  const p: TransposeParams = {
    g: geometryOf(rank, weight.shape.slice(2), spec),
    rank,
    groups: spec.groups,
    outShape: [input.shape[0], outChannels, ...out],
  };
  const y = ConvTranspose.apply<Tensor>(p, x, weight);
  return bias === null
    ? y
    : y.add(bias.reshape(rank === 2 ? [outChannels, 1, 1] : [outChannels, 1]));
}

/**
 * 2-D transposed convolution, as `torch.nn.functional.conv_transpose2d`: input [N, C, H, W],
 * weight [C, O/groups, kh, kw], bias [O] → [N, O, OH, OW] with
 * OH = (H − 1)·stride − 2·padding + dilation·(kh − 1) + outputPadding + 1 (OW likewise).
 */
export function convTranspose2d(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: ConvTranspose2dOptions = {},
): Tensor {
  checkOptions("convTranspose2d", options, convTranspose2dChecks);
  checkBias("convTranspose2d", bias);
  const spec = resolveTranspose("convTranspose2d", options, 2);
  return convolveTransposed("convTranspose2d", 2, input, weight, bias, spec);
}

/**
 * 1-D transposed convolution, as `torch.nn.functional.conv_transpose1d`: input [N, C, L], weight
 * [C, O/groups, k], bias [O] → [N, O, OL], OL = (L − 1)·stride − 2·padding + dilation·(k − 1) +
 * outputPadding + 1.
 */
export function convTranspose1d(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: ConvTranspose1dOptions = {},
): Tensor {
  checkOptions("convTranspose1d", options, convTranspose1dChecks);
  checkBias("convTranspose1d", bias);
  const spec = resolveTranspose("convTranspose1d", options, 1);
  return convolveTransposed("convTranspose1d", 1, input, weight, bias, spec);
}
