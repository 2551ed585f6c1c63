import { BackendError, DTypeError } from "../errors.js";
import type { IndexArg } from "./indexing.js";
import { Tensor } from "./tensor.js";

/**
 * The first half of advanced indexing: reading an argument list that holds Tensors. Each Tensor
 * argument is classified (an integer index of one dim, or a boolean mask of as many dims as it
 * has) and replaced by the basic arguments that keep the dims it indexes whole, so that basic
 * indexing (numbers, slices, null, "...") runs first, as a view, exactly as PyTorch's
 * `applySlicing` does before its `index` op; the Tensors then index dims of that view.
 */

/** A Tensor argument and where it applies. */
export interface TensorArg {
  /** Its position in the argument list, for error messages. */
  readonly position: number;
  readonly tensor: Tensor;
  /** An integer index of one dim, or a boolean mask of `tensor.ndim` dims (0-d: a new dim). */
  readonly kind: "int" | "mask";
  /** The first dim it indexes in the basic view. */
  readonly viewDim: number;
  /** The first input dim it indexes (a 0-d mask indexes none: the next input dim). */
  readonly inputDim: number;
}

/** The basic arguments to apply first, and the Tensor arguments that index the result. */
export interface IndexPlan {
  readonly basic: readonly IndexArg[];
  readonly tensors: readonly TensorArg[];
}

/**
 * A Tensor argument's kind. Integer tensors are int32 (minitorch stores int64 as int32) and
 * masks bool, as PyTorch's "long, int, byte or bool"; a float tensor is a DTypeError, as in
 * PyTorch, because its values may not be whole positions.
 */
function kindOf(t: Tensor, x: Tensor, position: number, op: string): "int" | "mask" {
  if (x.backend !== t.backend) {
    throw new BackendError(
      `${op}: the index tensor at argument ${position} is on the ${x.backend} backend but the tensor indexed is on ${t.backend}; move it with await t.to("${t.backend}")`,
    );
  }
  if (x.dtype === "int32") return "int";
  if (x.dtype === "bool") return "mask";
  throw new DTypeError(
    `${op}: tensors used as indices (advanced indexing) must be long, int, byte or bool, got a ${x.dtype} tensor of shape [${x.shape.join(",")}] at argument ${position}; convert it with .long()`,
  );
}

/** The basic arguments a Tensor argument stands for: whole dims for the ones it indexes. */
function keepWhole(kind: "int" | "mask", x: Tensor): IndexArg[] {
  if (kind === "int") return [[]];
  // A 0-d mask indexes a new size-1 dim (PyTorch unsqueezes there): true keeps it, false empties it.
  return x.ndim === 0 ? [null] : new Array<IndexArg>(x.ndim).fill([]);
}

/** How many input dims an argument consumes, "..." aside. */
function consumed(x: IndexArg): number {
  if (typeof x === "number" || Array.isArray(x)) return 1;
  if (x instanceof Tensor) return x.dtype === "bool" ? x.ndim : 1;
  return 0;
}

/**
 * The plan of `t.index(...indices)`: the basic arguments (each Tensor replaced by whole dims) and
 * each Tensor's kind and first dim, in the basic view and in the input. The dims are counted as
 * basic indexing consumes them, so they are right once `index(t, basic)` has accepted the list.
 */
export function planIndex(t: Tensor, indices: readonly IndexArg[], op: string): IndexPlan {
  const kinds = indices.map((x, position) =>
    x instanceof Tensor ? kindOf(t, x, position, op) : null,
  );
  const basic = indices.flatMap((x, position) => {
    const kind = kinds[position];
    return x instanceof Tensor && kind !== null ? keepWhole(kind, x) : [x];
  });
  const ellipsisWidth = t.ndim - indices.reduce<number>((n, x) => n + consumed(x), 0);
  const tensors: TensorArg[] = [];
  let viewDim = 0;
  let inputDim = 0;
  indices.forEach((x, position) => {
    const kind = kinds[position];
    if (x instanceof Tensor && kind !== null) {
      tensors.push({ position, tensor: x, kind, viewDim, inputDim });
      const dims = kind === "int" ? 1 : x.ndim;
      viewDim += Math.max(dims, 1);
      inputDim += dims;
    } else if (x === null) viewDim++;
    else if (x === "...") {
      viewDim += ellipsisWidth;
      inputDim += ellipsisWidth;
    } else if (Array.isArray(x)) {
      viewDim++;
      inputDim++;
    } else inputDim++;
  });
  return { basic, tensors };
}
