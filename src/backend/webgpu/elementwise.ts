import { ShapeError } from "../../errors.js";
import { type BinaryOp, binaryOps, type UnaryOp, unaryOps } from "../../strided/ops.js";
import { formatShape, shapeSize } from "../../strided/shape.js";
import type { View } from "../../strided/tensor_data.js";
import { broadcastsTo, checkView, rowOf } from "../checks.js";
import { type GpuBuffer, type GpuContext, workgroupsFor } from "./gpu_context.js";
import { type ElementwisePath, elementwiseSource, type FlatAccess } from "./wgsl_elementwise.js";
import { broadcastStrides, checkRank, coalesce, WORKGROUP_SIZE } from "./wgsl_layout.js";
import { ParamWords } from "./wgsl_params.js";
import { computeType, storageType } from "./wgsl_types.js";

/**
 * The elementwise kernels: out[i] = op(a[i], …) with every input broadcast to the out's shape.
 * The host collapses the iteration space (`coalesce`) and picks the kernel's path: flat (every
 * operand walks the out's dense memory order, or is one element), with vec4 loads when the
 * offsets are multiples of 4, else strided indexing in the shader (see wgsl_elementwise.ts).
 */

/** The identity, for copies: a map whose expression is its input. */
const COPY_ROW = { wgsl: "a", wgslInt: "a" };

/** An op's expressions: in f32, and in i32 where integer tensors compute it in their dtype. */
interface Expressions {
  readonly wgsl: string;
  readonly wgslInt?: string;
}

function run(
  ctx: GpuContext,
  name: string,
  row: Expressions,
  out: View<GpuBuffer>,
  inputs: readonly View<GpuBuffer>[],
): void {
  checkView(name, "out", out);
  inputs.forEach((view, k) => {
    checkView(name, inputs.length === 1 ? "input" : ["first input", "second input"][k], view);
  });
  if (!inputs.every((view) => broadcastsTo(view.shape, out.shape))) {
    const shapes = inputs.map((view) => formatShape(view.shape)).join(" and ");
    throw new ShapeError(
      `${name}: ${inputs.length === 1 ? "shape" : "shapes"} ${shapes} ${inputs.length === 1 ? "does" : "do"} not broadcast to ${formatShape(out.shape)}`,
    );
  }
  const n = shapeSize(out.shape);
  if (n === 0) return;
  const loop = coalesce(out.shape, [
    out.strides,
    ...inputs.map((view) => broadcastStrides(view, out.shape)),
  ]);
  checkRank(name, loop, out.shape);
  const [outStrides, ...inputStrides] = loop.strides;
  const aliased = inputs.map((view) => view.buffer.buffer === out.buffer.buffer);

  // Flat when the out walks memory with stride 1 and every input either walks with it or is a
  // single element (stride 0 over the whole loop).
  const flat = loop.shape.length === 1 && outStrides[0] === 1;
  const access: FlatAccess[] = inputStrides.map((s) => (s[0] === 1 ? "flat" : "scalar"));
  const flatInputs = flat && inputStrides.every((s) => s[0] === 1 || s[0] === 0);
  let path: ElementwisePath = "strided";
  if (flatInputs) {
    const aligned = [out, ...inputs.filter((_, k) => access[k] === "flat")].every(
      (view) => view.offset % 4 === 0,
    );
    path = aligned ? "flat4" : "flat";
  }

  const words = new ParamWords();
  if (path === "strided") {
    words.dims(loop.shape).dims(outStrides);
    for (const s of inputStrides) words.dims(s);
  }
  const vector = path === "flat4";
  words
    .u32(n)
    .u32(loop.shape.length)
    .u32(vector ? out.offset / 4 : out.offset);
  inputs.forEach((view, k) => {
    words.u32(vector && access[k] === "flat" ? view.offset / 4 : view.offset);
  });

  // The inputs share a dtype (the tensor layer converts them), which decides the arithmetic.
  const inputTypes = inputs.map((view) => storageType(view.buffer.dtype));
  const compute = computeType(inputTypes[0]);
  const intExpr = compute === "i32" ? row.wgslInt : undefined;
  const source = elementwiseSource({
    expr: intExpr ?? row.wgsl,
    ...(compute === "i32" && intExpr === undefined ? { viaF32: row.wgsl } : {}),
    compute,
    out: storageType(out.buffer.dtype),
    inputs: inputTypes,
    path,
    // The strided source does not depend on access: keep its cache key to one per op.
    access: path === "strided" ? inputs.map(() => "flat") : access,
    aliased,
  });
  const storage = [
    out.buffer.buffer,
    ...inputs.filter((_, k) => !aliased[k]).map((v) => v.buffer.buffer),
  ];
  const threads = vector ? Math.ceil(n / 4) : n;
  ctx.dispatch(source, words.finish(), storage, workgroupsFor(threads, WORKGROUP_SIZE));
}

/** out = op(a) elementwise, `a` broadcast to the out's shape. */
export function mapKernel(
  ctx: GpuContext,
  op: UnaryOp,
  out: View<GpuBuffer>,
  a: View<GpuBuffer>,
): void {
  run(ctx, `map(${op})`, rowOf(unaryOps, op, "map"), out, [a]);
}

/** out = op(a, b) elementwise, `a` and `b` broadcast to the out's shape (NumPy rules). */
export function zipKernel(
  ctx: GpuContext,
  op: BinaryOp,
  out: View<GpuBuffer>,
  a: View<GpuBuffer>,
  b: View<GpuBuffer>,
): void {
  run(ctx, `zip(${op})`, rowOf(binaryOps, op, "zip"), out, [a, b]);
}

/**
 * out = a (a strided or broadcast copy; `contiguous()` is built on it), converted to the out's
 * dtype as a C cast does.
 */
export function copyKernel(ctx: GpuContext, out: View<GpuBuffer>, a: View<GpuBuffer>): void {
  run(ctx, "copy", COPY_ROW, out, [a]);
}
