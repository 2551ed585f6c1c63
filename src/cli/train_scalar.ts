import { makeDataset } from "../data/datasets.js";
import { ScalarMLP } from "../nn/scalar_linear.js";
import { SGD } from "../optim/sgd.js";
import { Random } from "../random.js";
import type { Scalar } from "../scalar/scalar.js";
import type { EpochReport, TrainOptions } from "./train_options.js";

/**
 * Train the course's Scalar MLP on a toy dataset with full-batch SGD and binary cross-entropy
 * L = −Σ [y·log p + (1−y)·log(1−p)]. Calls `onEpoch` after every epoch; returns the last report.
 * Deterministic: the data and the initial weights come from one generator seeded with `seed`.
 */
export function trainScalar(
  options: TrainOptions,
  onEpoch: (report: EpochReport) => void = () => {},
): EpochReport {
  const rng = new Random(options.seed);
  const data = makeDataset(options.dataset, options.points, rng);
  const model = new ScalarMLP(options.hidden, rng);
  const optimizer = new SGD(model.parameters(), { lr: options.lr });
  const start = performance.now();
  let report: EpochReport | undefined;

  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    optimizer.zeroGrad();
    let loss = 0;
    let correct = 0;
    data.X.forEach(([x1, x2], i) => {
      // Inputs centred on 0 ([0,1] → [−1,1]): ReLU units then start cutting through the data.
      const p = model.forward([2 * x1 - 1, 2 * x2 - 1]);
      correct += Number(p.data > 0.5 === (data.y[i] === 1));
      // log of the probability given to the right label; the mean keeps the step size
      // independent of the number of points.
      const right: Scalar = data.y[i] === 1 ? p : p.neg().add(1);
      const pointLoss = right.log().neg();
      pointLoss.div(data.n).backward();
      loss += pointLoss.data;
    });
    optimizer.step();
    report = { epoch, loss, correct, total: data.n, seconds: (performance.now() - start) / 1000 };
    onEpoch(report);
  }
  if (report === undefined) throw new RangeError("trainScalar: epochs must be at least 1");
  return report;
}
