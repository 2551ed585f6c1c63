import { BackendError } from "../../errors.js";
import {
  type BinaryOp,
  binaryOps,
  type ReduceOp,
  reduceOps,
  type UnaryOp,
  unaryOps,
} from "../../tensor/ops.js";
import { sameShape, shapeSize } from "../../tensor/shape.js";
import { isContiguous, type View } from "../../tensor/tensor_data.js";
import type { Backend, DType, HostArray } from "../backend.js";
import { referenceBackend } from "../reference/reference_backend.js";
import { Arena } from "./arena.js";
import { matmulDense } from "./matmul.js";
import { denseMap, denseZip } from "./specialize.js";
import type { ThreadPool } from "./thread_pool.js";
import type { WasmKernels } from "./wasm_kernels.js";
import { isSimdOp, type SimdOp, simdZip, simdZipScalar } from "./wasm_paths.js";

/**
 * Starts the matmul thread pool, given an allocator of blocks in the backend's memory (for the
 * workers' scratch); null where it cannot start.
 */
export type ThreadPoolFactory = (allocate: (bytes: number) => number) => ThreadPool | null;

/** A cpu buffer: `length` elements of `dtype` at byte `offset` of the backend's memory. */
export interface CpuBuffer {
  readonly offset: number;
  readonly length: number;
  readonly dtype: DType;
}

const bytes: Record<DType, number> = { float32: 4, float64: 8 };

/** A view whose elements are exactly storage[offset … offset + size) in row-major order. */
function dense(v: View<CpuBuffer>): boolean {
  return isContiguous(v);
}

/**
 * Whether `b` repeats along the leading dims of `out` only: its trailing dims equal out's and
 * the rest are 1 or missing, and it is contiguous — the bias of a Linear layer ([n] over [m, n]).
 * Returns the length of the repeated row, or 0.
 */
function rowBroadcast(b: View<CpuBuffer>, out: View<CpuBuffer>): number {
  if (!dense(b)) return 0;
  const rank = out.shape.length;
  const padded = [...new Array<number>(rank - b.shape.length).fill(1), ...b.shape];
  const k = padded.findIndex((d) => d !== 1);
  if (k < 0 || !sameShape(padded.slice(k), out.shape.slice(k))) return 0;
  return shapeSize(b.shape);
}

/**
 * The fast CPU backend. Storage lives in one WebAssembly.Memory (shared, so worker threads can
 * run kernels on it without copies), carved up by an `Arena`. Each op takes a fast path when the
 * layouts allow it — contiguous same-shape operands, a scalar operand, a row broadcast, rows of a
 * contiguous reduction, packed matmul — and otherwise runs the reference backend's strided loops
 * on typed-array views of the same memory, so every layout stays correct.
 */
export class CpuBackend implements Backend<CpuBuffer> {
  readonly name = "cpu";
  readonly dtypes: readonly DType[] = ["float32", "float64"];
  readonly synchronousRead = true;
  readonly memory: WebAssembly.Memory;
  /** The WebAssembly SIMD kernels, or null where they cannot run (then JS loops do the work). */
  readonly kernels: WasmKernels | null;
  readonly #arena: Arena;
  #scratch: number | null = null;
  readonly #makePool: ThreadPoolFactory | null;
  /** The pool once started (null: none, one thread); undefined until a matmul first asks. */
  #pool: ThreadPool | null | undefined;

  constructor(
    memory: WebAssembly.Memory,
    kernels: WasmKernels | null,
    makePool: ThreadPoolFactory | null = null,
  ) {
    this.memory = memory;
    this.kernels = kernels;
    this.#arena = new Arena(memory);
    this.#makePool = makePool;
  }

  /**
   * The matmul thread pool, started on first use; null when there is none (one thread), or once
   * it failed (its BackendError was thrown then; later products run on one thread).
   */
  pool(): ThreadPool | null {
    if (this.#pool === undefined) {
      this.#pool = this.#makePool?.((bytes) => this.#arena.allocate(bytes)) ?? null;
    } else if (this.#pool !== null && !this.#pool.usable) {
      this.#pool = null;
    }
    return this.#pool;
  }

