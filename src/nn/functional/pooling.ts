import type { Context } from "../../autodiff/context.js";
import { AutogradFunction } from "../../autodiff/function.js";
import type { ConvGeometry } from "../../backend/backend.js";
import { DataError, ShapeError } from "../../errors.js";
import { checkOptions } from "../../options.js";
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
import {
  type AvgPool2dOptions,
  avgPool2dChecks,
  type MaxPool2dOptions,
  maxPool2dChecks,
} from "./pooling_options.js";

/** A pooling window: one size for both dims, or [height, width]. */
export type KernelSize = number | readonly [number, number];

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

/** The non-overlapping kh×kw windows of `input` [N, C, H, W], checked to tile it exactly. */
function windowGeometry(op: string, input: Tensor, kernel: KernelSize): ConvGeometry {
  const [kh, kw] = kernelPair(op, kernel);
  if (input.ndim !== 4) {
    throw new ShapeError(
      `${op}: expected an input of shape [N, C, H, W], got ${formatShape(input.shape)}`,
    );
  }
  const [, , h, w] = input.shape;
  if (h % kh !== 0 || w % kw !== 0) {
    throw new ShapeError(
      `${op}: the kernel [${kh},${kw}] does not divide the input's height ${h} and width ${w} (input shape ${formatShape(input.shape)})`,
    );
  }
  return { kh, kw, sh: kh, sw: kw, ph: 0, pw: 0 };
}

/**
 * Window-major layout: x [N, C, H, W] → [kh·kw, P] with P = N·C·(H/kh)·(W/kw), row k holding
 * offset (k / kw, k mod kw) of every window, the windows in (n, c, oh, ow) order. It is one
 * `unfold` of the images stacked into a single [1, 1, N·C·H, W] image: kh divides H, so no window
 * straddles two images, and im2col of a one-channel image puts the window offset first. The layout
 * keeps pooling on the backends' fast paths: reducing dim 0 walks memory in order, a pooled [1, P]
 * broadcasts back as a repeated row, and a weighted sum over dim 0 is a [1, kh·kw] matmul.
 */
function windowRows(x: Tensor, g: ConvGeometry): Tensor {
  const [n, c, h, w] = x.shape;
  const image = (x.isContiguous() ? x : copyOp(x)).reshapeView([1, 1, n * c * h, w]);
  return unfoldOp(image, g).reshapeView([g.kh * g.kw, (n * c * h * w) / (g.kh * g.kw)]);
}

/** `windowRows`' adjoint, and for non-overlapping windows its inverse: [kh·kw, P] → `shape`. */
function fromWindowRows(rows: Tensor, g: ConvGeometry, shape: Shape): Tensor {
  const [n, c, h, w] = shape;
  const dense = rows.isContiguous() ? rows : copyOp(rows);
  const cols = dense.reshapeView([1, g.kh * g.kw, dense.numel() / (g.kh * g.kw)]);
  return foldOp(cols, g, [1, 1, n * c * h, w]).reshapeView(shape);
}

/** Windows saves the input's shape and the window. */
type WindowsContext = Context<[shape: Shape, g: ConvGeometry]>;

/** x [N, C, H, W] → its windows window-major, [kh·kw, N, C, H/kh, W/kw]; backward is `fold`. */
class Windows extends AutogradFunction {
  static override forward(ctx: WindowsContext, x: Tensor, p: { geometry: ConvGeometry }): Tensor {
    const g = p.geometry;
    const [n, c, h, w] = x.shape;
    ctx.saveForBackward(x.shape, g);
    return windowRows(x, g).reshapeView([g.kh * g.kw, n, c, h / g.kh, w / g.kw]);
  }
  static override backward(ctx: WindowsContext, grad: Tensor): Tensor {
    const [shape, g] = ctx.savedValues;
    return fromWindowRows(grad, g, shape);
  }
}

/** MaxPool2d saves the input's shape, the window, the window-major rows and their maxima. */
type MaxPoolContext = Context<[shape: Shape, g: ConvGeometry, rows: Tensor, out: Tensor]>;

