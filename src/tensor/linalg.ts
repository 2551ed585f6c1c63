import { ShapeError } from "../errors.js";
import { formatShape } from "../strided/shape.js";
import { MatMul } from "./functions.js";
import { checkOperand } from "./history_free_ops.js";
import type { Tensor } from "./tensor.js";

/**
 * Linear algebra on tensors, with PyTorch's rules for the operands' dims. Every product here is
 * the one batched-matmul Function (`MatMul`), so all share its kernels and its backward; the
 * functions only check dims as PyTorch does and add or remove the vector dims.
 */

/** A shape as PyTorch's matrix messages print it: `2x3`. */
function byX(t: Tensor): string {
  return t.shape.join("x");
}

/** Throws a ShapeError `op: <name> must be a <what>, got shape …` unless `t` has `ndim` dims. */
function checkRank(op: string, name: string, t: Tensor, ndim: number, what: string): void {
  checkOperand(op, t, "a Tensor");
  if (t.ndim !== ndim) {
    throw new ShapeError(`${op}: ${name} must be a ${what}, got shape ${formatShape(t.shape)}`);
  }
}

/**
 * a @ b as `torch.matmul`: a 1-D `a` is a row vector and a 1-D `b` a column vector (their added
 * dim removed from the result), and the dims before the last two are batch dims that broadcast.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkOperand("matmul", a, "a Tensor");
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

/** The matrix product [n, k] @ [k, m] → [n, m] of two 2-D tensors (`torch.mm`, no broadcasting). */
export function mm(a: Tensor, b: Tensor): Tensor {
  checkRank("mm", "self", a, 2, "matrix");
  checkRank("mm", "mat2", b, 2, "matrix");
  if (a.shape[1] !== b.shape[0]) {
    throw new ShapeError(`mm: mat1 and mat2 shapes cannot be multiplied (${byX(a)} and ${byX(b)})`);
  }
  return MatMul.apply<Tensor>(a, b);
}

/** Batched matrix products [B, n, k] @ [B, k, m] → [B, n, m] (`torch.bmm`: equal batch, no broadcasting). */
export function bmm(a: Tensor, b: Tensor): Tensor {
  checkRank("bmm", "batch1", a, 3, "3D tensor");
  checkRank("bmm", "batch2", b, 3, "3D tensor");
  const [batch, , k] = a.shape;
  if (b.shape[0] !== batch || b.shape[1] !== k) {
    throw new ShapeError(
      `bmm: expected size for first two dimensions of batch2 tensor to be [${batch}, ${k}] but got [${b.shape[0]}, ${b.shape[1]}] (batch1 ${formatShape(a.shape)}, batch2 ${formatShape(b.shape)})`,
    );
  }
  return MatMul.apply<Tensor>(a, b);
}

/** The matrix-vector product [n, k] @ [k] → [n] (`torch.mv`). */
export function mv(a: Tensor, v: Tensor): Tensor {
  checkRank("mv", "self", a, 2, "matrix");
  checkRank("mv", "vec", v, 1, "vector");
  if (a.shape[1] !== v.shape[0]) {
    throw new ShapeError(`mv: size mismatch, got mat (${byX(a)}) and vec (${v.shape[0]})`);
  }
  return matmul(a, v);
}

/** The inner product Σᵢ aᵢbᵢ of two 1-D tensors of one length, a 0-d tensor (`torch.dot`). */
export function dot(a: Tensor, b: Tensor): Tensor {
  checkOperand("dot", a, "a Tensor");
  checkOperand("dot", b, "a Tensor");
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new ShapeError(
      `dot: 1D tensors expected, but got ${a.ndim}D and ${b.ndim}D tensors (shapes ${formatShape(a.shape)} and ${formatShape(b.shape)})`,
    );
  }
  if (a.shape[0] !== b.shape[0]) {
    throw new ShapeError(
      `dot: inconsistent tensor size, expected tensors of the same number of elements, but got ${a.shape[0]} and ${b.shape[0]}`,
    );
  }
  return matmul(a, b);
}

/** The outer product (a ⊗ b)ᵢⱼ = aᵢbⱼ of two 1-D tensors, [n] and [m] → [n, m] (`torch.outer`). */
export function outer(a: Tensor, b: Tensor): Tensor {
  checkRank("outer", "self", a, 1, "1-D tensor");
  checkRank("outer", "vec2", b, 1, "1-D tensor");
  // A broadcast product: exact (no sum), and its gradients are sums over the other factor.
  return a.unsqueeze(1).mul(b.unsqueeze(0));
}
