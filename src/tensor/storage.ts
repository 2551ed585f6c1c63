import type { Backend, DType } from "../backend/backend.js";
import { BackendError } from "../errors.js";

/** Bytes per element of each dtype. */
export const bytesPerElement: Record<DType, number> = { float32: 4, float64: 8 };

const live = { buffers: 0, bytes: 0 };

/** Live backend buffers and their bytes, over all backends (`mt.memory()`). */
export function memory(): { buffers: number; bytes: number } {
  return { ...live };
}

/**
 * One backend buffer, shared by every tensor that views it. Reference-counted: each Tensor
 * holding it counts once; `release` by the last one frees the buffer in its backend.
 */
export class Storage {
  readonly backend: Backend;
  readonly buffer: unknown;
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  #refs = 0;

  constructor(backend: Backend, dtype: DType, size: number, values?: ArrayLike<number>) {
    if (!backend.dtypes.includes(dtype)) {
      throw new BackendError(
        `backend "${backend.name}" does not store ${dtype}; it stores ${backend.dtypes.join(", ")}`,
      );
    }
    this.backend = backend;
    this.dtype = dtype;
    this.size = size;
    this.buffer = backend.allocate(size, dtype);
    if (values !== undefined) backend.upload(this.buffer, values);
    live.buffers += 1;
    live.bytes += size * bytesPerElement[dtype];
  }

  /** Whether the buffer has been freed. */
  get freed(): boolean {
    return this.#refs < 0;
  }

  /** One more tensor holds this storage. */
  retain(): void {
    if (this.freed) throw new BackendError("this tensor's storage was disposed");
    this.#refs += 1;
  }

  /** One tensor lets go; the last one frees the buffer. */
  release(): void {
    if (this.freed) return;
    this.#refs -= 1;
    if (this.#refs === 0) {
      this.#refs = -1;
      this.backend.free(this.buffer);
      live.buffers -= 1;
      live.bytes -= this.size * bytesPerElement[this.dtype];
    }
  }
}
