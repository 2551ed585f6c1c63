import type { Backend, DType } from "../backend/backend.js";
import { dtypeInfo } from "../backend/dtypes.js";
import { BackendError, DTypeError } from "../errors.js";
import { type Allocation, allocated, release } from "./allocations.js";

/**
 * One backend buffer, shared by every tensor that views it (views count once: the buffer is one
 * allocation). Reference-counted: each Tensor holding it counts once, and `release` by the last
 * one frees the buffer at once; a storage that becomes unreachable without that is freed by the
 * collector in allocations.ts, driven by the backends' memory pressure.
 */
export class Storage {
  readonly backend: Backend;
  readonly buffer: unknown;
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  readonly #allocation: Allocation;
  #refs = 0;
  #releasedBy: Release | null = null;
  #version = 0;

  constructor(backend: Backend, dtype: DType, size: number, values?: ArrayLike<number>) {
    if (!backend.dtypes.includes(dtype)) {
      throw new DTypeError(
        `backend "${backend.name}" does not store ${dtype}; it stores ${backend.dtypes.join(", ")}`,
      );
    }
    this.backend = backend;
    this.dtype = dtype;
    this.size = size;
    this.buffer = backend.allocate(size, dtype);
    const bytes = size * dtypeInfo[dtype].bytes;
    this.#allocation = { backend, buffer: this.buffer, bytes, freed: false };
    allocated(this, this.#allocation);
    // A bool holds 0 or 1: any nonzero value (NaN too) is true, as torch.tensor(…, dtype=bool).
    if (values !== undefined)
      backend.upload(this.buffer, dtype === "bool" ? asBools(values) : values);
  }

  /**
   * How many in-place writes the buffer has had (PyTorch's `_version`, shared by every view of
   * it): backward compares it with the version a saved tensor had when it was saved.
   */
  get version(): number {
    return this.#version;
  }

  /**
   * How many tensors hold the buffer now (views and detach()ed copies each count; one that became
   * unreachable counts until the collector or a dispose lets go of it).
   */
  get holders(): number {
    return this.#refs;
  }

  /** Count one in-place write: every write into an existing buffer calls it (inplace.ts, zipInto). */
  bumpVersion(): void {
    this.#version += 1;
  }

  /** Whether the buffer has been freed. */
  get freed(): boolean {
    return this.#allocation.freed;
  }

  /** Throw the error that says who released the buffer and how to keep it, if it is freed. */
  assertAlive(op: string): void {
    if (this.freed)
      throw new BackendError(`${op}: ${releaseAdvice[this.#releasedBy ?? "dispose"]}`);
  }

  /** One more tensor holds this storage. */
  retain(): void {
    this.assertAlive("a view of this tensor");
    this.#refs += 1;
  }

  /** One tensor lets go (`by` says how); the last one frees the buffer. */
  release(by: Release): void {
    if (this.freed) return;
    this.#refs -= 1;
    if (this.#refs === 0) {
      this.#releasedBy = by;
      release(this.#allocation);
    }
  }
}

/** The ways a tensor's memory is released on purpose (the collector frees only what is unreachable). */
export type Release = "dispose" | "tidy" | "forward" | "backward";

/** What a program that used a released tensor is told: who released it, and how to keep it. */
const releaseAdvice: Record<Release, string> = {
  dispose:
    "this tensor's memory was released by dispose(); do not use a tensor after disposing it (clone() it first to keep a copy)",
  tidy: "this tensor's memory was released when the tidy() that created it ended; to keep it, return it from the tidy function (alone, or in an array or object) or pass it to mt.keep() inside it",
  forward:
    "this tensor's memory was released when the Function forward that made it returned: forward frees the tensors it makes but neither returns nor saves for backward; pass one to mt.keep() inside forward to keep it",
  backward:
    "this tensor's memory was released by backward(), which frees the derivatives it makes along the way; to keep an intermediate result's gradient, call retainGrad() on it before backward()",
};

/** `values` as 0/1 (nonzero, NaN included, is 1), unless they already are. */
function asBools(values: ArrayLike<number>): ArrayLike<number> {
  for (let i = 0; i < values.length; i++) {
    if (values[i] !== 0 && values[i] !== 1)
      return Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0));
  }
  return values;
}
