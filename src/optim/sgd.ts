import { DataError } from "../errors.js";
import type { Parameter } from "../nn/parameter.js";
import { checkedWhereUsed, isBoolean, notSupportedYet, type OptionChecks } from "../options.js";
import { Scalar } from "../scalar/scalar.js";
import { copyOp, zipInto } from "../tensor/history_free_ops.js";
import type { Tensor } from "../tensor/tensor.js";
import { decayedGradient, disposeAll, scratch, zipScalarInto } from "./inplace.js";
import {
  Optimizer,
  type ParamGroupSpec,
  type ParamsArgument,
  requireBoolean,
  requireFalse,
  requireFraction,
  requireLr,
  requireNonNegative,
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

/** An SGD parameter group's options, every one resolved (`opt.paramGroups[i]`). */
export interface SGDGroupOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: false;
}

/** The numbers are checked per group, with the ranges they must be in. */
const sgdChecks: OptionChecks<SGDGroupOptions> = {
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
 * weight decay for tensors, each per parameter group. Tensor parameters are updated in place; a
 * Scalar parameter gets a fresh leaf in its slot (Scalars are immutable). Parameters with no
 * gradient are left alone.
 */
export class SGD extends Optimizer<SGDGroupOptions> {
  /** One group over `params`, with `options` (lr required). */
  constructor(params: Iterable<Parameter>, options: SGDOptions);
  /** Groups `{params, ...overrides}` over the defaults `options` (each group needs an lr). */
  constructor(params: readonly ParamGroupSpec<SGDGroupOptions>[], options?: Partial<SGDOptions>);
  constructor(params: ParamsArgument<SGDGroupOptions>, options?: Partial<SGDOptions>) {
    super(params, options, true);
  }

  protected optionChecks(): OptionChecks<SGDGroupOptions> {
    return sgdChecks;
  }

  protected withDefaults(options: Partial<SGDGroupOptions>): Partial<SGDGroupOptions> {
    const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = options;
    const rest = { momentum, dampening, weightDecay, nesterov, maximize: false as const };
    return lr === undefined ? rest : { lr, ...rest };
  }

  protected resolveGroup(
    options: Readonly<Record<string, unknown>>,
    where: string,
    construction: boolean,
  ): SGDGroupOptions {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = options;
    requireLr(where, lr, construction);
    requireFraction(where, "momentum", momentum);
    if (typeof dampening !== "number" || !(dampening >= 0 && dampening <= 1)) {
      throw new DataError(`${where}: dampening must be in [0, 1], got ${String(dampening)}`);
    }
    requireNonNegative(where, "weightDecay", weightDecay);
    requireBoolean(where, "nesterov", nesterov);
    requireFalse(where, "maximize", maximize);
    if (nesterov && (momentum === 0 || dampening !== 0)) {
      throw new DataError(
        `${where}: nesterov needs momentum > 0 and dampening 0, got momentum ${momentum} and dampening ${dampening}`,
      );
    }
    return { lr, momentum, dampening, weightDecay, nesterov, maximize };
  }

  /** Group 0's momentum. */
  get momentum(): number {
    return this.paramGroups[0].momentum;
  }
  /** Group 0's dampening. */
  get dampening(): number {
    return this.paramGroups[0].dampening;
  }
  /** Group 0's weight decay. */
  get weightDecay(): number {
    return this.paramGroups[0].weightDecay;
  }
  /** Whether group 0 uses Nesterov momentum. */
  get nesterov(): boolean {
    return this.paramGroups[0].nesterov;
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

  protected stepParameter(p: Trainable, index: number, o: SGDGroupOptions): void {
    if (holdsScalar(p)) this.#stepScalar(p, o.lr);
    else this.#stepTensor(p.value, index, o);
  }

  #stepScalar(p: Parameter<Scalar>, lr: number): void {
    const { data, derivative, name } = p.value;
    if (derivative === null) return;
    p.update(new Scalar(data - lr * derivative, { name }));
  }

  /**
   * θ ← θ − η·(v or g), written into θ's own storage: the parameter keeps its identity (as in
   * PyTorch, so references to it stay valid). A few elementwise passes; temporaries freed at once.
   */
  #stepTensor(theta: Tensor, index: number, o: SGDGroupOptions): void {
    const grad = theta.grad;
    if (grad === null) return;
    let decayed: Tensor | null = null;
    let nesterov: Tensor | null = null;
    const update = scratch(theta);
    try {
      let g = grad;
      if (o.weightDecay !== 0) {
        decayed = decayedGradient(grad, theta, o.weightDecay);
        g = decayed;
      }
      if (o.momentum !== 0) {
        let velocity = this.buffer(index, VELOCITY);
        if (velocity === undefined) {
          velocity = copyOp(g);
          this.setBuffer(index, VELOCITY, velocity);
        } else {
          zipScalarInto("mul", velocity, velocity, o.momentum);
          if (o.dampening === 0) {
            zipInto("add", velocity, velocity, g);
          } else {
            zipScalarInto("mul", update, g, 1 - o.dampening);
            zipInto("add", velocity, velocity, update);
          }
        }
        if (o.nesterov) {
          nesterov = scratch(theta);
          zipScalarInto("mul", nesterov, velocity, o.momentum);
          zipInto("add", nesterov, nesterov, g);
          g = nesterov;
        } else {
          g = velocity;
        }
      }
      zipScalarInto("mul", update, g, o.lr);
      zipInto("sub", theta, theta, update);
    } finally {
      disposeAll([update, decayed, nesterov]);
    }
  }
}
