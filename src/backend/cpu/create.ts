import { CpuBackend } from "./cpu_backend.js";
import { loadWasmKernels, type WasmKernels } from "./wasm_kernels.js";

/**
 * The SIMD kernels, or null where they cannot run (no shared memory, or `build/` missing in a
 * checkout that skipped `npm run build:wasm`): the JS loops then do all the work, slower but
 * correct, and the console says why once.
 */
function tryLoadKernels(memory: WebAssembly.Memory): WasmKernels | null {
  try {
    return loadWasmKernels(memory);
  } catch (e) {
    console.warn(
      `minitorch cpu backend: WebAssembly kernels unavailable, using JS loops (${(e as Error).message})`,
    );
    return null;
  }
}

/** 64 KiB WebAssembly pages: start at 16 MiB, allow the full 4 GiB of a 32-bit memory. */
const INITIAL_PAGES = 256;
const MAXIMUM_PAGES = 65536;

/**
 * A cpu backend over a fresh WebAssembly.Memory: shared (a SharedArrayBuffer) where the platform
 * allows it, so worker threads can work on the same tensors; a plain memory otherwise (a browser
 * page that is not cross-origin isolated), where work stays on one thread.
 */
export function createCpuBackend(): CpuBackend {
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({
      initial: INITIAL_PAGES,
      maximum: MAXIMUM_PAGES,
      shared: true,
    });
  } catch {
    memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES });
  }
  return new CpuBackend(memory, tryLoadKernels(memory));
}
