import * as diagonals from "../diagonal.js";
import type { Tensor } from "../tensor.js";

/** Tensor's diagonal methods (a method group: see elementwise.ts), over diagonal.ts. */
export const diagonalMethods = {
  /**
   * The diagonal `offset` of dims `dim1`, `dim2` as the last dim (a view, as `torch.diagonal`):
   * `diagonal(offset = 0, dim1 = 0, dim2 = 1)` or `diagonal({offset, dim1, dim2})`.
   */
  diagonal(
    this: Tensor,
    offset?: number | diagonals.DiagonalOptions,
    dim1?: number,
    dim2?: number,
  ): Tensor {
    return diagonals.diagonal(this, offset, dim1, dim2);
  },
  /** 1-D: the square matrix with this on diagonal `diagonal`; 2-D: that diagonal, 1-D (a copy). */
  diag(this: Tensor, diagonal = 0): Tensor {
    return diagonals.diag(this, diagonal);
  },
  /** The sum of a matrix's main diagonal (2-D only). */
  trace(this: Tensor): Tensor {
    return diagonals.trace(this);
  },
};

/** The diagonal methods' types, merged into Tensor's. */
export type DiagonalMethods = typeof diagonalMethods;
