import type { Context } from "../../autodiff/context.js";
import { AutogradFunction } from "../../autodiff/function.js";
import type { ConvGeometry } from "../../backend/backend.js";
import { convOutputSize } from "../../backend/checks.js";
import { BackendError, DataError, DTypeError, ShapeError } from "../../errors.js";
import { checkOptions, describeValue } from "../../options.js";
import { formatShape, type Shape } from "../../strided/shape.js";
import { foldOp, matmulOp, reduceOp, unfoldOp, zipOp } from "../../tensor/history_free_ops.js";
import { Tensor } from "../../tensor/tensor.js";
import {
  type Conv1dOptions,
  type Conv2dOptions,
  type ConvSpec,
  conv1dChecks,
  conv2dChecks,
  resolveConv,
} from "./conv_options.js";
import {
  asImage,
  groupedShape,
  imageShape,
  reshaped,
  transposedView,
  viewOf,
} from "./conv_views.js";
import { pad } from "./padding.js";

export {
  type Conv1dOptions,
  type Conv2dOptions,
  conv1dChecks,
  conv2dChecks,
} from "./conv_options.js";

/** What the Function needs besides its tensors: the window, 1 or 2 spatial dims, the groups. */
type ConvParams = { readonly g: ConvGeometry; readonly rank: 1 | 2; readonly groups: number };

/**
 * What Convolution saves: the unfolded input (for dW) and the grouped weight (for dx), each null
 * when that gradient is not wanted, the input and weight shapes, and the parameters.
 */
type ConvContext = Context<
  [cols: Tensor | null, w2: Tensor | null, xShape: Shape, wShape: Shape, p: ConvParams]
>;

/**
 * Convolution (cross-correlation, as PyTorch's) as im2col + one batched matmul:
 * cols = unfold(x) [N, C·k, L]; out[n] = W [O, C·k] · cols[n] + b, viewed as [N, O, OH, OW].
 * With G groups the rows of cols split into G blocks of (C/G)·k (unfold puts channels outermost)
 * and the weight into [G, O/G, (C/G)·k]: one matmul batched over N and G convolves every group.
 * Backward: dW = Σₙ g[n] · cols[n]ᵀ, dx = fold(Wᵀ · g), db = Σ over n and L of g (per group).
 */
