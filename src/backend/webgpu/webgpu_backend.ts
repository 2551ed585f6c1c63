import { BackendError, DTypeError } from "../../errors.js";
import type { BinaryOp, ReduceOp, UnaryOp } from "../../strided/ops.js";
import type { View } from "../../strided/tensor_data.js";
import type { Backend, ConvGeometry, DType, HostArray } from "../backend.js";
import { BufferPool } from "./buffer_pool.js";
import { foldKernel, unfoldKernel } from "./conv.js";
import { copyKernel, mapKernel, zipKernel } from "./elementwise.js";
import { type GpuBuffer, GpuContext } from "./gpu_context.js";
import { matmulKernel } from "./matmul.js";
import { reduceKernel } from "./reduce.js";

/**
 * The WebGPU backend: float32 storage in GPU buffers from a size-bucketed pool, every op a WGSL
 * compute kernel generated from the op table (elementwise, reductions) or written for it (matmul,
 * unfold/fold), recorded into a shared command encoder (`GpuContext`). Values come back only
 * asynchronously (`await t.data()`): the synchronous readers throw a BackendError naming it.
 */
export class WebGpuBackend implements Backend<GpuBuffer> {
  readonly name = "webgpu";
  readonly dtypes: readonly DType[] = ["float32"];
  readonly synchronousRead = false;
  readonly context: GpuContext;
  readonly pool: BufferPool;
  /** How the adapter was found, and its description (for messages and `minitorch` output). */
  readonly description: string;
  /** Resolves when the device is lost, with the reason. */
  readonly #lost: Promise<string>;
  /** The first uncaptured GPU error (a validation error in a kernel), thrown by the next read. */
  #error: string | null = null;

  constructor(device: GPUDevice, description: string) {
    this.context = new GpuContext(device);
    this.pool = new BufferPool(device);
    this.description = description;
    this.#lost = device.lost.then((info) => {
      const why = `webgpu backend: the GPU device was lost (${info.reason}: ${info.message})`;
      this.context.lost = why;
      return why;
    });
    device.addEventListener("uncapturederror", (event) => {
      this.#error ??= `webgpu backend: GPU error: ${(event as GPUUncapturedErrorEvent).error.message}`;
    });
  }

  #check(dtype: DType, op: string): void {
    if (dtype !== "float32") {
      throw new DTypeError(`${op}: the webgpu backend stores float32 only, not ${dtype}`);
    }
    if (this.context.lost !== null) throw new BackendError(this.context.lost);
  }

  allocate(size: number, dtype: DType): GpuBuffer {
    this.#check(dtype, "allocate");
    return this.pool.acquire(size);
  }

  free(buffer: GpuBuffer): void {
    this.pool.release(buffer);
  }

  upload(buffer: GpuBuffer, values: ArrayLike<number>): void {
    if (values.length !== buffer.length) {
      throw new BackendError(
        `upload: ${values.length} values do not fit a buffer of ${buffer.length} elements`,
      );
    }
    if (values.length === 0) return;
    // A queue write runs before work recorded but not yet submitted, which may still read this
    // (reused) buffer's old contents: submit that work first.
    this.context.flush();
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    this.context.device.queue.writeBuffer(
      buffer.buffer,
      0,
      data.buffer,
      data.byteOffset,
      data.byteLength,
    );
  }

  async download(buffer: GpuBuffer): Promise<HostArray> {
    if (this.context.lost !== null) throw new BackendError(this.context.lost);
    if (buffer.length === 0) return new Float32Array(0);
    const bytes = buffer.length * 4;
    const staging = this.context.device.createBuffer({
      size: bytes,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    this.context.copy(buffer.buffer, staging, bytes);
    this.context.flush();
    try {
      // A lost device never completes the map: race the loss, so the caller hears of it.
      const lost = this.#lost.then((why) => {
        throw new BackendError(why);
      });
      await Promise.race([staging.mapAsync(GPUMapMode.READ), lost]);
      const values = new Float32Array(staging.getMappedRange().slice(0));
      staging.unmap();
      if (this.#error !== null) {
        const error = this.#error;
        this.#error = null;
        throw new BackendError(error);
      }
      return values;
    } finally {
      staging.destroy();
    }
  }

  /**
   * Resolves once every op recorded so far has run on the GPU (benchmarks time with it; a
   * program never needs it: reads wait for the work they depend on).
   */
  async synchronize(): Promise<void> {
    this.context.flush();
    await this.context.device.queue.onSubmittedWorkDone();
  }

  downloadSync(_buffer: GpuBuffer): HostArray {
    throw new BackendError(
      'the webgpu backend reads values only asynchronously: use `await t.data()` (or `await t.to("cpu")` first) instead of toArray(), item() or dataSync()',
    );
  }

  map(op: UnaryOp, out: View<GpuBuffer>, a: View<GpuBuffer>): void {
    mapKernel(this.context, op, out, a);
  }

  zip(op: BinaryOp, out: View<GpuBuffer>, a: View<GpuBuffer>, b: View<GpuBuffer>): void {
    zipKernel(this.context, op, out, a, b);
  }

  reduce(op: ReduceOp, out: View<GpuBuffer>, a: View<GpuBuffer>, dim: number): void {
    reduceKernel(this.context, op, out, a, dim);
  }

  matmul(out: View<GpuBuffer>, a: View<GpuBuffer>, b: View<GpuBuffer>): void {
    matmulKernel(this.context, out, a, b);
  }

  copy(out: View<GpuBuffer>, a: View<GpuBuffer>): void {
    copyKernel(this.context, out, a);
  }

  unfold(out: View<GpuBuffer>, a: View<GpuBuffer>, g: ConvGeometry): void {
    unfoldKernel(this.context, out, a, g);
  }

  fold(out: View<GpuBuffer>, cols: View<GpuBuffer>, g: ConvGeometry): void {
    foldKernel(this.context, out, cols, g);
  }
}
