/**
 * The messages between the Train page and its training worker. Kept in one file so both sides
 * agree on the shapes at compile time.
 */

/** What the model and data are built from; any change rebuilds both. */
export interface TrainConfig {
  dataset: string;
  points: number;
  hidden: number;
  layers: number;
  lr: number;
  epochs: number;
  backend: string;
  seed: number;
}

/** Page → worker. `configure` rebuilds everything; `tune` changes lr/epochs without a reset. */
export type ToWorker =
  | { type: "configure"; config: TrainConfig }
  | { type: "tune"; lr: number; epochs: number }
  | { type: "start" }
  | { type: "pause" }
  | { type: "step" }
  | { type: "reset" };

/** The training state shown as the section's `data-state`. */
export type TrainState = "idle" | "training" | "paused" | "done";

/** Worker → page. */
export type FromWorker =
  | { type: "ready"; paramCount: number; backend: string }
  | {
      type: "progress";
      /** Epochs sampled in this chunk, increasing; the last is the current epoch. */
      epochs: number[];
      losses: number[];
      accuracies: number[];
      epochMs: number;
    }
  | { type: "grid"; size: number; probabilities: Float32Array }
  | { type: "state"; state: TrainState }
  | { type: "error"; message: string };

/** Side length of the probability grid the worker sends for the heat map. */
export const GRID_SIZE = 50;
