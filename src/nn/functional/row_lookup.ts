import type { Context } from "../../autodiff/context.js";
import { AutogradFunction } from "../../autodiff/function.js";
import { DataError } from "../../errors.js";
import { Tensor } from "../../tensor/tensor.js";

/**
 * Row lookup on a backend that reads synchronously (reference, cpu): the rows copied in a JS loop
 * and the gradient scatter-added back the same way — O(rows read · dim), where the general
 * `indexSelect` compares every index with every row (a one-hot [k, n, dim] selection) and
 * costs O(k · n · dim): 2048 tokens × 91 characters × 128 took half a GPT training step.
 * Exact for any values, NaN included, as PyTorch's gather and index_add.
 */

/** What the lookup needs besides the weight: the row of each output, and a row without gradient. */
export interface LookupParams {
  readonly rows: Int32Array;
  readonly padding: number | null;
}

type LookupContext = Context<[shape: readonly number[], p: LookupParams]>;

export class RowLookup extends AutogradFunction {
  /** weight [n, dim] → [rows.length, dim], row r of the output being weight[rows[r]]. */
  static override forward(ctx: LookupContext, weight: Tensor, p: LookupParams): Tensor {
    const [n, dim] = weight.shape;
    const table = weight.dataSync();
    const out =
      weight.dtype === "float64"
        ? new Float64Array(p.rows.length * dim)
        : new Float32Array(p.rows.length * dim);
    for (const [r, row] of p.rows.entries()) {
      if (row < 0 || row >= n) {
        throw new DataError(`embedding: index ${row} is out of range for ${n} embeddings`);
      }
      out.set(table.subarray(row * dim, (row + 1) * dim), r * dim);
    }
    ctx.saveForBackward(weight.shape, p);
    return Tensor.fromValues(out, [p.rows.length, dim], weight.dtype, weight.backendImpl);
  }

  /** g [rows.length, dim] → [n, dim]: each row's gradient summed where it was read. */
  static override backward(ctx: LookupContext, g: Tensor): Tensor {
    const [shape, p] = ctx.savedValues;
    const [n, dim] = shape;
    const grads = g.dataSync();
    const sum = g.dtype === "float64" ? new Float64Array(n * dim) : new Float32Array(n * dim);
    for (const [r, row] of p.rows.entries()) {
      if (row === p.padding) continue;
      const at = row * dim;
      for (let j = 0; j < dim; j++) sum[at + j] += grads[r * dim + j];
    }
    return Tensor.fromValues(sum, [n, dim], g.dtype, g.backendImpl);
  }
}
