import { checkOptions } from "../../options.js";
import { type InplaceOptions, inplaceChecks } from "../../tensor/activations.js";
import type { Tensor } from "../../tensor/tensor.js";

/**
 * relu as torch.nn.functional.relu, with PyTorch's `inplace` option checked as the other
 * activations check it (only its default, false). The other activations of `mt.nn.functional`
 * are the Tensor methods' functions themselves (src/tensor/activations.ts, src/tensor/math.ts),
 * re-exported by index.ts.
 */

/** ReLU, max(x, 0). */
export function relu(x: Tensor, options?: InplaceOptions): Tensor {
  checkOptions("relu", options, inplaceChecks);
  return x.relu();
}
