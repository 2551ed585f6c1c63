import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { referenceBackend } from "../src/backend/reference/reference_backend.js";
import type { WebGpuBackend } from "../src/backend/webgpu/webgpu_backend.js";
import { BackendError, ShapeError } from "../src/errors.js";
import * as mt from "../src/index.js";
import type { BinaryOp, ReduceOp, UnaryOp } from "../src/strided/ops.js";
import { expectClose, type Tolerance } from "./close.js";
import {
  type HostAndGpu,
  hostAndGpu,
  loadGpu,
  type Placed,
  place,
  type Rand,
  releaseAll,
  rng,
} from "./gpu_views.js";
import {
  BITWISE,
  binaryCases,
  eighths,
  type GpuCase,
  gpuAnyValue,
  int,
  opsOf,
  reduceCases,
  type Sample,
  unaryCases,
} from "./op_cases.js";
import { product } from "./shape_oracles.js";

/**
 * The webgpu backend's elementwise (map, zip, copy) and reduction kernels against the reference
 * backend (the specification), called at the backend level so layouts can be anything: contiguous
 * at any offset (the vec4 and scalar flat paths), a broadcast scalar, a broadcast row, permuted,
 * padded and expanded (stride 0) views, into outs that are themselves permuted or offset. The
 * whole out buffer is compared, so a kernel writing outside its view fails too.
 */

const gpu = await loadGpu("webgpu kernel tests");

const RUNS = 8;

// --- layouts and buffers ------------------------------------------------------------------------

function pick<T>(r: Rand, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)];
}