/**
 * Max pooling as one Function over the window-major rows: forward is unfold + a max over dim 0
 * (NaN for a window holding NaN, as in PyTorch); backward gives each window's gradient to its
 * maxima — its NaNs, when it pooled to NaN (`eqNan`) — split evenly between ties (the tie count
 * is a [1, kh·kw] matmul of ones with the max mask), and folds it back. The gradient is selected
 * into place (`keepWhere`), not multiplied by the mask, so a NaN gradient reaches only the max it
 * belongs to, as PyTorch's scatter by index does.
 */
class MaxPool2d extends AutogradFunction {
  static override forward(ctx: MaxPoolContext, x: Tensor, p: { geometry: ConvGeometry }): Tensor {
    const g = p.geometry;
    const [n, c, h, w] = x.shape;
    const rows = windowRows(x, g);
    const out = reduceOp("max", rows, 0);
    ctx.saveForBackward(x.shape, g, rows, out);
    return out.reshapeView([n, c, h / g.kh, w / g.kw]);
  }
  static override backward(ctx: MaxPoolContext, grad: Tensor): Tensor {
    const [shape, g, rows, out] = ctx.savedValues;
    // A bool mask; the tie count is a float matmul, so count in the rows' dtype.
    const isMax = copyOp(zipOp("eqNan", rows, out), rows.shape, rows.dtype);
    const ones = Tensor.full([1, g.kh * g.kw], 1, rows.dtype, rows.backendImpl);
    const ties = matmulOp(ones, isMax);
    const share = zipOp(
      "div",
      (grad.isContiguous() ? grad : copyOp(grad)).reshapeView(out.shape),
      ties,
    );
    return fromWindowRows(zipOp("keepWhere", share, isMax), g, shape);
  }
}

/**
 * The non-overlapping kh×kw windows of `input` [N, C, H, W] laid out along a new last dim:
 * [N, C, H/kh, W/kw, kh·kw], as the course's `tile` (window element i·kw + j is offset (i, j)).
 * H and W must be multiples of kh and kw (a `ShapeError` names them otherwise). The result is a
 * permuted view of one window-major copy (see `windowRows`), which the poolings use directly.
 */
export function tile(input: Tensor, kernel: KernelSize): Tensor {
  const geometry = windowGeometry("tile", input, kernel);
  return Windows.apply<Tensor>(input, { geometry }).permute(1, 2, 3, 4, 0);
}

/**
 * 2-D average pooling of `input` [N, C, H, W] over non-overlapping windows (stride = kernel, no
 * padding, as in the course; H and W must be multiples of the kernel): [N, C, H/kh, W/kw].
 */
export function avgpool2d(
  input: Tensor,
  kernel: KernelSize,
  options: AvgPool2dOptions = {},
): Tensor {
  checkOptions("avgpool2d", options, avgPool2dChecks(kernel));
  const g = windowGeometry("avgpool2d", input, kernel);
  const [n, c, h, w] = input.shape;
  const k = g.kh * g.kw;
  const rows = Windows.apply<Tensor>(input, { geometry: g }).view([k, -1]);
  // The mean over the window rows as a matmul with a row of 1/k: one fast kernel each way.
  const weights = Tensor.full([1, k], 1 / k, input.dtype, input.backendImpl);
  return weights.matmul(rows).view([n, c, h / g.kh, w / g.kw]);
}

/**
 * 2-D max pooling of `input` [N, C, H, W] over non-overlapping windows (stride = kernel, no
 * padding, as in the course): [N, C, H/kh, W/kw]. A window holding NaN pools to NaN and its
 * gradient goes to the NaN, as in PyTorch. Unlike PyTorch, which gives a window's gradient to one
 * of its maxima, a window with tied maxima (or several NaNs) splits it evenly between them.
 */
export function maxpool2d(
  input: Tensor,
  kernel: KernelSize,
  options: MaxPool2dOptions = {},
): Tensor {
  checkOptions("maxpool2d", options, maxPool2dChecks(kernel));
  return MaxPool2d.apply<Tensor>(input, { geometry: windowGeometry("maxpool2d", input, kernel) });
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
