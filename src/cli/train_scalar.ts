import { type DatasetName, makeDataset } from "../data/datasets.js";
import { ScalarMLP } from "../nn/scalar_linear.js";
import { SGD } from "../optim/sgd.js";
import { Random } from "../random.js";
import type { Scalar } from "../scalar/scalar.js";

/** Settings of one Scalar training run (the CLI's flags). */
export interface ScalarTrainOptions {
  dataset: DatasetName;
  points: number;
  hidden: number;
  lr: number;
  epochs: number;
  seed: number;
}

/** The state after one epoch. */
export interface EpochReport {
  epoch: number;
  /** Summed binary cross-entropy over the points, measured during the epoch. */
  loss: number;
  /** Points classified correctly by the forward pass of this epoch (before its update). */
  correct: number;
  total: number;
  /** Seconds since training started. */
  seconds: number;
}

/**
 * Train the course's Scalar MLP on a toy dataset with full-batch SGD and binary cross-entropy
 * L = −Σ [y·log p + (1−y)·log(1−p)]. Calls `onEpoch` after every epoch; returns the last report.
 * Deterministic: the data and the initial weights come from one generator seeded with `seed`.
 */
export function trainScalar(
  options: ScalarTrainOptions,
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
    data.X.forEach((x, i) => {
      const p = model.forward(x);
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
