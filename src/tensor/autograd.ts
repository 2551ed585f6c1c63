import { backpropagate } from "../autodiff/backpropagate.js";
import type { History, VariableKind } from "../autodiff/variable.js";
import { AutogradError, ShapeError } from "../errors.js";
import { formatShape, sameShape } from "../strided/shape.js";
import { unbroadcast } from "./functions.js";
import { checkOperand, zipOp } from "./history_free_ops.js";
import { Tensor, type TensorLike } from "./tensor.js";

/**
 * How Tensors plug into the autodiff engine, which sees them only as Variables: their
 * `VariableKind` (what `Function.apply` and `backpropagate` do with a tensor) and the start of
 * `backward()`.
 */

/** How Function.apply builds Tensors: forward gets the tensors themselves (it runs in noGrad). */
export const tensorKind: VariableKind = {
  lift(x: TensorLike, like: Tensor): Tensor {
    if (typeof x === "number") return Tensor.full([], x, like.dtype, like.backendImpl);
    checkOperand("Tensor op", x);
    return x;
  },
  unwrap(v: Tensor): Tensor {
    return v;
  },
  wrap(raw: Tensor, history: History | null): Tensor {
    return history === null ? raw : Tensor.attachHistory(raw, history);
  },
  fitDerivative(input: Tensor, d: Tensor): Tensor {
    return unbroadcast(d, input.shape);
  },
  addDerivatives(a: Tensor, b: Tensor): Tensor {
    return zipOp("add", a, b);
  },
};

/**
 * Backpropagate from `t`, seeded with `grad` (d(something)/d(t), of t's shape; a number fills it),
 * or with 1 when `t` has one element and `grad` is omitted.
 */
export function backward(t: Tensor, grad: TensorLike | undefined): void {
  if (!t.requiresGrad) {
    throw new AutogradError(
      "backward: this tensor does not require grad (no input had requiresGrad: true)",
    );
  }
  let seed: Tensor;
  if (grad === undefined) {
    if (t.size !== 1) {
      throw new ShapeError(
        `backward: a gradient can be implied only for a one-element tensor, but this one has shape ${formatShape(t.shape)}; pass backward(grad) with that shape`,
      );
    }
    seed = t.onesLike();
  } else {
    seed = typeof grad === "number" ? Tensor.full(t.shape, grad, t.dtype, t.backendImpl) : grad;
    if (!sameShape(seed.shape, t.shape)) {
      throw new ShapeError(
        `backward: grad has shape ${formatShape(seed.shape)} but the tensor has shape ${formatShape(t.shape)}`,
      );
    }
  }
  backpropagate(t, seed);
}
