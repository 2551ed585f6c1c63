import * as arithmetic from "../arithmetic.js";
import * as linalg from "../linalg.js";
import type { Tensor } from "../tensor.js";

/** Tensor's linear-algebra methods (a method group: see elementwise.ts), one line each over linalg.ts. */
export const linalgMethods = {
  /** Matrix product with PyTorch's rules: 1-D operands are vectors, batch dims broadcast. */
  matmul(this: Tensor, b: Tensor): Tensor {
    return linalg.matmul(this, b);
  },
  /** [n, k] @ [k, m] of two 2-D tensors (no broadcasting). */
  mm(this: Tensor, b: Tensor): Tensor {
    return linalg.mm(this, b);
  },
  /** [B, n, k] @ [B, k, m] of two 3-D tensors with the same batch size. */
  bmm(this: Tensor, b: Tensor): Tensor {
    return linalg.bmm(this, b);
  },
  /** [n, k] @ [k]: a matrix times a vector. */
  mv(this: Tensor, v: Tensor): Tensor {
    return linalg.mv(this, v);
  },
  /** Σᵢ thisᵢ·bᵢ of two 1-D tensors of one length (0-d). */
  dot(this: Tensor, b: Tensor): Tensor {
    return linalg.dot(this, b);
  },
  /** beta·this + alpha·(m1 @ m2) of matrices m1, m2 (`{beta, alpha}`, default 1), as torch.addmm. */
  addmm(this: Tensor, m1: Tensor, m2: Tensor, options?: arithmetic.AddmmOptions): Tensor {
    return arithmetic.addmm(this, m1, m2, options);
  },
  /** beta·this + alpha·(b1 @ b2) of batches [B, n, k], [B, k, p] (`{beta, alpha}`), as torch.baddbmm. */
  baddbmm(this: Tensor, b1: Tensor, b2: Tensor, options?: arithmetic.AddmmOptions): Tensor {
    return arithmetic.baddbmm(this, b1, b2, options);
  },
  /** The outer product thisᵢ·bⱼ of two 1-D tensors. */
  outer(this: Tensor, b: Tensor): Tensor {
    return linalg.outer(this, b);
  },
};

/** The linear-algebra methods' types, merged into Tensor's. */
export type LinalgMethods = typeof linalgMethods;
