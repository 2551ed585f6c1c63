import { loadBackend } from "../src/backend/registry.js";
import type { GpuBuffer } from "../src/backend/webgpu/gpu_context.js";
import { WebGpuBackend } from "../src/backend/webgpu/webgpu_backend.js";
import type { View } from "../src/strided/tensor_data.js";

/**
 * What the webgpu kernel tests share: the backend (or null, with one line saying why it is
 * skipped), a seeded generator, strided layouts inside buffers, and the same values on the host
 * (for the reference backend) and on the GPU.
 */

/** The webgpu backend, or null after one console line naming `suite` and why it cannot load. */
export async function loadGpu(suite: string): Promise<WebGpuBackend | null> {
  try {
    const backend = await loadBackend("webgpu");
    return backend instanceof WebGpuBackend ? backend : null;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    console.log(`${suite} skipped: ${why}`);
    return null;
  }
}

/** A uniform draw in [0, 1). */
export type Rand = () => number;

/** A deterministic generator (mulberry32), so a fast-check seed fixes layouts and values. */
export function rng(seed: number): Rand {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A strided layout of `shape` inside a buffer of `length` elements. */
export interface Placed {
  shape: number[];
  strides: number[];
  offset: number;
  length: number;
}

/**
 * How a view sits in its buffer: storage order of dims, padding per dim, stride-0 dims, offset,
 * and the innermost step (2: every other element, as a slice `x[::2]` would be).
 */
export interface Placement {
  order?: readonly number[];
  step?: number;
  pad?: readonly number[];
  zero?: readonly boolean[];
  offset?: number;
}

/** The layout `how` describes for `shape`, and the buffer length it needs. */
export function place(shape: readonly number[], how: Placement = {}): Placed {
  const rank = shape.length;
  const order = how.order ?? shape.map((_, i) => i);
  const strides = new Array<number>(rank).fill(0);
  let step = how.step ?? 1;
  for (let q = rank - 1; q >= 0; q--) {
    const d = order[q];
    if (how.zero?.[d]) continue;
    strides[d] = step;
    step *= shape[d] + (how.pad?.[d] ?? 0);
  }
  const offset = how.offset ?? 0;
  const empty = shape.includes(0);
  const reach = empty ? 0 : shape.reduce((s, size, d) => s + (size - 1) * strides[d], 0);
  return { shape: [...shape], strides, offset, length: offset + reach + 1 };
}

/** The same values on both sides: a host view (the reference's buffer) and a GPU view. */
export interface HostAndGpu {
  host: View<Float32Array>;
  gpu: View<GpuBuffer>;
}

/** The GPU buffers the current test made, freed by `releaseAll` at its end. */
const live: GpuBuffer[] = [];

/** `values` (a whole buffer laid out as `p`) on the host and uploaded to the GPU. */
export function hostAndGpu(backend: WebGpuBackend, p: Placed, values: Float32Array): HostAndGpu {
  const buffer = backend.allocate(p.length, "float32");
  live.push(buffer);
  backend.upload(buffer, values);
  const layout = { shape: p.shape, strides: p.strides, offset: p.offset };
  return { host: { ...layout, buffer: values.slice() }, gpu: { ...layout, buffer } };
}

/** Frees every GPU buffer `hostAndGpu` made. */
export function releaseAll(backend: WebGpuBackend): void {
  for (const b of live.splice(0)) backend.free(b);
}
