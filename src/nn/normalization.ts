import { checkOptions, isBoolean, isPositiveNumber, type OptionChecks } from "../options.js";
import { getBackend } from "../tensor/default_backend.js";
import { Tensor } from "../tensor/tensor.js";
import { layerNorm, normalizedShapeOf } from "./functional/normalization.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";

/** Options of `LayerNorm`. */
export interface LayerNormLayerOptions {
  /** Added to the variance before the square root (1e-5 by default). */
  eps?: number;
  /** Learn a `weight` (ones) and, unless `bias` is false, a `bias` (zeros) (default true). */
  elementwiseAffine?: boolean;
  /** Learn a `bias` when elementwiseAffine (default true). */
  bias?: boolean;
}

const layerNormLayerChecks: OptionChecks<LayerNormLayerOptions> = {
  eps: isPositiveNumber,
  elementwiseAffine: isBoolean,
  bias: isBoolean,
};

/** A float32 parameter of `shape` filled with `value`, on the default backend. */
function filled(shape: number[], value: number): Parameter<Tensor> {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Array<number>(size).fill(value);
  return new Parameter(Tensor.fromValues(values, shape, "float32", getBackend()));
}

/**
 * Layer normalization over the last dims, as `torch.nn.LayerNorm`: see `layerNorm`. With
 * elementwiseAffine (the default) it learns `weight` (ones) and `bias` (zeros) of normalizedShape.
 */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  readonly weight: Parameter<Tensor> | null;
  readonly bias: Parameter<Tensor> | null;

  constructor(normalizedShape: number | readonly number[], options: LayerNormLayerOptions = {}) {
    super();
    const {
      eps = 1e-5,
      elementwiseAffine = true,
      bias = true,
    } = checkOptions("LayerNorm", options, layerNormLayerChecks);
    this.normalizedShape = normalizedShapeOf("LayerNorm", normalizedShape);
    this.eps = eps;
    this.elementwiseAffine = elementwiseAffine;
    const shape = [...this.normalizedShape];
    this.weight = elementwiseAffine ? filled(shape, 1) : null;
    this.bias = elementwiseAffine && bias ? filled(shape, 0) : null;
  }

  /** x [..., *normalizedShape] → the same shape. */
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, {
      weight: this.weight?.value ?? null,
      bias: this.bias?.value ?? null,
      eps: this.eps,
    });
  }
}
