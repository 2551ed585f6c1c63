import { noGrad } from "../autodiff/grad_mode.js";
import { MinitorchError } from "../errors.js";
import {
  checkedWhereUsed,
  checkOptions,
  isNonNegativeNumber,
  isPositiveNumber,
  type OptionChecks,
} from "../options.js";
import { Random } from "../random.js";
import { formatShape, toIndex } from "../strided/shape.js";
import { Tensor } from "../tensor/tensor.js";

/** A gradient that disagrees with its central-difference estimate; the message is the report. */
export class GradcheckError extends MinitorchError {}

/** Tolerances of `gradcheck`: an element passes when |analytic − numeric| ≤ atol + rtol·|numeric|. */
export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Seed of the random projection that reduces a non-scalar output to a number. */
  seed?: number;
}

/** The seed is checked by `Random`. */
const gradcheckChecks: OptionChecks<GradcheckOptions> = {
  eps: isPositiveNumber,
  atol: isNonNegativeNumber,
  rtol: isNonNegativeNumber,
  seed: checkedWhereUsed,
};

/**
 * Check the gradients autograd computes for `fn` against central differences, in float64:
 * ∂L/∂xᵢ ≈ (L(x + εeᵢ) − L(x − εeᵢ)) / 2ε for every element of every input, where L is the
 * output itself when it has one element, else Σ output·r for a fixed random r (so every output
 * element is checked at once). Inputs are copied to float64 first. Returns true, or throws a
 * `GradcheckError` listing the worst mismatches with their indices.
 */
export function gradcheck(
  fn: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  options: GradcheckOptions = {},
): true {
  const {
    eps = 1e-6,
    atol = 1e-5,
    rtol = 1e-3,
    seed = 0,
  } = checkOptions("gradcheck", options, gradcheckChecks);
  const values = inputs.map((t) => Float64Array.from(noGrad(() => t.double()).dataSync()));
  const shapes = inputs.map((t) => t.shape);
  const leaf = (i: number, data: Float64Array) => {
    const t = Tensor.fromValues(data, shapes[i], "float64", inputs[i].backend);
    t.requiresGrad = true;
    return t;
  };
  let projection: Tensor | null = null;
  const loss = (ts: Tensor[]): Tensor => {
    const out = fn(...ts);
    if (out.numel() === 1) return out.sum();
    projection ??= Tensor.fromValues(
      Array.from(
        { length: out.numel() },
        (() => {
          const rng = new Random(seed);
          return () => rng.uniform(-1, 1);
        })(),
      ),
      out.shape,
      "float64",
      out.backend,
    );
    return out.mul(projection).sum();
  };

  const leaves = values.map((v, i) => leaf(i, v));
  loss(leaves).backward();

  const failures: string[] = [];
  values.forEach((base, i) => {
    if (!inputs[i].requiresGrad) return;
    const grad = leaves[i].grad;
    const analytic =
      grad === null ? new Float64Array(base.length) : Float64Array.from(grad.double().dataSync());
    const index = new Array<number>(shapes[i].length).fill(0);
    for (let k = 0; k < base.length; k++) {
      const at = (delta: number) =>
        noGrad(() => {
          const moved = Float64Array.from(base);
          moved[k] += delta;
          return loss(values.map((v, j) => (j === i ? leaf(j, moved) : leaf(j, v)))).item();
        });
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      if (!(Math.abs(analytic[k] - numeric) <= atol + rtol * Math.abs(numeric))) {
        toIndex(k, shapes[i], index);
        failures.push(
          `  input ${i} ${formatShape(shapes[i])} at [${index.join(",")}]: autograd ${analytic[k]}, central difference ${numeric}`,
        );
      }
    }
  });
  if (failures.length > 0) {
    const shown = failures.slice(0, 10);
    if (failures.length > 10) shown.push(`  … and ${failures.length - 10} more`);
    throw new GradcheckError(
      `gradcheck: ${failures.length} gradient element(s) disagree:\n${shown.join("\n")}`,
    );
  }
  return true;
}