function shuffled(r: Rand, n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** A permuted storage order, sometimes padded or stepped, at a random offset (never stride 0). */
function permutedPlace(r: Rand, shape: readonly number[]): Placed {
  const pad = shape.map(() => (r() < 0.3 ? int(r, 1, 3) : 0));
  const step = r() < 0.2 ? int(r, 2, 3) : 1;
  return place(shape, { order: shuffled(r, shape.length), pad, step, offset: int(r, 0, 6) });
}

/** What the out buffer holds outside its view: must survive every kernel. */
const SENTINEL = 1234.5;

/** The out, with a few sentinel elements past its view's end (a vec4 store must not reach). */
function outOperand(backend: WebGpuBackend, p: Placed): HostAndGpu {
  const length = p.length + 3;
  return hostAndGpu(backend, { ...p, length }, new Float32Array(length).fill(SENTINEL));
}

// --- random elementwise cases -------------------------------------------------------------------

/** A random out shape: rank 0–4, dims 1–6, at most ~200 elements. */
function outShape(r: Rand): number[] {
  for (;;) {
    const shape = Array.from({ length: int(r, 0, 4) }, () => int(r, 1, 6));
    if (product(shape) <= 200) return shape;
  }
}

/** The input layouts the tests cover. */
type Category = "contiguous" | "scalar" | "row" | "permuted";

const CATEGORIES: readonly Category[] = ["contiguous", "scalar", "row", "permuted"];

/** Contiguous at an offset (0–5: both the vec4 and the scalar flat path). */
function contiguousInput(r: Rand, shape: readonly number[]): Placed {
  return place(shape, { offset: int(r, 0, 5) });
}

/** One element read by every output: shape [], all ones, or the out's shape with stride 0. */
function scalarInput(r: Rand, shape: readonly number[]): Placed {
  const offset = int(r, 0, 5);
  const kind = pick(r, ["0-d", "ones", "expanded"]);
  if (kind === "0-d") return place([], { offset });
  if (kind === "ones")
    return place(
      shape.map(() => 1),
      { offset },
    );
  return place(shape, { zero: shape.map(() => true), offset });
}

/** A row repeated along the leading dims: the trailing dims only, or leading dims of size 1. */
function rowInput(r: Rand, shape: readonly number[]): Placed {
  const keep = int(r, Math.min(1, shape.length), shape.length);
  const trailing = shape.slice(shape.length - keep);
  const row =
    r() < 0.5 ? trailing : [...shape.slice(0, shape.length - keep).map(() => 1), ...trailing];
  return place(row, { offset: int(r, 0, 5) });
}

/**
 * Permuted, padded, and broadcast: some dims size 1 or missing (broadcast by the kernel), or
 * presented with the out's size and stride 0 (as `expand` makes them).
 */
function generalInput(r: Rand, shape: readonly number[]): Placed {
  const dropped = r() < 0.3 ? int(r, 0, shape.length) : 0;
  const own = shape.slice(dropped).map((d) => (r() < 0.25 ? 1 : d));
  if (r() < 0.5) return permutedPlace(r, own);
  // Expanded view: the out's full shape, stride 0 where `own` broadcasts.
  const full = permutedPlace(r, own);
  const shift = shape.length - own.length;
  const strides = shape.map((size, i) =>
    i < shift || (own[i - shift] === 1 && size !== 1) ? 0 : full.strides[i - shift],
  );
  return { shape: [...shape], strides, offset: full.offset, length: full.length };
}

/** An out layout: contiguous (at an offset), or for `permuted` a dense or padded permutation. */
function outPlace(r: Rand, shape: readonly number[], category: Category): Placed {
  if (category !== "permuted" || r() < 0.3) return place(shape, { offset: int(r, 0, 5) });
  return permutedPlace(r, shape);
}

/** The inputs of a case of `category` for an op of `arity` inputs. */
function inputsFor(r: Rand, shape: readonly number[], category: Category, arity: number): Placed[] {
  const special = int(r, 0, arity - 1);
  return Array.from({ length: arity }, (_, k) => {
    if (category === "contiguous") return contiguousInput(r, shape);
    if (category === "permuted") return generalInput(r, shape);
    if (k !== special) return r() < 0.7 ? contiguousInput(r, shape) : generalInput(r, shape);
    return category === "scalar" ? scalarInput(r, shape) : rowInput(r, shape);
  });
}

type Kernel = { kind: "map"; op: UnaryOp } | { kind: "zip"; op: BinaryOp } | { kind: "copy" };

function nameOf(k: Kernel): string {
  return k.kind === "copy" ? "copy" : k.op;
}

/** A kernel's values per input and tolerance: its op's row (test/op_cases.ts); a copy is exact. */
function caseOf(k: Kernel): GpuCase<readonly Sample[]> {
  if (k.kind === "map") return unaryCases[k.op].gpu;
  if (k.kind === "zip") return binaryCases[k.op].gpu;
  return { values: [gpuAnyValue], tol: BITWISE };
}

/** Runs `kernel` on both backends over views placed as given; compares the out buffers. */
async function checkElementwise(
  backend: WebGpuBackend,
  kernel: Kernel,
  out: Placed,
  inputs: readonly Placed[],
  r: Rand,
): Promise<void> {
  const name = nameOf(kernel);
  const { values, tol } = caseOf(kernel);
  const ins = inputs.map((p, k) =>
    hostAndGpu(
      backend,
      p,
      Float32Array.from({ length: p.length }, () => values[k](r)),
    ),
  );
  const o = outOperand(backend, out);
  if (kernel.kind === "map") {
    backend.map(kernel.op, o.gpu, ins[0].gpu);
    referenceBackend.map(kernel.op, o.host, ins[0].host);
  } else if (kernel.kind === "zip") {
    backend.zip(kernel.op, o.gpu, ins[0].gpu, ins[1].gpu);
    referenceBackend.zip(kernel.op, o.host, ins[0].host, ins[1].host);
  } else {
    backend.copy(o.gpu, ins[0].gpu);
    referenceBackend.copy(o.host, ins[0].host);
  }
  const got = await backend.download(o.gpu.buffer);
  const layouts = [out, ...inputs].map(
    (p) => `${JSON.stringify(p.shape)}/${JSON.stringify(p.strides)}+${p.offset}`,
  );
  expectClose(got, o.host.buffer, tol, `${name} ${layouts.join(" ")}`);
}

function property(kernel: Kernel, category: Category) {
  return async () => {
    const backend = gpu as WebGpuBackend;
    const arity = kernel.kind === "zip" ? 2 : 1;
    try {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (seed) => {
          const r = rng(seed);
          const shape = outShape(r);
          const out = outPlace(r, shape, category);
          await checkElementwise(backend, kernel, out, inputsFor(r, shape, category, arity), r);
          releaseAll(backend);
        }),
        { numRuns: RUNS },
      );
    } finally {
      releaseAll(backend);
    }
  };
}

const kernels: readonly Kernel[] = [
  ...opsOf(unaryCases).map((op): Kernel => ({ kind: "map", op })),
  ...opsOf(binaryCases).map((op): Kernel => ({ kind: "zip", op })),
  { kind: "copy" },
];

