import { existsSync } from "node:fs";
import { DataError } from "../errors.js";
import { readSafetensors, save } from "../io/files.js";
import { Tensor } from "../tensor/tensor.js";
import { RunError, userMessage } from "./io.js";
import type { EpochMetrics } from "./metrics_svg.js";
import type { MnistSettings } from "./mnist_train.js";

/**
 * What a checkpoint holds: enough to continue training exactly where it stopped. `S` are the
 * run's settings, `H` one entry of its history (MNIST's epochs by default).
 */
export interface Checkpoint<S extends object = MnistSettings, H = EpochMetrics> {
  /** The last finished epoch (or iteration, for a run counted in steps). */
  epoch: number;
  settings: S;
  history: H[];
  /** Further JSON state (generator states, …), stored as metadata `extra`. */
  extra?: Record<string, unknown>;
  /** The model's state dict. */
  model: Record<string, unknown>;
  /** The optimizer's state dict: tensors, and plain JSON values (step counts, hyper-parameters). */
  optimizer: Record<string, unknown>;
}

const FORMAT = "minitorch-checkpoint/1";

/**
 * Writes a checkpoint as one safetensors file — tensors under `model.<name>` and
 * `optimizer.<key>`, everything else as JSON in the header's metadata — atomically (a temporary
 * file renamed into place), so a run killed at any moment leaves either the old checkpoint or
 * the new one, never half of one.
 */
export async function writeCheckpoint<S extends object, H>(
  path: string,
  checkpoint: Checkpoint<S, H>,
): Promise<void> {
  const tensors: Record<string, Tensor> = {};
  const optimizerJson: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(checkpoint.model)) {
    if (!(value instanceof Tensor)) {
      throw new DataError(`writeCheckpoint: model entry "${name}" is not a Tensor`);
    }
    tensors[`model.${name}`] = value;
  }
  for (const [key, value] of Object.entries(checkpoint.optimizer)) {
    if (value instanceof Tensor) tensors[`optimizer.${key}`] = value;
    else optimizerJson[key] = value;
  }
  await save(tensors, path, {
    metadata: {
      format: FORMAT,
      epoch: String(checkpoint.epoch),
      settings: JSON.stringify(checkpoint.settings),
      history: JSON.stringify(checkpoint.history),
      optimizer: JSON.stringify(optimizerJson),
      extra: JSON.stringify(checkpoint.extra ?? {}),
    },
  });
}

/** The settings of an MNIST run that must match for its checkpoint to be continued. */
const mnistDecisive: (keyof MnistSettings)[] = [
  "dataset",
  "batchSize",
  "lr",
  "seed",
  "optimizer",
  "validationSize",
  "shift",
];

/**
 * The error of `--resume` where there is no checkpoint: resuming must not quietly start afresh
 * (and overwrite what the user meant to continue, say after a typo in --out).
 */
export function missingCheckpoint(path: string): RunError {
  return new RunError(
    `--resume: there is no checkpoint at ${path} to continue from; run without --resume to start afresh`,
  );
}

/**
 * Reads the checkpoint at `path` to continue a run with `settings`: a RunError when there is
 * none, a DataError when it is unreadable or was made with other `decisive` settings (continuing
 * it would silently mix two runs), naming what differs. More epochs than the checkpoint's run had
 * is allowed: that is how a finished run is extended.
 */
export async function readCheckpoint<S extends object = MnistSettings, H = EpochMetrics>(
  path: string,
  settings: S,
  decisive: readonly (keyof S)[] = mnistDecisive as unknown as (keyof S)[],
): Promise<Checkpoint<S, H>> {
  if (!existsSync(path)) throw missingCheckpoint(path);
  const { tensors, metadata } = await readSafetensors(path).catch((error: unknown) => {
    throw error instanceof DataError
      ? new DataError(`--resume: ${userMessage(error.message)}`)
      : error;
  });
  if (metadata?.format !== FORMAT) {
    throw new DataError(
      `--resume: ${path} is not a minitorch checkpoint (format "${metadata?.format}")`,
    );
  }
  const parse = <T>(key: string): T => {
    try {
      return JSON.parse(metadata[key] ?? "") as T;
    } catch {
      throw new DataError(`--resume: ${path} has a malformed "${key}" entry`);
    }
  };
  const saved = parse<S>("settings");
  const differ = decisive.filter((k) => saved[k] !== settings[k]);
  if (differ.length > 0) {
    const what = differ.map(
      (k) => `${String(k)} ${JSON.stringify(saved[k])} → ${JSON.stringify(settings[k])}`,
    );
    throw new DataError(
      `--resume: ${path} was made with other settings (${what.join(", ")}); rerun with the same flags or without --resume`,
    );
  }
  const model: Record<string, unknown> = {};
  const optimizer: Record<string, unknown> = parse<Record<string, unknown>>("optimizer");
  for (const [name, t] of Object.entries(tensors)) {
    if (name.startsWith("model.")) model[name.slice("model.".length)] = t;
    else if (name.startsWith("optimizer.")) optimizer[name.slice("optimizer.".length)] = t;
  }
  const epoch = Number(metadata.epoch);
  if (!Number.isInteger(epoch) || epoch < 0) {
    throw new DataError(`--resume: ${path} has a malformed epoch "${metadata.epoch}"`);
  }
  const extra = metadata.extra === undefined ? {} : parse<Record<string, unknown>>("extra");
  return { epoch, settings: saved, history: parse<H[]>("history"), model, optimizer, extra };
}

/**
 * Runs `restore` (loading a checkpoint's state into the model, optimizer, …) and turns any error
 * into a RunError saying that the checkpoint at `path` does not fit this run, and why.
 */
export function restoreCheckpoint(path: string, restore: () => void): void {
  try {
    restore();
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    throw new RunError(`--resume: ${path} does not fit this run: ${userMessage(error.message)}`);
  }
}
