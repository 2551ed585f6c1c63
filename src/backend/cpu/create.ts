import { CpuBackend } from "./cpu_backend.js";

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
  return new CpuBackend(memory);
}