  /** Byte address of element `index` of a buffer (what the kernels take). */
  address(buffer: CpuBuffer, index: number): number {
    return buffer.offset + index * bytes[buffer.dtype];
  }

  /** Matmul's packing area, allocated once: big enough for any size (589,952 bytes). */
  scratch(kernels: WasmKernels): number {
    this.#scratch ??= this.#arena.allocate(
      kernels.matmul_f32_scratch_bytes(1 << 20, 1 << 20, 1 << 20),
    );
    return this.#scratch;
  }

  /** The typed array of a buffer. Made per call: a memory that grew has a new `buffer`. */
  array(buffer: CpuBuffer): HostArray {
    return buffer.dtype === "float32"
      ? new Float32Array(this.memory.buffer, buffer.offset, buffer.length)
      : new Float64Array(this.memory.buffer, buffer.offset, buffer.length);
  }

  allocate(size: number, dtype: DType): CpuBuffer {
    return { offset: this.#arena.allocate(size * bytes[dtype]), length: size, dtype };
  }

  free(buffer: CpuBuffer): void {
    this.#arena.free(buffer.offset, buffer.length * bytes[buffer.dtype]);
  }

  upload(buffer: CpuBuffer, values: ArrayLike<number>): void {
    if (values.length !== buffer.length) {
      throw new BackendError(
        `upload: ${values.length} values do not fit a buffer of ${buffer.length} elements`,
      );
    }
    this.array(buffer).set(values);
  }

  download(buffer: CpuBuffer): Promise<HostArray> {
    return Promise.resolve(this.downloadSync(buffer));
  }

  downloadSync(buffer: CpuBuffer): HostArray {
    // slice() copies into a fresh, unshared ArrayBuffer the caller may keep.
    return this.array(buffer).slice();
  }

  map(op: UnaryOp, out: View<CpuBuffer>, a: View<CpuBuffer>): void {
    if (dense(out) && dense(a) && sameShape(out.shape, a.shape)) {
      const n = shapeSize(out.shape);
      denseMap(op)(
        unaryOps[op].fn,
        this.array(a.buffer),
        a.offset,
        this.array(out.buffer),
        out.offset,
        n,
      );
      return;
    }
    referenceBackend.map(op, this.#host(out), this.#host(a));
  }

  zip(op: BinaryOp, out: View<CpuBuffer>, a: View<CpuBuffer>, b: View<CpuBuffer>): void {
    if (dense(out) && this.#zipFast(op, out, a, b)) return;
    referenceBackend.zip(op, this.#host(out), this.#host(a), this.#host(b));
  }

  /** The zip fast paths; false when none applies. */
  #zipFast(op: BinaryOp, out: View<CpuBuffer>, a: View<CpuBuffer>, b: View<CpuBuffer>): boolean {
    const k = this.kernels;
    if (
      k !== null &&
      isSimdOp(op) &&
      out.buffer.dtype === "float32" &&
      this.#zipSimd(k, op, out, a, b)
    ) {
      return true;
    }
    const n = shapeSize(out.shape);
    const loop = denseZip(op);
    const { fn } = binaryOps[op];
    const o = this.array(out.buffer);
    const x = this.array(a.buffer);
    const y = this.array(b.buffer);
    const aFull = dense(a) && sameShape(a.shape, out.shape);
    const bFull = dense(b) && sameShape(b.shape, out.shape);
    const aOne = shapeSize(a.shape) === 1;
    const bOne = shapeSize(b.shape) === 1;
    if ((aFull || aOne) && (bFull || bOne)) {
      loop(fn, x, a.offset, aFull ? 1 : 0, y, b.offset, bFull ? 1 : 0, o, out.offset, n);
      return true;
    }
    // One operand full, the other a row repeated over the leading dims (x + bias).
    const bRow = aFull ? rowBroadcast(b, out) : 0;
    const aRow = bFull ? rowBroadcast(a, out) : 0;
    const row = bRow || aRow;
    if (row === 0) return false;
    for (let start = 0; start < n; start += row) {
      if (bRow) loop(fn, x, a.offset + start, 1, y, b.offset, 1, o, out.offset + start, row);
      else loop(fn, x, a.offset, 1, y, b.offset + start, 1, o, out.offset + start, row);
    }
    return true;
  }

  /** The float32 SIMD zips: same-shape, scalar and row-broadcast operands. */
  #zipSimd(
    k: WasmKernels,
    op: SimdOp,
    out: View<CpuBuffer>,
    a: View<CpuBuffer>,
    b: View<CpuBuffer>,
  ): boolean {
    const n = shapeSize(out.shape);
    const o = this.address(out.buffer, out.offset);
    const x = this.address(a.buffer, a.offset);
    const y = this.address(b.buffer, b.offset);
    const aFull = dense(a) && sameShape(a.shape, out.shape);
    const bFull = dense(b) && sameShape(b.shape, out.shape);
    if (aFull && bFull) {
      simdZip(k, op, x, y, o, n);
      return true;
    }
    if (aFull && shapeSize(b.shape) === 1) {
      simdZipScalar(k, op, x, this.array(b.buffer)[b.offset], o, n, false);
      return true;
    }
    if (bFull && shapeSize(a.shape) === 1) {
      simdZipScalar(k, op, y, this.array(a.buffer)[a.offset], o, n, true);
      return true;
    }
    // A full operand and a row repeated over the leading dims (x + bias): one kernel per row.
    const row = aFull ? rowBroadcast(b, out) : 0;
    if (row === 0) return false;
    for (let start = 0; start < n; start += row) {
      simdZip(k, op, x + start * 4, y, o + start * 4, row);
    }
    return true;
  }

  reduce(op: ReduceOp, out: View<CpuBuffer>, a: View<CpuBuffer>, dim: number): void {
    // Rows of a contiguous tensor reduced along its last dim: one tight loop per row.
    const last = a.shape.length - 1;
    const k = this.kernels;
    if (
      op === "sum" &&
      k !== null &&
      a.buffer.dtype === "float32" &&
      dim === last &&
      dense(a) &&
      dense(out)
    ) {
      const rows = shapeSize(out.shape);
      k.sum_rows_f32(
        this.address(a.buffer, a.offset),
        this.address(out.buffer, out.offset),
        rows,
        a.shape[last],
      );
      return;
    }
    if (dim === last && dense(a) && dense(out)) {
      const { fn, identity } = reduceOps[op];
      const length = a.shape[last];
      const rows = shapeSize(out.shape);
      const x = this.array(a.buffer);
      const o = this.array(out.buffer);
      for (let r = 0; r < rows; r++) {
        let acc = identity;
        const start = a.offset + r * length;
        for (let j = 0; j < length; j++) acc = fn(acc, x[start + j]);
        o[out.offset + r] = acc;
      }
      return;
    }
    referenceBackend.reduce(op, this.#host(out), this.#host(a), dim);
  }

  matmul(out: View<CpuBuffer>, a: View<CpuBuffer>, b: View<CpuBuffer>): void {
    if (!matmulDense(this, out, a, b)) {
      referenceBackend.matmul(this.#host(out), this.#host(a), this.#host(b));
    }
  }

  copy(out: View<CpuBuffer>, a: View<CpuBuffer>): void {
    if (dense(out) && dense(a) && sameShape(out.shape, a.shape)) {
      const n = shapeSize(out.shape);
      const x = this.array(a.buffer);
      // A dtype change goes through the typed arrays' own conversion.
      this.array(out.buffer).set(x.subarray(a.offset, a.offset + n), out.offset);
      return;
    }
    referenceBackend.copy(this.#host(out), this.#host(a));
  }

  /** The same view over a typed array, for the reference backend's strided loops. */
  #host(v: View<CpuBuffer>): View<HostArray> {
    return { buffer: this.array(v.buffer), shape: v.shape, strides: v.strides, offset: v.offset };
  }
}
