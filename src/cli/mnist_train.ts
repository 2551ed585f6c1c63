import { join } from "node:path";
import { noGrad } from "../autodiff/grad_mode.js";
import type { BackendName } from "../backend/backend.js";
import { loadedBackend } from "../backend/registry.js";
import { randomShift } from "../data/augment.js";
import { DataLoader } from "../data/dataloader.js";
import type { ImageDataset } from "../data/image_dataset.js";
import { writeFileAtomic } from "../io/files.js";
import { LeNet } from "../models/lenet.js";
import { crossEntropy } from "../nn/functional/loss.js";
import { Adam } from "../optim/adam.js";
import { SGD } from "../optim/sgd.js";
import { manualSeed, Random } from "../random.js";
import { tensor } from "../tensor/creation.js";
import type { Tensor } from "../tensor/tensor.js";
import { keep, tidy } from "../tensor/tidy.js";
import {
  type Checkpoint,
  readCheckpoint,
  restoreCheckpoint,
  writeCheckpoint,
} from "./checkpoint.js";
import { confusionMatrix } from "./confusion.js";
import { RunError } from "./io.js";
import { type EpochMetrics, metricsSvg } from "./metrics_svg.js";
import { firstNonFinite, saveModel } from "./model_file.js";

/** The optimizers `minitorch train mnist` offers. */
export const optimizerNames = ["adam", "sgd"] as const;
export type OptimizerName = (typeof optimizerNames)[number];

/** Everything that decides what a run computes (saved in each checkpoint, checked on resume). */
export interface MnistSettings {
  /** The data's name, for messages and the JSON summary ("mnist", "fashion-mnist", or the folder). */
  dataset: string;
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  optimizer: OptimizerName;
  /** Training examples held out to measure validation accuracy after each epoch. */
  validationSize: number;
  /** Largest random shift (pixels) of the training images; 0 turns augmentation off. */
  shift: number;
}

/** The data a run uses: the training split (validation is carved from it) and the test split. */
export interface MnistData {
  train: ImageDataset;
  test: ImageDataset;
  /** Class names for the confusion matrix (digits "0"…"9" unless the dataset has names). */
  classNames: readonly string[];
}

/** What the trainer reports while it runs. */
export interface MnistProgress {
  /** A batch finished: running mean loss and accuracy of the epoch so far. */
  batch(epoch: number, batch: number, batches: number, loss: number, accuracy: number): void;
  /** An epoch finished (and its checkpoint was written). */
  epoch(metrics: EpochMetrics): void;
}

/** The outcome of a run. */
export interface MnistResult {
  history: EpochMetrics[];
  testAccuracy: number;
  /** counts[true][predicted] over the test split. */
  confusion: number[][];
  trainSize: number;
  validationSize: number;
  testSize: number;
  /** Wall-clock seconds of this process's training and evaluation (not counting resumed epochs). */
  seconds: number;
  /** The epoch this process started from (0 for a fresh run). */
  resumedFrom: number;
  modelPath: string;
}

/** Where a run writes: the final model, the per-epoch checkpoint and the chart. */
export function runFiles(out: string): { model: string; checkpoint: string; chart: string } {
  return {
    model: join(out, "model.safetensors"),
    checkpoint: join(out, "checkpoint.safetensors"),
    chart: join(out, "metrics.svg"),
  };
}

/** Splits the training set into a training part and a validation part, by a seeded shuffle. */
function holdOut(
  train: ImageDataset,
  count: number,
  seed: number,
): { fit: ImageDataset; validation: ImageDataset } {
  // Its own generator, so the split does not depend on how much randomness anything else drew.
  const order = new Random(seed + 7919).shuffle(Array.from({ length: train.count }, (_, i) => i));
  const held = order.slice(0, count).sort((a, b) => a - b);
  const kept = order.slice(count).sort((a, b) => a - b);
  return { fit: train.subset(kept), validation: train.subset(held) };
}

