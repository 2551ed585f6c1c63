import { BackendError } from "../../errors.js";
import { formatShape } from "../../strided/shape.js";
import type { View } from "../../strided/tensor_data.js";
import { checkMatmul } from "../checks.js";
import { type GpuBuffer, type GpuContext, workgroupsFor } from "./gpu_context.js";
import {
  chooseTiling,
  MATMUL_PARAM_WORDS,
  MAX_BATCH_RANK,
  type MatmulTiling,
  type OperandMode,
  PARAM_SHAPE,
  SIMPLE_THREADS,
  SMALL_TILING,
  simpleMatmulSource,
  tiledMatmulSource,
} from "./wgsl_matmul.js";

/**
 * Products with fewer rows or columns than this take the one-thread-per-output kernel: a tile of
 * 64 or 128 would be mostly padding (a vector times a matrix, a matrix times a vector).
 */
const THIN = 8;

/**
 * Products with fewer big tiles than this take the small tiling even where the big one fits: a
 * real GPU has ~100 or more compute units (132 on an H200), and 4× more, smaller workgroups keep
 * more of them busy (not measurable on llvmpipe, which has 2 cores and prefers the big tiles).
 */
const MIN_BIG_TILES = 128;

/** How to run a matmul: the tiling and kernel the limits and shape would pick, unless forced. */
export interface MatmulOptions {
  /** The tiling of the tiled kernel (default: the biggest the device allows, `chooseTiling`). */
  readonly tiling?: MatmulTiling;
  /** Force a kernel (default "auto": the simple one for thin products, tiled otherwise). */
  readonly kernel?: "auto" | "tiled" | "simple";
}

/** One merged batch dim: its size and each operand's stride along it (0 where broadcast). */
interface BatchDim {
  size: number;
  a: number;
  b: number;
  o: number;
}

const tilings = new WeakMap<GpuContext, MatmulTiling>();

function tilingOf(ctx: GpuContext): MatmulTiling {
  let tiling = tilings.get(ctx);
  if (tiling === undefined) {
    tiling = chooseTiling(ctx.device.limits);
    tilings.set(ctx, tiling);
  }
  return tiling;
}

/**
 * The batch dims of the product, each with the operands' strides (an operand's missing or size-1
 * dim broadcasts: stride 0), size-1 dims dropped and neighbours merged where every operand steps
 * through them as one dim — so a contiguous [2,3,4] batch is one dim of 24.
 */
function batchDims(out: View<GpuBuffer>, a: View<GpuBuffer>, b: View<GpuBuffer>): BatchDim[] {
  const rank = out.shape.length - 2;
  const strideOf = (v: View<GpuBuffer>, d: number) => {
    const own = d - (rank - (v.shape.length - 2));
    return own >= 0 && v.shape[own] !== 1 ? v.strides[own] : 0;
  };
  const dims: BatchDim[] = [];
  for (let d = 0; d < rank; d++) {
    const size = out.shape[d];
    if (size === 1) continue;
    const dim = { size, a: strideOf(a, d), b: strideOf(b, d), o: out.strides[d] };
    const prev = dims[dims.length - 1];
    if (
      prev !== undefined &&
      prev.a === dim.a * size &&
      prev.b === dim.b * size &&
      prev.o === dim.o * size
    ) {
      prev.size *= size;
      prev.a = dim.a;
      prev.b = dim.b;
      prev.o = dim.o;
    } else {
      dims.push(dim);
    }
  }
  return dims;
}

/**
 * How to read one operand's tiles (see `OperandMode`): vec4s along its contiguous dim when that
 * dim's extent, the other stride, the offset and the batch strides keep every vec4 whole and
 * 16-byte aligned; scalars otherwise, the smaller stride varying fastest.
 */
function operandMode(
  offset: number,
  sx: number,
  sk: number,
  extentX: number,
  k: number,
  batchStrides: readonly number[],
): OperandMode {
  const aligned = offset % 4 === 0 && batchStrides.every((s) => s % 4 === 0);
  if (aligned && sk === 1 && k % 4 === 0 && sx % 4 === 0) return "k4";
  if (aligned && sx === 1 && extentX % 4 === 0 && sk % 4 === 0) return "x4";
  return Math.abs(sk) <= Math.abs(sx) ? "k1" : "x1";
}

/**
 * out = a @ b as `matmulKernel`, with the tiling or kernel chosen by `options` (tests force the
 * configurations a device would not pick by itself).
 */
