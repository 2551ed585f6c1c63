import { DataError, ShapeError } from "../errors.js";
import { checkOptions, isBoolean, isPositiveNumber, type OptionChecks } from "../options.js";
import { formatShape } from "../strided/shape.js";
import { getBackend } from "../tensor/default_backend.js";
import { copyOp } from "../tensor/history_free_ops.js";
import { Tensor } from "../tensor/tensor.js";
import { keep } from "../tensor/tidy.js";
import { normalizeChannels, updateRunning_ } from "./functional/batch_norm.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";

/** Options of `BatchNorm1d` and `BatchNorm2d`. */
export interface BatchNormLayerOptions {
  /** Added to the variance before the square root (1e-5 by default). */
  eps?: number;
  /** Weight of each batch in the running statistics (0.1); null for a cumulative average. */
  momentum?: number | null;
  /** Learn a per-channel `weight` (ones) and `bias` (zeros) (default true). */
  affine?: boolean;
  /** Keep running statistics and normalize with them in eval mode (default true). */
  trackRunningStats?: boolean;
}

const batchNormLayerChecks: OptionChecks<BatchNormLayerOptions> = {
  eps: isPositiveNumber,
  momentum: (v) =>
    v === null || (typeof v === "number" && Number.isFinite(v))
      ? null
      : "must be a finite number or null",
  affine: isBoolean,
  trackRunningStats: isBoolean,
};

