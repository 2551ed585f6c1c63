/**
 * Gradient clipping, as `torch.nn.utils.clip_grad_norm_` / `clip_grad_value_`: rescales or clamps
 * the parameters' gradients in place, between `backward()` and `optimizer.step()`, recording no
 * autograd history. Both work on every backend without reading values back (the scale factor
 * stays a 0-d tensor), except `errorIfNonfinite`, which must read the norm.
 */
import { noGrad } from "../../autodiff/grad_mode.js";
import { BackendError, DataError, DTypeError } from "../../errors.js";
import { checkOptions, isBoolean, type OptionChecks } from "../../options.js";
import { tensor } from "../../tensor/creation.js";
import { stack } from "../../tensor/joining.js";
import { Tensor } from "../../tensor/tensor.js";
import { Parameter } from "../parameter.js";

/** Options of `clipGradNorm_`. */
export interface ClipGradNormOptions {
  /** The norm's order p: a positive number or Infinity (default 2). */
  normType?: number;
  /** Throw a DataError when the total norm is NaN or infinite (default false; reads the norm). */
  errorIfNonfinite?: boolean;
}

const clipChecks: OptionChecks<ClipGradNormOptions> = {
  normType: (v) =>
    typeof v === "number" && v > 0 && !Number.isNaN(v)
      ? null
      : "must be a positive number or Infinity",
  errorIfNonfinite: isBoolean,
};

/** The gradients of `parameters` (Parameters holding tensors, or tensors) that exist. */
function gradients(op: string, parameters: Iterable<Parameter | Tensor>): Tensor[] {
  const grads: Tensor[] = [];
  for (const p of parameters) {
    const t = p instanceof Parameter ? p.value : p;
    if (!(t instanceof Tensor)) {
      throw new DTypeError(
        `${op}: expected Parameters holding Tensors or Tensors, got ${String(t)}`,
      );
    }
    if (t.grad !== null) grads.push(t.grad);
  }
  return grads;
}

/** x, after checking it is a finite number (a DataError otherwise). */
function requireFinite(op: string, name: string, x: unknown): number {
  if (typeof x !== "number" || !Number.isFinite(x)) {
    throw new DataError(`${op}: ${name} must be a finite number, got ${String(x)}`);
  }
  return x;
}

/**
 * Scales the gradients so that their total p-norm (the norm of all of them as one vector) is at
 * most `maxNorm`: each is multiplied by min(1, maxNorm / (total + 1e-6)). Returns the total norm
 * before clipping as a 0-d tensor (0 when no parameter has a gradient).
 */
export function clipGradNorm_(
  parameters: Iterable<Parameter | Tensor>,
  maxNorm: number,
  options: ClipGradNormOptions = {},
): Tensor {
  const op = "clipGradNorm_";
  const { normType = 2, errorIfNonfinite = false } = checkOptions(op, options, clipChecks);
  requireFinite(op, "maxNorm", maxNorm);
  const grads = gradients(op, parameters);
  if (grads.length === 0) return tensor(0);
  return noGrad(() => {
    const norms = grads.map((g) => g.norm(normType));
    const all = stack(norms);
    const total = normType === Infinity ? all.amax() : all.norm(normType);
    for (const n of norms) n.dispose();
    all.dispose();
    if (errorIfNonfinite) {
      if (!total.backendImpl.synchronousRead) {
        throw new BackendError(
          `${op}: errorIfNonfinite reads the norm, which the ${total.backend} backend cannot do synchronously; check (await total.data()) yourself`,
        );
      }
      const value = total.item();
      if (!Number.isFinite(value)) {
        throw new DataError(
          `${op}: the total norm of order ${normType} of the gradients is ${value}, so they cannot be clipped; pass errorIfNonfinite: false to clip anyway`,
        );
      }
    }
    const denominator = total.add(1e-6);
    const coefficient = denominator.reciprocal().mul(maxNorm);
    const clamped = coefficient.clamp({ max: 1 });
    for (const g of grads) g.mul_(clamped);
    for (const t of [denominator, coefficient, clamped]) t.dispose();
    return total;
  });
}

/** Clamps every gradient of `parameters` into [−clipValue, clipValue], in place. */
export function clipGradValue_(parameters: Iterable<Parameter | Tensor>, clipValue: number): void {
  const op = "clipGradValue_";
  const c = requireFinite(op, "clipValue", clipValue);
  const grads = gradients(op, parameters);
  noGrad(() => {
    for (const g of grads) g.clamp_(-c, c);
  });
}
