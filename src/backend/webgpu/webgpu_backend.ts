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
import { gpuDTypes } from "./wgsl_types.js";

/**
 * The WebGPU backend: float32, int32 and bool (as u32) storage in GPU buffers from a
 * size-bucketed pool (no float64: WGSL has no f64), every op a WGSL
 * compute kernel generated from the op table (elementwise, reductions) or written for it (matmul,
 * unfold/fold), recorded into a shared command encoder (`GpuContext`). Values come back only
 * asynchronously (`await t.data()`): the synchronous readers throw a BackendError naming it.
 */
export class WebGpuBackend implements Backend<GpuBuffer> {
  readonly name = "webgpu";
  readonly dtypes: readonly DType[] = gpuDTypes;
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
    if (!gpuDTypes.includes(dtype)) {
      throw new DTypeError(
        `${op}: the webgpu backend stores ${gpuDTypes.join(", ")}, not ${dtype} (WGSL has no 64-bit floats)`,
      );
    }
    if (this.context.lost !== null) throw new BackendError(this.context.lost);
  }

  allocate(size: number, dtype: DType): GpuBuffer {
    this.#check(dtype, "allocate");
    return this.pool.acquire(size, dtype);
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
    const data = hostWords(buffer.dtype, values);
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
    if (buffer.length === 0) return hostArray(buffer.dtype, new ArrayBuffer(0));
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
      const values = hostArray(buffer.dtype, staging.getMappedRange().slice(0));
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
    floatOnly("matmul", out, a, b);
    matmulKernel(this.context, out, a, b);
  }

  copy(out: View<GpuBuffer>, a: View<GpuBuffer>): void {
    copyKernel(this.context, out, a);
  }

  unfold(out: View<GpuBuffer>, a: View<GpuBuffer>, g: ConvGeometry): void {
    floatOnly("unfold", out, a);
    unfoldKernel(this.context, out, a, g);
  }

  fold(out: View<GpuBuffer>, cols: View<GpuBuffer>, g: ConvGeometry): void {
    floatOnly("fold", out, cols);
    foldKernel(this.context, out, cols, g);
  }
}

/** The 32-bit words a buffer of `dtype` holds for `values` (bool as u32 0/1). */
function hostWords(
  dtype: DType,
  values: ArrayLike<number>,
): Float32Array | Int32Array | Uint32Array {
  if (dtype === "float32")
    return values instanceof Float32Array ? values : Float32Array.from(values);
  if (dtype === "int32") return values instanceof Int32Array ? values : Int32Array.from(values);
  return Uint32Array.from(values, (v) => (v !== 0 ? 1 : 0));
}

/** The host array of a downloaded buffer's bytes: bool's u32 words become a Uint8Array. */
function hostArray(dtype: DType, bytes: ArrayBuffer): HostArray {
  if (dtype === "float32") return new Float32Array(bytes);
  if (dtype === "int32") return new Int32Array(bytes);
  return Uint8Array.from(new Uint32Array(bytes));
}

/**
 * Matmul and the convolution kernels are written for f32 (the tensor layer lets only float
 * tensors reach them); a DTypeError, not a wrongly typed kernel, if another dtype does.
 */
function floatOnly(op: string, ...views: View<GpuBuffer>[]): void {
  const other = views.find((v) => v.buffer.dtype !== "float32");
  if (other !== undefined) {
    throw new DTypeError(
      `${op}: the webgpu backend computes it in float32 only, not ${other.buffer.dtype}`,
    );
  }
}
