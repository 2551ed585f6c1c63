import { DataError } from "../../errors.js";
import {
  checkOptions,
  describeValue,
  instanceOf,
  notSupportedYet,
  type OptionChecks,
} from "../../options.js";
import { isGenerator, Random, type RandomSource, sourceOf } from "../../random.js";
import { Tensor } from "../../tensor/tensor.js";

/** Options of `dropout`. */
export interface DropoutOptions {
  /** Generator of the mask (default: the global one, seeded by `manualSeed`). */
  rng?: Random;
  /** Zero the input itself: not supported yet (only false, PyTorch's default). */
  inplace?: false;
}

/** The checks of `dropout`'s options (and `Dropout`'s, the same). */
export const dropoutChecks: OptionChecks<DropoutOptions> = {
  rng: instanceOf(Random, "a Random"),
  inplace: notSupportedYet(false),
};

/** Options of the function `dropout`: the layer's, and PyTorch-style `generator` (or `rng`). */
export interface DropoutFunctionOptions extends DropoutOptions {
  /** Generator of the mask (a `Generator` or a `Random`), as every random function takes it. */
  generator?: RandomSource;
}

const dropoutFunctionChecks: OptionChecks<DropoutFunctionOptions> = {
  ...dropoutChecks,
  generator: isGenerator,
};

/** Throws a `DataError` unless `p` is a probability. */
export function checkDropProbability(op: string, p: number): void {
  if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
    throw new DataError(`${op}: p must be a probability in [0, 1], got ${String(p)}`);
  }
}

/**
 * Inverted dropout, as `torch.nn.functional.dropout`: in training, each element is zeroed with
 * probability `p` and the others are scaled by 1/(1 − p), so the expected value is unchanged and
 * evaluation needs no rescaling. `p = 0` or `training = false` returns `x` itself; `p = 1` gives
 * zeros. The mask is drawn from `options.generator` (or `rng`, the same thing under minitorch's
 * older name; not both) or the global generator, one number per element in
 * row-major order, so `manualSeed` makes it reproducible; it is one tensor, applied by one multiply.
 * @task 4.4
 */
export function dropout(
  x: Tensor,
  p: number,
  training = true,
  options: DropoutFunctionOptions = {},
): Tensor {
  checkOptions("dropout", options, dropoutFunctionChecks);
  if (options.rng !== undefined && options.generator !== undefined) {
    throw new DataError("dropout: pass either generator or rng, not both");
  }
  // Options passed third (`dropout(x, p, {rng})`) would otherwise read as training = true.
  if (typeof training !== "boolean") {
    throw new DataError(
      `dropout: training must be true or false, got ${describeValue(training)}; options come fourth: dropout(x, p, true, {rng})`,
    );
  }
  checkDropProbability("dropout", p);
  if (!training || p === 0) return x;
  const rng = sourceOf("dropout", { generator: options.generator ?? options.rng });
  const scale = p === 1 ? 0 : 1 / (1 - p);
  const mask = x.dtype === "float64" ? new Float64Array(x.numel()) : new Float32Array(x.numel());
  // Drawn even when p = 1, so the generator advances the same way for every p.
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < p ? 0 : scale;
  return x.mul(Tensor.fromValues(mask, x.shape, x.dtype, x.backendImpl));
}
