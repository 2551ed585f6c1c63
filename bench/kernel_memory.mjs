// A shared WebAssembly memory with the cpu backend's kernels loaded on it, and a bump allocator,
// for the benchmarks that call the kernels directly. Run after `npm run build`.
import { loadWasmKernels, WASM_RESERVED_BYTES } from "../dist/backend/cpu/wasm_kernels.js";

const PAGE = 65536;

/** Room for `bytes` of blocks above the kernels' reserved 64 KiB, the kernels, and `allocate`. */
export function kernelMemory(bytes) {
  const memory = new WebAssembly.Memory({
    initial: Math.ceil((WASM_RESERVED_BYTES + bytes) / PAGE) + 4,
    maximum: 65536,
    shared: true,
  });
  const kernels = loadWasmKernels(memory);
  let top = WASM_RESERVED_BYTES;
  return {
    memory,
    kernels,
    /** A 64-byte-aligned block of `bytes`, bumped from the top. */
    allocate(size) {
      const at = Math.ceil(top / 64) * 64;
      top = at + size;
      return at;
    },
    /** The current top, to `release` back to after a round of allocations. */
    mark: () => top,
    release(mark) {
      top = mark;
    },
  };
}
