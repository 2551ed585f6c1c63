import { broadcastIndex, shapeSize, toIndex } from "../../strided/shape.js";
import { isContiguous, type View } from "../../strided/tensor_data.js";
import type { HostArray } from "../backend.js";
import type { CpuBuffer } from "./cpu_backend.js";
import { mightSplit } from "./split_policy.js";
import type { ThreadPool } from "./thread_pool.js";
import type { WasmKernels } from "./wasm_kernels.js";

/** What the matmul needs from the backend. */
interface MatmulHost {
  readonly kernels: WasmKernels | null;
  array(buffer: CpuBuffer): HostArray;
  address(buffer: CpuBuffer, index: number): number;
  scratch(kernels: WasmKernels): number;
  allocate(size: number, dtype: "float32"): CpuBuffer;
  free(buffer: CpuBuffer): void;
  /** Worker threads for big products, or null (one thread). */
  pool(): ThreadPool | null;
}

/** One matrix operand: where it starts and how to step along its rows and columns. */
interface Matrix {
  readonly data: HostArray;
  readonly offset: number;
  readonly rowStride: number;
  readonly colStride: number;
}

/**
 * C[n×m] = A[n×k] · B[k×m] for strided A and B into a contiguous C, row by row in i-k-j order:
 * the inner loop walks a row of B and a row of C with unit stride when B is row-major, and the
 * row is accumulated in doubles (as the reference backend does) before it is stored.
 */
function gemm(
  A: Matrix,
  B: Matrix,
  C: HostArray,
  cOffset: number,
  n: number,
  k: number,
  m: number,
  acc: Float64Array,
): void {
  for (let i = 0; i < n; i++) {
    acc.fill(0);
    const aRow = A.offset + i * A.rowStride;
    for (let p = 0; p < k; p++) {
      // No skipping a zero av: 0 · NaN and 0 · ∞ are NaN, and a NaN in B must reach C.
      const av = A.data[aRow + p * A.colStride];
      const bRow = B.offset + p * B.rowStride;
      const bs = B.colStride;
      for (let j = 0; j < m; j++) acc[j] += av * B.data[bRow + j * bs];
    }
    C.set(acc, cOffset + i * m);
  }
}

/**
 * One float32 product by the WebAssembly SIMD kernel. The kernel reads an operand in place when it
 * is row-major (column stride 1, rows `ld` apart) or column-major (row stride 1: a transposed view,
 * read as the rows of its transpose, `ld` apart); it gathers either layout while packing, so a
 * transposed operand costs nothing extra. Any other layout (both strides above 1) is first copied
 * into a contiguous temporary block. A big product is split by rows across the backend's worker
 * threads (see thread_pool.ts).
 */
function simdMatmul(
  backend: MatmulHost,
  kernels: WasmKernels,
  aBuffer: CpuBuffer,
  A: Matrix,
  bBuffer: CpuBuffer,
  B: Matrix,
  cBuffer: CpuBuffer,
  cOffset: number,
  n: number,
  k: number,
  m: number,
): void {
  const temporaries: CpuBuffer[] = [];
  /** [pointer, leading dimension, transposed (0/1)] of a rows×cols operand, as the kernel takes it. */
  const operand = (
    buffer: CpuBuffer,
    M: Matrix,
    rows: number,
    cols: number,
  ): [number, number, number] => {
    // The stride along a dimension of one element is never used: any value will do.
    const rowStride = rows <= 1 ? 0 : M.rowStride;
    const colStride = cols <= 1 ? 0 : M.colStride;
    if ((cols <= 1 || colStride === 1) && rowStride >= 0)
      return [backend.address(buffer, M.offset), rowStride, 0];
    if ((rows <= 1 || rowStride === 1) && colStride >= 0)
      return [backend.address(buffer, M.offset), colStride, 1];
    const packed = backend.allocate(rows * cols, "float32");
    temporaries.push(packed);
    const into = backend.array(packed);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++)
        into[r * cols + c] = M.data[M.offset + r * M.rowStride + c * M.colStride];
    }
    return [backend.address(packed, 0), cols, 0];
  };
  try {
    const [a, lda, transA] = operand(aBuffer, A, n, k);
    const [b, ldb, transB] = operand(bBuffer, B, k, m);
    const c = backend.address(cBuffer, cOffset);
    const scratch = backend.scratch(kernels);
    const pool = mightSplit(n, m, k) ? backend.pool() : null;
    if (pool !== null) pool.matmul(kernels, a, b, c, n, m, k, transA, transB, lda, ldb, scratch);
    else kernels.matmul_f32(a, b, c, n, m, k, transA, transB, lda, ldb, scratch);
  } finally {
    for (const t of temporaries) backend.free(t);
  }
}

/**
 * Batched matmul into a contiguous `out`: each batch's matrices are found through the broadcast
 * batch index, then multiplied by `gemm`. Returns false (the caller falls back to the reference
 * loops) when `out` is not contiguous.
 */
export function matmulDense(
  backend: MatmulHost,
  out: View<CpuBuffer>,
  a: View<CpuBuffer>,
  b: View<CpuBuffer>,
): boolean {
  if (!isContiguous(out)) return false;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [n, k] = a.shape.slice(-2);
  const m = b.shape[rb - 1];
  const batch = out.shape.slice(0, -2);
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const index = new Array<number>(batch.length).fill(0);
  const ai = new Array<number>(aBatch.length).fill(0);
  const bi = new Array<number>(bBatch.length).fill(0);
  const A = backend.array(a.buffer);
  const B = backend.array(b.buffer);
  const C = backend.array(out.buffer);
  const kernels = out.buffer.dtype === "float32" ? backend.kernels : null;
  const acc = kernels === null ? new Float64Array(m) : null;
  for (let t = 0; t < shapeSize(batch); t++) {
    toIndex(t, batch, index);
    broadcastIndex(index, batch, aBatch, ai);
    broadcastIndex(index, batch, bBatch, bi);
    let aOffset = a.offset;
    let bOffset = b.offset;
    ai.forEach((x, d) => {
      aOffset += x * a.strides[d];
    });
    bi.forEach((x, d) => {
      bOffset += x * b.strides[d];
    });
    const aMatrix = {
      data: A,
      offset: aOffset,
      rowStride: a.strides[ra - 2],
      colStride: a.strides[ra - 1],
    };
    const bMatrix = {
      data: B,
      offset: bOffset,
      rowStride: b.strides[rb - 2],
      colStride: b.strides[rb - 1],
    };
    const cOffset = out.offset + t * n * m;
    if (kernels !== null) {
      simdMatmul(
        backend,
        kernels,
        a.buffer,
        aMatrix,
        b.buffer,
        bMatrix,
        out.buffer,
        cOffset,
        n,
        k,
        m,
      );
    } else {
      gemm(aMatrix, bMatrix, C, cOffset, n, k, m, acc ?? new Float64Array(m));
    }
  }
  return true;
}
