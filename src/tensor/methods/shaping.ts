import { Contiguous } from "../functions.js";
import * as rearranging from "../rearranging.js";
import type { Tensor } from "../tensor.js";
import * as views from "../views.js";

/**
 * Tensor's shape-changing methods (a method group: see elementwise.ts): views over views.ts, and
 * the copies that change layout or dtype.
 */
export const shapingMethods = {
  /** Reorder dims: `permute(1, 0)` transposes a matrix (a view). */
  permute(this: Tensor, ...order: views.ShapeArgs): Tensor {
    return views.permute(this, order);
  },
  /** Swap two dims (a view). */
  transpose(this: Tensor, dim0: number, dim1: number): Tensor {
    return views.transpose(this, dim0, dim1);
  },
  /** The same elements with a new shape (a view; one dim may be −1). Needs a contiguous tensor. */
  view(this: Tensor, ...shape: views.ShapeArgs): Tensor {
    return views.view(this, shape);
  },
  /** `view` when possible, else a contiguous copy with the new shape. */
  reshape(this: Tensor, ...shape: views.ShapeArgs): Tensor {
    return views.reshape(this, shape);
  },
  /** Broadcast to a bigger shape without copying (−1 keeps a dim's size). */
  expand(this: Tensor, ...shape: views.ShapeArgs): Tensor {
    return views.expand(this, shape);
  },
  /** Insert a dim of size 1 at `dim`. */
  unsqueeze(this: Tensor, dim: number): Tensor {
    return views.unsqueeze(this, dim);
  },
  /** Remove dims of size 1: all of them, or those among `dim` (a number or an array). A view. */
  squeeze(this: Tensor, dim?: number | readonly number[]): Tensor {
    return views.squeeze(this, dim);
  },
  /** Merge dims `startDim` … `endDim` (inclusive) into one (a view when contiguous). */
  flatten(this: Tensor, startDim = 0, endDim = -1): Tensor {
    return views.flatten(this, startDim, endDim);
  },
  /** Split dim `dim` into `sizes` (one may be −1). */
  unflatten(this: Tensor, dim: number, sizes: readonly number[]): Tensor {
    return views.unflatten(this, dim, sizes);
  },
  /** A matrix transposed; a 0-d or 1-D tensor as it is (`torch.t`; at most 2 dims). */
  t(this: Tensor): Tensor {
    return views.t(this);
  },
  /** Move dims `source` to positions `destination`, the others keeping their order (a view). */
  movedim(
    this: Tensor,
    source: number | readonly number[],
    destination: number | readonly number[],
  ): Tensor {
    return views.movedim(this, source, destination);
  },
  /** Repeat `sizes[i]` times along each dim (extra leading sizes add dims): a copy. */
  repeat(this: Tensor, ...sizes: views.ShapeArgs): Tensor {
    return rearranging.repeat(this, sizes);
  },
  /** `repeat` with `dims` padded on the left with 1s (`torch.tile`; not `nn.functional.tile`). */
  tile(this: Tensor, ...dims: views.ShapeArgs): Tensor {
    return rearranging.tile(this, dims);
  },
  /** Reverse the order of the elements along `dims` (a copy). */
  flip(this: Tensor, ...dims: views.ShapeArgs): Tensor {
    return rearranging.flip(this, views.shapeFromArgs(dims));
  },
  /** Roll by `shifts` along `dims`, wrapping round (over the flattened tensor without `dims`). */
  roll(
    this: Tensor,
    shifts: number | readonly number[],
    dims?: number | readonly number[],
  ): Tensor {
    return rearranging.roll(this, shifts, dims);
  },
  /** The lower triangle of the last two dims (j − i ≤ `diagonal`), the rest 0. */
  tril(this: Tensor, diagonal = 0): Tensor {
    return rearranging.tril(this, diagonal);
  },
  /** The upper triangle of the last two dims (j − i ≥ `diagonal`), the rest 0. */
  triu(this: Tensor, diagonal = 0): Tensor {
    return rearranging.triu(this, diagonal);
  },
  /** This tensor if already contiguous, else a contiguous copy. */
  contiguous(this: Tensor): Tensor {
    return this.isContiguous() ? this : Contiguous.apply<Tensor>(this);
  },
};

/** The shaping methods' types, merged into Tensor's. */
export type ShapingMethods = typeof shapingMethods;