/**
 * The learning rate of an epoch (1-based): cosine annealing from `base` in the first epoch down
 * towards 0 in the last, lr = base · ½(1 + cos(π·(epoch − 1)/epochs)). Large steps early, small
 * ones to settle at the end; a function of the epoch alone, so a resumed run uses the same rates.
 */
export function cosineLr(base: number, epoch: number, epochs: number): number {
  return base * 0.5 * (1 + Math.cos((Math.PI * (epoch - 1)) / epochs));
}

function makeOptimizer(model: LeNet, settings: MnistSettings): Adam | SGD {
  return settings.optimizer === "adam"
    ? new Adam(model.parameters(), { lr: settings.lr })
    : new SGD(model.parameters(), { lr: settings.lr, momentum: 0.9, nesterov: true });
}

/** Predicted classes of every image of `data`, in batches, without building a graph. */
export async function predictAll(
  model: LeNet,
  data: ImageDataset,
  backend: BackendName,
): Promise<Uint8Array> {
  const predictions = new Uint8Array(data.count);
  const loader = new DataLoader(data, { batchSize: 500, shuffle: false, backend });
  let at = 0;
  for (const { images } of loader.batches(0)) {
    const classes = noGrad(() => tidy(() => keep(model.forward(images).argmax(1))));
    const values = await classes.data();
    classes.dispose();
    images.dispose();
    predictions.set(values, at);
    at += values.length;
  }
  return predictions;
}

function accuracyOf(predictions: Uint8Array, labels: Uint8Array): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) correct += 1;
  return labels.length === 0 ? 0 : correct / labels.length;
}

/**
 * Running sums of an epoch's loss and correct predictions, kept on the backend: a GPU would stall
 * for a readback (~0.5 ms) if every step read its loss, so the sums are read only when progress is
 * reported (every step on a backend that reads synchronously, every 20 steps otherwise).
 */
class EpochTotals {
  #loss: Tensor | null = null;
  #correct: Tensor | null = null;
  seen = 0;

