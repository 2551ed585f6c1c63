import { BackendError } from "../../errors.js";
import { canShareMemory, isNode, isSharedMemory } from "../../platform.js";
import { CpuBackend, type ThreadPoolFactory } from "./cpu_backend.js";
import { defaultThreadCount } from "./split_policy.js";
import { ThreadPool, type ThreadPoolOptions } from "./thread_pool.js";
import {
  compileWasmKernels,
  instantiateWasmKernelsAsync,
  loadWasmKernels,
  type WasmKernels,
  wasmKernelsModule,
} from "./wasm_kernels.js";

/** Notes on the console that the kernels could not load, and that JS loops do the work instead. */
function noteNoKernels(e: unknown): null {
  const why = e instanceof Error ? e.message : String(e);
  console.warn(`minitorch cpu backend: WebAssembly kernels unavailable, using JS loops (${why})`);
  return null;
}

/**
 * The SIMD kernels, or null where they cannot run (`build/` missing in a checkout that skipped
 * `npm run build:wasm`): the JS loops then do all the work, slower but correct, and the console
 * says why once.
 */
function tryLoadKernels(memory: WebAssembly.Memory): WasmKernels | null {
  try {
    return loadWasmKernels(memory);
  } catch (e) {
    return noteNoKernels(e);
  }
}

/** What a pool over this backend's memory is made of, given the arena's allocator. */
function poolOptions(
  memory: WebAssembly.Memory,
  kernels: WasmKernels,
  threads: number,
  allocate: (bytes: number) => number,
): ThreadPoolOptions {
  return {
    module: wasmKernelsModule(undefined, true),
    memory,
    threads,
    // Enough for any size (the kernel caps its blocks), like the backend's own scratch.
    scratchBytes: kernels.matmul_f32_scratch_bytes(1 << 20, 1 << 20, 1 << 20),
    allocate,
  };
}

/**
 * How the backend starts its worker threads (on its first big op) in Node: only with the kernels
 * loaded on a shared memory and more than one thread (`MINITORCH_THREADS`, else the cores, at
 * most 8). Null otherwise: one thread.
 */
function poolFactory(
  memory: WebAssembly.Memory,
  kernels: WasmKernels | null,
): ThreadPoolFactory | null {
  if (kernels === null || !isSharedMemory(memory)) return null;
  const threads = defaultThreadCount();
  if (threads < 2) return null;
  return (allocate) => ThreadPool.create(poolOptions(memory, kernels, threads, allocate));
}

/** 64 KiB WebAssembly pages: start at 16 MiB, allow the full 4 GiB of a 32-bit memory. */
const INITIAL_PAGES = 256;
const MAXIMUM_PAGES = 65536;

/**
 * The backend's memory: shared (a SharedArrayBuffer) where the platform allows it, so worker
 * threads work on the same tensors; a plain one otherwise — a browser page that is not
 * cross-origin isolated — with a note on the console that work stays on one thread.
 */
function createMemory(): WebAssembly.Memory {
  if (canShareMemory()) {
    try {
      return new WebAssembly.Memory({
        initial: INITIAL_PAGES,
        maximum: MAXIMUM_PAGES,
        shared: true,
      });
    } catch {
      // An engine with SharedArrayBuffer but no shared wasm memory: fall through to a plain one.
    }
  }
  console.info(
    "minitorch cpu backend: this page is not cross-origin isolated, so it runs on one thread " +
      "(serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: " +
      "require-corp to use worker threads)",
  );
  return new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES });
}

/**
 * A cpu backend made synchronously: Node, where the kernels are read from disk and worker threads
 * start on the spot when a big op first needs them. Elsewhere the kernels must be fetched, so
 * this throws a BackendError naming the asynchronous call (`createCpuBackendAsync`, which
 * `await mt.setBackend("cpu")` runs).
 */
export function createCpuBackend(): CpuBackend {
  if (!isNode()) {
    throw new BackendError(
      'cpu backend: in a browser it loads asynchronously; call `await mt.setBackend("cpu")` before creating tensors',
    );
  }
  const memory = createMemory();
  const kernels = tryLoadKernels(memory);
  return new CpuBackend(memory, kernels, poolFactory(memory, kernels));
}

/**
 * A cpu backend on any platform. In a browser: the kernels are fetched and compiled without
 * blocking the page, and on a cross-origin isolated page the Web Workers are started now and
 * awaited (they cannot start in the middle of an op); elsewhere it runs on one thread.
 */
export async function createCpuBackendAsync(): Promise<CpuBackend> {
  if (isNode()) return createCpuBackend();
  const memory = createMemory();
  const shared = isSharedMemory(memory);
  let kernels: WasmKernels | null;
  try {
    kernels = await instantiateWasmKernelsAsync(await compileWasmKernels(shared), memory);
  } catch (e) {
    kernels = noteNoKernels(e);
  }
  const backend = new CpuBackend(memory, kernels, null);
  const threads = defaultThreadCount();
  if (kernels !== null && shared && threads >= 2) {
    const ready = kernels;
    await backend.startPool((allocate) =>
      ThreadPool.start(poolOptions(memory, ready, threads, allocate)),
    );
  }
  return backend;
}
