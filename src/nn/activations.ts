import { DataError } from "../errors.js";
import { checkOptions, describeValue, type OptionCheck } from "../options.js";
import { elu, type GeluOptions, gelu, leakyRelu, silu } from "../tensor/activations.js";
import { logSoftmax, softmax } from "../tensor/softmax.js";
import type { Tensor } from "../tensor/tensor.js";
import { Module } from "./module.js";

/**
 * The activation layers (`torch.nn.GELU`, `SiLU`, `Tanh`, `Softmax`, `LogSoftmax`, `LeakyReLU`,
 * `ELU`, `Identity`): each a Module around the functional form in `mt.nn.functional`, with its
 * parameter checked where the layer is built. ReLU and Sigmoid live in layers.ts.
 */

/** Throws unless `value` is a finite number. */
function checkFinite(op: string, name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new DataError(`${op}: ${name} must be a finite number, got ${describeValue(value)}`);
  }
  return value;
}

/** Throws unless `dim` is an integer (its range is checked against the input). */
function checkDim(op: string, dim: unknown): number {
  if (!Number.isInteger(dim)) {
    throw new DataError(`${op}: dim must be an integer, got ${describeValue(dim)}`);
  }
  return dim as number;
}

const isApproximation: OptionCheck = (v) =>
  v === "none" || v === "tanh" ? null : 'must be "none" or "tanh"';

/** GELU, exact (erf) or with `approximate: "tanh"`, as a Module. */
export class GELU extends Module {
  readonly approximate: "none" | "tanh";

  constructor(options: GeluOptions = {}) {
    super();
    const { approximate = "none" } = checkOptions("GELU", options, {
      approximate: isApproximation,
    });
    this.approximate = approximate;
  }

  /** x → gelu(x), any shape. */
  forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.approximate });
  }
}

/** SiLU (swish), x·σ(x), as a Module. */
export class SiLU extends Module {
  /** x → silu(x), any shape. */
  forward(x: Tensor): Tensor {
    return silu(x);
  }
}

/** tanh elementwise, as a Module. */
export class Tanh extends Module {
  /** x → tanh(x), any shape. */
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

/** softmax along `dim`, as a Module. */
export class Softmax extends Module {
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = checkDim("Softmax", dim);
  }

  /** x → softmax(x, dim), same shape. */
  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
}

/** log-softmax along `dim`, as a Module. */
export class LogSoftmax extends Module {
  readonly dim: number;

  constructor(dim: number) {
    super();
    this.dim = checkDim("LogSoftmax", dim);
  }

  /** x → logSoftmax(x, dim), same shape. */
  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }
}

/** Leaky ReLU (x for x > 0, else negativeSlope·x; 0.01 by default), as a Module. */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;

  constructor(negativeSlope = 0.01) {
    super();
    this.negativeSlope = checkFinite("LeakyReLU", "negativeSlope", negativeSlope);
  }

  /** x → leakyRelu(x), any shape. */
  forward(x: Tensor): Tensor {
    return leakyRelu(x, { negativeSlope: this.negativeSlope });
  }
}

/** ELU (x for x > 0, else α(eˣ − 1); α = 1 by default), as a Module. */
export class ELU extends Module {
  readonly alpha: number;

  constructor(alpha = 1) {
    super();
    this.alpha = checkFinite("ELU", "alpha", alpha);
  }

  /** x → elu(x), any shape. */
  forward(x: Tensor): Tensor {
    return elu(x, { alpha: this.alpha });
  }
}

/** Returns its input unchanged, as `torch.nn.Identity` (a placeholder in a model). */
export class Identity extends Module {
  /** x → x. */
  forward(x: Tensor): Tensor {
    return x;
  }
}
