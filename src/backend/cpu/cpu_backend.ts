import { BackendError } from "../../errors.js";
import {
  type BinaryOp,
  binaryOps,
  type ReduceOp,
  reduceOps,
  type UnaryOp,
  unaryOps,
} from "../../strided/ops.js";
import { shapeSize } from "../../strided/shape.js";
import { isContiguous, type View } from "../../strided/tensor_data.js";
import type { Backend, ConvGeometry, DType, HostArray } from "../backend.js";
import { checkConv } from "../checks.js";
import { allDTypes, dtypeInfo } from "../dtypes.js";
import { referenceBackend } from "../reference/reference_backend.js";
import { Arena } from "./arena.js";
import { foldDense, imageOf, unfoldDense, windowOf } from "./conv.js";
import { matmulDense } from "./matmul.js";
import { classify, columnOperand, flatOperands, type Operand } from "./operand.js";
import { reduceAcrossF32 } from "./reduce_across.js";
import {
  isSimdCompareOp,
  isSimdReduceOp,
  isSimdZipOp,
  type SimdZipOp,
  simdCompares,
  simdReduces,
  simdZips,
  type ZipForm,
  type ZipKernelName,
} from "./simd_table.js";
import { denseFold, denseMap, denseZip } from "./specialize.js";
import { mightSplitElements } from "./split_policy.js";
import { copyStrided } from "./strided_copy.js";
import type { ThreadPool } from "./thread_pool.js";
import type { WasmKernels } from "./wasm_kernels.js";

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

/**
 * The length of the chunks over which both operands are contiguous or constant: the row of a
 * row-broadcast operand, else everything; 0 when two operands repeat rows of different lengths.
 */
function chunkOf(a: Operand, b: Operand, n: number): number {
  const ra = a.kind === "row" ? a.row : n;
  const rb = b.kind === "row" ? b.row : n;
  if (a.kind === "row" && b.kind === "row" && ra !== rb) return 0;
  return Math.min(ra, rb);
}

/**
 * How two operands meet a SIMD kernel (`ZipForm`): both step, or one repeats a single value and
 * the other steps; null when both repeat one value (JS loops fill that).
 */
function zipForm(a: Operand, b: Operand): ZipForm | null {
  if (a.kind !== "scalar") return b.kind !== "scalar" ? "zip" : "scalar";
  return b.kind !== "scalar" ? "scalarFirst" : null;
}

/**
 * The fast CPU backend. Storage lives in one WebAssembly.Memory (shared, so worker threads can
 * run kernels on it without copies), carved up by an `Arena`. Each op takes a fast path when the
 * layouts allow it — operands that are contiguous, constant or a repeated row (`classify`), a
 * contiguous reduction, packed matmul — and otherwise runs the reference backend's strided loops
 * on typed-array views of the same memory, so every layout stays correct.
 */
export class CpuBackend implements Backend<CpuBuffer> {
  readonly name = "cpu";
  readonly dtypes: readonly DType[] = allDTypes;
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

  /**
   * Starts the thread pool now, ahead of the first op that could use it: how a browser page gets
   * one (Web Workers start only once the page's thread yields, never in the middle of an op).
   */
  async startPool(
    start: (allocate: (bytes: number) => number) => Promise<ThreadPool | null>,
  ): Promise<void> {
    this.#pool = await start((bytes) => this.#arena.allocate(bytes));
  }

  /** Byte address of element `index` of a buffer (what the kernels take). */
  address(buffer: CpuBuffer, index: number): number {
    return buffer.offset + index * dtypeInfo[buffer.dtype].bytes;
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
    return dtypeInfo[buffer.dtype].array(this.memory.buffer, buffer.offset, buffer.length);
  }

