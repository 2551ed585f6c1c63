import { BackendError, DataError, ShapeError } from "../../errors.js";
import { describeValue } from "../../options.js";
import {
  type CreationArgs,
  empty,
  full,
  likeOptions,
  type NestedBools,
  splitArgs,
  type TensorOptions,
  tensor,
  tensorChecks,
} from "../creation.js";
import type { Nested } from "../format.js";
import { checkOperand } from "../history_free_ops.js";
import type { Tensor } from "../tensor.js";
import * as views from "../views.js";
import { cast } from "./dtypes.js";

/**
 * Shaped like another tensor, or made like this one (a method group: see elementwise.ts). The
 * `…As(other)` methods take other's shape (or dtype) as PyTorch's `expand_as`, `view_as`,
 * `reshape_as`, `type_as`; the `new…` methods make a new tensor with this one's dtype and backend
 * unless the options say otherwise, as PyTorch's `new_zeros`, `new_full`, `new_tensor` (never
 * requiring grad unless asked).
 */

/** The shape and options of a `new…` method: shape arguments as `zeros`', defaults from `t`. */
function newArgs(op: string, t: Tensor, args: CreationArgs<TensorOptions>) {
  const [shape, options] = splitArgs(op, args, tensorChecks);
  return { shape, options: likeOptions(op, t, options, tensorChecks) };
}

/** `other`, checked to be a Tensor for `op`. */
function operand(op: string, other: unknown): Tensor {
  checkOperand(op, other, "a Tensor");
  return other;
}

export const likeMethods = {
  /** A copy in `other`'s dtype (this tensor if it already is); gradients flow between float dtypes. */
  typeAs(this: Tensor, other: Tensor): Tensor {
    const o = operand("typeAs", other);
    // PyTorch also moves to other's device; moving between backends is asynchronous here.
    if (o.backend !== this.backend) {
      throw new BackendError(
        `typeAs: this tensor is on the ${this.backend} backend and other on ${o.backend}; move it first with await x.to("${o.backend}")`,
      );
    }
    return cast(this, o.dtype);
  },
  /** Broadcast to `other`'s shape without copying (`expand(other.shape)`). */
  expandAs(this: Tensor, other: Tensor): Tensor {
    return views.expand(this, [operand("expandAs", other).shape]);
  },
  /** The same elements in `other`'s shape, a view (`view(other.shape)`; needs contiguous data). */
  viewAs(this: Tensor, other: Tensor): Tensor {
    return views.view(this, [operand("viewAs", other).shape]);
  },
  /** The same elements in `other`'s shape (`reshape(other.shape)`: a view when it can be). */
  reshapeAs(this: Tensor, other: Tensor): Tensor {
    return views.reshape(this, [operand("reshapeAs", other).shape]);
  },
  /** Zeros of a shape (`newZeros(2, 3)` or `newZeros([2, 3], {dtype})`), dtype and backend this one's. */
  newZeros(this: Tensor, ...args: CreationArgs<TensorOptions>): Tensor {
    const { shape, options } = newArgs("newZeros", this, args);
    return full(shape, 0, options);
  },
  /** Ones of a shape, dtype and backend this one's unless the options say otherwise. */
  newOnes(this: Tensor, ...args: CreationArgs<TensorOptions>): Tensor {
    const { shape, options } = newArgs("newOnes", this, args);
    return full(shape, 1, options);
  },
  /** `value` filling `shape` (an array, as PyTorch's), dtype and backend this one's unless given. */
  newFull(
    this: Tensor,
    shape: readonly number[],
    value: number,
    options: TensorOptions = {},
  ): Tensor {
    if (!Array.isArray(shape)) {
      throw new ShapeError(
        `newFull: the shape must be an array of sizes, as PyTorch's new_full, got ${describeValue(shape)}`,
      );
    }
    if (typeof value !== "number") {
      throw new DataError(`newFull: the value must be a number, got ${describeValue(value)}`);
    }
    return full(shape, value, likeOptions("newFull", this, options, tensorChecks));
  },
  /** A tensor of a shape whose contents are unspecified (see `mt.empty`), dtype and backend this one's. */
  newEmpty(this: Tensor, ...args: CreationArgs<TensorOptions>): Tensor {
    const { shape, options } = newArgs("newEmpty", this, args);
    return empty(shape, options);
  },
  /**
   * A new tensor holding `data` (nested arrays, as `mt.tensor`) in this one's dtype and on its
   * backend unless the options say otherwise: `x.newTensor([1, 2])` (PyTorch's `new_tensor`).
   */
  newTensor(
    this: Tensor,
    data: Nested | NestedBools | ArrayLike<number>,
    options: TensorOptions = {},
  ): Tensor {
    return tensor(data, likeOptions("newTensor", this, options, tensorChecks));
  },
};

/** The like methods' types, merged into Tensor's. */
export type LikeMethods = typeof likeMethods;
