import { noGrad } from "../../autodiff/grad_mode.js";
import { DataError, ShapeError } from "../../errors.js";
import {
  checkOptions,
  instanceOf,
  isBoolean,
  isPositiveNumber,
  type OptionChecks,
} from "../../options.js";
import { formatShape } from "../../strided/shape.js";
import { Tensor } from "../../tensor/tensor.js";

/**
 * Batch normalization, as `torch.nn.functional.batch_norm`: every channel (dim 1) of x
 * [N, C, ...] is normalized to mean 0 and variance 1 over all its other dims,
 *
 *     y = (x − mean) / √(var + eps) · weight + bias,
 *
 * with the batch's own statistics (biased variance) in training mode, and the running ones
 * otherwise. Training also folds the batch statistics into the running ones, in place:
 * running = (1 − momentum)·running + momentum·batch, the variance unbiased (÷ (n − 1)) as PyTorch
 * keeps it. Built from mean, var and rsqrt, so autograd differentiates through the batch
 * statistics.
 */

/** Options of `batchNorm`. */
export interface BatchNormOptions {
  /** Per-channel scale, of shape [C] (none by default). */
  weight?: Tensor | null;
  /** Per-channel shift, of shape [C] (none by default). */
  bias?: Tensor | null;
  /** Normalize with the batch's statistics and update the running ones (default false). */
  training?: boolean;
  /** Weight of the batch in the running-statistics update (0.1 by default). */
  momentum?: number;
  /** Added to the variance before the square root (1e-5 by default). */
  eps?: number;
}

const tensorOrNull = (v: unknown) => (v === null ? null : instanceOf(Tensor, "a Tensor")(v));

const batchNormChecks: OptionChecks<BatchNormOptions> = {
  weight: tensorOrNull,
  bias: tensorOrNull,
  training: isBoolean,
  // PyTorch's functional form takes a float only; momentum=None (a cumulative average) needs the
  // batch count, which only the BatchNorm layers keep.
  momentum: (v) =>
    typeof v === "number" && Number.isFinite(v)
      ? null
      : "must be a finite number (momentum null, a cumulative average, is an option of the BatchNorm layers, which count the batches)",
  eps: isPositiveNumber,
};

/** What `normalizeChannels` needs besides the input. */
export interface ChannelNormArgs {
  /** Running statistics to normalize with, or null to use the batch's. */
  running: { mean: Tensor; var: Tensor } | null;
  /** Called (under noGrad) with the batch mean and unbiased variance, each of shape [C]. */
  update: ((mean: Tensor, unbiasedVar: Tensor) => void) | null;
  /** Per-channel scale and shift, or null. */
  weight: Tensor | null;
  bias: Tensor | null;
  /** Added to the variance before the square root. */
  eps: number;
}

/** Throws a ShapeError naming `op` unless `t` (when given) holds exactly `c` elements. */
function checkPerChannel(op: string, name: string, t: Tensor | null, c: number): void {
  if (t !== null && t.numel() !== c) {
    throw new ShapeError(
      `${op}: ${name} should contain ${c} elements (one per channel) not ${t.numel()} (shape ${formatShape(t.shape)})`,
    );
  }
}

/**
 * The normalization shared by `batchNorm` and the BatchNorm layers: x normalized per channel with
 * the running statistics, or with the batch's (then `update` sees them), then scaled and shifted.
 */
export function normalizeChannels(op: string, x: Tensor, args: ChannelNormArgs): Tensor {
  if (x.ndim < 2) {
    throw new ShapeError(
      `${op}: expected an input [N, C, ...] with at least 2 dims, got shape ${formatShape(x.shape)}`,
    );
  }
  const c = x.shape[1];
  checkPerChannel(op, "running_mean", args.running?.mean ?? null, c);
  checkPerChannel(op, "running_var", args.running?.var ?? null, c);
  checkPerChannel(op, "weight", args.weight, c);
  checkPerChannel(op, "bias", args.bias, c);
  // [1, C, 1, …]: a per-channel tensor broadcast against x.
  const channel = x.shape.map((n, d) => (d === 1 ? n : 1));
  let out: Tensor;
  if (args.running !== null) {
    const { mean, var: variance } = args.running;
    out = x.sub(mean.reshape(channel)).mul(variance.reshape(channel).add(args.eps).rsqrt());
  } else {
    const n = x.numel() / c;
    if (n <= 1) {
      throw new DataError(
        `${op}: expected more than 1 value per channel when training, got input of shape ${formatShape(x.shape)}`,
      );
    }
    const dims = x.shape.map((_, d) => d).filter((d) => d !== 1);
    const mean = x.mean(dims, true);
    const variance = x.var(dims, { correction: 0, keepdim: true });
    out = x.sub(mean).mul(variance.add(args.eps).rsqrt());
    const update = args.update;
    if (update !== null) {
      noGrad(() =>
        update(
          mean.detach().reshape(c),
          variance
            .detach()
            .reshape(c)
            .mul(n / (n - 1)),
        ),
      );
    }
  }
  if (args.weight !== null) out = out.mul(args.weight.reshape(channel));
  if (args.bias !== null) out = out.add(args.bias.reshape(channel));
  return out;
}

/**
 * running ← (1 − factor)·running + factor·batch, in place (call under noGrad). A Tensor factor is
 * a batch count n, the cumulative average's factor 1/n, kept on the device so that no value is
 * read back: running + (batch − running)/n.
 */
export function updateRunning_(running: Tensor, batch: Tensor, factor: number | Tensor): void {
  const value = batch.reshape(running.shape);
  if (typeof factor === "number") running.mul_(1 - factor).add_(value.mul(factor));
  else running.add_(value.sub(running).div(factor));
}

/**
 * x [N, C, ...] normalized per channel over every other dim; `runningMean` and `runningVar` ([C],
 * or null to always use the batch's statistics) are updated in place in training mode.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  options?: BatchNormOptions,
): Tensor {
  const {
    weight = null,
    bias = null,
    training = false,
    momentum = 0.1,
    eps = 1e-5,
  } = checkOptions("batchNorm", options, batchNormChecks);
  for (const [name, t] of [
    ["runningMean", runningMean],
    ["runningVar", runningVar],
  ] as const) {
    if (t !== null && !(t instanceof Tensor)) {
      throw new DataError(`batchNorm: ${name} must be a Tensor or null`);
    }
  }
  if (!training && (runningMean === null || runningVar === null)) {
    throw new DataError(
      "batchNorm: running_mean and running_var must be defined in evaluation mode (pass training: true to use the batch statistics)",
    );
  }
  const update = (mean: Tensor, unbiasedVar: Tensor): void => {
    if (runningMean !== null) updateRunning_(runningMean, mean, momentum);
    if (runningVar !== null) updateRunning_(runningVar, unbiasedVar, momentum);
  };
  return normalizeChannels("batchNorm", x, {
    running:
      training || runningMean === null || runningVar === null
        ? null
        : { mean: runningMean, var: runningVar },
    update: training ? update : null,
    weight,
    bias,
    eps,
  });
}
