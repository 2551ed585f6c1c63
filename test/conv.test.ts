import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ConvGeometry } from "../src/backend/backend.js";
import * as mt from "../src/index.js";
import { foldOp, unfoldOp } from "../src/tensor/history_free_ops.js";
import { loadedBackendNames, usable } from "./backends.js";
import { expectClose, type Tolerance } from "./close.js";
import { type ConvProblem, convOutSize, convProblemArb, product } from "./shape_oracles.js";

/**
 * conv1d / conv2d on every backend that loads here, against a direct convolution written here as
 * nested loops over row-major arrays (never with minitorch), on random shapes, strides and
 * paddings, with inputs that are contiguous, permuted (stored channels-last) or expanded over the
 * batch (stride 0). Values are read with `await t.data()`, so the float32 tests run on GPU
 * backends too. Gradients are checked against central differences in float64, where the backend
 * stores float64 and reads synchronously.
 */

type Shape = readonly number[];

const f32 = Math.fround;

/** Deterministic values in [−1, 1), rounded to float32 so both dtypes hold them exactly. */
function valuesFor(seed: number, n: number): number[] {
  const rng = new mt.Random(seed);
  return Array.from({ length: n }, () => f32(rng.uniform(-1, 1)));
}

/**
 * The direct 2-D convolution: out[n, o, y, x] = b[o] + Σ_c Σ_i Σ_j w[o, c, i, j] ·
 * in[n, c, y·sh − ph + i, x·sw − pw + j] (0 outside), over row-major arrays. Also returns, per
 * output, Σ |terms| (the scale a float32 rounding error is relative to).
 */
function directConv2d(
  input: readonly number[],
  [n, c, h, w]: Shape,
  weight: readonly number[],
  [o, , kh, kw]: Shape,
  bias: readonly number[] | null,
  [sh, sw]: readonly [number, number],
  [ph, pw]: readonly [number, number],
): { out: number[]; scale: number[]; shape: number[] } {
  const oh = convOutSize(h, kh, sh, ph);
  const ow = convOutSize(w, kw, sw, pw);
  const out: number[] = [];
  const scale: number[] = [];
  for (let b = 0; b < n; b++)
    for (let q = 0; q < o; q++)
      for (let y = 0; y < oh; y++)
        for (let x = 0; x < ow; x++) {
          let acc = bias === null ? 0 : bias[q];
          let mag = Math.abs(acc);
          for (let ch = 0; ch < c; ch++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const yy = y * sh - ph + i;
                const xx = x * sw - pw + j;
                if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                const term =
                  weight[((q * c + ch) * kh + i) * kw + j] *
                  input[((b * c + ch) * h + yy) * w + xx];
                acc += term;
                mag += Math.abs(term);
              }
          out.push(acc);
          scale.push(mag);
        }
  return { out, scale, shape: [n, o, oh, ow] };
}

/** Within 1e-5·(1 + Σ|terms|) of the direct convolution: float32 rounding of each sum. */
function withinRounding(scale: readonly number[]): Tolerance {
  return { rel: 1e-5, abs: 1e-5, relativeTo: scale };
}

/** How the test lays out a logical [N, C, …spatial] input in storage. */
type Layout = "contiguous" | "channels-last" | "batch-expanded";

/**
 * A tensor with logical shape `shape` holding `values` (row-major logical order), stored as
 * `layout` says: contiguous; channels-last ([N, …spatial, C] storage, permuted into place); or
 * one sample expanded over the batch (then every sample holds sample 0's values).
 */
