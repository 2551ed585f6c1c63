import * as diagonals from "../diagonal.js";
import * as inplace from "../inplace.js";
import type { ClampBound, ClampOptions } from "../math.js";
import type { Tensor, TensorLike } from "../tensor.js";

/**
 * PyTorch's in-place ops (a method group: see elementwise.ts), each writing its result through
 * this tensor's view into its storage — other views of it see the change — and returning this.
 * PyTorch has them as methods only (no `torch.add_`), and so does minitorch. The rules on dtypes,
 * shapes and autograd are in inplace.ts.
 */
export const inplaceMethods = {
  /** this ← this + b (b broadcasts to this shape; the result must fit this dtype). */
  add_(this: Tensor, b: TensorLike): Tensor {
    return inplace.arithmetic_("add", this, b);
  },
  /** this ← this − b */
  sub_(this: Tensor, b: TensorLike): Tensor {
    return inplace.arithmetic_("sub", this, b);
  },
  /** this ← this · b */
  mul_(this: Tensor, b: TensorLike): Tensor {
    return inplace.arithmetic_("mul", this, b);
  },
  /** this ← this / b (true division: a float tensor only, as in PyTorch) */
  div_(this: Tensor, b: TensorLike): Tensor {
    return inplace.arithmetic_("div", this, b);
  },
  /** this ← value everywhere (a number or a 0-d tensor, converted to this dtype) */
  fill_(this: Tensor, value: TensorLike): Tensor {
    return inplace.fill_(this, value);
  },
  /** this ← 0 */
  zero_(this: Tensor): Tensor {
    return inplace.zero_(this);
  },
  /** this ← src, broadcast to this shape and converted to this dtype */
  copy_(this: Tensor, src: Tensor): Tensor {
    return inplace.copy_(this, src);
  },
  /** this ← this limited to [min, max] (as `clamp`: numbers, tensors, either omitted, or `{min, max}`) */
  clamp_(this: Tensor, min?: ClampBound | ClampOptions, max?: ClampBound): Tensor {
    return inplace.clamp_(this, min, max);
  },
  /** this ← value where `mask` is true (`masked_fill_`) */
  maskedFill_(this: Tensor, mask: Tensor, value: TensorLike): Tensor {
    return inplace.maskedFill_(this, mask, value);
  },
  /** this ← value on the main diagonal (`fill_diagonal_`; `{wrap}` for tall matrices) */
  fillDiagonal_(this: Tensor, value: number, options?: diagonals.FillDiagonalOptions): Tensor {
    return diagonals.fillDiagonal_(this, value, options);
  },
};

/** The in-place methods' types, merged into Tensor's. */
export type InplaceMethods = typeof inplaceMethods;
