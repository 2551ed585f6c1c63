import { Add, Div, EQ, GT, IsClose, LT, Mul, Pow, Sub, unaryFunctions } from "../functions.js";
import type { Tensor, TensorLike } from "../tensor.js";

/**
 * Tensor's elementwise methods, one line each over the autograd Functions. A method group is a
 * plain object of `this: Tensor` functions that tensor.ts copies onto `Tensor.prototype` and
 * merges into the class's type, so the class file holds state and the groups hold methods — and
 * a method declared here cannot be missing at run time, since the type is the object's own.
 */
export const elementwiseMethods = {
  /** this + b */
  add(this: Tensor, b: TensorLike): Tensor {
    return Add.apply(this, b);
  },
  /** this − b */
  sub(this: Tensor, b: TensorLike): Tensor {
    return Sub.apply(this, b);
  },
  /** this · b */
  mul(this: Tensor, b: TensorLike): Tensor {
    return Mul.apply(this, b);
  },
  /** this / b */
  div(this: Tensor, b: TensorLike): Tensor {
    return Div.apply(this, b);
  },
  /** this ^ b */
  pow(this: Tensor, b: TensorLike): Tensor {
    return Pow.apply(this, b);
  },
  /** −this */
  neg(this: Tensor): Tensor {
    return unaryFunctions.neg.apply<Tensor>(this);
  },
  /** eˣ */
  exp(this: Tensor): Tensor {
    return unaryFunctions.exp.apply<Tensor>(this);
  },
  /** ln x */
  log(this: Tensor): Tensor {
    return unaryFunctions.log.apply<Tensor>(this);
  },
  /** 1 / (1 + e⁻ˣ), in the stable form */
  sigmoid(this: Tensor): Tensor {
    return unaryFunctions.sigmoid.apply<Tensor>(this);
  },
  /** max(x, 0) */
  relu(this: Tensor): Tensor {
    return unaryFunctions.relu.apply<Tensor>(this);
  },
  /** tanh x */
  tanh(this: Tensor): Tensor {
    return unaryFunctions.tanh.apply<Tensor>(this);
  },
  /** 1 / x */
  reciprocal(this: Tensor): Tensor {
    return unaryFunctions.inv.apply<Tensor>(this);
  },
  /** 1 where this < b, else 0 */
  lt(this: Tensor, b: TensorLike): Tensor {
    return LT.apply(this, b);
  },
  /** 1 where this > b, else 0 */
  gt(this: Tensor, b: TensorLike): Tensor {
    return GT.apply(this, b);
  },
  /** 1 where this = b, else 0 */
  eq(this: Tensor, b: TensorLike): Tensor {
    return EQ.apply(this, b);
  },
  /** 1 where |this − b| < 1e-2 (operators.isClose), else 0 */
  isClose(this: Tensor, b: TensorLike): Tensor {
    return IsClose.apply(this, b);
  },
};

/** The elementwise methods' types, merged into Tensor's. */
export type ElementwiseMethods = typeof elementwiseMethods;
