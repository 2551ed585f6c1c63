import { makeDataset } from "../data/datasets.js";
import { binaryCrossEntropyWithLogits } from "../nn/functional/loss.js";
import { MLP } from "../nn/linear.js";
import { SGD } from "../optim/sgd.js";
import { Random } from "../random.js";
import { tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { keep, tidy } from "../tensor/tidy.js";
import type { EpochReport, TrainOptions } from "./train_options.js";

/** One epoch's loss and count of correct points, still on the backend. */
interface StepResult {
  loss: Tensor;
  correct: Tensor;
}

/**
 * The tensor MLP, its data and optimizer, and `step`: one epoch of full-batch SGD on binary
 * cross-entropy L = −Σ [y·log p + (1−y)·log(1−p)], one batched forward and backward pass.
 */
function setUp(options: TrainOptions): { n: number; step: () => StepResult } {
  const rng = new Random(options.seed);
  const data = makeDataset(options.dataset, options.points, rng);
  const model = new MLP(options.hidden, rng);
  const optimizer = new SGD(model.parameters(), { lr: options.lr });
  // Inputs centred on 0 ([0,1] → [−1,1]), as in trainScalar.
  const X = tensor(data.X.map(([a, b]) => [2 * a - 1, 2 * b - 1]));
  const y = tensor([...data.y]);
  // tidy frees the step's activations and gradients as soon as it ends: backend memory stays
  // flat however long the run (the parameters are updated in place). The two results are kept
  // for the caller to read and dispose.
  const step = (): StepResult =>
    tidy(() => {
      optimizer.zeroGrad();
      const z = model.logits(X);
      const losses = binaryCrossEntropyWithLogits(z, y, { reduction: "none" });
      losses.sum().div(data.n).backward();
      const result = { loss: keep(losses.sum()), correct: keep(z.gt(0).eq(y).sum()) };
      optimizer.step();
      return result;
    });
  return { n: data.n, step };
}

/**
 * Train the tensor MLP (the Scalar network's architecture, built from Linear layers) on a
 * backend that reads synchronously (cpu, reference): same data, seeds and reports as
 * `trainScalar`. `trainTensorAsync` runs on every backend.
 */
export function trainTensor(
  options: TrainOptions,
  onEpoch: (report: EpochReport) => void = () => {},
): EpochReport {
  const { n, step } = setUp(options);
  const start = performance.now();
  let report: EpochReport | undefined;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const { loss, correct } = step();
    const values = { loss: loss.item(), correct: correct.item() };
    loss.dispose();
    correct.dispose();
    report = { epoch, ...values, total: n, seconds: (performance.now() - start) / 1000 };
    onEpoch(report);
  }
  if (report === undefined) throw new RangeError("trainTensor: epochs must be at least 1");
  return report;
}

/**
 * `trainTensor` on any backend: the loss and the count are read with `await t.data()`, which a
 * GPU backend needs (it cannot read synchronously). One read per epoch.
 */
export async function trainTensorAsync(
  options: TrainOptions,
  onEpoch: (report: EpochReport) => void = () => {},
): Promise<EpochReport> {
  const { n, step } = setUp(options);
  const start = performance.now();
  let report: EpochReport | undefined;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const { loss, correct } = step();
    const [lossValues, correctValues] = await Promise.all([loss.data(), correct.data()]);
    loss.dispose();
    correct.dispose();
    const values = { loss: Number(lossValues[0]), correct: Number(correctValues[0]) };
    report = { epoch, ...values, total: n, seconds: (performance.now() - start) / 1000 };
    onEpoch(report);
  }
  if (report === undefined) throw new RangeError("trainTensorAsync: epochs must be at least 1");
  return report;
}