  allocate(size: number, dtype: DType): CpuBuffer {
    return { offset: this.#arena.allocate(size * dtypeInfo[dtype].bytes), length: size, dtype };
  }

  free(buffer: CpuBuffer): void {
    this.#arena.free(buffer.offset, buffer.length * dtypeInfo[buffer.dtype].bytes);
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
    const A = flatOperands(out, [a])?.[0] ?? null;
    if (A === null) {
      referenceBackend.map(op, this.#host(out), this.#host(a));
      return;
    }
    const { fn } = unaryOps[op];
    const x = this.array(a.buffer);
    const o = this.array(out.buffer);
    const n = shapeSize(out.shape);
    if (A.kind === "scalar") {
      o.fill(fn(x[A.start]), out.offset, out.offset + n);
      return;
    }
    const chunk = A.kind === "row" ? A.row : n;
    const loop = denseMap(op);
    for (let s = 0; s < n; s += chunk)
      loop(fn, x, A.start + (A.kind === "full" ? s : 0), o, out.offset + s, chunk);
  }

  zip(op: BinaryOp, out: View<CpuBuffer>, a: View<CpuBuffer>, b: View<CpuBuffer>): void {
    const [A, B] = flatOperands(out, [a, b]) ?? [null, null];
    const n = shapeSize(out.shape);
    const chunk = A === null || B === null ? 0 : chunkOf(A, B, n);
    if (A === null || B === null || chunk === 0) {
      if (!this.#zipColumn(op, out, a, b)) {
        referenceBackend.zip(op, this.#host(out), this.#host(a), this.#host(b));
      }
      return;
    }
    const form = zipForm(A, B);
    const k = this.kernels;
    const f32 = [out, a, b].every((v) => v.buffer.dtype === "float32");
    if (form !== null && k !== null && isSimdZipOp(op) && f32) {
      this.#simdZip(k, simdZips[op][form], op, form, out, a, A, b, B, chunk);
      return;
    }
    const compare =
      out.buffer.dtype === "bool" && [a, b].every((v) => v.buffer.dtype === "float32");
    if (form !== null && k !== null && isSimdCompareOp(op) && compare) {
      this.#simdZip(k, simdCompares[op][form], null, form, out, a, A, b, B, chunk);
      return;
    }
    const loop = denseZip(op);
    const { fn } = binaryOps[op];
    const x = this.array(a.buffer);
    const y = this.array(b.buffer);
    const o = this.array(out.buffer);
    const aStep = A.kind === "scalar" ? 0 : 1;
    const bStep = B.kind === "scalar" ? 0 : 1;
    for (let s = 0; s < n; s += chunk) {
      const i = A.start + (A.kind === "full" ? s : 0);
      const j = B.start + (B.kind === "full" ? s : 0);
      loop(fn, x, i, aStep, y, j, bStep, o, out.offset + s, chunk);
    }
  }

  /**
   * `zip` where one operand is a column repeated along the trailing dims (`columnOperand`) and the
   * other is full, into a contiguous output: one call per row of `repeat` elements, the column's
   * value as the row's scalar (SIMD scalar forms for float32). False when the layouts differ.
   */
  #zipColumn(op: BinaryOp, out: View<CpuBuffer>, a: View<CpuBuffer>, b: View<CpuBuffer>): boolean {
    if (!isContiguous(out)) return false;
    const columnA = columnOperand(a, out.shape);
    const columnB = columnA === null ? columnOperand(b, out.shape) : null;
    const column = columnA ?? columnB;
    if (column === null) return false;
    const [col, other] = columnA !== null ? [a, b] : [b, a];
    const full = classify(other, out.shape);
    if (full === null || full.kind !== "full") return false;
    const { repeat } = column;
    const rows = shapeSize(out.shape) / repeat;
    const values = this.array(col.buffer);
    const k = this.kernels;
    const f32 = [out, a, b].every((v) => v.buffer.dtype === "float32");
    if (k !== null && isSimdZipOp(op) && f32) {
      const kernel = k[simdZips[op][columnA !== null ? "scalarFirst" : "scalar"]];
      for (let r = 0; r < rows; r++) {
        const p = this.address(other.buffer, full.start + r * repeat);
        kernel(
          p,
          values[column.start + r],
          this.address(out.buffer, out.offset + r * repeat),
          repeat,
        );
      }
      return true;
    }
    const loop = denseZip(op);
    const { fn } = binaryOps[op];
    const x = this.array(a.buffer);
    const y = this.array(b.buffer);
    const o = this.array(out.buffer);
    for (let r = 0; r < rows; r++) {
      const s = r * repeat;
      const i = columnA !== null ? column.start + r : full.start + s;
      const j = columnA !== null ? full.start + s : column.start + r;
      const [aStep, bStep] = columnA !== null ? [0, 1] : [1, 0];
      loop(fn, x, i, aStep, y, j, bStep, o, out.offset + s, repeat);
    }
    return true;
  }

  /**
   * `zip` by the SIMD table's `kernel` in `form`, one call per chunk: the operand that steps
   * first, then the other's pointer ("zip") or its value (the scalar forms). One chunk over a large
   * output goes to the pool when `poolOp` names the zip row it may split (bit for bit the same
   * result); comparison kernels (`poolOp` null) run on this thread.
   */
  #simdZip(
    k: WasmKernels,
    kernel: ZipKernelName,
    poolOp: SimdZipOp | null,
    form: ZipForm,
    out: View<CpuBuffer>,
    a: View<CpuBuffer>,
    A: Operand,
    b: View<CpuBuffer>,
    B: Operand,
    chunk: number,
  ): void {
    const n = shapeSize(out.shape);
    const [first, F, second, S] = form === "scalarFirst" ? [b, B, a, A] : [a, A, b, B];
    const values = form === "zip" ? null : this.array(second.buffer);
    const pool =
      poolOp !== null && chunk === n && mightSplitElements("zip", n) ? this.pool() : null;
    const run = k[kernel] as (first: number, second: number, out: number, n: number) => void;
    for (let s = 0; s < n; s += chunk) {
      const p = this.address(first.buffer, F.start + (F.kind === "full" ? s : 0));
      const q = S.start + (S.kind === "full" ? s : 0);
      const other = values === null ? this.address(second.buffer, q) : values[q];
      const o = this.address(out.buffer, out.offset + s);
      if (pool !== null && poolOp !== null) pool.zip(k, poolOp, form, p, other, o, chunk);
      else run(p, other, o, chunk);
    }
  }

  reduce(op: ReduceOp, out: View<CpuBuffer>, a: View<CpuBuffer>, dim: number): void {
    if (!isContiguous(a) || !isContiguous(out)) {
      referenceBackend.reduce(op, this.#host(out), this.#host(a), dim);
      return;
    }
    // a contiguous, seen as [outer, length, inner]: out[o, i] = fold_j a[o, j, i].
    const length = a.shape[dim];
    const inner = shapeSize(a.shape.slice(dim + 1));
    const outer = shapeSize(a.shape.slice(0, dim));
    const k = this.kernels;
    const f32 = a.buffer.dtype === "float32" && out.buffer.dtype === "float32";
    if (inner === 1 && k !== null && isSimdReduceOp(op) && f32) {
      const [pa, po] = [this.address(a.buffer, a.offset), this.address(out.buffer, out.offset)];
      // Large reductions may be split: by rows (bit for bit), or one long row by partial results.
      const pool = mightSplitElements("reduce", outer * length) ? this.pool() : null;
      if (pool !== null) pool.reduceRows(k, op, pa, po, outer, length);
      else k[simdReduces[op].rows](pa, po, outer, length);
      return;
    }
    if (inner > 1 && length > 0 && k !== null && op !== "sum" && f32) {
      const [pa, po] = [this.address(a.buffer, a.offset), this.address(out.buffer, out.offset)];
      reduceAcrossF32(k, new Float32Array(this.memory.buffer), op, pa, po, outer, length, inner);
      return;
    }
    const { fn, identity } = reduceOps[op];
    const x = this.array(a.buffer);
    const o = this.array(out.buffer);
    // One accumulator per inner position, walked row by row: every read is sequential.
    const acc = new Float64Array(inner);
    const loop = denseFold(op);
    for (let r = 0; r < outer; r++) {
      acc.fill(identity);
      loop(fn, x, a.offset + r * length * inner, length, inner, acc);
      o.set(acc, out.offset + r * inner);
    }
  }

  matmul(out: View<CpuBuffer>, a: View<CpuBuffer>, b: View<CpuBuffer>): void {
    if (!matmulDense(this, out, a, b)) {
      referenceBackend.matmul(this.#host(out), this.#host(a), this.#host(b));
    }
  }

  copy(out: View<CpuBuffer>, a: View<CpuBuffer>): void {
    const A = flatOperands(out, [a])?.[0] ?? null;
    // A typed array's own conversion into bytes wraps (256 → 0): bool is the reference's x ≠ 0.
    const toBool = out.buffer.dtype === "bool" && a.buffer.dtype !== "bool";
    if (toBool) {
      referenceBackend.copy(this.#host(out), this.#host(a));
      return;
    }
    if (A === null) {
      copyStrided(this.array(out.buffer), out, this.array(a.buffer), a);
      return;
    }
    const n = shapeSize(out.shape);
    const x = this.array(a.buffer);
    const o = this.array(out.buffer);
    if (A.kind === "scalar") {
      o.fill(x[A.start], out.offset, out.offset + n);
      return;
    }
    // A dtype change goes through the typed arrays' own conversion.
    const chunk = A.kind === "row" ? A.row : n;
    for (let s = 0; s < n; s += chunk) {
      const from = A.start + (A.kind === "full" ? s : 0);
      o.set(x.subarray(from, from + chunk), out.offset + s);
    }
  }

  unfold(out: View<CpuBuffer>, a: View<CpuBuffer>, g: ConvGeometry): void {
    if (!isContiguous(out)) {
      referenceBackend.unfold(this.#host(out), this.#host(a), g);
      return;
    }
    checkConv("unfold", a.shape, out.shape, g);
    const k = this.kernels;
    if (k !== null && a.buffer.dtype === "float32" && out.buffer.dtype === "float32") {
      const [sn, sc, sy, sx] = a.strides;
      const [pa, po] = [this.address(a.buffer, a.offset), this.address(out.buffer, out.offset)];
      k.unfold_f32(po, pa, ...imageOf(a.shape), sn, sc, sy, sx, ...windowOf(g, a.shape));
      return;
    }
    unfoldDense(this.array(out.buffer), out.offset, this.array(a.buffer), a, g);
  }

  fold(out: View<CpuBuffer>, cols: View<CpuBuffer>, g: ConvGeometry): void {
    if (!isContiguous(out)) {
      referenceBackend.fold(this.#host(out), this.#host(cols), g);
      return;
    }
    checkConv("fold", out.shape, cols.shape, g);
    const k = this.kernels;
    if (k !== null && cols.buffer.dtype === "float32" && out.buffer.dtype === "float32") {
      const [tn, tr, tl] = cols.strides;
      const [pc, po] = [
        this.address(cols.buffer, cols.offset),
        this.address(out.buffer, out.offset),
      ];
      k.fold_f32(po, pc, ...imageOf(out.shape), tn, tr, tl, ...windowOf(g, out.shape));
      return;
    }
    foldDense(this.array(out.buffer), out, this.array(cols.buffer), cols, g);
  }

  /** The same view over a typed array, for the reference backend's strided loops. */
  #host(v: View<CpuBuffer>): View<HostArray> {
    return { buffer: this.array(v.buffer), shape: v.shape, strides: v.strides, offset: v.offset };
  }
}
