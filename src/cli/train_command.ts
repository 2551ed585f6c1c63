import type { BackendName } from "../backend/backend.js";
import { backendNames, defaultBackendName } from "../backend/registry.js";
import { datasetNames } from "../data/datasets.js";
import { BackendError } from "../errors.js";
import { setBackend } from "../tensor/default_backend.js";
import { choiceArgument, choiceFlag, integerFlag, parseCommandArgs, positiveFlag } from "./args.js";
import { gptCommand } from "./gpt_command.js";
import { type CliIO, RunError, UsageError } from "./io.js";
import { mnistCommand } from "./mnist_command.js";
import { CLEAR_LINE, progressBar } from "./progress.js";
import {
  type EpochReport,
  type ModelName,
  modelNames,
  type TrainOptions,
} from "./train_options.js";
import { trainScalar } from "./train_scalar.js";
import { trainTensorAsync } from "./train_tensor.js";

/** The trainers; the tensor one reads its loss asynchronously, as a GPU backend requires. */
const trainers: Record<
  ModelName,
  (options: TrainOptions, onEpoch: (r: EpochReport) => void) => EpochReport | Promise<EpochReport>
> = {
  scalar: trainScalar,
  tensor: trainTensorAsync,
};

/** Defaults of `minitorch train`; with them the Scalar MLP reaches ≥ 49/50 on simple, diag, split, xor. */
export const trainDefaults = { points: 50, hidden: 10, lr: 0.5, epochs: 1000, seed: 0 } as const;

export const trainHelp = `Usage: minitorch train <dataset> [options]

Train a small network to separate the two classes of a 2-D toy dataset.

Datasets: ${datasetNames.join(", ")}
(For handwritten digits and the convolutional network: minitorch train mnist --help;
for a character-level language model: minitorch train gpt --help)

Options:
  --model <name>     scalar: an MLP built from single Scalars (default)
                     tensor: the same MLP built from Tensors and Linear layers
  --backend <name>   where the tensor model runs: ${backendNames.join(", ")} (default: ${defaultBackendName})
  --points <n>       number of points in the dataset (default: ${trainDefaults.points})
  --hidden <n>       width of the two hidden layers (default: ${trainDefaults.hidden})
  --lr <x>           SGD learning rate (default: ${trainDefaults.lr})
  --epochs <n>       full passes over the data (default: ${trainDefaults.epochs})
  --seed <n>         seed of the data and the initial weights (default: ${trainDefaults.seed})
  --json             end with one JSON line: {"dataset","model","correct","total","loss","seconds"}
  -h, --help         show this help

Inputs are centred to [-1, 1] before the first layer. Logs epoch, loss (binary cross-entropy
summed over the points) and correct every 10 epochs.

With the defaults both models reach at least 49/50 on simple, diag, split and xor, and the
tensor model 50/50 on circle. Spiral needs a wider network and more steps:
  minitorch train spiral --model tensor --hidden 30 --lr 1 --epochs 3000

Example: minitorch train xor --model tensor --epochs 500
`;