function laidOut(
  values: readonly number[],
  shape: Shape,
  layout: Layout,
  opts: { dtype?: mt.DType; backend?: mt.BackendName },
): { tensor: mt.Tensor; logical: number[] } {
  if (layout === "contiguous") {
    return {
      tensor: mt.Tensor.fromValues(values, shape, opts.dtype ?? "float32", opts.backend ?? "cpu"),
      logical: [...values],
    };
  }
  if (layout === "batch-expanded") {
    const one = product(shape.slice(1));
    const sample = values.slice(0, one);
    const t = mt.Tensor.fromValues(
      sample,
      [1, ...shape.slice(1)],
      opts.dtype ?? "float32",
      opts.backend ?? "cpu",
    );
    const logical = Array.from({ length: shape[0] }, () => sample).flat();
    return { tensor: t.expand([...shape]), logical };
  }
  // channels-last: storage [N, ...spatial, C]; logical element (n, c, s) sits at storage (n, s, c).
  const [n, c] = shape;
  const spatial = product(shape.slice(2));
  const stored: number[] = new Array<number>(values.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let s = 0; s < spatial; s++)
        stored[(b * spatial + s) * c + ch] = values[(b * c + ch) * spatial + s];
  const storageShape = [n, ...shape.slice(2), c];
  const t = mt.Tensor.fromValues(
    stored,
    storageShape,
    opts.dtype ?? "float32",
    opts.backend ?? "cpu",
  );
  const order = shape.length === 4 ? [0, 3, 1, 2] : [0, 2, 1];
  return { tensor: t.permute(order), logical: [...values] };
}

const layouts: Layout[] = ["contiguous", "channels-last", "batch-expanded"];

/** A convolution to test: its geometry, out channels, a bias or not, the input's layout, a seed. */
type ConvCase = ConvProblem & { o: number; bias: boolean; layout: Layout; seed: number };

/** Random convolutions within `max` (see convProblemArb). */
function convCaseArb(max: ConvProblem): fc.Arbitrary<ConvCase> {
  return fc
    .record({
      problem: convProblemArb(max),
      o: fc.integer({ min: 1, max: 4 }),
      bias: fc.boolean(),
      layout: fc.constantFrom(...layouts),
      seed: fc.nat(),
    })
    .map(({ problem, ...rest }) => ({ ...problem, ...rest }));
}

const conv2dCase = convCaseArb({
  n: 3,
  c: 3,
  h: 7,
  w: 7,
  kh: 4,
  kw: 4,
  sh: 3,
  sw: 3,
  ph: 2,
  pw: 2,
});

/**
 * conv1d and conv2d, each checked as a conv2d problem: conv1d's has height 1 (kernel height 1,
 * stride 1, no padding along it), a dim its tensors leave out.
 */
const convs = [
  {
    name: "conv2d",
    cases: conv2dCase,
    dims: (shape: number[]) => shape,
    run: (x: mt.Tensor, w: mt.Tensor, b: mt.Tensor | null, p: ConvCase) =>
      mt.nn.functional.conv2d(x, w, b, { stride: [p.sh, p.sw], padding: [p.ph, p.pw] }),
  },
  {
    name: "conv1d",
    cases: convCaseArb({ n: 3, c: 3, h: 1, w: 10, kh: 1, kw: 5, sh: 1, sw: 3, ph: 0, pw: 2 }),
    dims: ([n, c, , l]: number[]) => [n, c, l],
    run: (x: mt.Tensor, w: mt.Tensor, b: mt.Tensor | null, p: ConvCase) =>
      mt.nn.functional.conv1d(x, w, b, { stride: p.sw, padding: p.pw }),
  },
];

