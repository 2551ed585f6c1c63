import { normalizeDim } from "../strided/shape.js";
import { clone } from "./conveniences.js";
import { checkOperand } from "./history_free_ops.js";
import { Shift } from "./reduction_functions.js";
import type { Tensor } from "./tensor.js";

/**
 * Cumulative sums and products along a dim (torch.cumsum, torch.cumprod), built from ops every
 * backend has: a Hillis–Steele scan, y ← y ∘ shift(y, k) for k = 1, 2, 4, … < n, so after
 * ⌈log₂ n⌉ steps y[i] combines a[0…i]. Each step is a Shift and an Add or Mul, so the gradients
 * come from autograd — exact for cumprod at zeros too, which the closed form g·y/a is not.
 */

/** How a scan combines: the op and the identity its shifts fill in. */
type Combine = "add" | "mul";

/** The scan of `t` along `dim` with `combine` (`name` for errors). */
function scan(name: string, t: Tensor, dim: number, combine: Combine): Tensor {
  checkOperand(name, t, "a Tensor");
  const d = normalizeDim(dim, t.ndim, name);
  if (t.ndim === 0) return scan(name, t.reshape([1]), 0, combine).reshape([]);
  const fill = combine === "add" ? 0 : 1;
  let y = t;
  for (let by = 1; by < t.shape[d]; by *= 2) {
    const shifted = Shift.apply<Tensor>(y, { dim: d, by, fill });
    y = combine === "add" ? y.add(shifted) : y.mul(shifted);
  }
  // A dim of size 0 or 1 is its own scan: still a new tensor, as PyTorch's.
  return y === t ? clone(t) : y;
}

/** y[…, i, …] = Σ_{j ≤ i} x[…, j, …] along `dim` (torch.cumsum). */
export function cumsum(t: Tensor, dim: number): Tensor {
  return scan("cumsum", t, dim, "add");
}

/** y[…, i, …] = Π_{j ≤ i} x[…, j, …] along `dim` (torch.cumprod). */
export function cumprod(t: Tensor, dim: number): Tensor {
  return scan("cumprod", t, dim, "mul");
}
