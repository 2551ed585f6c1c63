import { noGrad } from "../autodiff/grad_mode.js";
import { DataError, DTypeError } from "../errors.js";
import type { Parameter } from "../nn/parameter.js";
import { Scalar } from "../scalar/scalar.js";

function isScalarParameter(p: Parameter): p is Parameter<Scalar> {
  return p.value instanceof Scalar;
}

/** Options of `SGD`. */
export interface SGDOptions {
  /** The learning rate η (> 0). */
  lr: number;
}

/**
 * Stochastic gradient descent on Scalar parameters: θ ← θ − η·∂L/∂θ. Each step puts a fresh leaf
 * Scalar in the parameter's slot, so the next forward pass starts a new graph.
 * (Tensor parameters, momentum and weight decay arrive with the Tensor layer.)
 */
export class SGD {
  readonly parameters: readonly Parameter<Scalar>[];
  readonly lr: number;

  constructor(parameters: readonly Parameter[], options: SGDOptions) {
    if (!(options.lr > 0) || !Number.isFinite(options.lr)) {
      throw new DataError(`SGD: lr must be a positive number, got ${options.lr}`);
    }
    this.parameters = parameters.map((p, i) => {
      if (!isScalarParameter(p)) {
        throw new DTypeError(
          `SGD: parameter ${i} (${p.name ?? "unnamed"}) holds ${String(p.value)}, not a Scalar`,
        );
      }
      return p;
    });
    this.lr = options.lr;
  }

  /** Forget every parameter's derivative before the next backward pass. */
  zeroGrad(): void {
    for (const p of this.parameters) p.value.zeroGrad();
  }

  /** Move each parameter against its derivative; parameters with no derivative stay put. */
  step(): void {
    noGrad(() => {
      for (const p of this.parameters) {
        const { data, derivative, name } = p.value;
        if (derivative === null) continue;
        p.update(new Scalar(data - this.lr * derivative, { name }));
      }
    });
  }
}
