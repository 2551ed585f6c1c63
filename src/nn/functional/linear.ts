import { ShapeError } from "../../errors.js";
import { formatShape } from "../../strided/shape.js";
import type { Tensor } from "../../tensor/tensor.js";

/**
 * y = x Wᵀ + b, as `torch.nn.functional.linear`: x [..., in] (any leading batch dims), `weight`
 * [out, in], `bias` [out] or none; gives [..., out]. Shapes that do not fit are a `ShapeError`.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.ndim !== 2) {
    throw new ShapeError(
      `linear: weight must have shape [out, in], got ${formatShape(weight.shape)}`,
    );
  }
  const [out, inFeatures] = weight.shape;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inFeatures) {
    throw new ShapeError(
      `linear: input of shape ${formatShape(x.shape)} does not end in the weight's ${inFeatures} input features (weight shape ${formatShape(weight.shape)})`,
    );
  }
  if (bias !== undefined && bias !== null && (bias.ndim !== 1 || bias.shape[0] !== out)) {
    throw new ShapeError(
      `linear: bias must have shape [${out}] to match weight ${formatShape(weight.shape)}, got ${formatShape(bias.shape)}`,
    );
  }
  // Wᵀ as a view: MatMul's backward then gives the weight a contiguous gradient.
  const y = x.matmul(weight.transpose(0, 1));
  return bias === undefined || bias === null ? y : y.add(bias);
}
