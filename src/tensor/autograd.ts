import { backpropagate } from "../autodiff/backpropagate.js";
import type { Context } from "../autodiff/context.js";
import type { History, VariableKind } from "../autodiff/variable.js";
import { isFloating } from "../backend/dtypes.js";
import { AutogradError, ShapeError } from "../errors.js";
import { checkOptions, isBoolean, type OptionChecks } from "../options.js";
import { formatShape, sameShape } from "../strided/shape.js";
import { unbroadcast } from "./functions.js";
import { checkOperand, copyOp, zipOp } from "./history_free_ops.js";
import { scalarDType } from "./promotion.js";
import { Tensor, type TensorLike } from "./tensor.js";
import { scoped, track } from "./tidy.js";

/**
 * How Tensors plug into the autodiff engine, which sees them only as Variables: their
 * `VariableKind` (what `Function.apply` and `backpropagate` do with a tensor) and the start of
 * `backward()`.
 */

/** How Function.apply builds Tensors: forward gets the tensors themselves (it runs in noGrad). */
export const tensorKind: VariableKind = {
  lift(x: TensorLike, like: Tensor): Tensor {
    // A number takes the tensor's dtype where that holds it (x.mul(2) stays int32; x.mul(0.5) of an
    // int32 x is float32), as PyTorch's wrapped numbers do.
    if (typeof x === "number")
      return Tensor.full([], x, scalarDType(x, like.dtype), like.backendImpl);
    checkOperand("Tensor op", x);
    return x;
  },
  /**
   * Forward in a scope of its own: the tensors it made are freed when it returns, but for its
   * result and what it saved for backward, which the context owns and frees when backward
   * releases it (an im2col matrix a convolution saved does not wait for the garbage collector).
   */
  forward(ctx: Context, run: () => unknown): unknown {
    return scoped(run, "forward", (made, result) => {
      const owned = ctx.savedValues.filter(
        (v): v is Tensor => v instanceof Tensor && v !== result && made.has(v),
      );
      // Disposed at the end of the backward that released the context (its scope is open then).
      if (owned.length > 0) {
        ctx.onRelease(() => {
          for (const t of owned) track(t);
        });
      }
      return owned;
    });
  },
  unwrap(v: Tensor): Tensor {
    return v;
  },
  wrap(raw: Tensor, history: History | null): Tensor {
    // An integer or bool result (a comparison's mask, an index) carries no gradient, as in PyTorch.
    return history === null || !isFloating(raw.dtype) ? raw : Tensor.attachHistory(raw, history);
  },
  /** The derivative summed down to the input's shape, in the input's dtype (mixed float32/64). */
  fitDerivative(input: Tensor, d: Tensor): Tensor {
    const fitted = unbroadcast(d, input.shape);
    return fitted.dtype === input.dtype ? fitted : copyOp(fitted, fitted.shape, input.dtype);
  },
  addDerivatives(a: Tensor, b: Tensor): Tensor {
    return zipOp("add", a, b);
  },
};

/** Options of `backward`, as PyTorch's keyword arguments. */
export interface BackwardOptions {
  /** Keep the graph's saved values so that backward can run through it again (default false). */
  retainGraph?: boolean;
}

const backwardChecks: OptionChecks<BackwardOptions> = { retainGraph: isBoolean };

/** The gradients stored during the running backward, which its scope must not dispose. */
let stored: Tensor[] | null = null;

/**
 * Add `d` to `t.grad`, as `accumulateDerivative` does for every leaf (and retained result): the
 * first derivative is kept as its own tensor object (a backward may hand one tensor to several
 * inputs, and each grad must be disposable alone), later ones are summed into a new tensor.
 */
export function accumulate(t: Tensor, d: Tensor): Tensor {
  const grad = t.grad === null ? d.detach() : zipOp("add", t.grad, d);
  stored?.push(grad);
  return grad;
}

/**
 * Backpropagate from `t`, seeded with `grad` (d(something)/d(t), of t's shape; a number fills it),
 * or with 1 when `t` has one element and `grad` is omitted. Every tensor backward makes — the
 * derivatives of intermediate results, the temporaries of each op's backward — is disposed when
 * it ends, but for the gradients it stores: nothing else of it is visible to the program, so its
 * memory comes back at once, without waiting for the garbage collector.
 */
export function backward(
  t: Tensor,
  grad: TensorLike | undefined,
  options: BackwardOptions = {},
): void {
  if (!t.requiresGrad) {
    throw new AutogradError(
      "backward: this tensor does not require grad (no input had requiresGrad: true)",
    );
  }
  const retainGraph = checkOptions("backward", options, backwardChecks).retainGraph ?? false;
  const outer = stored;
  stored = [];
  try {
    scoped(() => {
      backpropagate(t, seedOf(t, grad), retainGraph);
      return stored;
    }, "backward");
  } finally {
    stored = outer;
  }
}

/** The derivative backward starts from: `grad` (a number fills t's shape), or 1 for one element. */
function seedOf(t: Tensor, grad: TensorLike | undefined): Tensor {
  if (grad === undefined) {
    if (t.numel() !== 1) {
      throw new ShapeError(
        `backward: a gradient can be implied only for a one-element tensor, but this one has shape ${formatShape(t.shape)}; pass backward(grad) with that shape`,
      );
    }
    return t.onesLike();
  }
  const seed = typeof grad === "number" ? Tensor.full(t.shape, grad, t.dtype, t.backendImpl) : grad;
  if (!sameShape(seed.shape, t.shape)) {
    throw new ShapeError(
      `backward: grad has shape ${formatShape(seed.shape)} but the tensor has shape ${formatShape(t.shape)}`,
    );
  }
  return seed;
}
