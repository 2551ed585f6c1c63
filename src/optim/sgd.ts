import { DataError } from "../errors.js";
import type { Parameter } from "../nn/parameter.js";
import {
  checkedWhereUsed,
  checkOptions,
  isBoolean,
  notSupportedYet,
  type OptionChecks,
} from "../options.js";
import { Scalar } from "../scalar/scalar.js";
import { copyOp, zipInto } from "../tensor/history_free_ops.js";
import type { Tensor } from "../tensor/tensor.js";
import { decayedGradient, disposeAll, scratch, zipScalarInto } from "./inplace.js";
import {
  Optimizer,
  requireFraction,
  requireNonNegative,
  requirePositive,
  type Trainable,
} from "./optimizer.js";

/** Options of `SGD`. */
export interface SGDOptions {
  /** The learning rate η (> 0). */
  lr: number;
  /** Momentum μ in [0, 1) (default 0): v ← μ·v + (1 − d)·g, θ ← θ − η·v. Tensor parameters only. */
  momentum?: number;
  /** Dampening d in [0, 1] of the momentum's gradient term (default 0). Tensor parameters only. */
  dampening?: number;
  /** L2 penalty λ ≥ 0 (default 0): g ← g + λ·θ. Tensor parameters only. */
  weightDecay?: number;
  /** Nesterov momentum (default false): θ ← θ − η·(g + μ·v). Needs momentum > 0 and dampening 0. */
  nesterov?: boolean;
  /** Ascend the gradient instead: not supported yet (only false, PyTorch's default). */
  maximize?: false;
}

/** The numbers are checked in the constructor, with the ranges they must be in. */
const sgdChecks: OptionChecks<SGDOptions> = {
  lr: checkedWhereUsed,
  momentum: checkedWhereUsed,
  dampening: checkedWhereUsed,
  weightDecay: checkedWhereUsed,
  nesterov: isBoolean,
  maximize: notSupportedYet(false),
};

/** The state entry holding a parameter's velocity (PyTorch's name). */
const VELOCITY = "momentum_buffer";

/** Whether the slot holds a Scalar (the narrowing `p.value instanceof Scalar` does not give). */
function holdsScalar(p: Trainable): p is Parameter<Scalar> {
  return p.value instanceof Scalar;
}

/**
 * Stochastic gradient descent, as `torch.optim.SGD`: θ ← θ − η·∂L/∂θ, with optional momentum
 * (classical or Nesterov, the first step's buffer being the gradient itself), dampening and
 * weight decay for tensors. Tensor parameters are updated in place; a Scalar parameter gets a
 * fresh leaf in its slot (Scalars are immutable). Parameters with no gradient are left alone.
 */
export class SGD extends Optimizer {
  /** The learning rate; a schedule may change it between steps (as PyTorch's param_groups). */
  lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;

  constructor(parameters: readonly Parameter[], options: SGDOptions) {
    super(parameters, true);
    const {
      lr,
      momentum = 0,
      dampening = 0,
      weightDecay = 0,
      nesterov = false,
    } = checkOptions("SGD", options, sgdChecks);
    requirePositive("SGD", "lr", lr);
    requireFraction("SGD", "momentum", momentum);
    if (!(dampening >= 0 && dampening <= 1)) {
      throw new DataError(`SGD: dampening must be in [0, 1], got ${dampening}`);
    }
    requireNonNegative("SGD", "weightDecay", weightDecay);
    if (nesterov && (momentum === 0 || dampening !== 0)) {
      throw new DataError(
        `SGD: nesterov needs momentum > 0 and dampening 0, got momentum ${momentum} and dampening ${dampening}`,
      );
    }
    this.lr = lr;
    this.momentum = momentum;
    this.dampening = dampening;
    this.weightDecay = weightDecay;
    this.nesterov = nesterov;
  }

  /** "SGD". */
  override get name(): string {
    return "SGD";
  }

  protected get bufferNames(): readonly string[] {
    return [VELOCITY];
  }

  protected get counterNames(): readonly string[] {
    return [];
  }

  protected stepParameter(p: Trainable, index: number): void {
    if (holdsScalar(p)) this.#stepScalar(p);
    else this.#stepTensor(p.value, index);
  }

  #stepScalar(p: Parameter<Scalar>): void {
    const { data, derivative, name } = p.value;
    if (derivative === null) return;
    p.update(new Scalar(data - this.lr * derivative, { name }));
  }

  /**
   * θ ← θ − η·(v or g), written into θ's own storage: the parameter keeps its identity (as in
   * PyTorch, so references to it stay valid). A few elementwise passes; temporaries freed at once.
   */
  #stepTensor(theta: Tensor, index: number): void {
    const grad = theta.grad;
    if (grad === null) return;
    let decayed: Tensor | null = null;
    let nesterov: Tensor | null = null;
    const update = scratch(theta);
    try {
      let g = grad;
      if (this.weightDecay !== 0) {
        decayed = decayedGradient(grad, theta, this.weightDecay);
        g = decayed;
      }
      if (this.momentum !== 0) {
        let velocity = this.buffer(index, VELOCITY);
        if (velocity === undefined) {
          velocity = copyOp(g);
          this.setBuffer(index, VELOCITY, velocity);
        } else {
          zipScalarInto("mul", velocity, velocity, this.momentum);
          if (this.dampening === 0) {
            zipInto("add", velocity, velocity, g);
          } else {
            zipScalarInto("mul", update, g, 1 - this.dampening);
            zipInto("add", velocity, velocity, update);
          }
        }
        if (this.nesterov) {
          nesterov = scratch(theta);
          zipScalarInto("mul", nesterov, velocity, this.momentum);
          zipInto("add", nesterov, nesterov, g);
          g = nesterov;
        } else {
          g = velocity;
        }
      }
      zipScalarInto("mul", update, g, this.lr);
      zipInto("sub", theta, theta, update);
    } finally {
      disposeAll([update, decayed, nesterov]);
    }
  }
}
