/**
 * The messages between the Text page and its worker (which trains a tiny GPT in the page). Kept
 * in one file so both sides agree on the shapes at compile time.
 */

import type { GptSettings } from "../../src/cli/gpt_train.js";

/**
 * The tiny model's shape and recipe (what one press of "Train a tiny one" runs): the CLI's
 * `train gpt` settings, less the dataset (the page's adverbs) and dropout (none).
 */
export type TinyGptSettings = Omit<GptSettings, "dataset" | "dropout">;

/**
 * 28,960 parameters (with WordNet's adverbs' 77 characters): 300 steps take about 13 s on the
 * cpu backend of the 2-core development machine (Node).
 */
export const TINY_GPT: Readonly<TinyGptSettings> = {
  layers: 2,
  heads: 2,
  embd: 32,
  block: 32,
  batchSize: 16,
  iters: 300,
  lr: 1e-2,
  seed: 1,
};

/** Page → worker. */
export type ToTextWorker = { type: "train"; settings: TinyGptSettings };

/** Worker → page. */
export type FromTextWorker =
  /** A progress line for the status region. */
  | { type: "status"; text: string }
  /**
   * Training finished: the model as a safetensors file (what `minitorch train gpt` writes), the
   * validation loss before and after, in nats per character.
   */
  | { type: "trained"; bytes: Uint8Array; startLoss: number; valLoss: number; text: string }
  /** Anything that failed. */
  | { type: "error"; message: string };
