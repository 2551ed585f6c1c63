import { BackendError } from "../errors.js";
import type { Backend, BackendName } from "./backend.js";
import { referenceBackend } from "./reference/reference_backend.js";

/**
 * How to load each backend. Heavy backends (WebGPU, later) are imported only when asked for, so a
 * bundle or a machine without a GPU never pays for them. Typed as a Record over `BackendName`, so
 * a backend named in the union but missing here is a compile error.
 */
const loaders: Record<BackendName, () => Promise<Backend>> = {
  reference: async () => referenceBackend,
};

const loaded = new Map<BackendName, Backend>([["reference", referenceBackend]]);

/** Every backend this build of minitorch knows, whether or not it can run here. */
export const backendNames = Object.keys(loaders) as BackendName[];

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
  const backend = await loaders[key]();
  loaded.set(key, backend);
  return backend;
}

/** The backend called `name` if it is already loaded; a BackendError saying how to load it otherwise. */
export function loadedBackend(name: string): Backend {
  const key = checkBackendName(name, "backend");
  const backend = loaded.get(key);
  if (backend === undefined) {
    throw new BackendError(
      `backend "${key}" is not loaded yet; call await mt.setBackend("${key}") first`,
    );
  }
  return backend;
}
