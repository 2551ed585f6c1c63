import * as indexing from "../indexing.js";
import * as nonzeros from "../nonzero.js";
import * as selecting from "../selecting.js";
import type { Tensor, TensorLike } from "../tensor.js";

/**
 * The [n, ndim] int32 indices of the nonzero elements in row-major order, or with `{asTuple:
 * true}` one 1-D tensor per dim (CPU backends: the size depends on the values).
 */
function nonzero(this: Tensor, options?: nonzeros.NonzeroOptions & { asTuple?: false }): Tensor;
function nonzero(this: Tensor, options: nonzeros.NonzeroOptions & { asTuple: true }): Tensor[];
function nonzero(this: Tensor, options?: nonzeros.NonzeroOptions): Tensor | Tensor[];
function nonzero(this: Tensor, options?: nonzeros.NonzeroOptions): Tensor | Tensor[] {
  return nonzeros.nonzero(this, options);
}

/**
 * Tensor's indexing methods (a method group: see elementwise.ts): views over indexing.ts, and
 * copies selected by index tensors and masks over selecting.ts.
 */
export const indexingMethods = {
  /** Element `i` of dim `dim` (negative from the end), that dim dropped. */
  select(this: Tensor, dim: number, i: number): Tensor {
    return indexing.select(this, dim, i);
  },
  /** `length` elements of dim `dim` from `start` (negative from the end). */
  narrow(this: Tensor, dim: number, start: number, length: number): Tensor {
    return indexing.narrow(this, dim, start, length);
  },
  /**
   * Python's `x[1:3, None, ..., ::2]` as `x.index([1, 3], null, "...", [null, null, 2])`: a
   * number selects, `[]`/`[i]`/`[i, j]`/`[i, j, k]` are `:`/`i:`/`i:j`/`i:j:k`, `null` inserts
   * a dim, `"..."` is the ellipsis.
   */
  index(this: Tensor, ...indices: indexing.IndexArg[]): Tensor {
    return indexing.index(this, indices);
  },
  /** `index` under the name jax-js gives it. */
  slice(this: Tensor, ...indices: indexing.IndexArg[]): Tensor {
    return indexing.index(this, indices, "slice");
  },
  /** out[i][j] = this[i][index[i][j]] for dim 1 (any dim likewise): `torch.gather`. */
  gather(this: Tensor, dim: number, index: Tensor): Tensor {
    return selecting.gather(this, dim, index);
  },
  /** The elements at positions `index` (1-D) along `dim`. */
  indexSelect(this: Tensor, dim: number, index: Tensor): Tensor {
    return selecting.indexSelect(this, dim, index);
  },
  /** A copy with src (a tensor or a number) written at index along `dim`; the last repeat wins. */
  scatter(this: Tensor, dim: number, index: Tensor, src: TensorLike): Tensor {
    return selecting.scatter(this, dim, index, src);
  },
  /** A copy with src added at index along `dim` (repeated indices add up). */
  scatterAdd(this: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
    return selecting.scatterAdd(this, dim, index, src);
  },
  /** `value` where `mask` is true, else this (broadcast): `torch.Tensor.masked_fill`. */
  maskedFill(this: Tensor, mask: Tensor, value: TensorLike): Tensor {
    return selecting.maskedFill(this, mask, value);
  },
  /** The elements where `mask` is true, as a 1-D tensor (CPU backends: the size depends on it). */
  maskedSelect(this: Tensor, mask: Tensor): Tensor {
    return selecting.maskedSelect(this, mask);
  },
  nonzero,
  /** The [n, ndim] int32 indices of the nonzero elements (`nonzero()`, NumPy's name). */
  argwhere(this: Tensor): Tensor {
    return nonzeros.argwhere(this);
  },
  /** This where `condition` is true, else `other`: `torch.where(condition, this, other)`. */
  where(this: Tensor, condition: Tensor, other: TensorLike): Tensor {
    return selecting.where(condition, this, other);
  },
};

/** The indexing methods' types, merged into Tensor's. */
export type IndexingMethods = typeof indexingMethods;
