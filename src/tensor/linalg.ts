import { ShapeError } from "../errors.js";
import { formatShape } from "../strided/shape.js";
import { MatMul } from "./functions.js";
import { checkOperand } from "./history_free_ops.js";
import type { Tensor } from "./tensor.js";

/** Linear algebra on tensors, with PyTorch's rules for the operands' dims. */

/**
 * a @ b as `torch.matmul`: a 1-D `a` is a row vector and a 1-D `b` a column vector (their added
 * dim removed from the result), and the dims before the last two are batch dims that broadcast.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkOperand("matmul", b, "a Tensor");
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(
      `matmul: both operands need at least 1 dim, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
  const a2 = a.ndim === 1 ? a.unsqueeze(0) : a;
  const b2 = b.ndim === 1 ? b.unsqueeze(-1) : b;
  let out = MatMul.apply<Tensor>(a2, b2);
  if (a.ndim === 1) out = out.squeeze(-2);
  if (b.ndim === 1) out = out.squeeze(-1);
  return out;
}
