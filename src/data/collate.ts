/**
 * `torch.utils.data.default_collate`: turns a list of samples into one batch, stacking tensors
 * along a new dim 0 and recursing into arrays and plain objects, so a sample `[x, y]` becomes the
 * batch `[stack(xs), stack(ys)]` and `{image, label}` becomes `{image: stack(…), label: …}`.
 */
import { DataError } from "../errors.js";
import { describeValue } from "../options.js";
import { getBackend } from "../tensor/default_backend.js";
import { stack } from "../tensor/joining.js";
import { Tensor } from "../tensor/tensor.js";
import type { Dataset } from "./dataset.js";

/**
 * What `defaultCollate` makes of samples of type T: each Tensor and number becomes a Tensor one
 * dim larger, a string a list of strings, arrays and objects keep their structure.
 */
export type Collated<T> = T extends Tensor
  ? Tensor
  : T extends number | boolean
    ? Tensor
    : T extends string
      ? string[]
      : T extends readonly unknown[]
        ? { -readonly [K in keyof T]: Collated<T[K]> }
        : T extends object
          ? { -readonly [K in keyof T]: Collated<T[K]> }
          : never;

/**
 * A dataset that makes a whole batch at once faster than item by item (TensorDataset indexes each
 * tensor once instead of stacking rows): `getBatch(indices)` must equal
 * `defaultCollate(indices.map((i) => get(i)))`.
 */
export interface BatchedDataset<T> extends Dataset<T> {
  /** The items at `indices` (each in [0, length)), collated as `defaultCollate` would. */
  getBatch(indices: readonly number[]): Collated<T>;
}

/** Whether `dataset` has a `getBatch` fast path. */
export function isBatchedDataset<T>(dataset: Dataset<T>): dataset is BatchedDataset<T> {
  return typeof (dataset as Partial<BatchedDataset<T>>).getBatch === "function";
}

/** The items at `indices` default-collated, through the dataset's `getBatch` when it has one. */
export function fetchBatch<T>(dataset: Dataset<T>, indices: readonly number[]): Collated<T> {
  if (isBatchedDataset(dataset)) return dataset.getBatch(indices);
  return defaultCollate(indices.map((i) => dataset.get(i)));
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/**
 * One batch from `samples`, as torch's `default_collate`: Tensors are stacked along a new dim 0
 * (`mt.stack`: equal shapes, one backend); numbers become a 1-D tensor on the default backend —
 * int32 when all are integers (minitorch's integer dtype; torch's is int64), else float32
 * (minitorch's default float; torch makes Python floats float64); booleans a bool tensor; strings
 * stay a list; arrays (equal lengths) and plain objects (equal keys) are collated position by
 * position and key by key. Anything else is a DataError: pass your own `collateFn`.
 */
export function defaultCollate<T>(samples: readonly T[]): Collated<T> {
  if (!Array.isArray(samples) || samples.length === 0) {
    throw new DataError(
      `defaultCollate: expected a non-empty array of samples, got ${describeValue(samples)}`,
    );
  }
  return collate(samples, "") as Collated<T>;
}

/** The kind of a sample value, as messages name it. */
function kindOf(value: unknown): string {
  if (value instanceof Tensor) return "a Tensor";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" && value !== null && isPlainObject(value)
    ? "an object"
    : describeValue(value);
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A DataError: sample `k` differs in kind from sample 0 at `path`. */
function mismatch(path: string, k: number, what: string, first: string): DataError {
  const where = path === "" ? "" : ` at ${path}`;
  return new DataError(
    `defaultCollate: sample ${k} holds ${what}${where} but sample 0 holds ${first}; samples must have one structure`,
  );
}

/** Collates the values at `path` of every sample (all of sample 0's kind). */
function collate(values: readonly unknown[], path: string): unknown {
  const first = values[0];
  const kind = kindOf(first);
  const sameKind = (test: (v: unknown) => boolean): void => {
    values.forEach((v, k) => {
      if (!test(v)) throw mismatch(path, k, kindOf(v), kind);
    });
  };
  if (first instanceof Tensor) {
    sameKind((v) => v instanceof Tensor);
    return stack(values as Tensor[], 0);
  }
  if (typeof first === "number") {
    sameKind((v) => typeof v === "number");
    return numbers(values as number[], path);
  }
  if (typeof first === "boolean") {
    sameKind((v) => typeof v === "boolean");
    return Tensor.fromValues(values.map(Number), [values.length], "bool", getBackend());
  }
  if (typeof first === "string") {
    sameKind((v) => typeof v === "string");
    return [...values];
  }
  if (Array.isArray(first)) {
    sameKind(Array.isArray);
    const arrays = values as unknown[][];
    arrays.forEach((a, k) => {
      if (a.length !== first.length) {
        throw mismatch(path, k, `an array of ${a.length}`, `an array of ${first.length}`);
      }
    });
    return first.map((_, j) =>
      collate(
        arrays.map((a) => a[j]),
        `${path}[${j}]`,
      ),
    );
  }
  if (typeof first === "object" && first !== null && isPlainObject(first)) {
    const keys = Object.keys(first);
    const signature = keys.join(", ");
    sameKind((v) => typeof v === "object" && v !== null && isPlainObject(v));
    const objects = values as Record<string, unknown>[];
    objects.forEach((o, k) => {
      const own = Object.keys(o);
      if (own.length !== keys.length || !keys.every((key) => Object.hasOwn(o, key))) {
        throw mismatch(path, k, `an object with keys {${own.join(", ")}}`, `{${signature}}`);
      }
    });
    const out: Record<string, unknown> = {};
    for (const key of keys)
      out[key] = collate(
        objects.map((o) => o[key]),
        `${path}.${key}`,
      );
    return out;
  }
  const where = path === "" ? "a sample" : `the samples' ${path}`;
  throw new DataError(
    `defaultCollate: cannot batch ${describeValue(first)} (${where}); only Tensors, numbers, booleans, strings, and arrays and plain objects of them are batched — pass a collateFn`,
  );
}

/** Numbers as a 1-D tensor: int32 when every one is an integer, else float32. */
function numbers(values: readonly number[], path: string): Tensor {
  const integers = values.every(Number.isInteger);
  if (integers && values.some((v) => v < INT32_MIN || v > INT32_MAX)) {
    const where = path === "" ? "" : ` at ${path}`;
    throw new DataError(
      `defaultCollate: integers${where} beyond the int32 range (${values.find((v) => v < INT32_MIN || v > INT32_MAX)}) have no minitorch dtype; make them a float tensor in the dataset`,
    );
  }
  return Tensor.fromValues(values, [values.length], integers ? "int32" : "float32", getBackend());
}