  /** Adds one step's mean loss (times its batch size) and its count of correct predictions. */
  add(loss: Tensor, logits: Tensor, labels: Tensor): void {
    const count = labels.shape[0];
    noGrad(() => {
      const stepLoss = loss.detach().mul(count);
      const stepCorrect = logits.argmax(1).eq(labels).sum();
      const next = [
        this.#loss === null ? stepLoss : this.#loss.add(stepLoss),
        this.#correct === null ? stepCorrect : this.#correct.add(stepCorrect),
      ];
      this.#loss?.dispose();
      this.#correct?.dispose();
      [this.#loss, this.#correct] = next.map((t) => keep(t));
    });
    this.seen += count;
  }

  /** Mean loss and accuracy so far (one read of two numbers). */
  async read(): Promise<{ loss: number; accuracy: number }> {
    if (this.#loss === null || this.#correct === null) return { loss: 0, accuracy: 0 };
    const [loss, correct] = await Promise.all([this.#loss.data(), this.#correct.data()]);
    return { loss: loss[0] / this.seen, accuracy: correct[0] / this.seen };
  }

  dispose(): void {
    this.#loss?.dispose();
    this.#correct?.dispose();
  }
}

/**
 * The RunError of a run that diverged in `epoch`: what turned non-finite, what was kept (the
 * checkpoint of the epoch before, if there is one — it is never overwritten with broken weights),
 * and what to change.
 */
function diverged(
  what: string,
  epoch: number,
  settings: MnistSettings,
  checkpoint: string,
): RunError {
  const kept =
    epoch > 1
      ? `the checkpoint of epoch ${epoch - 1} stays in ${checkpoint}`
      : "no checkpoint or model was written";
  const sgd = settings.optimizer === "sgd" ? " or --optimizer adam" : "";
  return new RunError(
    `training diverged in epoch ${epoch}: ${what}; ${kept}. Try a lower --lr (now ${settings.lr})${sgd}`,
  );
}

/**
 * Trains the LeNet on `data`: minibatches from a seeded DataLoader, cross-entropy loss, Adam (or
 * SGD with Nesterov momentum); after each epoch it measures validation accuracy and writes a
 * checkpoint (model + optimizer state + history, atomically) and the chart. With `resume` it
 * continues from `out`'s checkpoint. The data order depends only on (seed, epoch), so a resumed
 * run computes exactly what an uninterrupted one would have.
 */
export async function trainMnist(
  data: MnistData,
  settings: MnistSettings,
  options: { backend: BackendName; out: string; resume: boolean; progress: MnistProgress },
): Promise<MnistResult> {
  const { backend, out, progress } = options;
  // The command made `out` and holds its lock (RunFolder).
  const files = runFiles(out);
  const started = performance.now();
  const { fit, validation } = holdOut(data.train, settings.validationSize, settings.seed);

  manualSeed(settings.seed);
  const model = new LeNet();
  const optimizer = makeOptimizer(model, settings);
  let history: EpochMetrics[] = [];
  let resumedFrom = 0;
  if (options.resume) {
    const saved: Checkpoint = await readCheckpoint(files.checkpoint, settings);
    restoreCheckpoint(files.checkpoint, () => {
      model.loadStateDict(saved.model);
      optimizer.loadStateDict(saved.optimizer);
    });
    history = saved.history;
    resumedFrom = saved.epoch;
  }

  const loader = new DataLoader(fit, {
    batchSize: settings.batchSize,
    shuffle: true,
    seed: settings.seed,
    backend,
    transform: randomShift(settings.shift, settings.seed),
  });
  for (let epoch = resumedFrom + 1; epoch <= settings.epochs; epoch++) {
    const epochStart = performance.now();
    optimizer.lr = cosineLr(settings.lr, epoch, settings.epochs);
    model.train();
    const totals = new EpochTotals();
    const readEvery = loadedBackend(backend).synchronousRead ? 1 : 20;
    let batch = 0;
    for (const { images, labels, targets } of loader.batches(epoch - 1)) {
      tidy(() => {
        const logits = model.forward(images);
        const loss = crossEntropy(logits, targets);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        totals.add(loss, logits, tensor(Array.from(labels), { backend }));
      });
      images.dispose();
      batch += 1;
      if (batch % readEvery === 0 || batch === loader.length) {
        const { loss, accuracy } = await totals.read();
        if (!Number.isFinite(loss)) {
          const what = `the loss became ${loss} by batch ${batch} of ${loader.length}`;
          throw diverged(what, epoch, settings, files.checkpoint);
        }
        progress.batch(epoch, batch, loader.length, loss, accuracy);
      }
    }
    const train = await totals.read();
    totals.dispose();
    model.eval();
    const metrics: EpochMetrics = {
      epoch,
      trainLoss: train.loss,
      trainAccuracy: train.accuracy,
      validationAccuracy: accuracyOf(
        await predictAll(model, validation, backend),
        validation.labels,
      ),
      seconds: (performance.now() - epochStart) / 1000,
    };
    history.push(metrics);
    // The loss can still be finite when the last step broke the weights: check them before
    // they replace the last good checkpoint.
    const broken = await firstNonFinite(model.stateDict());
    if (broken !== null) {
      throw diverged(`"${broken.name}" holds ${broken.what}`, epoch, settings, files.checkpoint);
    }
    await writeCheckpoint(files.checkpoint, {
      epoch,
      settings,
      history,
      model: model.stateDict(),
      optimizer: optimizer.stateDict(),
    });
    const chart = metricsSvg(history, `minitorch LeNet on ${settings.dataset}`);
    await writeFileAtomic(files.chart, chart);
    progress.epoch(metrics);
  }

  model.eval();
  const predictions = await predictAll(model, data.test, backend);
  await saveModel(model, files.model, settings);
  return {
    history,
    testAccuracy: accuracyOf(predictions, data.test.labels),
    confusion: confusionMatrix(data.test.labels, predictions, data.classNames.length),
    trainSize: fit.count,
    validationSize: validation.count,
    testSize: data.test.count,
    seconds: (performance.now() - started) / 1000,
    resumedFrom,
    modelPath: files.model,
  };
}
