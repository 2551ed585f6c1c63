import type { DType } from "../backend.js";

/**
 * How the WebGPU backend's kernels reach the GPU: one device, pipelines cached by WGSL source, and
 * the dispatches of a training step recorded into one open command encoder — one compute pass per
 * dispatch — submitted only when something must see the results (a read, an upload, or a batch of
 * `MAX_PENDING` dispatches). A dispatch costs ~17 µs alone and ~8 µs when many share an encoder
 * (measured on an H200), and a readback ~0.5 ms, so batching matters and nothing reads back inside
 * a step.
 *
 * Kernel convention: binding 0 is `var<uniform> p: Params` (the kernel's own struct, filled from
 * the `params` words), bindings 1… are the storage buffers in the order given, the entry point is
 * `main`.
 */

/**
 * A GPU buffer as the backend hands it to kernels: `length` elements of `dtype`, each 4 bytes
 * (bool is stored as u32: see wgsl_types.ts).
 */
export interface GpuBuffer {
  readonly buffer: GPUBuffer;
  /** Elements. */
  readonly length: number;
  readonly dtype: DType;
  /** Bytes of the underlying GPUBuffer (a pool bucket: ≥ 4·length). */
  readonly bytes: number;
}

/** Largest workgroup count per dispatch dimension WebGPU guarantees. */
export const MAX_WORKGROUPS_PER_DIM = 65535;

/** Dispatches recorded before the open encoder is submitted anyway. */
const MAX_PENDING = 256;

/**
 * Workgroup counts for `n` threads in workgroups of `size`, spread over x and y when one
 * dimension would exceed 65,535: the kernel computes its linear index as
 * `gid.x + gid.y * (nx · size)` (`threadEntry` writes that line) and returns when it is ≥ n.
 */
export function workgroupsFor(n: number, size: number): [number, number] {
  const groups = Math.max(1, Math.ceil(n / size));
  if (groups <= MAX_WORKGROUPS_PER_DIM) return [groups, 1];
  const y = Math.ceil(groups / MAX_WORKGROUPS_PER_DIM);
  return [Math.ceil(groups / y), y];
}

export class GpuContext {
  readonly device: GPUDevice;
  readonly #pipelines = new Map<string, GPUComputePipeline>();
  #encoder: GPUCommandEncoder | null = null;
  #pending = 0;
  /** Uniform buffers of recorded dispatches: destroyed once their encoder is submitted. */
  #uniforms: GPUBuffer[] = [];
  /** Set when the device is lost: every later call throws it. */
  lost: string | null = null;

  constructor(device: GPUDevice) {
    this.device = device;
  }

  /** The pipeline of `source` (compiled once per distinct source). */
  pipeline(source: string): GPUComputePipeline {
    let pipeline = this.#pipelines.get(source);
    if (pipeline === undefined) {
      const module = this.device.createShaderModule({ code: source });
      pipeline = this.device.createComputePipeline({
        layout: "auto",
        compute: { module, entryPoint: "main" },
      });
      this.#pipelines.set(source, pipeline);
    }
    return pipeline;
  }

  /** Pipelines compiled so far (for tests and diagnostics). */
  get pipelineCount(): number {
    return this.#pipelines.size;
  }

  /**
   * Records one dispatch of `source` over `workgroups`, with `params` (32-bit words: pack floats
   * with a Float32Array over the same buffer) as its uniform and `storage` as bindings 1….
   */
  dispatch(
    source: string,
    params: Uint32Array,
    storage: readonly GPUBuffer[],
    workgroups: readonly [number, number?, number?],
  ): void {
    if (this.lost !== null) throw new Error(this.lost);
    const pipeline = this.pipeline(source);
    // Uniform buffers are at least 16 bytes and a multiple of 16.
    const size = Math.max(16, Math.ceil(params.byteLength / 16) * 16);
    const uniform = this.device.createBuffer({
      size,
      usage: GPUBufferUsage.UNIFORM,
      mappedAtCreation: true,
    });
    new Uint32Array(uniform.getMappedRange()).set(params);
    uniform.unmap();
    this.#uniforms.push(uniform);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniform } }];
    storage.forEach((buffer, i) => {
      entries.push({ binding: i + 1, resource: { buffer } });
    });
    const group = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    this.#encoder ??= this.device.createCommandEncoder();
    const pass = this.#encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1] ?? 1, workgroups[2] ?? 1);
    pass.end();
    this.#pending += 1;
    if (this.#pending >= MAX_PENDING) this.flush();
  }

  /** Records a buffer-to-buffer copy after the dispatches so far. */
  copy(from: GPUBuffer, to: GPUBuffer, bytes: number, fromOffset = 0, toOffset = 0): void {
    this.#encoder ??= this.device.createCommandEncoder();
    this.#encoder.copyBufferToBuffer(from, fromOffset, to, toOffset, bytes);
    this.#pending += 1;
  }

  /** Submits what is recorded. Uploads call it first: queue writes run before unsubmitted work. */
  flush(): void {
    if (this.#encoder === null) return;
    this.device.queue.submit([this.#encoder.finish()]);
    this.#encoder = null;
    this.#pending = 0;
    // Destroying a buffer that submitted work still uses is valid: it is freed once that work ends.
    for (const u of this.#uniforms) u.destroy();
    this.#uniforms = [];
  }
}
