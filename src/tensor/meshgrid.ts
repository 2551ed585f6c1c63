import { ShapeError } from "../errors.js";
import { checkOptions, type OptionChecks } from "../options.js";
import { formatShape } from "../strided/shape.js";
import { checkList } from "./joining.js";
import type { Tensor } from "./tensor.js";
import { expand, unsqueeze } from "./views.js";

/** Options of `meshgrid`. */
export interface MeshgridOptions {
  /**
   * "ij" (the default): output dim i runs along input i (matrix indexing). "xy": the first two
   * output dims are swapped (Cartesian indexing, NumPy's default). PyTorch's own default is "ij"
   * with a warning that the argument will become required; minitorch takes "ij" silently.
   */
  indexing?: "ij" | "xy";
}

const meshgridChecks: OptionChecks<MeshgridOptions> = {
  indexing: (v) => (v === "ij" || v === "xy" ? null : 'must be "ij" or "xy"'),
};

/**
 * Coordinate grids from 1-D (or 0-d, read as one element) tensors of sizes n₀, n₁, …, as
 * `torch.meshgrid`: tensor k of the result has shape [n₀, n₁, …] ([n₁, n₀, …] with "xy") and holds
 * input k's values along its dim (dim 1 for k = 0 and dim 0 for k = 1 with "xy"), repeated along the
 * others. The tensors share one backend and dtype; the results are expanded views of them (stride
 * 0 along the repeated dims: copy with `.contiguous()` before writing), with gradients.
 */
export function meshgrid(tensors: readonly Tensor[], options: MeshgridOptions = {}): Tensor[] {
  checkList("meshgrid", tensors);
  const { indexing = "ij" } = checkOptions("meshgrid", options, meshgridChecks);
  tensors.forEach((t, i) => {
    if (t.ndim > 1) {
      throw new ShapeError(
        `meshgrid: expects 0-d or 1-D tensors, but tensor ${i} has shape ${formatShape(t.shape)}`,
      );
    }
  });
  const n = tensors.length;
  // Where each input's values run: its own dim, but for "xy" the first two swap.
  const position = (k: number) => (indexing === "xy" && n >= 2 && k < 2 ? 1 - k : k);
  const shape = new Array<number>(n);
  tensors.forEach((t, k) => {
    shape[position(k)] = t.numel();
  });
  return tensors.map((t, k) => {
    let x = t.ndim === 0 ? unsqueeze(t, 0) : t;
    for (let d = 0; d < position(k); d++) x = unsqueeze(x, 0);
    while (x.ndim < n) x = unsqueeze(x, -1);
    return expand(x, [shape]);
  });
}