describe.skipIf(gpu === null)("webgpu elementwise kernels", () => {
  describe.each(kernels.map((k) => [nameOf(k), k] as const))("%s", (_, kernel) => {
    it.each(CATEGORIES)("%s inputs match the reference backend", (category) =>
      property(kernel, category)(),
    );
  });

  it("a large contiguous add (with a partial last vec4) and exp match", async () => {
    const backend = gpu as WebGpuBackend;
    const n = 2 ** 16 + 3;
    const r = rng(7);
    for (const offsets of [
      [0, 0, 0],
      [4, 8, 0],
      [1, 2, 3],
    ]) {
      await checkElementwise(
        backend,
        { kind: "zip", op: "add" },
        place([n], { offset: offsets[0] }),
        [place([n], { offset: offsets[1] }), place([n], { offset: offsets[2] })],
        r,
      );
      await checkElementwise(
        backend,
        { kind: "map", op: "exp" },
        place([n], { offset: offsets[0] }),
        [place([n], { offset: offsets[1] })],
        r,
      );
      releaseAll(backend);
    }
  });

  it("more than 65,535 workgroups (a 2-D grid): a transposed copy and a flat add", async () => {
    const backend = gpu as WebGpuBackend;
    // 2049 × 2048 elements, one thread each: 65,568 workgroups of 64.
    const [rows, cols] = [2049, 2048];
    const n = rows * cols;
    const values = Float32Array.from({ length: n + 1 }, (_, i) => (i % 251) - 125);
    const a = hostAndGpu(backend, { ...place([cols, rows]), length: n + 1 }, values);
    const out = outOperand(backend, place([rows, cols]));
    const transposed = { ...a.gpu, shape: [rows, cols], strides: [1, rows] };
    backend.copy(out.gpu, transposed);
    const got = await backend.download(out.gpu.buffer);
    let bad = -1;
    for (let i = 0; i < rows && bad < 0; i++) {
      for (let j = 0; j < cols; j++) {
        if (got[i * cols + j] !== values[j * rows + i]) {
          bad = i * cols + j;
          break;
        }
      }
    }
    expect(bad).toBe(-1);
    // Offset 1: the scalar flat path, one element per thread.
    const b = hostAndGpu(backend, place([1]), Float32Array.of(0.5));
    const shifted = { ...a.gpu, shape: [n], strides: [1], offset: 1 };
    backend.zip("add", { ...out.gpu, shape: [n], strides: [1] }, shifted, b.gpu);
    const sums = await backend.download(out.gpu.buffer);
    let wrong = -1;
    for (let i = 0; i < n; i++) {
      if (sums[i] !== values[i + 1] + 0.5) {
        wrong = i;
        break;
      }
    }
    expect(wrong).toBe(-1);
    releaseAll(backend);
  });

  it("writes in place: out and input in the same buffer (flat, vec4, strided, scalar)", async () => {
    const backend = gpu as WebGpuBackend;
    const r = rng(11);
    for (const [layout, other] of [
      [place([4, 6]), place([4, 6], { offset: 4 })],
      [place([4, 6], { offset: 1 }), place([6])],
      [place([4, 6], { order: [1, 0] }), place([4, 6])],
      [place([4, 6]), place([], { offset: 3 })],
    ]) {
      // One more element past the view: a scalar input in the out's buffer that nothing writes.
      const values = Float32Array.from({ length: layout.length + 1 }, () => eighths(r, -3, 3));
      const a = hostAndGpu(backend, { ...layout, length: layout.length + 1 }, values);
      const b = hostAndGpu(
        backend,
        other,
        Float32Array.from({ length: other.length }, () => eighths(r, -3, 3)),
      );
      backend.zip("mul", a.gpu, a.gpu, b.gpu);
      referenceBackend.zip("mul", a.host, a.host, b.host);
      expectClose(await backend.download(a.gpu.buffer), a.host.buffer, BITWISE, "in-place mul");
      const scalar = { shape: [], strides: [], offset: layout.length };
      backend.zip("mul", a.gpu, a.gpu, { ...a.gpu, ...scalar });
      referenceBackend.zip("mul", a.host, a.host, { ...a.host, ...scalar });
      expectClose(await backend.download(a.gpu.buffer), a.host.buffer, BITWISE, "x · s");
      releaseAll(backend);
    }
  });

  it("compiles one pipeline per op and layout class, whatever the sizes and offsets", async () => {
    const backend = gpu as WebGpuBackend;
    const r = rng(3);
    const run = async (n: number, offset: number) => {
      await checkElementwise(
        backend,
        { kind: "zip", op: "sub" },
        place([n], { offset }),
        [place([n]), place([n], { offset: offset + 4 })],
        r,
      );
      releaseAll(backend);
    };
    await run(10, 0);
    const before = backend.context.pipelineCount;
    await run(37, 4);
    await run(1000, 8);
    expect(backend.context.pipelineCount).toBe(before);
  });

  it("throws a ShapeError for inputs that do not broadcast or views outside their buffer", () => {
    const backend = gpu as WebGpuBackend;
    const a = hostAndGpu(backend, place([2, 3]), new Float32Array(6));
    const b = hostAndGpu(backend, place([4]), new Float32Array(4));
    const out = outOperand(backend, place([2, 3]));
    expect(() => backend.zip("add", out.gpu, a.gpu, b.gpu)).toThrow(ShapeError);
    expect(() => backend.zip("add", out.gpu, a.gpu, b.gpu)).toThrow(
      /zip\(add\): shapes \[2,3\] and \[4\]/,
    );
    expect(() => backend.map("neg", out.gpu, { ...a.gpu, offset: 1 })).toThrow(
      /outside its buffer/,
    );
    releaseAll(backend);
  });

  it("throws a BackendError naming the rank when more than 8 dims remain after merging", () => {
    const backend = gpu as WebGpuBackend;
    const shape = new Array<number>(9).fill(2);
    // Reversed storage order against a row-major out: no two dims merge.
    const reversed = place(shape, { order: shape.map((_, i) => 8 - i) });
    const a = hostAndGpu(backend, reversed, new Float32Array(reversed.length));
    const out = outOperand(backend, place(shape));
    expect(() => backend.copy(out.gpu, a.gpu)).toThrow(BackendError);
    expect(() => backend.copy(out.gpu, a.gpu)).toThrow(/at most 8 dims.*needs 9/);
    // Merging dims: a contiguous 9-D copy is one flat dim.
    const contiguous = hostAndGpu(backend, place(shape), new Float32Array(512));
    expect(() => backend.copy(out.gpu, contiguous.gpu)).not.toThrow();
    releaseAll(backend);
  });
});

