import * as logical from "../logical.js";
import type { Tensor, TensorLike } from "../tensor.js";

/**
 * The comparisons ne, le, ge, the NaN and infinity tests and the logical ops, as methods (a
 * method group: see elementwise.ts). Each gives a bool mask without history.
 */
export const logicalMethods = {
  /** Where this ≠ b (NaN ≠ anything). */
  ne(this: Tensor, b: TensorLike): Tensor {
    return logical.ne(this, b);
  },
  /** Where this ≤ b. */
  le(this: Tensor, b: TensorLike): Tensor {
    return logical.le(this, b);
  },
  /** Where this ≥ b. */
  ge(this: Tensor, b: TensorLike): Tensor {
    return logical.ge(this, b);
  },
  /** Where this is NaN. */
  isNaN(this: Tensor): Tensor {
    return logical.isNaNOf(this);
  },
  /** Where this is finite (not ±∞, not NaN). */
  isFinite(this: Tensor): Tensor {
    return logical.isFiniteOf(this);
  },
  /** Where this is ±∞. */
  isInf(this: Tensor): Tensor {
    return logical.isInf(this);
  },
  /** Where both are nonzero. */
  logicalAnd(this: Tensor, b: TensorLike): Tensor {
    return logical.logicalAnd(this, b);
  },
  /** Where either is nonzero. */
  logicalOr(this: Tensor, b: TensorLike): Tensor {
    return logical.logicalOr(this, b);
  },
  /** Where exactly one is nonzero. */
  logicalXor(this: Tensor, b: TensorLike): Tensor {
    return logical.logicalXor(this, b);
  },
  /** Where this is zero. */
  logicalNot(this: Tensor): Tensor {
    return logical.logicalNot(this);
  },
};

/** The logical methods' types, merged into Tensor's. */
export type LogicalMethods = typeof logicalMethods;