describe.each(loadedBackendNames)("convolution on the %s backend", (backend) => {
  const { impl, sync } = usable(backend);
  const opts: { dtype?: mt.DType; backend: mt.BackendName } = { backend };
  /** float64 where the backend stores it (exact adjoint sums); float32 on GPU backends. */
  const wide: mt.DType = impl.dtypes.includes("float64") ? "float64" : "float32";
  /** A test that needs float64 and synchronous reads (gradcheck, `item`, `dataSync`). */
  const itSync = it.runIf(sync);

  for (const { name, cases, dims, run } of convs) {
    it(`${name} matches a direct convolution on any layout, stride and padding`, async () => {
      await fc.assert(
        fc.asyncProperty(cases, async (p) => {
          const xShape = [p.n, p.c, p.h, p.w];
          const wShape = [p.o, p.c, p.kh, p.kw];
          const { tensor: x, logical } = laidOut(
            valuesFor(p.seed, product(xShape)),
            dims(xShape),
            p.layout,
            opts,
          );
          const wValues = valuesFor(p.seed + 1, product(wShape));
          const bValues = p.bias ? valuesFor(p.seed + 2, p.o) : null;
          const weight = mt.Tensor.fromValues(wValues, dims(wShape), "float32", backend);
          const bias =
            bValues === null ? null : mt.Tensor.fromValues(bValues, [p.o], "float32", backend);
          const y = run(x, weight, bias, p);
          const expected = directConv2d(
            logical,
            xShape,
            wValues,
            wShape,
            bValues,
            [p.sh, p.sw],
            [p.ph, p.pw],
          );
          expect(y.shape).toEqual(dims(expected.shape));
          expect(y.backend).toBe(backend);
          expectClose(await y.data(), expected.out, withinRounding(expected.scale));
        }),
        { numRuns: 60 },
      );
    });
  }

  it("unfold reads each window (zero padding outside), and fold is its adjoint", async () => {
    await fc.assert(
      fc.asyncProperty(conv2dCase, async (p) => {
        const g: ConvGeometry = { kh: p.kh, kw: p.kw, sh: p.sh, sw: p.sw, ph: p.ph, pw: p.pw };
        const xShape = [p.n, p.c, p.h, p.w];
        const { tensor: x, logical } = laidOut(
          valuesFor(p.seed, product(xShape)),
          xShape,
          p.layout,
          { backend, dtype: wide },
        );
        const cols = unfoldOp(x, g);
        const oh = convOutSize(p.h, p.kh, p.sh, p.ph);
        const ow = convOutSize(p.w, p.kw, p.sw, p.pw);
        const rows = p.c * p.kh * p.kw;
        expect(cols.shape).toEqual([p.n, rows, oh * ow]);
        const colValues = await cols.data();
        // Every entry: the input element its window offset reads, or 0 in the padding.
        for (let b = 0; b < p.n; b++)
          for (let ch = 0; ch < p.c; ch++)
            for (let i = 0; i < p.kh; i++)
              for (let j = 0; j < p.kw; j++)
                for (let y = 0; y < oh; y++)
                  for (let xx = 0; xx < ow; xx++) {
                    const r = (ch * p.kh + i) * p.kw + j;
                    const yy = y * p.sh - p.ph + i;
                    const xi = xx * p.sw - p.pw + j;
                    const inside = yy >= 0 && yy < p.h && xi >= 0 && xi < p.w;
                    const want = inside ? logical[((b * p.c + ch) * p.h + yy) * p.w + xi] : 0;
                    const got = colValues[(b * rows + r) * oh * ow + y * ow + xx];
                    if (got !== want)
                      expect.fail(`unfold at [${b},${r},${y * ow + xx}]: ${got} ≠ ${want}`);
                  }
        // ⟨unfold(x), c⟩ = ⟨x, fold(c)⟩ for a random c.
        const cValues = valuesFor(p.seed + 3, cols.numel());
        const c = mt.Tensor.fromValues(cValues, cols.shape, wide, backend);
        const folded = foldOp(c, g, xShape);
        expect(folded.shape).toEqual(xShape);
        const left = cValues.reduce((s, v, i) => s + v * colValues[i], 0);
        const foldedValues = await folded.data();
        const right = logical.reduce((s, v, i) => s + v * foldedValues[i], 0);
        if (wide === "float64") expectClose(right, left, { digits: 10 });
        else {
          // fold sums float32 values: each sum is off by a few roundings of its terms' size.
          const scale = cValues.reduce((s, v, i) => s + Math.abs(v * colValues[i]), 0);
          expectClose(right, left, withinRounding([scale]));
        }
      }),
      { numRuns: 40 },
    );
  });

  it("fold overwrites its output instead of adding to old contents", async () => {
    const g: ConvGeometry = { kh: 2, kw: 2, sh: 1, sw: 1, ph: 0, pw: 0 };
    const ones = mt.ones([1, 4, 4], { backend });
    for (let round = 0; round < 3; round++) {
      // Leave non-zero values in freed memory the output may reuse.
      mt.full([9], 7, { backend }).dispose();
      const folded = foldOp(ones, g, [1, 1, 3, 3]);
      // Each position of a 3×3 image gets one 1 per window covering it.
      expect(Array.from(await folded.data())).toEqual([1, 2, 1, 2, 4, 2, 1, 2, 1]);
      folded.dispose();
    }
  });

  itSync("conv2d gradients of input, weight and bias agree with central differences", () => {
    const cases: [Shape, Shape, mt.nn.functional.Conv2dOptions][] = [
      [[2, 2, 5, 5], [3, 2, 3, 3], {}],
      [[1, 3, 6, 5], [2, 3, 2, 3], { stride: 2, padding: 1 }],
      [[2, 1, 4, 7], [2, 1, 3, 2], { stride: [1, 3], padding: [2, 0] }],
    ];
    cases.forEach(([xShape, wShape, options], k) => {
      const d = { backend, dtype: "float64", requiresGrad: true } as const;
      const x = mt.randn([...xShape], { ...d, seed: 10 * k });
      const w = mt.randn([...wShape], { ...d, seed: 10 * k + 1 });
      const b = mt.randn([wShape[0]], { ...d, seed: 10 * k + 2 });
      expect(
        mt.testing.gradcheck(
          (xi, wi, bi) => mt.nn.functional.conv2d(xi, wi, bi, options),
          [x, w, b],
        ),
      ).toBe(true);
    });
  });

  itSync("conv2d gradients flow through a permuted input and without a bias", () => {
    const d = { backend, dtype: "float64", requiresGrad: true } as const;
    const xNHWC = mt.randn([2, 4, 5, 3], { ...d, seed: 5 });
    const w = mt.randn([2, 3, 2, 2], { ...d, seed: 6 });
    expect(
      mt.testing.gradcheck(
        (xi, wi) => mt.nn.functional.conv2d(xi.permute(0, 3, 1, 2), wi, null, { padding: 1 }),
        [xNHWC, w],
      ),
    ).toBe(true);
  });

  itSync("conv1d gradients agree with central differences", () => {
    const d = { backend, dtype: "float64", requiresGrad: true } as const;
    const x = mt.randn([2, 3, 9], { ...d, seed: 7 });
    const w = mt.randn([4, 3, 3], { ...d, seed: 8 });
    const b = mt.randn([4], { ...d, seed: 9 });
    expect(
      mt.testing.gradcheck(
        (xi, wi, bi) => mt.nn.functional.conv1d(xi, wi, bi, { stride: 2, padding: 1 }),
        [x, w, b],
      ),
    ).toBe(true);
    const xNLC = mt.randn([2, 6, 2], { ...d, seed: 11 });
    const w2 = mt.randn([3, 2, 4], { ...d, seed: 12 });
    expect(
      mt.testing.gradcheck(
        (xi, wi) => mt.nn.functional.conv1d(xi.permute(0, 2, 1), wi),
        [xNLC, w2],
      ),
    ).toBe(true);
  });

  itSync("gives each input that asks for a gradient the same one, whichever others ask", () => {
    const xs = valuesFor(20, 2 * 2 * 5 * 5);
    const ws = valuesFor(21, 3 * 2 * 3 * 3);
    const bs = valuesFor(22, 3);
    const grads = (want: [boolean, boolean, boolean]) => {
      const x = mt.Tensor.fromValues(xs, [2, 2, 5, 5], "float64", backend);
      const w = mt.Tensor.fromValues(ws, [3, 2, 3, 3], "float64", backend);
      const b = mt.Tensor.fromValues(bs, [3], "float64", backend);
      [x, w, b].forEach((t, i) => {
        t.requiresGrad = want[i];
      });
      mt.nn.functional.conv2d(x, w, b, { padding: 1 }).sum().backward();
      return [x, w, b].map((t) => (t.grad === null ? null : Array.from(t.grad.dataSync())));
    };
    const all = grads([true, true, true]);
    expect(grads([true, false, false])).toEqual([all[0], null, null]);
    expect(grads([false, true, false])).toEqual([null, all[1], null]);
    expect(grads([false, false, true])).toEqual([null, null, all[2]]);
    // d(Σ out)/d bias[o] = N·OH·OW for every o.
    expect(all[2]).toEqual([50, 50, 50]);
  });

  itSync("holds flat memory over repeated training steps in tidy", () => {
    const d = { backend, requiresGrad: true } as const;
    const leaves = [
      mt.randn([2, 2, 6, 6], { ...d, seed: 1 }),
      mt.randn([3, 2, 3, 3], { ...d, seed: 2 }),
      mt.randn([3], { ...d, seed: 3 }),
    ];
    const [x, w, b] = leaves;
    const step = (grad: boolean) =>
      mt.tidy(() => {
        for (const t of leaves) t.zeroGrad();
        const y = mt.nn.functional.conv2d(x, w, b, { padding: 1 });
        if (grad) y.sum().backward();
        return y.sum().item();
      });
    step(true);
    const before = mt.memory();
    for (let i = 0; i < 5; i++) step(true);
    mt.noGrad(() => step(false));
    expect(mt.memory()).toEqual(before);
  });

  it("rejects bad arguments with typed errors naming the values", () => {
    const { conv1d, conv2d } = mt.nn.functional;
    const x = mt.zeros([2, 3, 8, 8], opts);
    const w = mt.zeros([4, 3, 3, 3], opts);
    expect(() => conv2d(mt.zeros([3, 8, 8], opts), w)).toThrow(mt.ShapeError);
    expect(() => conv2d(x, mt.zeros([4, 3, 3], opts))).toThrow(
      /weight \[out, in, kh, kw\] of 4 dims, got shape \[4,3,3\]/,
    );
    expect(() => conv2d(x, mt.zeros([4, 2, 3, 3], opts))).toThrow(
      /conv2d: input has 3 channels but weight expects 2/,
    );
    expect(() => conv2d(x, mt.zeros([4, 3, 9, 3], opts))).toThrow(
      /kernel 9×3 is larger than the input 8×8 padded by 0×0/,
    );
    expect(() => conv2d(x, mt.zeros([4, 3, 9, 3], opts), null, { padding: 1 })).not.toThrow();
    expect(() => conv2d(x, mt.zeros([0, 3, 3, 3], opts))).toThrow(
      /weight of shape \[0,3,3,3\] has no elements/,
    );
    expect(() => conv2d(x, w, mt.zeros([3], opts))).toThrow(/bias of shape \[3\] should be \[4\]/);
    expect(() => conv2d(x, w, null, { stride: 0 })).toThrow(mt.DataError);
    expect(() => conv2d(x, w, null, { stride: [1, -2] })).toThrow(
      /stride must be a positive integer.*\[1,-2\]/,
    );
    expect(() => conv2d(x, w, null, { padding: -1 })).toThrow(
      /padding must be a non-negative integer.*-1/,
    );
    expect(() => conv2d(x, w, null, { stride: 1.5 })).toThrow(mt.DataError);
    // A dtype mismatch needs a second dtype: GPU backends store float32 only.
    if (impl.dtypes.includes("float64")) {
      expect(() => conv2d(x, mt.zeros([4, 3, 3, 3], { ...opts, dtype: "float64" }))).toThrow(
        mt.DTypeError,
      );
    }
    const other = backend === "cpu" ? "reference" : "cpu";
    expect(() => conv2d(x, mt.zeros([4, 3, 3, 3], { backend: other }))).toThrow(mt.BackendError);
    expect(() => conv1d(mt.zeros([2, 3, 4], opts), mt.zeros([1, 3, 5], opts))).toThrow(
      /conv1d: kernel 5 is larger than the input 4 padded by 0/,
    );
    expect(() => conv1d(mt.zeros([2, 3, 4, 4], opts), mt.zeros([1, 3, 2], opts))).toThrow(
      mt.ShapeError,
    );
    expect(() =>
      conv1d(mt.zeros([2, 3, 4], opts), mt.zeros([1, 3, 2], opts), null, { padding: -1 }),
    ).toThrow(mt.DataError);
  });
});