// --- reductions ---------------------------------------------------------------------------------

const REDUCTIONS = opsOf(reduceCases);

/** Runs a reduction on both backends and compares within `tol` (exact unless given). */
async function checkReduce(
  backend: WebGpuBackend,
  op: ReduceOp,
  input: Placed,
  dim: number,
  out: Placed,
  value: Sample,
  r: Rand,
  tol: Tolerance = BITWISE,
): Promise<void> {
  const a = hostAndGpu(
    backend,
    input,
    Float32Array.from({ length: input.length }, () => value(r)),
  );
  const o = outOperand(backend, out);
  backend.reduce(op, o.gpu, a.gpu, dim);
  referenceBackend.reduce(op, o.host, a.host, dim);
  const got = await backend.download(o.gpu.buffer);
  expectClose(
    got,
    o.host.buffer,
    tol,
    `${op} dim ${dim} of ${JSON.stringify(input.shape)}/${JSON.stringify(input.strides)}+${input.offset} into ${JSON.stringify(out.strides)}+${out.offset}`,
  );
}

/**
 * A reduction input shape: rank 1–4, dims 0–6 (0 and 1 often), sometimes one dim of 65–150 (past
 * the one-thread-per-row limit), at most ~300 elements.
 */
function reduceShape(r: Rand): number[] {
  for (;;) {
    const shape = Array.from({ length: int(r, 1, 4) }, () =>
      r() < 0.1 ? 0 : r() < 0.2 ? 1 : int(r, 2, 6),
    );
    if (r() < 0.4) shape[int(r, 0, shape.length - 1)] = int(r, 65, 150);
    if (product(shape) <= 300) return shape;
  }
}

