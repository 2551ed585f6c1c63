import { DataError, ShapeError } from "../../errors.js";
import { checkOptions, instanceOf, isPositiveNumber, type OptionChecks } from "../../options.js";
import { formatShape } from "../../strided/shape.js";
import { Tensor } from "../../tensor/tensor.js";

/**
 * Layer normalization, as `torch.nn.functional.layer_norm`: each sample is normalized over its
 * last dims (`normalizedShape`) to mean 0 and variance 1 — the biased variance, dividing by N as
 * PyTorch — then scaled by `weight` and shifted by `bias`. Built from mean, var and rsqrt, so
 * autograd gives its gradient.
 */

/** Options of `layerNorm`. */
export interface LayerNormOptions {
  /** Elementwise scale, of shape normalizedShape (none by default). */
  weight?: Tensor | null;
  /** Elementwise shift, of shape normalizedShape (none by default). */
  bias?: Tensor | null;
  /** Added to the variance before the square root (1e-5 by default). */
  eps?: number;
}

const tensorOrNull = (v: unknown) => (v === null ? null : instanceOf(Tensor, "a Tensor")(v));

const layerNormChecks: OptionChecks<LayerNormOptions> = {
  weight: tensorOrNull,
  bias: tensorOrNull,
  eps: isPositiveNumber,
};

/** normalizedShape (one size or a list) as a list of sizes, checked. */
export function normalizedShapeOf(op: string, normalizedShape: number | readonly number[]) {
  const shape = typeof normalizedShape === "number" ? [normalizedShape] : [...normalizedShape];
  if (!shape.every((s) => Number.isInteger(s) && s >= 0)) {
    throw new DataError(`${op}: normalizedShape must hold non-negative integers, got [${shape}]`);
  }
  return shape;
}

/** x normalized over its last normalizedShape.length dims, then ⊙ weight + bias. */
export function layerNorm(
  x: Tensor,
  normalizedShape: number | readonly number[],
  options?: LayerNormOptions,
): Tensor {
  const { weight, bias, eps = 1e-5 } = checkOptions("layerNorm", options, layerNormChecks);
  const shape = normalizedShapeOf("layerNorm", normalizedShape);
  const k = shape.length;
  const tail = x.shape.slice(x.ndim - k);
  if (k === 0 || x.ndim < k || formatShape(tail) !== formatShape(shape)) {
    throw new ShapeError(
      `layerNorm: input of shape ${formatShape(x.shape)} does not end in normalizedShape ${formatShape(shape)}`,
    );
  }
  for (const [name, t] of [
    ["weight", weight],
    ["bias", bias],
  ] as const) {
    if (t && formatShape(t.shape) !== formatShape(shape)) {
      throw new ShapeError(
        `layerNorm: ${name} has shape ${formatShape(t.shape)}, expected normalizedShape ${formatShape(shape)}`,
      );
    }
  }
  const dims = shape.map((_, i) => x.ndim - k + i);
  const mean = x.mean(dims, true);
  const variance = x.var(dims, { correction: 0, keepdim: true });
  let out = x.sub(mean).mul(variance.add(eps).rsqrt());
  if (weight) out = out.mul(weight);
  if (bias) out = out.add(bias);
  return out;
}
