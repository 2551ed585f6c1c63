import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { referenceBackend } from "../src/backend/reference/reference_backend.js";
import type { GpuBuffer } from "../src/backend/webgpu/gpu_context.js";
import { type MatmulOptions, matmulWith } from "../src/backend/webgpu/matmul.js";
import type { WebGpuBackend } from "../src/backend/webgpu/webgpu_backend.js";
import {
  BIG_TILING,
  type MatmulTiling,
  type OperandMode,
  SMALL_TILING,
  tiledMatmulSource,
  tilingStorageBytes,
  tilingThreads,
} from "../src/backend/webgpu/wgsl_matmul.js";
import { BackendError, ShapeError } from "../src/errors.js";
import { expectClose, type Tolerance } from "./close.js";
import {
  type HostAndGpu,
  hostAndGpu,
  loadGpu,
  type Placed,
  place,
  releaseAll,
  rng,
} from "./gpu_views.js";
import { type ConvProblem, convOutSize, convProblemArb } from "./shape_oracles.js";

/**
 * The webgpu backend's matmul and unfold/fold kernels against the reference backend (the
 * specification), on views of every kind: transposed, permuted, expanded with stride 0, sliced and
 * offset, with dims up to 70 so the edges of 64-wide tiles are hit. Kernels are called at the
 * backend level (views in, buffers out) so nothing but these kernels runs on the GPU.
 */

const gpu = await loadGpu("webgpu matmul/conv tests");

/** A 128×64 tiling of 8×8 per thread: BIG_TILING's per-thread code in 128 threads. */
const TALL_TILING: MatmulTiling = { tileM: 128, tileN: 64, tileK: 16, threadM: 8, threadN: 8 };

// --- views over host and GPU buffers ------------------------------------------------------------

