import { DataError, ShapeError } from "../../errors.js";
import { checkOptions, instanceOf, isPositiveNumber, type OptionChecks } from "../../options.js";
import { formatShape } from "../../strided/shape.js";
import { Tensor } from "../../tensor/tensor.js";

/**
 * Group normalization, as `torch.nn.functional.group_norm`: the C channels of x [N, C, ...] are
 * split into numGroups groups of C/numGroups consecutive channels, and each sample's group is
 * normalized over its channels and every dim after them (biased variance), then scaled and
 * shifted per channel: y = (x − mean) / √(var + eps) · weight + bias. Independent of the batch,
 * so it behaves the same in training and evaluation.
 */

/** Options of `groupNorm`. */
export interface GroupNormOptions {
  /** Per-channel scale, of shape [C] (none by default). */
  weight?: Tensor | null;
  /** Per-channel shift, of shape [C] (none by default). */
  bias?: Tensor | null;
  /** Added to the variance before the square root (1e-5 by default). */
  eps?: number;
}

const tensorOrNull = (v: unknown) => (v === null ? null : instanceOf(Tensor, "a Tensor")(v));

const groupNormChecks: OptionChecks<GroupNormOptions> = {
  weight: tensorOrNull,
  bias: tensorOrNull,
  eps: isPositiveNumber,
};

/** Throws a DataError naming `op` unless numGroups is a positive integer dividing numChannels. */
export function checkGroups(op: string, numGroups: number, numChannels: number): void {
  if (!Number.isInteger(numGroups) || numGroups < 1) {
    throw new DataError(`${op}: numGroups must be a positive integer, got ${numGroups}`);
  }
  if (numChannels % numGroups !== 0) {
    throw new DataError(
      `${op}: numChannels must be divisible by numGroups (${numChannels} channels, ${numGroups} groups)`,
    );
  }
}

/** x [N, C, ...] normalized over each of numGroups channel groups, then ⊙ weight + bias per channel. */
export function groupNorm(x: Tensor, numGroups: number, options?: GroupNormOptions): Tensor {
  const {
    weight = null,
    bias = null,
    eps = 1e-5,
  } = checkOptions("groupNorm", options, groupNormChecks);
  if (x.ndim < 2) {
    throw new ShapeError(
      `groupNorm: expected an input [N, C, ...] with at least 2 dims, got shape ${formatShape(x.shape)}`,
    );
  }
  const [n, c] = x.shape;
  if (!Number.isInteger(numGroups) || numGroups < 1 || c % numGroups !== 0) {
    throw new ShapeError(
      `groupNorm: expected the number of channels to be divisible by numGroups, but got input of shape ${formatShape(x.shape)} and numGroups=${numGroups}`,
    );
  }
  for (const [name, t] of [
    ["weight", weight],
    ["bias", bias],
  ] as const) {
    if (t !== null && (t.ndim !== 1 || t.shape[0] !== c)) {
      throw new ShapeError(
        `groupNorm: ${name} has shape ${formatShape(t.shape)}, expected [${c}] (one per channel)`,
      );
    }
  }
  // [N, G, C/G · rest]: each row is one sample's group, normalized like a layer norm row.
  const groups = x.reshape([n, numGroups, (c / numGroups) * (x.numel() / Math.max(n * c, 1))]);
  const mean = groups.mean(2, true);
  const variance = groups.var(2, { correction: 0, keepdim: true });
  let out = groups.sub(mean).mul(variance.add(eps).rsqrt()).reshape(x.shape);
  const channel = x.shape.map((size, d) => (d === 1 ? size : 1));
  if (weight !== null) out = out.mul(weight.reshape(channel));
  if (bias !== null) out = out.add(bias.reshape(channel));
  return out;
}
