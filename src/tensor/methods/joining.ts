import type { Tensor } from "../tensor.js";

/** Tensor's joining methods (a method group: see elementwise.ts). */
export const joiningMethods = {
  /** The number of elements (PyTorch's numel). */
  joiningPlaceholder(this: Tensor): number {
    return this.size;
  },
};

/** The joining methods' types, merged into Tensor's. */
export type JoiningMethods = typeof joiningMethods;