class Convolution extends AutogradFunction {
  /**
   * cols = unfold(x), y = W · cols (+ b), saving what backward's products need (ConvContext).
   * @task 4.1
   */
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
    const rows = w.numel() / o;
    const unfolded = unfoldOp(image, p.g);
    if (image !== x) image.dispose();
    const cols = p.groups === 1 ? unfolded : viewOf(unfolded, [n, p.groups, rows, length]);
    const w2 = reshaped(w, groupedShape([], p.groups, [o / p.groups, rows]));
    // The weight broadcasts over the batch: the backend walks it, it is never copied.
    let y = matmulOp(w2, cols);
    if (p.groups !== 1) y = viewOf(y, [n, o, length]);
    if (b !== undefined) {
      // The bias as a contiguous [O, L] block (an outer product with ones, one small matmul), so
      // the add is a repeated-row broadcast that backends run as a flat loop.
      const ones = Tensor.full([1, length], 1, y.dtype, y.backendImpl);
      const column = reshaped(b, [o, 1]);
      const biasRows = matmulOp(column, ones);
      const biased = zipOp("add", y, biasRows);
      for (const t of [y, biasRows, ones, column]) t.dispose();
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

  /**
   * dx = fold(Wᵀ · g), dW = Σₙ g[n] · cols[n]ᵀ, db = Σ g over the batch and positions.
   * @task 4.2
   */
  static override backward(ctx: ConvContext, gOut: Tensor): (Tensor | null)[] {
    const [cols, w2, xShape, wShape, p] = ctx.savedValues;
    const [needX, needW, needB] = ctx.needsInputGrad;
    const [n, o] = gOut.shape;
    const length = gOut.numel() / (n * o);
    const g = reshaped(gOut, groupedShape([n], p.groups, [o / p.groups, length]));
    let dx: Tensor | null = null;
    if (needX && w2 !== null) {
      const grouped = matmulOp(transposedView(w2), g);
      const dCols = viewOf(grouped, [n, grouped.numel() / (n * length), length]);
      dx = viewOf(foldOp(dCols, p.g, imageShape(xShape, p.rank)), xShape);
      dCols.dispose();
    }
    let dw: Tensor | null = null;
    if (needW && cols !== null) {
      // One product per sample, summed over the batch (measured faster on cpu than permuting g
      // and cols into one [O, N·L] · [N·L, C·k] product: those permuted copies cost more).
      const perSample = matmulOp(g, transposedView(cols));
      dw = viewOf(reduceOp("sum", perSample, 0), wShape);
      perSample.dispose();
    }
    let db: Tensor | null = null;
    if (needB) {
      const rowSums = reduceOp("sum", g, g.ndim - 1);
      db = viewOf(reduceOp("sum", rowSums, 0), [o]);
      rowSums.dispose();
    }
    g.dispose();
    return ctx.needsInputGrad.length === 3 ? [dx, dw, db] : [dx, dw];
  }
}

/** The dims of input and weight, checked before their sizes are read. */
function checkRanks(op: string, rank: 1 | 2, input: Tensor, weight: Tensor): void {
  const dims = rank + 2;
  const layout = rank === 2 ? "[N, C, H, W]" : "[N, C, L]";
  const weightLayout = rank === 2 ? "[out, in, kh, kw]" : "[out, in, k]";
  if (!(input instanceof Tensor) || input.ndim !== dims) {
    throw new ShapeError(
      `${op}: expected an input ${layout} of ${dims} dims, got ${input instanceof Tensor ? `shape ${formatShape(input.shape)}` : describeValue(input)}`,
    );
  }
  if (!(weight instanceof Tensor) || weight.ndim !== dims) {
    throw new ShapeError(
      `${op}: expected a weight ${weightLayout} of ${dims} dims, got ${weight instanceof Tensor ? `shape ${formatShape(weight.shape)}` : describeValue(weight)}`,
    );
  }
}

/** The backend and dtype of the weight and bias: the input's. */
export function checkSameKind(op: string, input: Tensor, weight: Tensor, bias: Tensor | null) {
  for (const t of bias === null ? [weight] : [weight, bias]) {
    const what = t === weight ? "weight" : "bias";
    if (t.backend !== input.backend) {
      throw new BackendError(
        `${op}: the input is on the ${input.backend} backend but a ${what} on ${t.backend}; move it with await t.to("${input.backend}")`,
      );
    }
    if (t.dtype !== input.dtype) {
      throw new DTypeError(
        `${op}: the input is ${input.dtype} but the ${what} is ${t.dtype}; convert one with .float() or .double()`,
      );
    }
  }
}

/** The checks a user's mistake should meet before any kernel runs, with the values named. */
function checkArguments(
  op: string,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  spec: ConvSpec,
): void {
  checkSameKind(op, input, weight, bias);
  const [outChannels, inChannels] = weight.shape;
  const { groups } = spec;
  const shapes = `input shape ${formatShape(input.shape)}, weight shape ${formatShape(weight.shape)}`;
  if (weight.numel() === 0) {
    throw new ShapeError(`${op}: the weight of shape ${formatShape(weight.shape)} has no elements`);
  }
  if (input.shape[1] !== inChannels * groups) {
    const perGroup = groups === 1 ? "" : ` (${inChannels} per group × groups=${groups})`;
    throw new ShapeError(
      `${op}: input has ${input.shape[1]} channels but weight expects ${inChannels * groups}${perGroup} (${shapes})`,
    );
  }
  if (outChannels % groups !== 0) {
    throw new ShapeError(
      `${op}: the weight's ${outChannels} output channels do not divide into groups=${groups} (${shapes})`,
    );
  }
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== outChannels)) {
    throw new ShapeError(
      `${op}: bias of shape ${formatShape(bias.shape)} should be [${outChannels}], one per output channel (weight shape ${formatShape(weight.shape)})`,
    );
  }
  const spatial = input.shape.slice(2);
  const kernel = weight.shape.slice(2);
  const span = kernel.map((k, i) => spec.dilation[i] * (k - 1) + 1);
  const padded = spatial.map((s, i) => s + spec.padBefore[i] + spec.padAfter[i]);
  if (span.some((k, i) => k > padded[i])) {
    const dilated = span.some((k, i) => k !== kernel[i])
      ? ` dilated by ${spec.dilation.join("×")} (spanning ${span.join("×")})`
      : "";
    throw new ShapeError(
      `${op}: kernel ${kernel.join("×")}${dilated} is larger than the input ${spatial.join("×")} padded by ${spec.padBefore.join("×")} (${shapes})`,
    );
  }
}

