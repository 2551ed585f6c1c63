import type { Backend, BackendName } from "../backend/backend.js";
import { defaultBackendName, loadBackend, loadedBackend } from "../backend/registry.js";

let current: BackendName = defaultBackendName;

/** The backend new tensors are created on unless told otherwise. */
export function getBackend(): BackendName {
  return current;
}

/** Load `name` (once) and make it the default for new tensors, as `torch.set_default_device`. */
export async function setBackend(name: string): Promise<void> {
  const backend = await loadBackend(name);
  current = backend.name;
}

/** The implementation behind a backend name (the default one when `name` is undefined). */
export function resolveBackend(name: string | undefined): Backend {
  return loadedBackend(name ?? current);
}
