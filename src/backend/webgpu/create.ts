import { findDevice } from "./device.js";
import { WebGpuBackend } from "./webgpu_backend.js";

/** A WebGPU backend on the first adapter found (see `findDevice`); a BackendError when none is. */
export async function createWebGpuBackend(): Promise<WebGpuBackend> {
  const { device, adapter, via } = await findDevice();
  const info = adapter.info;
  return new WebGpuBackend(
    device,
    `${info.vendor || "?"} ${info.device || info.description || ""} via ${via}`.trim(),
  );
}
