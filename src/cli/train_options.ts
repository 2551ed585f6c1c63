import type { DatasetName } from "../data/datasets.js";

/** The models `minitorch train` can build. */
export const modelNames = ["scalar", "tensor"] as const;
export type ModelName = (typeof modelNames)[number];

/** Settings of one training run on a toy dataset (the CLI's flags). */
export interface TrainOptions {
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
  /** Binary cross-entropy summed over the points, measured during the epoch. */
  loss: number;
  /** Points classified correctly by the forward pass of this epoch (before its update). */
  correct: number;
  total: number;
  /** Seconds since training started. */
  seconds: number;
}
