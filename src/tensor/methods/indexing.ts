import type { Tensor } from "../tensor.js";

/** Tensor's indexing methods (a method group: see elementwise.ts). */
export const indexingMethods = {
  /** The number of elements (PyTorch's numel). */
  indexingPlaceholder(this: Tensor): number {
    return this.size;
  },
};

/** The indexing methods' types, merged into Tensor's. */
export type IndexingMethods = typeof indexingMethods;
