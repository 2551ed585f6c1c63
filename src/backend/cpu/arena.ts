import { BackendError } from "../../errors.js";

/** WebAssembly pages are 64 KiB. */
const PAGE = 65536;
/** The low 64 KiB belong to the WebAssembly module (its data and stack); buffers start above. */
const FIRST_BYTE = PAGE;
/** Smallest block: 64 bytes keeps every buffer 16-byte aligned for SIMD loads (and cache-line sized). */
const MIN_BLOCK = 64;

/**
 * A size-class allocator over one WebAssembly.Memory: every block is a power of two ≥ 64 bytes,
 * freed blocks go to a free list of their class and are reused first; new blocks are bumped from
 * the top, growing the memory when needed. Power-of-two classes waste up to half a block, but
 * keep reuse exact and O(1) — the training loop allocates the same sizes every step.
 */
export class Arena {
  readonly memory: WebAssembly.Memory;
  #top = FIRST_BYTE;
  readonly #free = new Map<number, number[]>();

  constructor(memory: WebAssembly.Memory) {
    this.memory = memory;
  }

  /** The block size used for a request of `bytes`. */
  static blockSize(bytes: number): number {
    if (bytes <= MIN_BLOCK) return MIN_BLOCK;
    // The next power of two: clz32 on the hot path (every tensor op allocates), Math beyond 2³⁰.
    return bytes <= 2 ** 30 ? 2 ** (32 - Math.clz32(bytes - 1)) : 2 ** Math.ceil(Math.log2(bytes));
  }

  /** A 64-byte-aligned block of at least `bytes` bytes; returns its byte offset. */
  allocate(bytes: number): number {
    const size = Arena.blockSize(bytes);
    const reused = this.#free.get(size)?.pop();
    if (reused !== undefined) return reused;
    const offset = this.#top;
    const end = offset + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE));
      } catch {
        throw new BackendError(
          `cpu backend: out of memory allocating ${bytes} bytes (${have} bytes in use by its WebAssembly memory)`,
        );
      }
    }
    this.#top = end;
    return offset;
  }

  /** Return a block (from `allocate(bytes)`) for reuse. */
  free(offset: number, bytes: number): void {
    const size = Arena.blockSize(bytes);
    const list = this.#free.get(size);
    if (list === undefined) this.#free.set(size, [offset]);
    else list.push(offset);
  }
}
