import type { DType } from "../backend.js";
import type { GpuBuffer } from "./gpu_context.js";

/** Smallest bucket: 256 bytes (64 floats). */
const MIN_BYTES = 256;
/** Bytes kept in free buckets at most; beyond it freed buffers are destroyed. */
const MAX_POOLED_BYTES = 512 * 2 ** 20;

/**
 * GPU buffers by power-of-two size buckets. Creating a GPUBuffer is far slower than reusing one,
 * and a training step frees and allocates the same sizes every time, so `release` keeps a buffer
 * for the next `acquire` of its bucket. A reused buffer may still be read by recorded work: that is
 * safe because later kernels run after it in queue order, and uploads submit recorded work first.
 */
export class BufferPool {
  readonly #device: GPUDevice;
  readonly #free = new Map<number, GPUBuffer[]>();
  #pooledBytes = 0;
  /** Buffers handed out and not released. */
  live = 0;
  /** Bytes of those buffers (their buckets). */
  liveBytes = 0;

  constructor(device: GPUDevice) {
    this.#device = device;
  }

  /** The bucket size for `bytes`. */
  static bucket(bytes: number): number {
    return Math.max(MIN_BYTES, 2 ** Math.ceil(Math.log2(Math.max(1, bytes))));
  }

  /**
   * A buffer for `length` elements of `dtype`, 4 bytes each whatever the dtype (storage, copy
   * source and destination); buffers of every dtype share the buckets.
   */
  acquire(length: number, dtype: DType): GpuBuffer {
    const bytes = BufferPool.bucket(length * 4);
    const pooled = this.#free.get(bytes)?.pop();
    if (pooled !== undefined) this.#pooledBytes -= bytes;
    const buffer =
      pooled ??
      this.#device.createBuffer({
        size: bytes,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
    this.live += 1;
    this.liveBytes += bytes;
    return { buffer, length, dtype, bytes };
  }

  /** Returns a buffer to its bucket (or destroys it when the pool is full). */
  release(b: GpuBuffer): void {
    this.live -= 1;
    this.liveBytes -= b.bytes;
    if (this.#pooledBytes + b.bytes > MAX_POOLED_BYTES) {
      b.buffer.destroy();
      return;
    }
    let bucket = this.#free.get(b.bytes);
    if (bucket === undefined) {
      bucket = [];
      this.#free.set(b.bytes, bucket);
    }
    bucket.push(b.buffer);
    this.#pooledBytes += b.bytes;
  }

  /** Bytes held in free buckets. */
  get pooledBytes(): number {
    return this.#pooledBytes;
  }
}
