import * as closeness from "../closeness.js";
import * as conveniences from "../conveniences.js";
import type { Nested } from "../format.js";
import type { Tensor } from "../tensor.js";

/**
 * The conveniences a PyTorch user types without thinking (a method group: see elementwise.ts):
 * counts, a copy, a reading alias and whole-tensor comparisons, one line each.
 */
export const convenienceMethods = {
  /** Number of elements (`numel()`). */
  numel(this: Tensor): number {
    return conveniences.numel(this);
  },
  /** Number of dims (`dim()`, as `ndim`). */
  dim(this: Tensor): number {
    return this.layout.shape.length;
  },
  /** A contiguous copy with its own storage; gradients flow back through it unchanged. */
  clone(this: Tensor): Tensor {
    return conveniences.clone(this);
  },
  /** The values as nested arrays, synchronously (`tolist()`, the same as `toArray()`). */
  tolist(this: Tensor): Nested {
    return this.toArray();
  },
  /** Whether `other` has this shape and equal elements (NaN ≠ NaN). */
  equal(this: Tensor, other: Tensor): boolean {
    return closeness.equal(this, other);
  },
  /** The mask |this − other| ≤ atol + rtol·|other| (PyTorch's rtol = 1e-5, atol = 1e-8). */
  isclose(this: Tensor, other: Tensor, options?: closeness.CloseOptions): Tensor {
    return closeness.isclose(this, other, options);
  },
  /** Whether every element is close to `other`'s (see `isclose`). */
  allclose(this: Tensor, other: Tensor, options?: closeness.CloseOptions): boolean {
    return closeness.allclose(this, other, options);
  },
};

/** The convenience methods' types, merged into Tensor's. */
export type ConvenienceMethods = typeof convenienceMethods;
