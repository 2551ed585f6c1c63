import { type ReduceOp, reduceOps } from "../../strided/ops.js";
import { shapeSize, stridesFromShape } from "../../strided/shape.js";
import type { View } from "../../strided/tensor_data.js";
import { checkReduce, rowOf } from "../checks.js";
import { type GpuBuffer, type GpuContext, workgroupsFor } from "./gpu_context.js";
import { checkRank, coalesce, WORKGROUP_SIZE } from "./wgsl_layout.js";
import { ParamWords } from "./wgsl_params.js";
import { type ReducePath, reduceSource } from "./wgsl_reduce.js";
import { storageType, type WgslScalar } from "./wgsl_types.js";

/**
 * Reductions along one dim: each output element folds one row of the input (its elements along
 * `dim`). The host collapses the outputs' dims (`coalesce`), then picks a kernel (wgsl_reduce.ts):
 * - a thread per output for short rows (≤ SHORT_ROW), for medium rows (≤ MEDIUM_ROW) when there
 *   are enough outputs to fill a GPU with threads, and for column reductions (the reduced dim not
 *   innermost, neighbouring outputs neighbours in memory), where neighbouring threads then read
 *   neighbouring elements (coalesced loads on a GPU);
 * - otherwise a workgroup per output, folding in workgroup memory.
 * Where that leaves too few threads or workgroups to fill a GPU, rows are cut into chunks, each
 * folded into a scratch buffer, and a second pass folds the chunks' results.
 *
 * Measured on llvmpipe (this machine's CPU fallback; ms per sum, including ~0.1 ms of dispatch),
 * thread per output vs workgroup per output: [64,10] dim 1: 0.11 vs 0.44; [4096,128] dim 1:
 * 0.54 vs 10.4; [1024,1024] dim 0: 1.3 (1.1–2.1 split in 8–16 chunks) vs 6.3; dim 1: 0.9 vs
 * 3.6; [300,700] dim 1: 0.43 vs 1.1; [64,4096] dim 1: 0.49 vs 0.51; [2^20]: 2.6 for one
 * workgroup, 2.3–2.5 split over 256 workgroups. llvmpipe runs each workgroup on one CPU thread
 * and each workgroup costs ~2.4 µs there, so a thread per output wins almost
 * everywhere on it. The thresholds follow GPU practice instead (a workgroup per long contiguous
 * row, enough units to fill the device: one thread folding 2^20 elements would serialise a
 * million loads), except that medium rows of many outputs go a thread each, which llvmpipe (CI)
 * needs and a GPU does not mind. Also llvmpipe stops any shader loop after 65,535 iterations
 * (a sum of 2^16 elements in one thread returns 65,533), so no kernel loops longer: chunks keep
 * every loop to at most a few thousand iterations.
 */

/** Rows at most this long are folded by one thread each. */
const SHORT_ROW = 64;
/** Rows at most this long are folded by one thread each when there are MANY_OUTPUTS. */
const MEDIUM_ROW = 256;
const MANY_OUTPUTS = 4096;
/** Column reductions with at least this many outputs (a warp's worth) go one thread per output. */
const COLUMN_OUTPUTS = 32;
/** Threads a column reduction aims for, cutting rows into chunks of at least MIN_THREAD_CHUNK. */
const TARGET_THREADS = 65536;
const MIN_THREAD_CHUNK = 64;
/** Workgroups a reduction of few long rows aims for, in chunks of at least MIN_GROUP_CHUNK. */
const TARGET_GROUPS = 2048;
const MIN_GROUP_CHUNK = 4096;
/** Partial results of a split reduction: fewer than 2·target units (see `chunksFor`). */
const SCRATCH_FLOATS = 2 * Math.max(TARGET_THREADS, TARGET_GROUPS);

/** Per context: the scratch buffer of split reductions' partial results. */
const scratches = new WeakMap<GpuContext, GPUBuffer>();

function scratchOf(ctx: GpuContext): GPUBuffer {
  let buffer = scratches.get(ctx);
  if (buffer === undefined) {
    buffer = ctx.device.createBuffer({ size: SCRATCH_FLOATS * 4, usage: GPUBufferUsage.STORAGE });
    scratches.set(ctx, buffer);
  }
  return buffer;
}

/** One reduction pass: the rows to fold and where each result goes. */
interface Rows {
  /** The outputs' coalesced shape, and the out's and the input's strides along it. */
  readonly shape: readonly number[];
  readonly outStrides: readonly number[];
  readonly inStrides: readonly number[];
  readonly out: GPUBuffer;
  readonly outOffset: number;
  readonly input: GPUBuffer;
  readonly inOffset: number;
  /** Row length and the input's step along a row. */
  readonly len: number;
  readonly step: number;
}

/** A reduce row of the op table, in WGSL, for elements of `type`. */
interface Fold {
  readonly expr: string;
  readonly identity: string;
  readonly type: WgslScalar;
}

