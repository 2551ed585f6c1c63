import { CpuBackend, type ThreadPoolFactory } from "./cpu_backend.js";
import { defaultThreadCount, ThreadPool } from "./thread_pool.js";
import { loadWasmKernels, type WasmKernels, wasmKernelsModule } from "./wasm_kernels.js";

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

/**
 * How the backend starts its matmul worker threads (on its first big product): only with the
 * kernels loaded on a shared memory and more than one thread (`MINITORCH_THREADS`, else the
 * cores, at most 8). Null otherwise: one thread.
 */
function poolFactory(
  memory: WebAssembly.Memory,
  kernels: WasmKernels | null,
): ThreadPoolFactory | null {
  if (kernels === null || !(memory.buffer instanceof SharedArrayBuffer)) return null;
  const threads = defaultThreadCount();
  if (threads < 2) return null;
  return (allocate) =>
    ThreadPool.create({
      module: wasmKernelsModule(),
      memory,
      threads,
      // Enough for any size (the kernel caps its blocks), like the backend's own scratch.
      scratchBytes: kernels.matmul_f32_scratch_bytes(1 << 20, 1 << 20, 1 << 20),
      allocate,
    });
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
  const kernels = tryLoadKernels(memory);
  return new CpuBackend(memory, kernels, poolFactory(memory, kernels));
}
