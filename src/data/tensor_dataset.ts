/**
 * `torch.utils.data.TensorDataset`: tensors that share their first dim, item i being the tuple of
 * their rows i. The usual way to hand in-memory arrays to a DataLoader.
 */
import type { Backend } from "../backend/backend.js";
import { DataError, DTypeError, ShapeError } from "../errors.js";
import { describeValue } from "../options.js";
import { formatShape } from "../strided/shape.js";
import { Tensor } from "../tensor/tensor.js";
import type { BatchedDataset, Collated } from "./collate.js";
import { datasetIndex } from "./dataset.js";

/** Item i of a TensorDataset over `tensors`: the tuple of their rows i (views). */
export class TensorDataset<T extends Tensor[] = Tensor[]> implements BatchedDataset<T> {
  /** The tensors, as given (not copied). */
  readonly tensors: Readonly<T>;

  /** Wraps `tensors`; a ShapeError names the sizes when their dim 0 differ. */
  constructor(...tensors: T) {
    if (tensors.length === 0) throw new DataError("TensorDataset: expected at least one tensor");
    tensors.forEach((t, k) => {
      if (!(t instanceof Tensor)) {
        throw new DTypeError(`TensorDataset: argument ${k} is ${describeValue(t)}, not a Tensor`);
      }
      if (t.ndim === 0) throw new ShapeError(`TensorDataset: tensor ${k} is 0-d: it has no rows`);
    });
    const sizes = tensors.map((t) => t.shape[0]);
    if (sizes.some((n) => n !== sizes[0])) {
      throw new ShapeError(
        `TensorDataset: size mismatch between tensors: dim 0 sizes ${formatShape(sizes)} (shapes ${tensors.map((t) => formatShape(t.shape)).join(", ")}) must be equal`,
      );
    }
    this.tensors = tensors;
  }

  /** Rows per tensor (their shared dim 0). */
  get length(): number {
    return this.tensors[0].shape[0];
  }

  /** `[t0[i], t1[i], …]`: row i of each tensor, as views (negative i counts from the end). */
  get(i: number): T {
    const row = datasetIndex("TensorDataset.get", i, this.length);
    return this.tensors.map((t) => t.select(0, row)) as T;
  }

  /**
   * Rows `indices` of each tensor (negatives from the end), gathered with one `indexSelect` per tensor instead of stacking
   * row views one by one (what `defaultCollate` of `get`s would do, with the same result).
   */
  getBatch(indices: readonly number[]): Collated<T> {
    const positions = Int32Array.from(indices, (i) =>
      datasetIndex("TensorDataset.getBatch", i, this.length),
    );
    // One index tensor per backend, as each tensor may live on its own.
    const byBackend = new Map<Backend, Tensor>();
    const batch = this.tensors.map((t) => {
      let index = byBackend.get(t.backendImpl);
      if (index === undefined) {
        index = Tensor.fromValues(positions, [positions.length], "int32", t.backendImpl);
        byBackend.set(t.backendImpl, index);
      }
      return t.indexSelect(0, index);
    });
    return batch as Collated<T>;
  }
}
