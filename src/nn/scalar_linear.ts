import { defaultGenerator, type Random } from "../random.js";
import { Scalar } from "../scalar/scalar.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";

/**
 * A fully connected layer built from Scalars, as in the course's first module: y_o = b_o + Σᵢ w_oi·xᵢ.
 * Parameters are named as in PyTorch's Linear, one Scalar each: `weight_o_i` (row o = output, as
 * PyTorch's `[out, in]` weight) and `bias_o`, initialised as PyTorch's Linear: uniformly in
 * [−1/√in, 1/√in), which keeps each output's variance independent of the layer's width.
 */
export class ScalarLinear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  /** weights[o][i] multiplies input i into output o. */
  readonly #weights: Parameter<Scalar>[][] = [];
  readonly #biases: Parameter<Scalar>[] = [];

  constructor(inFeatures: number, outFeatures: number, rng: Random = defaultGenerator()) {
    super();
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    const bound = 1 / Math.sqrt(inFeatures);
    for (let o = 0; o < outFeatures; o++) {
      const row: Parameter<Scalar>[] = [];
      for (let i = 0; i < inFeatures; i++) {
        const name = `weight_${o}_${i}`;
        row.push(
          this.registerParameter(
            name,
            new Parameter(new Scalar(rng.uniform(-bound, bound), { name })),
          ),
        );
      }
      this.#weights.push(row);
      const name = `bias_${o}`;
      this.#biases.push(
        this.registerParameter(
          name,
          new Parameter(new Scalar(rng.uniform(-bound, bound), { name })),
        ),
      );
    }
  }

  /** The layer's outputs for one input vector of `inFeatures` values. */
  forward(inputs: readonly (Scalar | number)[]): Scalar[] {
    return this.#weights.map((row, o) =>
      row.reduce((acc, w, i) => acc.add(w.value.mul(inputs[i])), this.#biases[o].value),
    );
  }
}

/**
 * The course's Scalar network for 2-D binary classification: 2 → hidden → hidden → 1 with ReLU
 * between layers and a sigmoid at the end, so the output is P(label = 1).
 */
export class ScalarMLP extends Module {
  readonly layer1: ScalarLinear;
  readonly layer2: ScalarLinear;
  readonly layer3: ScalarLinear;

  constructor(hidden: number, rng: Random = defaultGenerator()) {
    super();
    this.layer1 = new ScalarLinear(2, hidden, rng);
    this.layer2 = new ScalarLinear(hidden, hidden, rng);
    this.layer3 = new ScalarLinear(hidden, 1, rng);
  }

  /** P(label = 1) for the point (x₁, x₂). */
  forward(x: readonly [number, number]): Scalar {
    const h1 = this.layer1.forward(x).map((h) => h.relu());
    const h2 = this.layer2.forward(h1).map((h) => h.relu());
    return this.layer3.forward(h2)[0].sigmoid();
  }
}
