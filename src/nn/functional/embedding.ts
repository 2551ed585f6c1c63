import { BackendError, DataError, DTypeError, ShapeError } from "../../errors.js";
import { checkOptions, describeValue, type OptionChecks } from "../../options.js";
import { formatShape } from "../../strided/shape.js";
import { arange } from "../../tensor/creation.js";
import { Tensor } from "../../tensor/tensor.js";

/**
 * Lookups by integer index (`torch.nn.functional.one_hot`, `embedding`): oneHot compares each
 * index with 0…numClasses−1; embedding selects rows of a weight matrix with `indexSelect`, whose
 * gradient scatter-adds into the rows it read.
 */

/** Throws unless `t` is a Tensor of integers (int32, PyTorch's int64 in minitorch). */
function checkIndices(op: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) {
    throw new DataError(`${op}: expected an integer Tensor, got ${describeValue(t)}`);
  }
  if (t.dtype !== "int32") {
    throw new DTypeError(`${op}: expected an integer (int32) tensor of indices, got ${t.dtype}`);
  }
}

/**
 * One-hot encoding, as `torch.nn.functional.one_hot`: an int32 tensor of shape
 * [...indices.shape, numClasses] with 1 where the last index equals the value, 0 elsewhere.
 * numClasses −1 (the default) means max(indices) + 1, which needs a synchronous read: on a
 * backend that reads only asynchronously (webgpu) pass numClasses.
 */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  checkIndices("oneHot", indices);
  if (!Number.isInteger(numClasses) || numClasses < -1) {
    throw new DataError(
      `oneHot: numClasses must be a non-negative integer or -1, got ${describeValue(numClasses)}`,
    );
  }
  const sync = indices.backendImpl.synchronousRead;
  if (numClasses === -1 && !sync) {
    throw new BackendError(
      `oneHot: numClasses -1 (inferred from the largest index) needs a synchronous read, which the ${indices.backendImpl.name} backend lacks; pass numClasses`,
    );
  }
  if (sync) {
    const values = indices.dataSync();
    let max = -1;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < 0) throw new DataError(`oneHot: class values must be non-negative, got ${v}`);
      if (v > max) max = v;
    }
    if (numClasses === -1) {
      if (values.length === 0) {
        throw new DataError("oneHot: cannot infer numClasses from an empty tensor; pass it");
      }
      numClasses = max + 1;
    } else if (max >= numClasses) {
      throw new DataError(
        `oneHot: class values must be smaller than numClasses (${numClasses}), got ${max}`,
      );
    }
  }
  const classes = arange(numClasses, { dtype: "int32", backend: indices.backend });
  return indices.unsqueeze(-1).eq(classes).int();
}

/** Options of `embedding`. */
export interface EmbeddingOptions {
  /** A row whose gradient stays zero (negative counts from the end); its value is still looked up. */
  paddingIdx?: number | null;
}

const isIndexOrNull = (v: unknown) =>
  v === null || Number.isInteger(v) ? null : "must be an integer or null";

export const embeddingChecks: OptionChecks<EmbeddingOptions> = { paddingIdx: isIndexOrNull };

/** paddingIdx in [−n, n) as a row in [0, n), or null when there is none. */
export function paddingRow(op: string, paddingIdx: number | null | undefined, n: number) {
  if (paddingIdx === null || paddingIdx === undefined) return null;
  if (paddingIdx < -n || paddingIdx >= n) {
    throw new DataError(`${op}: paddingIdx ${paddingIdx} is out of range for ${n} embeddings`);
  }
  return paddingIdx < 0 ? paddingIdx + n : paddingIdx;
}

/**
 * Row lookup, as `torch.nn.functional.embedding`: input (int32 indices, any shape) and weight
 * [numEmbeddings, dim] give [...input.shape, dim]. The gradient is scatter-added into the rows
 * looked up; the `paddingIdx` row receives none.
 */
export function embedding(input: Tensor, weight: Tensor, options?: EmbeddingOptions): Tensor {
  const { paddingIdx } = checkOptions("embedding", options, embeddingChecks);
  checkIndices("embedding", input);
  if (!(weight instanceof Tensor) || weight.ndim !== 2) {
    const got =
      weight instanceof Tensor ? `shape ${formatShape(weight.shape)}` : describeValue(weight);
    throw new ShapeError(`embedding: weight must be 2-D [numEmbeddings, dim], got ${got}`);
  }
  const [n, dim] = weight.shape;
  const pad = paddingRow("embedding", paddingIdx, n);
  let table = weight;
  if (pad !== null && weight.requiresGrad) {
    // The padding row read through a detached copy: same values, no gradient.
    const rows = arange(n, { dtype: "int32", backend: weight.backend });
    table = weight.where(rows.ne(pad).unsqueeze(1), weight.detach());
  }
  return table.indexSelect(0, input.reshape([-1])).reshape([...input.shape, dim]);
}