describe.skipIf(gpu === null)("webgpu reduction kernels", () => {
  it.each(REDUCTIONS)(
    "%s over every dim of random 1–4-D views (permuted, padded, empty and size-1 dims) matches the reference",
    async (op) => {
      const backend = gpu as WebGpuBackend;
      try {
        await fc.assert(
          fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (seed) => {
            const r = rng(seed);
            const shape = reduceShape(r);
            const input =
              r() < 0.4 ? place(shape, { offset: int(r, 0, 3) }) : permutedPlace(r, shape);
            for (let dim = 0; dim < shape.length; dim++) {
              const outShape = shape.map((d, i) => (i === dim ? 1 : d));
              const out =
                r() < 0.5 ? place(outShape, { offset: int(r, 0, 3) }) : permutedPlace(r, outShape);
              // Eighths: every sum here is exact in float32, so the comparison is exact.
              await checkReduce(backend, op, input, dim, out, (q) => eighths(q, -4, 4), r);
            }
            releaseAll(backend);
          }),
          { numRuns: 3 * RUNS },
        );
      } finally {
        releaseAll(backend);
      }
    },
  );

  it("an empty reduced dim gives the identity (0, -Infinity, Infinity)", async () => {
    const backend = gpu as WebGpuBackend;
    for (const op of REDUCTIONS) {
      const { identity } = reduceCases[op];
      const a = hostAndGpu(backend, place([3, 0, 2]), new Float32Array(1));
      const o = outOperand(backend, place([3, 1, 2]));
      backend.reduce(op, o.gpu, a.gpu, 1);
      expect(Array.from(await backend.download(o.gpu.buffer)).slice(0, 6)).toEqual(
        new Array(6).fill(identity),
      );
      releaseAll(backend);
    }
  });

  it.each([
    // [shape, dim]: a workgroup per row; a thread per column; medium rows of many outputs.
    [[300, 700], 0],
    [[300, 700], 1],
    [[4096, 40], 0], // columns cut into chunks, a second pass folding them
    [[16, 65536], 1], // long rows cut into chunks of workgroups
    [[2 ** 18], 0], // one row over 64 workgroups, then one
    [[5000, 100], 1],
  ] as const)("large: %j along dim %i matches the reference", async (shape, dim) => {
    const backend = gpu as WebGpuBackend;
    const r = rng(product(shape) + dim);
    const outShape = shape.map((d, i) => (i === dim ? 1 : d));
    for (const op of REDUCTIONS) {
      const { values, tol } = reduceCases[op].gpu;
      await checkReduce(backend, op, place([...shape]), dim, place(outShape), values[0], r, tol);
      releaseAll(backend);
    }
  });

  it.each([
    // A thread per output: 2^22 + 64 rows of 1 (65,537 workgroups of 64 threads).
    [2 ** 22 + 64, 1],
    // A workgroup per output: 65,537 rows of 257.
    [65537, 257],
  ])("more than 65,535 workgroups (a 2-D grid): %i rows of %i", async (rows, len) => {
    const backend = gpu as WebGpuBackend;
    const values = Float32Array.from({ length: rows * len }, (_, i) => (i % 7) - 3);
    const a = hostAndGpu(backend, place([rows, len]), values);
    const out = outOperand(backend, place([rows, 1]));
    backend.reduce("sum", out.gpu, a.gpu, 1);
    const got = await backend.download(out.gpu.buffer);
    let wrong = -1;
    for (let i = 0; i < rows && wrong < 0; i++) {
      let sum = 0;
      for (let j = 0; j < len; j++) sum += values[i * len + j];
      if (got[i] !== sum) wrong = i;
    }
    expect(wrong).toBe(-1);
    releaseAll(backend);
  });

  it("throws a ShapeError for a bad dim or out shape", () => {
    const backend = gpu as WebGpuBackend;
    const a = hostAndGpu(backend, place([2, 3]), new Float32Array(6));
    const out = outOperand(backend, place([1, 3]));
    expect(() => backend.reduce("sum", out.gpu, a.gpu, 2)).toThrow(ShapeError);
    expect(() => backend.reduce("sum", out.gpu, a.gpu, 1)).toThrow(
      /out shape \[1,3\] should be \[2,1\]/,
    );
    releaseAll(backend);
  });
});

// --- through the Tensor API ---------------------------------------------------------------------

describe.skipIf(gpu === null)("webgpu kernels through tensors", () => {
  it("add, exp, sum, max and contiguous() of permuted and expanded tensors", async () => {
    const values = [
      [1, -2, 3],
      [4, 5, -6],
    ];
    const a = mt.tensor(values, { backend: "webgpu" });
    const row = mt.tensor([10, 20, 30], { backend: "webgpu" });
    expect(Array.from(await a.add(row).data())).toEqual([11, 18, 33, 14, 25, 24]);
    expect(Array.from(await a.permute(1, 0).contiguous().data())).toEqual([1, 4, -2, 5, 3, -6]);
    expect(Array.from(await a.sum(0).data())).toEqual([5, 3, -3]);
    expect(Array.from(await a.amax(1).data())).toEqual([3, 5]);
    expect(Array.from(await row.expand(2, 3).mul(a.permute(1, 0).permute(1, 0)).data())).toEqual([
      10, -40, 90, 40, 100, -180,
    ]);
    const e = await a.exp().data();
    values.flat().forEach((v, i) => {
      expect(e[i]).toBeCloseTo(Math.exp(v), 4);
    });
  });
});