/**
 * The bias is a Tensor or null: options passed third (`conv2d(x, w, {stride})`) would otherwise
 * surface as a confusing backend error, or be ignored.
 */
export function checkBias(op: string, bias: unknown): void {
  if (bias !== null && !(bias instanceof Tensor)) {
    throw new DataError(
      `${op}: bias must be a Tensor or null, got ${describeValue(bias)}; options come fourth: ${op}(x, w, null, {stride})`,
    );
  }
}

/** The backend's window for `spec`: rank 1 is a height-1 image with a 1-tap kernel along it. */
export function geometryOf(rank: 1 | 2, kernel: Shape, spec: ConvSpec): ConvGeometry {
  const { stride, dilation, padBefore } = spec;
  return rank === 2
    ? {
        kh: kernel[0],
        kw: kernel[1],
        sh: stride[0],
        sw: stride[1],
        ph: padBefore[0],
        pw: padBefore[1],
        dh: dilation[0],
        dw: dilation[1],
      }
    : {
        kh: 1,
        kw: kernel[0],
        sh: 1,
        sw: stride[0],
        ph: 0,
        pw: padBefore[0],
        dh: 1,
        dw: dilation[0],
      };
}

/**
 * A convolution of resolved options (what conv1d, conv2d and the layers share): checks the
 * tensors, pads what the geometry's symmetric padding cannot, and runs the Function.
 */
export function convolve(
  op: string,
  rank: 1 | 2,
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  spec: ConvSpec,
): Tensor {
  checkRanks(op, rank, input, weight);
  checkArguments(op, input, weight, bias, spec);
  // "same" with an even span pads one zero more after than before: the geometry pads both sides
  // alike, so that one zero is added here (differentiably), as PyTorch does.
  const extra = spec.padAfter.map((after, i) => after - spec.padBefore[i]);
  // F.pad takes (before, after) pairs from the last dim backwards.
  const pairs = extra.flatMap((e) => [e, 0]).reverse();
  const x = extra.some((e) => e !== 0) ? pad(input, pairs) : input;
  const p: ConvParams = {
    g: geometryOf(rank, weight.shape.slice(2), spec),
    rank,
    groups: spec.groups,
  };
  return bias === null
    ? Convolution.apply<Tensor>(p, x, weight)
    : Convolution.apply<Tensor>(p, x, weight, bias);
}

/**
 * 2-D convolution, as `torch.nn.functional.conv2d`: input [N, C, H, W], weight [O, C/groups, kh,
 * kw], bias [O] → [N, O, OH, OW] with OH = ⌊(H + 2·padding − dilation·(kh − 1) − 1) / stride⌋ + 1
 * (OW likewise), differentiable in all three.
 */
export function conv2d(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: Conv2dOptions = {},
): Tensor {
  checkOptions("conv2d", options, conv2dChecks);
  checkBias("conv2d", bias);
  checkRanks("conv2d", 2, input, weight);
  const spec = resolveConv("conv2d", options, weight.shape.slice(2));
  return convolve("conv2d", 2, input, weight, bias, spec);
}

/**
 * 1-D convolution, as `torch.nn.functional.conv1d`: input [N, C, L], weight [O, C/groups, k],
 * bias [O] → [N, O, OL] with OL = ⌊(L + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1.
 */
export function conv1d(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: Conv1dOptions = {},
): Tensor {
  checkOptions("conv1d", options, conv1dChecks);
  checkBias("conv1d", bias);
  checkRanks("conv1d", 1, input, weight);
  const spec = resolveConv("conv1d", options, weight.shape.slice(2));
  return convolve("conv1d", 1, input, weight, bias, spec);
}
