/**
 * Finding a GPU: `navigator.gpu` in a browser; in Node the optional npm package `webgpu` (Google's
 * Dawn), imported only when the backend is asked for. Dawn first tries its default backend
 * (Vulkan, Metal, D3D12); where that offers no adapter (no GPU driver) it tries OpenGL ES in
 * compatibility mode, which Mesa's llvmpipe provides on the CPU — how CI tests the WGSL without a
 * GPU (Debian: libegl1 libegl-mesa0 libgl1-mesa-dri libgles2, EGL_PLATFORM=surfaceless).
 */

import { BackendError } from "../../errors.js";
import { builtin, isNode, nodeProcess } from "../../platform.js";

type Fs = typeof import("node:fs");

/** An adapter and its device, and what was used to find them. */
export interface FoundDevice {
  device: GPUDevice;
  adapter: GPUAdapter;
  /** How it was found: "navigator.gpu", "dawn" or "dawn (opengles, compatibility)". */
  via: string;
}

/** The part of the `webgpu` package minitorch uses. */
interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

/**
 * The Dawn instance the device came from, held for the life of the process: Dawn lives only while
 * its instance is referenced, and once it was garbage-collected pending work (a buffer map) never
 * completed and the process crashed (seen as SIGSEGV and aborts). Holding it does not keep Node
 * from exiting.
 */
let instance: GPU | null = null;

const OTHER_BACKENDS = 'the "cpu" and "reference" backends work everywhere';

async function importDawn(): Promise<DawnModule> {
  try {
    // A variable specifier: bundlers for the browser must not try to include Dawn.
    const name = "webgpu";
    return (await import(name)) as DawnModule;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new BackendError(
      `webgpu backend: the npm package "webgpu" (Dawn) is not installed or does not load here (${why}); install it with \`npm install webgpu\`; ${OTHER_BACKENDS}`,
    );
  }
}

/**
 * Runs `fn`, a synchronous call into Dawn, with file descriptor 2 pointed at /dev/null when
 * MINITORCH_DAWN_LOG is "0" (the minitorch command sets it unless the user did). Dawn's native
 * code writes driver notes straight to descriptor 2 while it looks for adapters — "Couldn't load
 * Vulkan: …" on a machine without Vulkan, "maxDynamic…BuffersPerPipelineLayout artificially
 * reduced …" on most — and offers no switch to keep them quiet. Node has no dup2, so stderr is
 * reopened through /dev/fd/2 before and put back at 2 after (a descriptor's number is always the
 * lowest free one). Where it cannot be reopened (a socket, no /dev/fd, Windows), or 0 or 1 are
 * closed (then /dev/null would not land on 2), the notes are let through.
 */
function quietly<T>(fn: () => T): T {
  const proc = nodeProcess();
  const fs = builtin<Fs>("node:fs");
  if (proc?.env.MINITORCH_DAWN_LOG !== "0" || fs === undefined || proc.platform === "win32") {
    return fn();
  }
  // Non-blocking: opening a pipe whose reader is gone must fail at once, not wait for a reader.
  const flags = fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_NONBLOCK;
  let saved: number | undefined;
  try {
    fs.fstatSync(0);
    fs.fstatSync(1);
    saved = fs.openSync("/dev/fd/2", flags);
  } catch {
    saved = undefined;
  }
  if (saved === undefined) return fn();
  fs.closeSync(2);
  const blank = fs.openSync("/dev/null", "w");
  try {
    return fn();
  } finally {
    fs.closeSync(blank);
    try {
      fs.openSync(`/dev/fd/${saved}`, flags);
    } catch {
      // Its reader went away meanwhile: keep 2 taken, or the next file opened would become it.
      fs.openSync("/dev/null", "w");
    }
    fs.closeSync(saved);
  }
}

async function adapterFrom(
  gpu: GPU,
  options: GPURequestAdapterOptions,
): Promise<GPUAdapter | null> {
  try {
    // Dawn looks for adapters (and writes its notes) inside the call; the promise only delivers.
    return await quietly(() => gpu.requestAdapter(options));
  } catch {
    return null;
  }
}

/** The device, or a BackendError saying what is missing and which backends remain. */
export async function findDevice(): Promise<FoundDevice> {
  let adapter: GPUAdapter | null = null;
  let via = "";
  if (!isNode()) {
    const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
    if (gpu === undefined) {
      throw new BackendError(
        `webgpu backend: this browser has no WebGPU (navigator.gpu is undefined); ${OTHER_BACKENDS}`,
      );
    }
    adapter = await adapterFrom(gpu, { powerPreference: "high-performance" });
    via = "navigator.gpu";
  } else {
    const env = nodeProcess()?.env;
    // Mesa's EGL needs a platform without a display server; harmless where a GPU driver is used.
    if (env !== undefined) env.EGL_PLATFORM ??= "surfaceless";
    const dawn = await importDawn();
    // Dawn's classes (GPUBufferUsage, …) as globals, as a browser has them.
    for (const [key, value] of Object.entries(dawn.globals)) {
      if (!(key in globalThis)) (globalThis as Record<string, unknown>)[key] = value;
    }
    instance = dawn.create([]);
    adapter = await adapterFrom(instance, { powerPreference: "high-performance" });
    via = "dawn";
    if (adapter === null) {
      instance = dawn.create(["backend=opengles"]);
      adapter = await adapterFrom(instance, {
        featureLevel: "compatibility",
      } as GPURequestAdapterOptions);
      via = "dawn (opengles, compatibility)";
    }
  }
  if (adapter === null) {
    throw new BackendError(
      `webgpu backend: no GPU adapter (${via}); a GPU driver (Vulkan), or for the CPU fallback Mesa's EGL and llvmpipe (apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri libgles2), is needed; ${OTHER_BACKENDS}`,
    );
  }
  const limits = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    },
  });
  return { device, adapter, via };
}
