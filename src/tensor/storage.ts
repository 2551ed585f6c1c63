import type { Backend, DType } from "../backend/backend.js";
import { BackendError, DTypeError } from "../errors.js";

/** Bytes per element of each dtype. */
export const bytesPerElement: Record<DType, number> = { float32: 4, float64: 8 };

const live = { buffers: 0, bytes: 0 };

/** Live backend buffers and their bytes, over all backends (`mt.memory()`). */
export function memory(): { buffers: number; bytes: number } {
  return { ...live };
}

/** What freeing a buffer needs; kept apart from `Storage` so the finalizer does not keep it alive. */
interface Allocation {
  readonly backend: Backend;
  readonly buffer: unknown;
  readonly bytes: number;
  freed: boolean;
}

function free(allocation: Allocation): void {
  if (allocation.freed) return;
  allocation.freed = true;
  allocation.backend.free(allocation.buffer);
  live.buffers -= 1;
  live.bytes -= allocation.bytes;
}

/**
 * The safety net under `dispose()`: a storage that becomes unreachable (every tensor viewing it
 * was garbage-collected) frees its buffer. Registered once per buffer, not per tensor view.
 * Finalizers run between tasks, so a long synchronous loop should use `tidy` instead.
 */
const unreachable = new FinalizationRegistry<Allocation>(free);

/**
 * One backend buffer, shared by every tensor that views it. Reference-counted: each Tensor
 * holding it counts once, and `release` by the last one frees the buffer at once; tensors that
 * are never disposed leave it to the garbage collector.
 */
export class Storage {
  readonly backend: Backend;
  readonly buffer: unknown;
  readonly dtype: DType;
  /** Number of elements. */
  readonly size: number;
  readonly #allocation: Allocation;
  #refs = 0;

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
    const bytes = size * bytesPerElement[dtype];
    this.#allocation = { backend, buffer: this.buffer, bytes, freed: false };
    live.buffers += 1;
    live.bytes += bytes;
    unreachable.register(this, this.#allocation, this);
    if (values !== undefined) backend.upload(this.buffer, values);
  }

  /** Whether the buffer has been freed. */
  get freed(): boolean {
    return this.#allocation.freed;
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
      unreachable.unregister(this);
      free(this.#allocation);
    }
  }
}
