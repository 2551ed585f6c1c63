import { BackendError } from "../errors.js";
import type { Backend, BackendName } from "./backend.js";
import { createCpuBackend, createCpuBackendAsync } from "./cpu/create.js";
import { referenceBackend } from "./reference/reference_backend.js";

/**
 * How to make each backend: `load` always works (heavy backends, like WebGPU later, are imported
 * only when asked for, so a bundle or a machine without a GPU never pays for them); `loadSync`
 * exists where a backend can be made on the spot, so tensors can be created on it without an
 * `await setBackend(...)` first. Typed as a Record over `BackendName`: a backend named in the
 * union but missing here is a compile error.
 */
interface Loader {
  load(): Promise<Backend>;
  loadSync?(): Backend;
}

const loaders: Record<BackendName, Loader> = {
  reference: { load: async () => referenceBackend, loadSync: () => referenceBackend },
  cpu: { load: createCpuBackendAsync, loadSync: createCpuBackend },
  // Imported only when asked for: Dawn (or navigator.gpu) is never touched otherwise.
  webgpu: { load: async () => (await import("./webgpu/create.js")).createWebGpuBackend() },
};

const loaded = new Map<BackendName, Backend>();

/** Every backend this build of minitorch knows, whether or not it can run here. */
export const backendNames = Object.keys(loaders) as BackendName[];

/** The backend tensors go to unless told otherwise. */
export const defaultBackendName: BackendName = "cpu";

/** Narrow a user-supplied name, or throw a BackendError listing the valid names. */
export function checkBackendName(name: string, op: string): BackendName {
  if (!(backendNames as string[]).includes(name)) {
    throw new BackendError(
      `${op}: unknown backend "${name}"; choose one of ${backendNames.join(", ")}`,
    );
  }
  return name as BackendName;
}

/** Load (once) and return the backend called `name`. */
export async function loadBackend(name: string): Promise<Backend> {
  const key = checkBackendName(name, "loadBackend");
  const ready = loaded.get(key);
  if (ready !== undefined) return ready;
  const backend = await loaders[key].load();
  loaded.set(key, backend);
  return backend;
}

/**
 * The backend called `name`, made on the spot when it can be; a BackendError saying how to load
 * it otherwise.
 */
export function loadedBackend(name: string): Backend {
  const key = checkBackendName(name, "backend");
  let backend = loaded.get(key);
  const { loadSync } = loaders[key];
  if (backend === undefined && loadSync !== undefined) {
    backend = loadSync();
    loaded.set(key, backend);
  }
  if (backend === undefined) {
    throw new BackendError(
      `backend "${key}" is not loaded yet; call await mt.setBackend("${key}") first`,
    );
  }
  return backend;
}
