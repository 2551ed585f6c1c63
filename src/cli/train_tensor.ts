import { makeDataset } from "../data/datasets.js";
import { binaryCrossEntropyWithLogits } from "../nn/functional/loss.js";
import { MLP } from "../nn/linear.js";
import { SGD } from "../optim/sgd.js";
import { Random } from "../random.js";
import { tensor } from "../tensor/creation.js";
import { tidy } from "../tensor/tidy.js";
import type { EpochReport, TrainOptions } from "./train_options.js";

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
      const losses = binaryCrossEntropyWithLogits(z, y, { reduction: "none" });
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
