import type { DType, HostArray } from "./backend.js";

/**
 * What every backend needs to know of each dtype: its size, the typed array that holds it on the
 * host, and its kind (PyTorch's categories, which type promotion orders bool < integer < float).
 *
 * int64 is not a storage type: JavaScript has no fast 64-bit integer arrays and WGSL has no i64, so
 * minitorch stores integers in 32 bits (as JAX without x64 and TF.js do). PyTorch code that asks
 * for "int64" (`{dtype: "int64"}`, `.long()`) gets int32, and a value outside its range is a
 * DTypeError where it enters (creation, conversion), never a silent wrap.
 */

/** The kinds of dtypes, in promotion order. */
export type DTypeKind = "bool" | "int" | "float";

/** A dtype's facts. */
export interface DTypeInfo {
  readonly bytes: number;
  readonly kind: DTypeKind;
  /** A zero-filled host array of `length` elements, or a view of `length` elements at `offset`. */
  readonly array: (source: number | ArrayBufferLike, offset?: number, length?: number) => HostArray;
}

export const dtypeInfo: Record<DType, DTypeInfo> = {
  float32: {
    bytes: 4,
    kind: "float",
    array: (s, o, n) => (typeof s === "number" ? new Float32Array(s) : new Float32Array(s, o, n)),
  },
  float64: {
    bytes: 8,
    kind: "float",
    array: (s, o, n) => (typeof s === "number" ? new Float64Array(s) : new Float64Array(s, o, n)),
  },
  int32: {
    bytes: 4,
    kind: "int",
    array: (s, o, n) => (typeof s === "number" ? new Int32Array(s) : new Int32Array(s, o, n)),
  },
  bool: {
    bytes: 1,
    kind: "bool",
    array: (s, o, n) => (typeof s === "number" ? new Uint8Array(s) : new Uint8Array(s, o, n)),
  },
};

/** Every dtype minitorch has. */
export const allDTypes = Object.keys(dtypeInfo) as DType[];

/** Whether `x` is a floating-point dtype (the only ones that carry gradients). */
export function isFloating(dtype: DType): boolean {
  return dtypeInfo[dtype].kind === "float";
}