/** Records one pass: `chunks` units per output, chunk g's result at out position + g·cstep. */
function dispatch(
  ctx: GpuContext,
  fold: Fold,
  rows: Rows,
  path: ReducePath,
  chunks: number,
  cstep: number,
): void {
  const outputs = shapeSize(rows.shape);
  const aliased = rows.input === rows.out;
  const source = reduceSource({ ...fold, path, aliased });
  const n = outputs * chunks;
  const words = new ParamWords()
    .dims(rows.shape)
    .dims(rows.outStrides)
    .dims(rows.inStrides)
    .u32(n)
    .u32(outputs)
    .u32(rows.shape.length)
    .u32(rows.outOffset)
    .u32(rows.inOffset)
    .u32(rows.len)
    .u32(rows.step)
    .u32(Math.ceil(rows.len / chunks))
    .u32(cstep)
    .finish();
  const storage = aliased ? [rows.out] : [rows.out, rows.input];
  // `group` runs a workgroup per unit of work, `thread` a thread.
  const threads = path === "group" ? n * WORKGROUP_SIZE : n;
  ctx.dispatch(source, words, storage, workgroupsFor(threads, WORKGROUP_SIZE));
}

/**
 * Chunks per row so that outputs · chunks reaches `target` units of at least `minChunk`
 * elements; then outputs · chunks < target + outputs, and 1 when outputs ≥ target.
 */
function chunksFor(outputs: number, len: number, target: number, minChunk: number): number {
  if (outputs >= target) return 1;
  const chunks = Math.max(1, Math.min(Math.ceil(target / outputs), Math.floor(len / minChunk)));
  // No empty chunks: as many as chunks of ⌈len / chunks⌉ elements need.
  return Math.ceil(len / Math.ceil(len / chunks));
}

/** Folds `rows`, choosing the kernel; `split` allows cutting long rows into chunks. */
function foldRows(ctx: GpuContext, fold: Fold, rows: Rows, split: boolean): void {
  const outputs = shapeSize(rows.shape);
  const columns = rows.step !== 1 && rows.inStrides[rows.shape.length - 1] === 1;
  let path: ReducePath = "group";
  let chunks = split ? chunksFor(outputs, rows.len, TARGET_GROUPS, MIN_GROUP_CHUNK) : 1;
  if (rows.len <= SHORT_ROW || (rows.len <= MEDIUM_ROW && outputs >= MANY_OUTPUTS)) {
    path = "thread";
    chunks = 1;
  } else if (columns && outputs >= COLUMN_OUTPUTS) {
    path = "thread";
    chunks = split ? chunksFor(outputs, rows.len, TARGET_THREADS, MIN_THREAD_CHUNK) : 1;
  }
  if (chunks === 1) {
    dispatch(ctx, fold, rows, path, 1, 0);
    return;
  }
  // Pass 1: chunk g of output o → scratch[g·outputs + o]; pass 2 folds each output's column.
  const scratch = scratchOf(ctx);
  const strides = stridesFromShape(rows.shape);
  dispatch(
    ctx,
    fold,
    { ...rows, out: scratch, outOffset: 0, outStrides: strides },
    path,
    chunks,
    outputs,
  );
  const partials = {
    ...rows,
    input: scratch,
    inOffset: 0,
    inStrides: strides,
    len: chunks,
    step: outputs,
  };
  foldRows(ctx, fold, partials, false);
}

/**
 * out = the fold of `a` along `dim` with `op` from its identity; `out` has `a`'s shape with
 * shape[dim] = 1 (any strides). An empty dim gives the identity.
 */
export function reduceKernel(
  ctx: GpuContext,
  op: ReduceOp,
  out: View<GpuBuffer>,
  a: View<GpuBuffer>,
  dim: number,
): void {
  const row = rowOf(reduceOps, op, "reduce");
  // A reduction keeps its dtype (sums of bools are converted to int32 by the tensor layer).
  const type = storageType(a.buffer.dtype);
  const fold: Fold =
    type === "f32"
      ? { expr: row.wgsl, identity: row.wgslIdentity, type }
      : { expr: row.wgslInt, identity: row.wgslIntIdentity[type], type };
  const name = `reduce(${op})`;
  const expected = checkReduce(name, out, a, dim);
  if (expected.includes(0)) return;
  // Dropping `dim` (size 1 in out) leaves the outputs' dims; coalesce them over out and a.
  const keep = (_: number, i: number) => i !== dim;
  const loop = coalesce(expected.filter(keep), [out.strides.filter(keep), a.strides.filter(keep)]);
  checkRank(name, loop, out.shape);
  foldRows(
    ctx,
    fold,
    {
      shape: loop.shape,
      outStrides: loop.strides[0],
      inStrides: loop.strides[1],
      out: out.buffer.buffer,
      outOffset: out.offset,
      input: a.buffer.buffer,
      inOffset: a.offset,
      len: a.shape[dim],
      step: a.strides[dim],
    },
    true,
  );
}
