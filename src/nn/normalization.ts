import { DataError } from "../errors.js";
import { checkOptions, isBoolean, isPositiveNumber, type OptionChecks } from "../options.js";
import { getBackend } from "../tensor/default_backend.js";
import { Tensor } from "../tensor/tensor.js";
import { pythonFloat } from "./batch_norm.js";
import { checkGroups, groupNorm } from "./functional/group_norm.js";
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

  /** PyTorch's `(4,), eps=1e-05, elementwise_affine=True` (the shape as a Python tuple). */
  override extraRepr(): string {
    const dims = this.normalizedShape;
    const tuple = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(", ")})`;
    return `${tuple}, eps=${pythonFloat(this.eps)}, elementwise_affine=${this.elementwiseAffine ? "True" : "False"}`;
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

/** Options of `GroupNorm`. */
export interface GroupNormLayerOptions {
  /** Added to the variance before the square root (1e-5 by default). */
  eps?: number;
  /** Learn a per-channel `weight` (ones) and `bias` (zeros) (default true). */
  affine?: boolean;
}

const groupNormLayerChecks: OptionChecks<GroupNormLayerOptions> = {
  eps: isPositiveNumber,
  affine: isBoolean,
};

/**
 * Group normalization of x [N, C, ...], as `torch.nn.GroupNorm`: see `groupNorm`. With affine
 * (the default) it learns a per-channel `weight` (ones) and `bias` (zeros) of shape [numChannels].
 */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  readonly weight: Parameter<Tensor> | null;
  readonly bias: Parameter<Tensor> | null;

  constructor(numGroups: number, numChannels: number, options: GroupNormLayerOptions = {}) {
    super();
    const { eps = 1e-5, affine = true } = checkOptions("GroupNorm", options, groupNormLayerChecks);
    if (!Number.isInteger(numChannels) || numChannels < 1) {
      throw new DataError(`GroupNorm: numChannels must be a positive integer, got ${numChannels}`);
    }
    checkGroups("GroupNorm", numGroups, numChannels);
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = eps;
    this.affine = affine;
    this.weight = affine ? filled([numChannels], 1) : null;
    this.bias = affine ? filled([numChannels], 0) : null;
  }

  /** PyTorch's `2, 8, eps=1e-05, affine=True`. */
  override extraRepr(): string {
    const affine = this.affine ? "True" : "False";
    return `${this.numGroups}, ${this.numChannels}, eps=${pythonFloat(this.eps)}, affine=${affine}`;
  }

  /** x [N, numChannels, ...] → the same shape. */
  forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, {
      weight: this.weight?.value ?? null,
      bias: this.bias?.value ?? null,
      eps: this.eps,
    });
  }
}
