import type { Random } from "../random.js";
import { getBackend } from "../tensor/default_backend.js";
import { Tensor } from "../tensor/tensor.js";
import { Parameter } from "./parameter.js";

/**
 * A trainable float32 tensor of `shape` on the default backend, uniform in [−bound, bound), drawn
 * in row-major order from `rng`: PyTorch's default initialisation of Linear and Conv layers uses
 * bound = 1/√fan_in for both weight and bias.
 */
export function uniformParameter(shape: number[], bound: number, rng: Random): Parameter<Tensor> {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: size }, () => rng.uniform(-bound, bound));
  const t = Tensor.fromValues(values, shape, "float32", getBackend());
  t.requiresGrad = true;
  return new Parameter(t);
}