/** A random placement: permuted storage order, some padding (a slice), an offset, stride 0 dims. */
function randomPlace(shape: readonly number[], r: () => number, zeroable: number): Placed {
  const rank = shape.length;
  if (r() < 0.3) return place(shape);
  const order = shape.map((_, i) => i);
  for (let i = rank - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const pad = shape.map(() => (r() < 0.3 ? Math.floor(r() * 4) : 0));
  const zero = shape.map((_, d) => d < zeroable && r() < 0.3);
  return place(shape, { order, pad, zero, offset: r() < 0.5 ? Math.floor(r() * 9) : 0 });
}

/** A buffer of random values in [-1, 1) laid out as `p`, on the host and on the GPU. */
function upload(backend: WebGpuBackend, p: Placed, r: () => number): HostAndGpu {
  return hostAndGpu(
    backend,
    p,
    Float32Array.from({ length: p.length }, () => r() * 2 - 1),
  );
}

/**
 * The GPU buffer's values and the host buffer's, whole: both started with the same values, so this
 * also checks that nothing outside the output view was written.
 */
async function readBoth(
  backend: WebGpuBackend,
  gpuBuffer: GpuBuffer,
  host: Float32Array,
): Promise<[number[], number[]]> {
  const got = await backend.download(gpuBuffer);
  return [Array.from(got), Array.from(host)];
}

/** |error| ≤ rel·(1 + |want|): relative to the value, but never tighter than rel. */
function withinRel(rel: number): Tolerance {
  return { rel, abs: rel };
}

// --- matmul -------------------------------------------------------------------------------------

interface MatmulCase {
  a: Placed;
  b: Placed;
  out: Placed;
}

/** Runs one product on the GPU (with `options`) and on the reference backend; compares. */
async function checkMatmul(
  backend: WebGpuBackend,
  c: MatmulCase,
  seed: number,
  options: MatmulOptions = {},
): Promise<void> {
  const r = rng(seed);
  const a = upload(backend, c.a, r);
  const b = upload(backend, c.b, r);
  // The output starts as garbage: every element must be written.
  const out = upload(backend, c.out, r);
  matmulWith(backend.context, out.gpu, a.gpu, b.gpu, options);
  referenceBackend.matmul(out.host, a.host, b.host);
  const [got, want] = await readBoth(backend, out.gpu.buffer, out.host.buffer);
  releaseAll(backend);
  const what = `matmul ${JSON.stringify(c.a.shape)}@${JSON.stringify(c.b.shape)} ${JSON.stringify(options)}`;
  expectClose(got, want, withinRel(1e-4), what);
}

/** The batch shape of an operand: a suffix of `batch` with some dims made 1 (broadcast). */
function operandBatch(batch: readonly number[], r: () => number): number[] {
  const keep = Math.floor(r() * (batch.length + 1));
  return batch.slice(batch.length - keep).map((d) => (r() < 0.3 ? 1 : d));
}

/** Whether this device can run a tiling (llvmpipe here allows 16×16 workgroups of 256). */
function runs(tiling: MatmulTiling): boolean {
  const limits = gpu?.context.device.limits;
  return (
    limits !== undefined &&
    tilingThreads(tiling) <= limits.maxComputeInvocationsPerWorkgroup &&
    tiling.tileN / tiling.threadN <= limits.maxComputeWorkgroupSizeX &&
    tiling.tileM / tiling.threadM <= limits.maxComputeWorkgroupSizeY &&
    tilingStorageBytes(tiling) <= limits.maxComputeWorkgroupStorageSize
  );
}

const CONFIGS: readonly (MatmulOptions & { name: string })[] = [
  { name: "auto" },
  { name: "small tiling", kernel: "tiled", tiling: SMALL_TILING },
  { name: "8×8-per-thread tiling", kernel: "tiled", tiling: TALL_TILING },
  ...(runs(BIG_TILING)
    ? [{ name: "big tiling", kernel: "tiled" as const, tiling: BIG_TILING }]
    : []),
  { name: "simple kernel", kernel: "simple" },
];

describe.skipIf(gpu === null)("webgpu matmul", () => {
  const backend = gpu!;

  it.each(CONFIGS)(
    "matches the reference backend on random shapes and layouts ($name)",
    async (config) => {
      const dim = fc.integer({ min: 1, max: 70 });
      await fc.assert(
        fc.asyncProperty(
          dim,
          dim,
          dim,
          fc.integer({ min: 0, max: 2 ** 31 }),
          async (n, k, m, seed) => {
            const r = rng(seed);
            const batch = Array.from(
              { length: Math.floor(r() * 3) },
              () => 1 + Math.floor(r() * 3),
            );
            const aBatch = operandBatch(batch, r);
            const bBatch = operandBatch(batch, r);
            const aShape = [...aBatch, n, k];
            const bShape = [...bBatch, k, m];
            // NumPy broadcasting of the batch dims, aligned right.
            const rank = Math.max(aBatch.length, bBatch.length);
            const outBatch = Array.from({ length: rank }, (_, i) =>
              Math.max(
                aBatch[i - rank + aBatch.length] ?? 1,
                bBatch[i - rank + bBatch.length] ?? 1,
              ),
            );
            const c: MatmulCase = {
              a: randomPlace(aShape, r, aShape.length - 2),
              b: randomPlace(bShape, r, bShape.length - 2),
              out: place([...outBatch, n, m]),
            };
            await checkMatmul(backend, c, seed, config);
          },
        ),
        { numRuns: 12, seed: 20240605 },
      );
    },
  );

  it.each(CONFIGS.filter((c) => c.kernel === "tiled"))(
    "reads contiguous and transposed operands with and without vec4 loads ($name)",
    async (config) => {
      // Dims all multiples of 4 take the vec4 loads (along k or along rows/columns, depending on
      // which dim is contiguous); odd dims take the scalar loads.
      for (const [n, k, m] of [
        [68, 40, 72],
        [67, 41, 70],
      ]) {
        for (const aT of [false, true]) {
          for (const bT of [false, true]) {
            const c: MatmulCase = {
              a: aT ? place([n, k], { order: [1, 0] }) : place([n, k]),
              b: bT ? place([k, m], { order: [1, 0] }) : place([k, m]),
              out: place([n, m]),
            };
            await checkMatmul(backend, c, n * 7 + k + m, config);
          }
        }
      }
    },
  );

  it("handles offsets, slices, stride-0 batches and strided outputs", async () => {
    const cases: MatmulCase[] = [
      // Offsets that keep 16-byte alignment (vec4 loads) and offsets that break it.
      {
        a: place([33, 20], { offset: 8 }),
        b: place([20, 36], { offset: 4 }),
        out: place([33, 36]),
      },
      {
        a: place([33, 20], { offset: 3 }),
        b: place([20, 36], { offset: 5 }),
        out: place([33, 36]),
      },
      // Row slices: padded rows (strides 24 and 41).
      {
        a: place([30, 20], { pad: [0, 4], offset: 4 }),
        b: place([20, 40], { pad: [0, 1] }),
        out: place([30, 40], { pad: [0, 3], offset: 2 }),
      },
      // A batch expanded with stride 0 on both sides, and an output written transposed.
      {
        a: place([3, 17, 9], { zero: [true] }),
        b: place([2, 3, 9, 21], { zero: [false, true] }),
        out: place([2, 3, 17, 21], { order: [0, 1, 3, 2] }),
      },
      // Matrix times a batch: a's batch dims are broadcast, b is batch-permuted.
      {
        a: place([65, 12]),
        b: place([4, 2, 12, 66], { order: [1, 0, 3, 2] }),
        out: place([4, 2, 65, 66]),
      },
      // More than 8 tile rows: the bands of rows workgroups walk (8, 8 and a partial band).
      { a: place([1100, 4]), b: place([4, 260]), out: place([1100, 260]) },
      // k = 1 and k = 0 (the output is all zeros).
      { a: place([20, 1]), b: place([1, 24]), out: place([20, 24]) },
      { a: place([9, 0]), b: place([0, 12]), out: place([9, 12]) },
    ];
    for (const [i, c] of cases.entries()) {
      for (const config of CONFIGS) await checkMatmul(backend, c, 1000 + i, config);
    }
  });

  it("multiplies 256×256 by 256×256", async () => {
    const c = { a: place([256, 256]), b: place([256, 256]), out: place([256, 256]) };
    for (const config of CONFIGS.filter((c) => c.kernel !== "simple")) {
      await checkMatmul(backend, c, 7, config);
    }
  });

  it("throws ShapeErrors for mismatched shapes and a BackendError past 8 batch dims", () => {
    const r = rng(1);
    const a = upload(backend, place([2, 3]), r);
    const b = upload(backend, place([4, 5]), r);
    const out = upload(backend, place([2, 5]), r);
    expect(() => backend.matmul(out.gpu, a.gpu, b.gpu)).toThrow(ShapeError);
    expect(() => backend.matmul(out.gpu, a.gpu, a.gpu)).toThrow(/do not align \(3 ≠ 2\)/);
    // Nine batch dims that cannot merge: b broadcasts every other one.
    const batch = [2, 2, 2, 2, 2, 2, 2, 2, 2];
    const big = upload(backend, place([...batch, 1, 1]), r);
    const alt = upload(backend, place([2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1]), r);
    const res = upload(backend, place([...batch, 1, 1]), r);
    expect(() => backend.matmul(res.gpu, big.gpu, alt.gpu)).toThrow(BackendError);
    releaseAll(backend);
  });

  it("generates the big (128×128, 256-thread) tiling from the same template, valid WGSL", async () => {
    // Where a device cannot run the big tiling (compatibility limits of 128 threads), its code
    // differs from TALL_TILING's (tested above) only in the number of column groups: check at
    // least that every layout variant compiles.
    expect(tilingThreads(BIG_TILING)).toBe(256);
    expect(tilingStorageBytes(BIG_TILING)).toBeLessThanOrEqual(16384);
    const device = backend.context.device;
    const modes: OperandMode[] = ["k4", "x4", "k1", "x1"];
    for (const aMode of modes) {
      for (const bMode of modes) {
        for (const out4 of [false, true]) {
          const code = tiledMatmulSource(BIG_TILING, aMode, bMode, out4);
          device.pushErrorScope("validation");
          const module = device.createShaderModule({ code });
          const info = await module.getCompilationInfo();
          const error = await device.popErrorScope();
          const errors = info.messages.filter((msg) => msg.type === "error");
          expect(errors.map((e) => e.message)).toEqual([]);
          expect(error).toBeNull();
        }
      }
    }
  });
});

// --- unfold / fold ------------------------------------------------------------------------------

type GeometryCase = ConvProblem & { seed: number };

const geometry: fc.Arbitrary<GeometryCase> = fc
  .record({
    problem: convProblemArb({ n: 2, c: 3, h: 9, w: 9, kh: 5, kw: 5, sh: 2, sw: 2, ph: 2, pw: 2 }),
    seed: fc.integer({ min: 0, max: 2 ** 31 }),
  })
  .map(({ problem, seed }) => ({ ...problem, seed }));

/** The shape unfold produces for geometry `g`: [N, C·kh·kw, OH·OW]. */
function colsShape(g: GeometryCase): number[] {
  const oh = convOutSize(g.h, g.kh, g.sh, g.ph);
  const ow = convOutSize(g.w, g.kw, g.sw, g.pw);
  return [g.n, g.c * g.kh * g.kw, oh * ow];
}

/**
 * Runs unfold or fold of `input` into `output` (both holding random values from `r`) on the GPU
 * and on the reference backend; returns both outputs' buffers, whole (see readBoth).
 */
async function unfoldOrFold(
  backend: WebGpuBackend,
  op: "unfold" | "fold",
  output: Placed,
  input: Placed,
  g: GeometryCase,
  r: () => number,
): Promise<[number[], number[]]> {
  const a = upload(backend, input, r);
  const out = upload(backend, output, r);
  backend[op](out.gpu, a.gpu, g);
  referenceBackend[op](out.host, a.host, g);
  const both = await readBoth(backend, out.gpu.buffer, out.host.buffer);
  releaseAll(backend);
  return both;
}

describe.skipIf(gpu === null)("webgpu unfold and fold", () => {
  const backend = gpu!;

  it("unfold matches the reference backend (permuted and offset inputs)", async () => {
    await fc.assert(
      fc.asyncProperty(geometry, async (g) => {
        const r = rng(g.seed);
        const image = randomPlace([g.n, g.c, g.h, g.w], r, 0);
        const [got, want] = await unfoldOrFold(backend, "unfold", place(colsShape(g)), image, g, r);
        expect(got).toEqual(want);
      }),
      { numRuns: 25, seed: 7 },
    );
  });

  it("fold matches the reference backend (permuted columns, strided output)", async () => {
    await fc.assert(
      fc.asyncProperty(geometry, async (g) => {
        const r = rng(g.seed);
        const cols = randomPlace(colsShape(g), r, 0);
        const imageShape = [g.n, g.c, g.h, g.w];
        const image = r() < 0.5 ? place(imageShape) : randomPlace(imageShape, r, 0);
        const [got, want] = await unfoldOrFold(backend, "fold", image, cols, g, r);
        expectClose(got, want, withinRel(1e-5), `fold ${JSON.stringify(g)}`);
      }),
      { numRuns: 25, seed: 11 },
    );
  });

  it("rejects columns of the wrong shape with a ShapeError", () => {
    const g = { kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0 };
    const r = rng(2);
    const a = upload(backend, place([1, 2, 5, 5]), r);
    const out = upload(backend, place([1, 18, 8]), r);
    expect(() => backend.unfold(out.gpu, a.gpu, g)).toThrow(ShapeError);
    expect(() => backend.fold(a.gpu, out.gpu, g)).toThrow(ShapeError);
    releaseAll(backend);
  });
});
