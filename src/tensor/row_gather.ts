import type { Context } from "../autodiff/context.js";
import { AutogradFunction } from "../autodiff/function.js";
import type { Shape } from "../strided/shape.js";
import { Tensor } from "./tensor.js";

/**
 * `indexSelect` on a backend that reads synchronously (reference, cpu): the selected slices
 * copied in a JS loop and the gradient added back the same way, O(elements selected). The
 * general path compares every index with every position (a one-hot selection, O(k · n · rest)):
 * an embedding of 2,048 tokens over 91 characters × 128 took half a GPT training step that way.
 * Exact for any values, NaN included, as PyTorch's index_select and its index_add backward.
 */

/** The dim selected along, and the (checked, in-range) positions taken, in order. */
export interface GatherParams {
  readonly dim: number;
  readonly rows: Int32Array;
}

type GatherContext = Context<[shape: Shape, p: GatherParams]>;

/** a's shape seen as [outer, n, inner] around `dim`. */
function around(shape: Shape, dim: number): [outer: number, n: number, inner: number] {
  const size = (dims: Shape) => dims.reduce((x, y) => x * y, 1);
  return [size(shape.slice(0, dim)), shape[dim], size(shape.slice(dim + 1))];
}

export class RowGather extends AutogradFunction {
  /** a [..., n, ...] → [..., k, ...]: slice r along `dim` of the result is slice rows[r] of a. */
  static override forward(ctx: GatherContext, a: Tensor, p: GatherParams): Tensor {
    const [outer, n, inner] = around(a.shape, p.dim);
    const k = p.rows.length;
    const values = a.dataSync();
    const out = new (values.constructor as new (length: number) => typeof values)(
      outer * k * inner,
    );
    for (let o = 0; o < outer; o++) {
      for (let r = 0; r < k; r++) {
        const from = (o * n + p.rows[r]) * inner;
        out.set(values.subarray(from, from + inner), (o * k + r) * inner);
      }
    }
    ctx.saveForBackward(a.shape, p);
    const shape = a.shape.map((s, d) => (d === p.dim ? k : s));
    return Tensor.fromValues(out, shape, a.dtype, a.backendImpl);
  }

  /** g [..., k, ...] → [..., n, ...]: each slice's gradient summed where it was taken. */
  static override backward(ctx: GatherContext, g: Tensor): Tensor {
    const [shape, p] = ctx.savedValues;
    const [outer, n, inner] = around(shape, p.dim);
    const k = p.rows.length;
    const grads = g.dataSync();
    const sum =
      g.dtype === "float64"
        ? new Float64Array(outer * n * inner)
        : new Float32Array(outer * n * inner);
    for (let o = 0; o < outer; o++) {
      for (let r = 0; r < k; r++) {
        const to = (o * n + p.rows[r]) * inner;
        const from = (o * k + r) * inner;
        for (let j = 0; j < inner; j++) sum[to + j] += grads[from + j];
      }
    }
    return Tensor.fromValues(sum, shape, g.dtype, g.backendImpl);
  }
}
