import { BackendError } from "../errors.js";
import { checkOptions, isBoolean, type OptionChecks } from "../options.js";
import { checkOperand } from "./history_free_ops.js";
import { Tensor } from "./tensor.js";

/**
 * The positions of the nonzero elements, as PyTorch's `nonzero` and `argwhere`. The result's size
 * depends on the values, so they are read here: on a backend that reads only asynchronously (a
 * GPU's), that is a BackendError naming the move to make first. Indices are int32 (PyTorch's
 * int64, stored in 32 bits); there is no gradient (indices are not differentiable).
 */

/** Options of `nonzero`. */
export interface NonzeroOptions {
  /** One 1-D tensor of indices per dim instead of one [n, ndim] tensor (default false). */
  asTuple?: boolean;
}

const nonzeroChecks: OptionChecks<NonzeroOptions> = { asTuple: isBoolean };

/**
 * The index of every nonzero element of `x` (NaN counts as nonzero, −0 does not), in row-major
 * order: the rows of the returned [n, ndim] int32 tensor. With `{asTuple: true}`, its ndim columns
 * as 1-D tensors instead (one for a 0-d tensor, as PyTorch's), ready for `x.index(...)`-style use.
 */
export function nonzero(x: Tensor, options?: NonzeroOptions & { asTuple?: false }): Tensor;
export function nonzero(x: Tensor, options: NonzeroOptions & { asTuple: true }): Tensor[];
export function nonzero(x: Tensor, options?: NonzeroOptions): Tensor | Tensor[];
export function nonzero(x: Tensor, options?: NonzeroOptions): Tensor | Tensor[] {
  checkOperand("nonzero", x, "a Tensor");
  const { asTuple = false } = checkOptions("nonzero", options, nonzeroChecks);
  const rows = nonzeroIndices("nonzero", x);
  const ndim = x.ndim;
  const at = (values: number[], shape: number[]) =>
    Tensor.fromValues(values, shape, "int32", x.backendImpl);
  if (asTuple) {
    if (ndim === 0)
      return [
        at(
          rows.map(() => 0),
          [rows.length],
        ),
      ];
    return x.shape.map((_, d) =>
      at(
        rows.map((index) => index[d]),
        [rows.length],
      ),
    );
  }
  return at(rows.flat(), [rows.length, ndim]);
}

/** `nonzero(x)` under NumPy's name, `torch.argwhere`: the [n, ndim] int32 indices. */
export function argwhere(x: Tensor): Tensor {
  checkOperand("argwhere", x, "a Tensor");
  return nonzero(x);
}

/** The multi-indices of `x`'s nonzero elements in row-major order, read synchronously for `op`. */
function nonzeroIndices(op: string, x: Tensor): number[][] {
  if (!x.backendImpl.synchronousRead) {
    throw new BackendError(
      `${op}: the result's size depends on the values, which the ${x.backend} backend reads only asynchronously; move the tensor first with await x.to("cpu")`,
    );
  }
  const values = x.dataSync();
  const shape = x.shape;
  const rows: number[][] = [];
  for (let k = 0; k < values.length; k++) {
    if (values[k] === 0) continue;
    const index = new Array<number>(shape.length);
    let rest = k;
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d] = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
    }
    rows.push(index);
  }
  return rows;
}
