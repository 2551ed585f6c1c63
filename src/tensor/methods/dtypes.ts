import type { DType } from "../../backend/backend.js";
import { Cast } from "../functions.js";
import type { Tensor } from "../tensor.js";

/**
 * Conversions between dtypes, as PyTorch's `.float()`, `.long()`…: a copy in the new dtype (the
 * tensor itself when it already is of it). Float to integer truncates toward zero; to bool is
 * x ≠ 0. Between float dtypes the gradient flows back, converted; an integer or bool result
 * carries none. `.to(dtype)` is the class's own (it shares its name with `.to(backend)`).
 */

/** `t` as `dtype`, through the autograd Function Cast. */
export function cast(t: Tensor, dtype: DType): Tensor {
  return t.dtype === dtype ? t : Cast.apply<Tensor>(t, { dtype });
}

export const dtypeMethods = {
  /** A float32 copy (or this, if already float32). */
  float(this: Tensor): Tensor {
    return cast(this, "float32");
  },
  /** A float64 copy (or this, if already float64). */
  double(this: Tensor): Tensor {
    return cast(this, "float64");
  },
  /** An integer copy: PyTorch's int64, stored in 32 bits (see backend/dtypes.ts). */
  long(this: Tensor): Tensor {
    return cast(this, "int32");
  },
  /** An int32 copy. */
  int(this: Tensor): Tensor {
    return cast(this, "int32");
  },
  /** A bool copy: true where the value is non-zero (NaN included, as in PyTorch). */
  bool(this: Tensor): Tensor {
    return cast(this, "bool");
  },
};

/** The conversion methods, merged into Tensor's type. */
export type DTypeMethods = typeof dtypeMethods;
