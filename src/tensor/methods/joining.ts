import * as joining from "../joining.js";
import type { Tensor } from "../tensor.js";

/** Tensor's joining methods (a method group: see elementwise.ts), over joining.ts: views. */
export const joiningMethods = {
  /** Pieces of `size` along `dim` (the last may be smaller), or of the sizes listed. */
  split(this: Tensor, sizeOrSizes: number | readonly number[], dim = 0): Tensor[] {
    return joining.split(this, sizeOrSizes, dim);
  },
  /** `chunks` pieces of ⌈size / chunks⌉ along `dim` (fewer when they run out). */
  chunk(this: Tensor, chunks: number, dim = 0): Tensor[] {
    return joining.chunk(this, chunks, dim);
  },
  /** The slices along `dim`, that dim removed. */
  unbind(this: Tensor, dim = 0): Tensor[] {
    return joining.unbind(this, dim);
  },
};

/** The joining methods' types, merged into Tensor's. */
export type JoiningMethods = typeof joiningMethods;
