import { noGrad } from "../autodiff/grad_mode.js";
import { DataError, DTypeError } from "../errors.js";
import type { Parameter } from "../nn/parameter.js";
import { Scalar } from "../scalar/scalar.js";
import { copyOp, zipInto } from "../tensor/kernels.js";
import { keep, Tensor } from "../tensor/tensor.js";

/** Options of `SGD`. */
export interface SGDOptions {
  /** The learning rate η (> 0). */
  lr: number;
  /** Momentum μ in [0, 1) (default 0): v ← μ·v + g, θ ← θ − η·v. Tensor parameters only. */
  momentum?: number;
  /** L2 penalty λ ≥ 0 (default 0): g ← g + λ·θ. Tensor parameters only. */
  weightDecay?: number;
}

type Trainable = Parameter<Scalar> | Parameter<Tensor>;

function isTrainable(p: Parameter): p is Trainable {
  return p.value instanceof Scalar || p.value instanceof Tensor;
}

/**
 * Stochastic gradient descent, as `torch.optim.SGD`: θ ← θ − η·∂L/∂θ, with optional momentum and
 * weight decay for tensors. Tensor parameters are updated in place; a Scalar parameter gets a
 * fresh leaf in its slot (Scalars are immutable). Parameters with no gradient are left alone.
 */
export class SGD {
  readonly parameters: readonly Trainable[];
  readonly lr: number;
  readonly momentum: number;
  readonly weightDecay: number;
  /** Momentum buffers, per parameter slot. */
  readonly #velocity = new Map<Parameter<Tensor>, Tensor>();

  constructor(parameters: readonly Parameter[], options: SGDOptions) {
    const { lr, momentum = 0, weightDecay = 0 } = options;
    if (!(lr > 0) || !Number.isFinite(lr)) {
      throw new DataError(`SGD: lr must be a positive number, got ${lr}`);
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new DataError(`SGD: momentum must be in [0, 1), got ${momentum}`);
    }
    if (!(weightDecay >= 0) || !Number.isFinite(weightDecay)) {
      throw new DataError(`SGD: weightDecay must be ≥ 0, got ${weightDecay}`);
    }
    this.parameters = parameters.map((p, i) => {
      if (!isTrainable(p)) {
        throw new DTypeError(
          `SGD: parameter ${i} (${p.name ?? "unnamed"}) holds ${String(p.value)}, not a Scalar or a Tensor`,
        );
      }
      return p;
    });
    this.lr = lr;
    this.momentum = momentum;
    this.weightDecay = weightDecay;
  }

  /** Forget every parameter's gradient before the next backward pass. */
  zeroGrad(): void {
    for (const p of this.parameters) p.value.zeroGrad();
  }

  /** Move each parameter against its gradient. */
  step(): void {
    noGrad(() => {
      for (const p of this.parameters) {
        if (p.value instanceof Scalar) this.#stepScalar(p as Parameter<Scalar>);
        else this.#stepTensor(p as Parameter<Tensor>);
      }
    });
  }

  #stepScalar(p: Parameter<Scalar>): void {
    const { data, derivative, name } = p.value;
    if (derivative === null) return;
    p.update(new Scalar(data - this.lr * derivative, { name }));
  }

  /**
   * θ ← θ − η·(v or g), written into θ's own storage: the parameter keeps its identity (as in
   * PyTorch, so references to it stay valid) and no new buffer is allocated per step.
   */
  #stepTensor(p: Parameter<Tensor>): void {
    const theta = p.value;
    if (theta.grad === null) return;
    let g = theta.grad;
    if (this.weightDecay !== 0) g = g.add(theta.mul(this.weightDecay));
    if (this.momentum !== 0) {
      const velocity = this.#velocity.get(p);
      if (velocity === undefined) {
        // Kept: the buffer outlives any `tidy` around this step.
        g = keep(copyOp(g));
        this.#velocity.set(p, g);
      } else {
        zipInto("mul", velocity, velocity, Tensor.full([], this.momentum, g.dtype, g.backend));
        zipInto("add", velocity, velocity, g);
        g = velocity;
      }
    }
    zipInto("sub", theta, theta, g.mul(this.lr));
  }
}
