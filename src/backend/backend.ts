import type { BinaryOp, ReduceOp, UnaryOp } from "../strided/ops.js";
import type { View } from "../strided/tensor_data.js";

/**
 * Element types: float32 everywhere, float64 on CPU backends (gradient checks use it), int32 for
 * indices and labels (PyTorch's int64 is stored as int32: see dtypes.ts), bool for masks.
 */
export type DType = "float32" | "float64" | "int32" | "bool";

/** The backends minitorch ships; each later backend joins this union (and the loader table). */
export type BackendName = "reference" | "cpu" | "webgpu";

/**
 * The geometry of a 2-D convolution window (conv1d is the case kh = 1, sh = 1, ph = 0 over a
 * height of 1): kernel size, stride, zero padding and dilation (the spacing of the kernel's taps,
 * 1 when absent) along height (h) and width (w). For an input of H × W the output is OH × OW with
 * OH = ⌊(H + 2·ph − dh·(kh − 1) − 1) / sh⌋ + 1 (OW likewise).
 */
export interface ConvGeometry {
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly ph: number;
  readonly pw: number;
  readonly dh?: number;
  readonly dw?: number;
}

/** Host-side values of a whole buffer, as `download` returns them. */
export type HostArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * The one contract every backend implements, over its own buffer type `B` (a typed array on the
 * CPU, a GPU buffer on WebGPU). Backends never see a Tensor: only strided views
 * `{buffer, shape, strides, offset}`. Every op writes into an output view the caller allocated;
 * inputs may be any strided views (permuted, expanded with stride 0, offset).
 */
export interface Backend<B = unknown> {
  readonly name: BackendName;
  /** The dtypes this backend stores. */
  readonly dtypes: readonly DType[];
  /** Whether `downloadSync` works (CPU backends); GPU backends read only asynchronously. */
  readonly synchronousRead: boolean;

  /** A new buffer of `size` elements of `dtype` (contents unspecified). */
  allocate(size: number, dtype: DType): B;
  /** Release a buffer; it must not be used afterwards. */
  free(buffer: B): void;
  /** Overwrite the whole buffer with `values` (length = its size). */
  upload(buffer: B, values: ArrayLike<number>): void;
  /** A host copy of the whole buffer. */
  download(buffer: B): Promise<HostArray>;
  /** A host copy of the whole buffer, synchronously; a BackendError where that is impossible. */
  downloadSync(buffer: B): HostArray;

  /** out[i] = op(a[i]); `a`'s shape broadcasts to `out`'s. */
  map(op: UnaryOp, out: View<B>, a: View<B>): void;
  /**
   * out[i] = op(a[i], b[i]); `a` and `b` broadcast to `out`'s shape (NumPy rules). `a` and `b`
   * have one dtype; `out` has it too, or is bool (comparisons).
   */
  zip(op: BinaryOp, out: View<B>, a: View<B>, b: View<B>): void;
  /**
   * Fold `a` along `dim` with `op` from its identity: `out` has `a`'s shape with `shape[dim]` = 1.
   */
  reduce(op: ReduceOp, out: View<B>, a: View<B>, dim: number): void;
  /**
   * Batched matrix product: a [...batchA, n, k] @ b [...batchB, k, m] → out [...batch, n, m], with
   * batchA and batchB broadcasting to batch. Both inputs have at least 2 dims.
   */
  matmul(out: View<B>, a: View<B>, b: View<B>): void;
  /**
   * out[i] = a[i] (a strided or broadcast copy; `contiguous()` is built on it), converted to
   * `out`'s dtype as a C cast does (float → int truncates toward zero; to bool: x ≠ 0).
   */
  copy(out: View<B>, a: View<B>): void;
  /**
   * im2col, what a convolution multiplies its weights by: `a` is [N, C, H, W], `out` is
   * [N, C·kh·kw, OH·OW] (contiguous is the fast case) with
   * out[n, c·kh·kw + i·kw + j, oh·OW + ow] = a[n, c, oh·sh − ph + i·dh, ow·sw − pw + j·dw], or 0 where
   * that position falls in the zero padding.
   */
  unfold(out: View<B>, a: View<B>, g: ConvGeometry): void;
  /**
   * col2im, the adjoint of `unfold` (what a convolution's input gradient needs): `cols` is
   * [N, C·kh·kw, OH·OW], `out` is [N, C, H, W] and is overwritten with, at each position, the sum
   * of every `cols` entry that `unfold` would have read from it (0 where none).
   */
  fold(out: View<B>, cols: View<B>, g: ConvGeometry): void;
}