describe("nn.Conv2d and nn.Conv1d", () => {
  it("Conv2d has PyTorch's parameter names, shapes and init bounds", () => {
    const layer = new mt.nn.Conv2d(3, 8, [3, 5], { rng: new mt.Random(0) });
    expect(layer.namedParameters().map(([n, p]) => [n, (p.value as mt.Tensor).shape])).toEqual([
      ["weight", [8, 3, 3, 5]],
      ["bias", [8]],
    ]);
    expect(Object.keys(layer.stateDict())).toEqual(["weight", "bias"]);
    const bound = 1 / Math.sqrt(3 * 3 * 5);
    for (const p of layer.parameters()) {
      const v = Array.from((p.value as mt.Tensor).dataSync());
      expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound);
      // Spread over the range, not squeezed near 0: the largest is near the bound.
      expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(0.7 * bound);
      expect((p.value as mt.Tensor).requiresGrad).toBe(true);
    }
    expect(new mt.nn.Conv2d(3, 8, 3, { bias: false }).namedParameters().map(([n]) => n)).toEqual([
      "weight",
    ]);
  });

  it("Conv2d.forward is conv2d with its parameters, stride and padding", () => {
    const layer = new mt.nn.Conv2d(2, 3, 3, { stride: 2, padding: 1, rng: new mt.Random(1) });
    const x = mt.randn([2, 2, 7, 7], { seed: 3 });
    const y = layer.forward(x);
    expect(y.shape).toEqual([2, 3, 4, 4]);
    const expected = directConv2d(
      Array.from(x.dataSync()),
      x.shape,
      Array.from(layer.weight.value.dataSync()),
      layer.weight.value.shape,
      Array.from(layer.bias!.value.dataSync()),
      [2, 2],
      [1, 1],
    );
    expectClose(y.dataSync(), expected.out, withinRounding(expected.scale));
    y.sum().backward();
    expect(layer.weight.value.grad?.shape).toEqual([3, 2, 3, 3]);
    expect(layer.bias!.value.grad?.shape).toEqual([3]);
  });

  it("Conv1d has PyTorch's parameter names, shapes and init bounds, and convolves", () => {
    const layer = new mt.nn.Conv1d(4, 2, 3, { padding: 1, rng: new mt.Random(2) });
    expect(layer.namedParameters().map(([n, p]) => [n, (p.value as mt.Tensor).shape])).toEqual([
      ["weight", [2, 4, 3]],
      ["bias", [2]],
    ]);
    const bound = 1 / Math.sqrt(4 * 3);
    for (const p of layer.parameters()) {
      for (const v of (p.value as mt.Tensor).dataSync())
        expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    }
    const x = mt.randn([3, 4, 6], { seed: 4 });
    const y = layer.forward(x);
    expect(y.shape).toEqual([3, 2, 6]);
    const expected = directConv2d(
      Array.from(x.dataSync()),
      [3, 4, 1, 6],
      Array.from(layer.weight.value.dataSync()),
      [2, 4, 1, 3],
      Array.from(layer.bias!.value.dataSync()),
      [1, 1],
      [0, 1],
    );
    expectClose(y.dataSync(), expected.out, withinRounding(expected.scale));
    expect(new mt.nn.Conv1d(4, 2, 3, { bias: false }).parameters()).toHaveLength(1);
  });

  it("rejects non-positive sizes", () => {
    expect(() => new mt.nn.Conv2d(0, 4, 3)).toThrow(
      /Conv2d: inChannels must be a positive integer, got 0/,
    );
    expect(() => new mt.nn.Conv2d(1, 4, [3, 0])).toThrow(mt.DataError);
    expect(() => new mt.nn.Conv1d(1, 4, 2.5)).toThrow(
      /Conv1d: kernelSize must be a positive integer, got 2.5/,
    );
  });
});
