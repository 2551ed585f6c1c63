import { Cast, Contiguous } from "../functions.js";
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
  /** Remove dims of size 1 (all of them, or just `dim`). */
  squeeze(this: Tensor, dim?: number): Tensor {
    return views.squeeze(this, dim);
  },
  /** This tensor if already contiguous, else a contiguous copy. */
  contiguous(this: Tensor): Tensor {
    return this.isContiguous() ? this : Contiguous.apply<Tensor>(this);
  },
  /** A float32 copy (or this, if already float32). */
  float(this: Tensor): Tensor {
    return this.dtype === "float32" ? this : Cast.apply<Tensor>(this, { dtype: "float32" });
  },
  /** A float64 copy (or this, if already float64). */
  double(this: Tensor): Tensor {
    return this.dtype === "float64" ? this : Cast.apply<Tensor>(this, { dtype: "float64" });
  },
};

/** The shaping methods' types, merged into Tensor's. */
export type ShapingMethods = typeof shapingMethods;
