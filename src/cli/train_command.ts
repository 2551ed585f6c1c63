import { datasetNames } from "../data/datasets.js";
import { choiceFlag, integerFlag, parseCommandArgs, positiveFlag } from "./args.js";
import { type CliIO, UsageError } from "./io.js";
import { CLEAR_LINE, progressBar } from "./progress.js";
import { type EpochReport, type ScalarTrainOptions, trainScalar } from "./train_scalar.js";

/** The models `train` can build; the Tensor model arrives with the Tensor layer. */
const models = ["scalar"] as const;

/** Defaults of `minitorch train`; with them the Scalar MLP reaches ≥ 49/50 on simple, diag, split, xor. */
export const trainDefaults = { points: 50, hidden: 10, lr: 0.5, epochs: 1000, seed: 0 } as const;

export const trainHelp = `Usage: minitorch train <dataset> [options]

Train a small network to separate the two classes of a 2-D toy dataset.

Datasets: ${datasetNames.join(", ")}

Options:
  --model <name>     scalar: an MLP built from single Scalars (default: scalar)
  --points <n>       number of points in the dataset (default: ${trainDefaults.points})
  --hidden <n>       width of the two hidden layers (default: ${trainDefaults.hidden})
  --lr <x>           SGD learning rate (default: ${trainDefaults.lr})
  --epochs <n>       full passes over the data (default: ${trainDefaults.epochs})
  --seed <n>         seed of the data and the initial weights (default: ${trainDefaults.seed})
  --json             end with one JSON line: {"dataset","model","correct","total","loss","seconds"}
  -h, --help         show this help

Logs epoch, loss and correct every 10 epochs. With the defaults the Scalar MLP reaches at least
49/50 correct on simple, diag, split and xor.

Example: minitorch train xor --model scalar --epochs 500
`;

const trainFlags = {
  model: { type: "string" },
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
): { options: ScalarTrainOptions; json: boolean } | "help" {
  const { values, positionals } = parseCommandArgs(args, trainFlags);
  if (values.help) return "help";
  if (positionals.length !== 1) {
    throw new UsageError(
      `train takes exactly one dataset, got ${positionals.length === 0 ? "none" : positionals.join(" ")}; choose one of ${datasetNames.join(", ")}`,
    );
  }
  choiceFlag("model", values.model ?? "scalar", models);
  return {
    json: values.json ?? false,
    options: {
      dataset: choiceFlag("dataset", positionals[0], datasetNames),
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

/** `minitorch train`: train, log every 10 epochs, and end with a summary (or JSON) line. */
export function trainCommand(args: string[], io: CliIO): number {
  const parsed = parseTrainArgs(args);
  if (parsed === "help") {
    io.stdout(trainHelp);
    return 0;
  }
  const { options, json } = parsed;
  io.stdout(
    `Training a Scalar MLP (hidden ${options.hidden}) on ${options.dataset} (${options.points} points), lr ${options.lr}, ${options.epochs} epochs, seed ${options.seed}\n`,
  );
  const result = trainScalar(options, (r) => {
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
  });
  const msPerEpoch = (result.seconds * 1000) / result.epoch;
  io.stdout(
    `${options.dataset}: ${result.correct}/${result.total} correct, loss ${result.loss.toFixed(4)}, ${result.epoch} epochs in ${result.seconds.toFixed(2)} s (${msPerEpoch.toFixed(2)} ms/epoch)\n`,
  );
  if (json) {
    const summary = {
      dataset: options.dataset,
      model: "scalar",
      correct: result.correct,
      total: result.total,
      loss: result.loss,
      seconds: result.seconds,
    };
    io.stdout(`${JSON.stringify(summary)}\n`);
  }
  return 0;
}
