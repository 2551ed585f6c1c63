import { makeDataset } from "../data/datasets.js";
import { MLP } from "../nn/linear.js";
import { SGD } from "../optim/sgd.js";
import { Random } from "../random.js";
import { tensor } from "../tensor/creation.js";
import { type Tensor, tidy } from "../tensor/tensor.js";
import type { EpochReport, TrainOptions } from "./train_options.js";

/**
 * Binary cross-entropy from logits, per element, in the stable form
 * −[y·log σ(z) + (1−y)·log(1−σ(z))] = max(z, 0) − z·y + log(1 + e^−|z|),
 * which never takes the log of a probability that rounded to 0 (σ(z) is exactly 1 in float32
 * for z > 17).
 */
function bceWithLogits(z: Tensor, y: Tensor): Tensor {
  const abs = z.relu().add(z.neg().relu());
  return z.relu().sub(z.mul(y)).add(abs.neg().exp().add(1).log());
}

/**
 * Train the tensor MLP (the Scalar network's architecture, built from Linear layers) with
 * full-batch SGD and binary cross-entropy L = −Σ [y·log p + (1−y)·log(1−p)], one batched forward
 * and backward pass per epoch. Same data, seeds and reports as `trainScalar`.
 */
export function trainTensor(
  options: TrainOptions,
  onEpoch: (report: EpochReport) => void = () => {},
): EpochReport {
  const rng = new Random(options.seed);
  const data = makeDataset(options.dataset, options.points, rng);
  const model = new MLP(options.hidden, rng);
  const optimizer = new SGD(model.parameters(), { lr: options.lr });
  // Inputs centred on 0 ([0,1] → [−1,1]), as in trainScalar.
  const X = tensor(data.X.map(([a, b]) => [2 * a - 1, 2 * b - 1]));
  const y = tensor([...data.y]);
  const start = performance.now();
  let report: EpochReport | undefined;

  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    // tidy frees the step's activations and gradients as soon as it ends: backend memory stays
    // flat however long the run (the parameters are updated in place).
    const { loss, correct } = tidy(() => {
      optimizer.zeroGrad();
      const z = model.logits(X);
      const losses = bceWithLogits(z, y);
      losses.sum().div(data.n).backward();
      const step = { loss: losses.sum().item(), correct: z.gt(0).eq(y).sum().item() };
      optimizer.step();
      return step;
    });
    report = { epoch, loss, correct, total: data.n, seconds: (performance.now() - start) / 1000 };
    onEpoch(report);
  }
  if (report === undefined) throw new RangeError("trainTensor: epochs must be at least 1");
  return report;
}
