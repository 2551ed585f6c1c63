/**
 * The messages between the Digits page and its worker (which trains, loads and runs the CNN).
 * Kept in one file so both sides agree on the shapes at compile time.
 */

/** Side of an MNIST image. */
export const DIGIT_SIDE = 28;

/** Page → worker. */
export type ToDigitsWorker =
  | { type: "train"; epochs: number }
  | { type: "load"; bytes: Uint8Array; name: string }
  | { type: "predict"; id: number; pixels: Float32Array };

/** A held-out digit the model gets wrong. */
export interface Mistake {
  /** 784 pixels in 0..1, row-major 28×28. */
  pixels: Float32Array;
  label: number;
  predicted: number;
}

/** Worker → page. */
export type FromDigitsWorker =
  /** A progress line for the status region. */
  | { type: "status"; text: string }
  /** A model is ready to predict (trained or loaded); `text` says which and how well. */
  | { type: "ready"; text: string }
  /** The softmax over the classes for the drawing `id`. */
  | { type: "predictions"; id: number; probabilities: Float32Array }
  /** Up to MAX_MISTAKES misclassified held-out digits, and how many were tested. */
  | { type: "mistakes"; mistakes: Mistake[]; tested: number; wrong: number }
  /** A model file that could not be used, with the library's message. */
  | { type: "model-error"; message: string }
  /** Anything else that failed. */
  | { type: "error"; message: string };

/** How many misclassified digits the grid shows at most. */
export const MAX_MISTAKES = 24;