/** Python's repr of a float, as PyTorch's module reprs print settings: `1e-05`, `0.1`, `1.0`. */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  // toExponential() without digits gives the shortest round-tripping digits, as Python's repr.
  const [mantissa, exponent] = x.toExponential().split("e");
  const e = Number(exponent);
  if (e < -4 || e >= 16) {
    return `${mantissa}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  const plain = String(x); // positional for these exponents
  return plain.includes(".") ? plain : `${plain}.0`;
}

/** A float32 tensor of `size` elements filled with `value`, on the default backend. */
function filled(size: number, value: number): Tensor {
  return Tensor.fromValues(new Array<number>(size).fill(value), [size], "float32", getBackend());
}

/**
 * What BatchNorm1d and BatchNorm2d share (PyTorch's `_BatchNorm`): per-channel normalization
 * (see `batchNorm`) with learned `weight`/`bias` and, with trackRunningStats, the buffers
 * `running_mean`, `running_var` and `num_batches_tracked` under PyTorch's names, so state dicts
 * move between the two. In training mode (`train()`) it normalizes with the batch's statistics
 * and updates the running ones; in eval mode (`eval()`) it uses the running ones.
 *
 * The buffers are updated in place, with no autograd history, so the tensors `stateDict()`
 * returned see the updates (as in PyTorch) and a step inside `tidy` does not dispose them. A
 * buffer this layer did not make (one `loadStateDict` put there) is first replaced by a copy, so
 * training never writes into the caller's state dict.
 */
export abstract class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly weight: Parameter<Tensor> | null;
  readonly bias: Parameter<Tensor> | null;
  /** The buffer tensors this layer made, which it may therefore write in place. */
  readonly #own = new WeakSet<Tensor>();

  constructor(numFeatures: number, options: BatchNormLayerOptions = {}) {
    super();
    const name = new.target.name;
    const {
      eps = 1e-5,
      momentum = 0.1,
      affine = true,
      trackRunningStats = true,
    } = checkOptions(name, options, batchNormLayerChecks);
    if (!Number.isInteger(numFeatures) || numFeatures < 1) {
      throw new DataError(`${name}: numFeatures must be a positive integer, got ${numFeatures}`);
    }
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    this.weight = affine ? new Parameter(filled(numFeatures, 1)) : null;
    this.bias = affine ? new Parameter(filled(numFeatures, 0)) : null;
    if (trackRunningStats) {
      const count = Tensor.fromValues([0], [], "int32", getBackend());
      for (const [buffer, value] of [
        ["running_mean", filled(numFeatures, 0)],
        ["running_var", filled(numFeatures, 1)],
        ["num_batches_tracked", count],
      ] as const) {
        this.#own.add(value);
        this.registerBuffer(buffer, value);
      }
    }
  }

  /** Throws a ShapeError unless x has a rank this layer takes (PyTorch's `_check_input_dim`). */
  protected abstract checkInputDim(x: Tensor): void;

  /** The `running_mean` buffer ([C]), or null without trackRunningStats. */
  get runningMean(): Tensor | null {
    return this.trackRunningStats ? this.#buffer("running_mean") : null;
  }

  /** The `running_var` buffer ([C], unbiased), or null without trackRunningStats. */
  get runningVar(): Tensor | null {
    return this.trackRunningStats ? this.#buffer("running_var") : null;
  }

  /** The `num_batches_tracked` buffer (an int32 0-d tensor), or null without trackRunningStats. */
  get numBatchesTracked(): Tensor | null {
    return this.trackRunningStats ? this.#buffer("num_batches_tracked") : null;
  }

  /** PyTorch's `8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True`. */
  override extraRepr(): string {
    const momentum = this.momentum === null ? "None" : pythonFloat(this.momentum);
    const flag = (b: boolean) => (b ? "True" : "False");
    return `${this.numFeatures}, eps=${pythonFloat(this.eps)}, momentum=${momentum}, affine=${flag(this.affine)}, track_running_stats=${flag(this.trackRunningStats)}`;
  }

  /** x [N, C, ...] → the same shape, normalized per channel. */
  forward(x: Tensor): Tensor {
    this.checkInputDim(x);
    const op = this.constructor.name;
    const track = this.trackRunningStats;
    // As PyTorch: without running statistics the batch's are used in eval mode too.
    const useBatch = this.training || !track;
    const update = (mean: Tensor, unbiasedVar: Tensor): void => {
      const count = this.#writable("num_batches_tracked");
      count.add_(1);
      const factor = this.momentum ?? count;
      updateRunning_(this.#writable("running_mean"), mean, factor);
      updateRunning_(this.#writable("running_var"), unbiasedVar, factor);
    };
    return normalizeChannels(op, x, {
      running: useBatch
        ? null
        : { mean: this.#buffer("running_mean"), var: this.#buffer("running_var") },
      update: this.training && track ? update : null,
      weight: this.weight?.value ?? null,
      bias: this.bias?.value ?? null,
      eps: this.eps,
    });
  }

  /** The buffer `name` as a Tensor (a number from a state dict becomes an int32 0-d tensor). */
  #buffer(name: string): Tensor {
    const value = this.getBuffer(name);
    if (value instanceof Tensor) return value;
    if (typeof value === "number" && name === "num_batches_tracked") {
      const backend = this.weight?.value.backend ?? getBackend();
      return this.#adopt(name, Tensor.fromValues([value], [], "int32", backend));
    }
    throw new DataError(
      `${this.constructor.name}: buffer "${name}" must be a Tensor, got ${typeof value}`,
    );
  }

  /** The buffer `name`, replaced first by this layer's own copy when it came from elsewhere. */
  #writable(name: string): Tensor {
    const value = this.#buffer(name);
    return this.#own.has(value) ? value : this.#adopt(name, copyOp(value));
  }

  /** Makes `t` the buffer `name`, owned by this layer and exempt from every `tidy` scope. */
  #adopt(name: string, t: Tensor): Tensor {
    keep(t);
    this.#own.add(t);
    this.setBuffer(name, t);
    return t;
  }
}

/** The rank error of a BatchNorm layer, in PyTorch's words plus the shape. */
function rankError(op: string, expected: string, x: Tensor): ShapeError {
  return new ShapeError(
    `${op}: expected ${expected} input (got ${x.ndim}D input of shape ${formatShape(x.shape)})`,
  );
}

/** Batch normalization of x [N, C] or [N, C, L] over its batch (and length), as `nn.BatchNorm1d`. */
export class BatchNorm1d extends BatchNormBase {
  protected checkInputDim(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw rankError("BatchNorm1d", "2D or 3D", x);
  }
}

/** Batch normalization of images x [N, C, H, W] per channel, as `nn.BatchNorm2d`. */
export class BatchNorm2d extends BatchNormBase {
  protected checkInputDim(x: Tensor): void {
    if (x.ndim !== 4) throw rankError("BatchNorm2d", "4D", x);
  }
}