const trainFlags = {
  model: { type: "string" },
  backend: { type: "string" },
  points: { type: "string" },
  hidden: { type: "string" },
  lr: { type: "string" },
  epochs: { type: "string" },
  seed: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Parse `train`'s arguments into options, or throw a UsageError naming what is wrong. */
export function parseTrainArgs(
  args: string[],
): { options: TrainOptions; model: ModelName; backend: BackendName; json: boolean } | "help" {
  const { values, positionals } = parseCommandArgs(args, trainFlags);
  if (values.help) return "help";
  if (positionals.length !== 1) {
    throw new UsageError(
      `train takes exactly one dataset, got ${positionals.length === 0 ? "none" : positionals.join(" ")}; choose one of ${datasetNames.join(", ")}`,
    );
  }
  return {
    model: choiceFlag("model", values.model, "scalar", modelNames),
    backend: choiceFlag("backend", values.backend, defaultBackendName, backendNames),
    json: values.json ?? false,
    options: {
      dataset: choiceArgument("dataset", positionals[0], datasetNames),
      points: integerFlag("points", values.points, trainDefaults.points, 2),
      hidden: integerFlag("hidden", values.hidden, trainDefaults.hidden, 1),
      lr: positiveFlag("lr", values.lr, trainDefaults.lr),
      epochs: integerFlag("epochs", values.epochs, trainDefaults.epochs, 1),
      seed: integerFlag("seed", values.seed, trainDefaults.seed, 0),
    },
  };
}

function formatEpoch(r: EpochReport, epochs: number): string {
  const width = String(epochs).length;
  return `epoch ${String(r.epoch).padStart(width)}/${epochs}  loss ${r.loss.toFixed(4)}  correct ${r.correct}/${r.total}`;
}

/**
 * Runs the trainer, stopping with a RunError when the loss stops being a finite number (the
 * weights are then NaN or ±∞ and every later epoch is wasted) or memory runs out, saying what to
 * change.
 */
async function train(
  model: ModelName,
  options: TrainOptions,
  onEpoch: (r: EpochReport) => void,
): Promise<EpochReport> {
  try {
    return await trainers[model](options, (r) => {
      if (!Number.isFinite(r.loss)) {
        throw new RunError(
          `training diverged: the loss became ${r.loss} in epoch ${r.epoch}; try a lower --lr (now ${options.lr})`,
        );
      }
      onEpoch(r);
    });
  } catch (error) {
    if (!(error instanceof BackendError) || !/out of memory/.test(error.message)) throw error;
    throw new RunError(
      `${error.message}; lower --hidden (now ${options.hidden}) or --points (now ${options.points})`,
    );
  }
}

/** `minitorch train`: train, log every 10 epochs, and end with a summary (or JSON) line. */
export async function trainCommand(args: string[], io: CliIO): Promise<number> {
  // The image-recognition trainer has flags of its own.
  if (args[0] === "mnist") return mnistCommand(args.slice(1), io);
  if (args[0] === "gpt") return gptCommand(args.slice(1), io);
  const parsed = parseTrainArgs(args);
  if (parsed === "help") {
    io.stdout(trainHelp);
    return 0;
  }
  const { options, model, backend, json } = parsed;
  await setBackend(backend);
  const what = model === "scalar" ? "a Scalar MLP" : `a Tensor MLP on the ${backend} backend`;
  io.stdout(
    `Training ${what} (hidden ${options.hidden}) on ${options.dataset} (${options.points} points), lr ${options.lr}, ${options.epochs} epochs, seed ${options.seed}\n`,
  );
  const result = await train(model, options, (r) => {
    const log = r.epoch % 10 === 0 || r.epoch === options.epochs;
    if (io.isTTY) {
      // Keep the bar on the last line: clear it, print any log line, redraw it.
      io.stderr(CLEAR_LINE);
      if (log) io.stdout(`${formatEpoch(r, options.epochs)}\n`);
      const bar = progressBar(r.epoch, options.epochs, `loss ${r.loss.toFixed(4)}`);
      io.stderr(r.epoch === options.epochs ? "" : bar);
    } else if (log) {
      io.stdout(`${formatEpoch(r, options.epochs)}\n`);
    }
  }).catch((error: unknown) => {
    if (io.isTTY) io.stderr(CLEAR_LINE); // the message replaces the progress bar
    throw error;
  });
  const msPerEpoch = (result.seconds * 1000) / result.epoch;
  io.stdout(
    `${options.dataset}: ${result.correct}/${result.total} correct, loss ${result.loss.toFixed(4)}, ${result.epoch} epochs in ${result.seconds.toFixed(2)} s (${msPerEpoch.toFixed(2)} ms/epoch)\n`,
  );
  if (json) {
    const summary = {
      dataset: options.dataset,
      model,
      correct: result.correct,
      total: result.total,
      loss: result.loss,
      seconds: result.seconds,
    };
    io.stdout(`${JSON.stringify(summary)}\n`);
  }
  return 0;
}