export function matmulWith(
  ctx: GpuContext,
  out: View<GpuBuffer>,
  a: View<GpuBuffer>,
  b: View<GpuBuffer>,
  options: MatmulOptions = {},
): void {
  checkMatmul(out, a, b);
  const ra = a.shape.length;
  const rb = b.shape.length;
  const ro = out.shape.length;
  const [n, k] = a.shape.slice(-2);
  const m = b.shape[rb - 1];
  const dims = batchDims(out, a, b);
  const batch = dims.reduce((s, d) => s * d.size, 1);
  if (n * m * batch === 0) return;
  if (dims.length > MAX_BATCH_RANK) {
    throw new BackendError(
      `matmul: the webgpu backend indexes at most ${MAX_BATCH_RANK} batch dims, and out shape ${formatShape(out.shape)} has ${dims.length} that cannot be merged (make an operand contiguous first)`,
    );
  }
  // A size-1 dim's stride is never stepped: 0 keeps it out of the alignment decisions.
  const aSx = n === 1 ? 0 : a.strides[ra - 2];
  const aSk = k === 1 ? 0 : a.strides[ra - 1];
  const bSk = k === 1 ? 0 : b.strides[rb - 2];
  const bSx = m === 1 ? 0 : b.strides[rb - 1];
  const oSr = n === 1 ? 0 : out.strides[ro - 2];
  const oSc = m === 1 ? 0 : out.strides[ro - 1];

  const params = new Uint32Array(MATMUL_PARAM_WORDS);
  // Typed-array stores wrap negative strides modulo 2^32, which the kernels' u32 sums undo.
  params.set([n, m, k, dims.length, a.offset, aSx, aSk, 0, b.offset, bSx, bSk, 0]);
  params.set([out.offset, oSr, oSc, 0], 12);
  // Innermost batch dim first: the kernels peel the batch index from the inside out.
  [...dims].reverse().forEach((d, i) => {
    params[PARAM_SHAPE + i] = d.size;
    params[PARAM_SHAPE + 8 + i] = d.a;
    params[PARAM_SHAPE + 16 + i] = d.b;
    params[PARAM_SHAPE + 24 + i] = d.o;
  });
  const storage = [out.buffer.buffer, a.buffer.buffer, b.buffer.buffer];

  const kernel = options.kernel ?? "auto";
  if (kernel === "simple" || (kernel === "auto" && Math.min(n, m) < THIN)) {
    const total = batch * n * m;
    params[15] = total;
    ctx.dispatch(simpleMatmulSource, params, storage, workgroupsFor(total, SIMPLE_THREADS));
    return;
  }
  let tiling = options.tiling ?? tilingOf(ctx);
  const tilesOf = (t: MatmulTiling) => Math.ceil(m / t.tileN) * Math.ceil(n / t.tileM) * batch;
  if (options.tiling === undefined && tilesOf(tiling) < MIN_BIG_TILES) tiling = SMALL_TILING;
  const aMode = operandMode(
    a.offset,
    aSx,
    aSk,
    n,
    k,
    dims.map((d) => d.a),
  );
  const bMode = operandMode(
    b.offset,
    bSx,
    bSk,
    m,
    k,
    dims.map((d) => d.b),
  );
  const out4 =
    oSc === 1 &&
    m % 4 === 0 &&
    oSr % 4 === 0 &&
    out.offset % 4 === 0 &&
    dims.every((d) => d.o % 4 === 0);
  const tilesX = Math.ceil(m / tiling.tileN);
  const tilesY = Math.ceil(n / tiling.tileM);
  const total = tilesX * tilesY * batch;
  params[7] = tilesX;
  params[11] = tilesY;
  params[15] = total;
  const source = tiledMatmulSource(tiling, aMode, bMode, out4);
  ctx.dispatch(source, params, storage, workgroupsFor(total, 1));
}

/**
 * out [...batch, n, m] = a [...batchA, n, k] @ b [...batchB, k, m], batch dims broadcast (NumPy),
 * any strides on every view: the tiled kernel with the biggest tiling the device allows (the small
 * one for products of few tiles), or one thread per output for products under 8 rows or columns.
 */
export function matmulKernel(
  ctx: GpuContext,
  out: View<GpuBuffer>,
  a: View<GpuBuffer>,
  b: View<GpuBuffer>,
): void {
  matmulWith(ctx, out, a, b);
}
