import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";
import { loadedBackendNames, usable } from "./backends.js";
import { expectClose } from "./close.js";
import { expectGradients } from "./expect_gradients.js";

/**
 * Pooling and resizing as PyTorch has them (max/avg pooling 1-D and 2-D with stride, padding,
 * dilation, ceil mode, indices; adaptive pooling; interpolate), on every backend that loads
 * here. Expected values come from plain-JS window loops over row-major arrays written from
 * PyTorch's CPU kernels (aten/src/ATen/native/cpu/MaxPoolKernel.cpp, AvgPoolKernel.cpp,
 * AdaptiveMaxPoolKernel.cpp, UpSampleKernel.cpp); the tie, NaN and −∞ cases and the reprs are
 * constants printed by torch 1.13 (the snippet is beside each). Gradients are checked against
 * float64 central differences where the backend reads synchronously in float64.
 */

const F = mt.nn.functional;
type Tensor = mt.Tensor;
const nan = Number.NaN;

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** A pooling's settings per dim [h, w]. */
interface Geo {
  k: [number, number];
  s: [number, number];
  p: [number, number];
  d: [number, number];
  ceil: boolean;
}

/** PyTorch's pooling_output_shape. */
function outSize(n: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  let o = Math.floor((n + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  return o;
}

/**
 * Max pooling of planes [planes, h, w] as PyTorch's CPU loop: start at the first real element,
 * take `val > max || isnan(val)`; returns the values, the flat indices and the gradient of
 * Σ g·out.
 */
function maxPoolHost(x: number[], [planes, h, w]: number[], g: Geo, up: number[] | null = null) {
  const [oh, ow] = [0, 1].map((i) => outSize([h, w][i], g.k[i], g.s[i], g.p[i], g.d[i], g.ceil));
  const out: number[] = [];
  const idx: number[] = [];
  const grad = new Array<number>(x.length).fill(0);
  for (let pl = 0; pl < planes; pl++)
    for (let a = 0; a < oh; a++)
      for (let b = 0; b < ow; b++) {
        let best = Number.NEGATIVE_INFINITY;
        let at = -1;
        for (let i = 0; i < g.k[0]; i++)
          for (let j = 0; j < g.k[1]; j++) {
            const ih = a * g.s[0] - g.p[0] + i * g.d[0];
            const iw = b * g.s[1] - g.p[1] + j * g.d[1];
            if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
            const v = x[pl * h * w + ih * w + iw];
            if (at < 0) at = ih * w + iw;
            if (v > best || Number.isNaN(v)) {
              best = v;
              at = ih * w + iw;
            }
          }
        grad[pl * h * w + at] += up === null ? 1 : up[out.length];
        out.push(best);
        idx.push(at);
      }
  return { out, idx, grad, shape: [oh, ow] };
}

/** Average pooling as PyTorch's CPU loop (its divisor rule). */
function avgPoolHost(
  x: number[],
  [planes, h, w]: number[],
  g: Geo,
  includePad = true,
  override: number | null = null,
) {
  const [oh, ow] = [0, 1].map((i) => outSize([h, w][i], g.k[i], g.s[i], g.p[i], 1, g.ceil));
  const out: number[] = [];
  for (let pl = 0; pl < planes; pl++)
    for (let a = 0; a < oh; a++)
      for (let b = 0; b < ow; b++) {
        let [h0, w0] = [a * g.s[0] - g.p[0], b * g.s[1] - g.p[1]];
        let h1 = Math.min(h0 + g.k[0], h + g.p[0]);
        let w1 = Math.min(w0 + g.k[1], w + g.p[1]);
        const poolSize = (h1 - h0) * (w1 - w0);
        [h0, w0, h1, w1] = [Math.max(h0, 0), Math.max(w0, 0), Math.min(h1, h), Math.min(w1, w)];
        let sum = 0;
        for (let i = h0; i < h1; i++)
          for (let j = w0; j < w1; j++) sum += x[pl * h * w + i * w + j];
        out.push(sum / (override ?? (includePad ? poolSize : (h1 - h0) * (w1 - w0))));
      }
  return { out, shape: [oh, ow] };
}

/** PyTorch's adaptive windows [⌊i·in/out⌋, ⌈(i+1)·in/out⌉). */
function win(i: number, n: number, o: number): [number, number] {
  return [Math.floor((i * n) / o), Math.ceil(((i + 1) * n) / o)];
}

/** Adaptive avg and max pooling of planes [planes, h, w] to [oh, ow], max with its index. */
function adaptiveHost(x: number[], [planes, h, w]: number[], [oh, ow]: number[]) {
  const avg: number[] = [];
  const max: number[] = [];
  const idx: number[] = [];
  for (let pl = 0; pl < planes; pl++)
    for (let a = 0; a < oh; a++)
      for (let b = 0; b < ow; b++) {
        const [h0, h1] = win(a, h, oh);
        const [w0, w1] = win(b, w, ow);
        let [sum, best, at] = [0, Number.NEGATIVE_INFINITY, h0 * w + w0];
        for (let i = h0; i < h1; i++)
          for (let j = w0; j < w1; j++) {
            const v = x[pl * h * w + i * w + j];
            sum += v;
            if (v > best || Number.isNaN(v)) [best, at] = [v, i * w + j];
          }
        avg.push(sum / ((h1 - h0) * (w1 - w0)));
        max.push(best);
        idx.push(at);
      }
  return { avg, max, idx };
}

/** Linear interpolation weights along a dim, PyTorch's source-index rule, in double. */
function linearTaps(n: number, o: number, align: boolean, scale: number | null) {
  const step = align ? (o > 1 ? (n - 1) / (o - 1) : 0) : scale !== null ? 1 / scale : n / o;
  return Array.from({ length: o }, (_, i) => {
    if (o === n) return { i0: i, i1: i, l1: 0 };
    const src = align ? step * i : Math.max(step * (i + 0.5) - 0.5, 0);
    const i0 = Math.floor(src);
    return { i0, i1: i0 < n - 1 ? i0 + 1 : i0, l1: Math.min(Math.max(src - i0, 0), 1) };
  });
}

/** Bilinear resize of planes [planes, h, w] to [oh, ow]. */
function bilinearHost(x: number[], [planes, h, w]: number[], [oh, ow]: number[], align: boolean) {
  const th = linearTaps(h, oh, align, null);
  const tw = linearTaps(w, ow, align, null);
  const out: number[] = [];
  for (let pl = 0; pl < planes; pl++)
    for (const r of th)
      for (const c of tw) {
        const at = (i: number, j: number) => x[pl * h * w + i * w + j];
        const top = (1 - c.l1) * at(r.i0, c.i0) + c.l1 * at(r.i0, c.i1);
        const bottom = (1 - c.l1) * at(r.i1, c.i0) + c.l1 * at(r.i1, c.i1);
        out.push((1 - r.l1) * top + r.l1 * bottom);
      }
  return out;
}

const geo = (k: number[], s = k, p = [0, 0], d = [1, 1], ceil = false): Geo => ({
  k: [k[0], k[1]],
  s: [s[0], s[1]],
  p: [p[0], p[1]],
  d: [d[0], d[1]],
  ceil,
});

/** Max-pooling settings and the geometry they mean, for [2, 3, 11, 9] inputs. */
const maxCases: [string, mt.nn.functional.MaxPool2dOptions, number | [number, number], Geo][] = [
  ["an 11×9 map by 2 (floor)", {}, 2, geo([2, 2])],
  ["ceil mode", { ceilMode: true }, 2, geo([2, 2], [2, 2], [0, 0], [1, 1], true)],
  ["kernel 3, stride 2, padding 1", { stride: 2, padding: 1 }, 3, geo([3, 3], [2, 2], [1, 1])],
  [
    "a [2, 3] kernel, stride [1, 2], dilation 2",
    { stride: [1, 2], dilation: 2 },
    [2, 3],
    geo([2, 3], [1, 2], [0, 0], [2, 2]),
  ],
  [
    "padding, dilation and ceil mode together",
    { stride: 2, padding: [1, 0], dilation: [2, 1], ceilMode: true },
    3,
    geo([3, 3], [2, 2], [1, 0], [2, 1], true),
  ],
  ["overlapping windows, stride 1", { stride: 1 }, 3, geo([3, 3], [1, 1])],
];

describe.each(loadedBackendNames)("pooling and resizing on the %s backend", (backend) => {
  const { impl, sync } = usable(backend);
  const wide: mt.DType = impl.dtypes.includes("float64") ? "float64" : "float32";
  const itSync = it.runIf(sync);
  const randn = (shape: number[], seed: number, requiresGrad = false) =>
    mt.randn(shape, { seed, backend, dtype: wide, requiresGrad });
  const tensor = (v: number[], shape: number[], requiresGrad = false) =>
    mt.tensor(v, { backend }).reshape(shape).requiresGrad_(requiresGrad);

  describe("maxPool2d", () => {
    it.each(maxCases)("matches PyTorch's loop: %s", async (_, options, kernel, g) => {
      const x = randn([2, 3, 11, 9], 1, true);
      const want = maxPoolHost(await values(x), [6, 11, 9], g);
      const [y, idx] = F.maxPool2d(x, kernel, { ...options, returnIndices: true });
      expect(y.shape).toEqual([2, 3, ...want.shape]);
      expect(await values(y)).toEqual(want.out);
      expect(idx.dtype).toBe("int32");
      expect(await values(idx)).toEqual(want.idx);
      y.sum().backward();
      expectClose(await values(x.grad as Tensor), want.grad, { digits: 6 });
    });

    it("pools 11×11 by 2 to 5×5 (the old maxpool2d refused it) and takes [C, H, W]", async () => {
      const x = randn([3, 11, 11], 2);
      const want = maxPoolHost(await values(x), [3, 11, 11], geo([2, 2]));
      expect(F.maxPool2d(x, 2).shape).toEqual([3, 5, 5]);
      expect(await values(F.maxPool2d(x, 2))).toEqual(want.out);
      expect(await values(F.maxPool2d(x.unsqueeze(0), 2))).toEqual(want.out);
    });

    it("picks the first of tied maxima and the last NaN, as torch 1.13's CPU kernel", async () => {
      // x = torch.tensor([[[[nan, 1, nan, 2], [nan, 3, 3, nan]]]], requires_grad=True)
      // v, i = F.max_pool2d(x, 2, return_indices=True); v.sum().backward()
      // → v [nan, nan], i [4, 7], x.grad [0, 0, 0, 0, 1, 0, 0, 1]
      const x = tensor([nan, 1, nan, 2, nan, 3, 3, nan], [1, 1, 2, 4], true);
      const [v, i] = F.maxPool2d(x, 2, { returnIndices: true });
      expectClose(await values(v), [nan, nan], { equalNan: true, digits: 6 });
      expect(await values(i)).toEqual([4, 7]);
      v.sum().backward();
      expect(await values(x.grad as Tensor)).toEqual([0, 0, 0, 0, 1, 0, 0, 1]);
      // F.max_pool2d(torch.full((1, 1, 3, 3), 5.), 2, stride=1).sum().backward() → grad
      // [1, 1, 0, 1, 1, 0, 0, 0, 0]: each window's gradient goes to its first 5.
      const fives = tensor(new Array<number>(9).fill(5), [1, 1, 3, 3], true);
      F.maxPool2d(fives, 2, { stride: 1 }).sum().backward();
      expect(await values(fives.grad as Tensor)).toEqual([1, 1, 0, 1, 1, 0, 0, 0, 0]);
    });

    it("never picks padding: a window of real −∞ gives its first real element", async () => {
      // F.max_pool2d(torch.full((1, 1, 3, 3), -inf), 3, stride=1, padding=1, return_indices=True)
      // → values all -inf, indices [[0, 0, 1], [0, 0, 1], [3, 3, 4]]
      const x = tensor(new Array<number>(9).fill(Number.NEGATIVE_INFINITY), [1, 1, 3, 3]);
      const [v, i] = F.maxPool2d(x, 3, { stride: 1, padding: 1, returnIndices: true });
      expect(await values(v)).toEqual(new Array<number>(9).fill(Number.NEGATIVE_INFINITY));
      expect(await values(i)).toEqual([0, 0, 1, 0, 0, 1, 3, 3, 4]);
    });

    it("refuses padding over half the kernel, too small an output and unknown options", () => {
      const x = mt.zeros([1, 1, 5, 5], { backend });
      expect(() => F.maxPool2d(x, 3, { padding: 2 })).toThrow(
        /pad should be at most half of kernel size, but got pad=2 and kernel_size=3/,
      );
      expect(() => F.maxPool2d(mt.zeros([1, 1, 2, 2], { backend }), 3)).toThrow(mt.ShapeError);
      expect(() => F.maxPool2d(mt.zeros([1, 1, 2, 2], { backend }), 3)).toThrow(
        /Calculated output size: \(1x0x0\)/,
      );
      expect(() => F.maxPool2d(x, 2, { stride: 0 })).toThrow(/stride must be a positive/);
      expect(() => F.maxPool2d(x, 2, { dilation: [1, 0] })).toThrow(mt.DataError);
      expect(() => F.maxPool2d(x, 2, { ceil: true } as never)).toThrow(/unknown option ceil/);
      expect(() => F.maxPool2d(mt.zeros([5, 5], { backend }), 2)).toThrow(/\[N, C, H, W\]/);
      expect(() => F.maxPool2d(mt.zeros([1, 1, 4, 4], { backend, dtype: "int32" }), 2)).toThrow(
        mt.DTypeError,
      );
    });
  });

  describe("avgPool2d", () => {
    const cases: [
      string,
      mt.nn.functional.AvgPool2dOptions,
      number,
      Geo,
      boolean,
      number | null,
    ][] = [
      ["an 11×9 map by 2", {}, 2, geo([2, 2]), true, null],
      [
        "ceil mode with padding",
        { padding: 1, ceilMode: true },
        2,
        geo([2, 2], [2, 2], [1, 1], [1, 1], true),
        true,
        null,
      ],
      [
        "padding not counted",
        { stride: 2, padding: 1, ceilMode: true, countIncludePad: false },
        3,
        geo([3, 3], [2, 2], [1, 1], [1, 1], true),
        false,
        null,
      ],
      [
        "divisorOverride",
        { stride: 1, padding: 1, divisorOverride: 4 },
        3,
        geo([3, 3], [1, 1], [1, 1]),
        true,
        4,
      ],
    ];
    it.each(cases)("matches PyTorch's loop: %s", async (_, options, k, g, includePad, override) => {
      const x = randn([2, 3, 11, 9], 3);
      const want = avgPoolHost(await values(x), [6, 11, 9], g, includePad, override);
      const y = F.avgPool2d(x, k, options);
      expect(y.shape).toEqual([2, 3, ...want.shape]);
      expectClose(await values(y), want.out, { digits: 5 });
    });

    it("divides by the window clipped to the padded input (torch's 5×5 ones by 2, pad 1, ceil)", async () => {
      // F.avg_pool2d(torch.ones(1, 1, 5, 5), 2, padding=1, ceil_mode=True) →
      // [[0.25, 0.5, 0.5], [0.5, 1, 1], [0.5, 1, 1]]
      const y = F.avgPool2d(mt.ones([1, 1, 5, 5], { backend }), 2, { padding: 1, ceilMode: true });
      expect(await values(y)).toEqual([0.25, 0.5, 0.5, 0.5, 1, 1, 0.5, 1, 1]);
    });

    it("refuses a zero divisor and padding over half the kernel", () => {
      const x = mt.zeros([1, 1, 5, 5], { backend });
      expect(() => F.avgPool2d(x, 2, { divisorOverride: 0 })).toThrow(/divisorOverride/);
      expect(() => F.avgPool2d(x, 3, { padding: 2 })).toThrow(/at most half/);
    });
  });

  describe("1-D pooling", () => {
    it("maxPool1d and avgPool1d are the 2-D ones over one row, with [C, L] inputs too", async () => {
      const x = randn([2, 3, 13], 4, true);
      const xs = await values(x);
      const g = geo([1, 3], [1, 2], [0, 1], [1, 2], true);
      const want = maxPoolHost(xs, [6, 1, 13], g);
      const opts = { stride: 2, padding: 1, dilation: 2, ceilMode: true } as const;
      const [y, idx] = F.maxPool1d(x, 3, { ...opts, returnIndices: true });
      expect(y.shape).toEqual([2, 3, want.shape[1]]);
      expect(await values(y)).toEqual(want.out);
      expect(await values(idx)).toEqual(want.idx);
      const avg = avgPoolHost(xs, [6, 1, 13], geo([1, 4], [1, 3], [0, 2]), false);
      const a = F.avgPool1d(x, 4, { stride: 3, padding: 2, countIncludePad: false });
      expectClose(await values(a), avg.out, { digits: 5 });
      expect(F.maxPool1d(x.select(0, 0), [2]).shape).toEqual([3, 6]);
      expect(() => F.maxPool1d(x, 3, { padding: 2 })).toThrow(/at most half/);
    });

    it("picks the last NaN of a window (torch 1.13)", async () => {
      // F.max_pool1d(torch.tensor([[[1, nan, nan, 2, 5, 5]]]), 3, stride=1, return_indices=True)
      // → values [nan, nan, nan, 5], indices [2, 2, 2, 4]
      const x = tensor([1, nan, nan, 2, 5, 5], [1, 1, 6]);
      const [v, i] = F.maxPool1d(x, 3, { stride: 1, returnIndices: true });
      expectClose(await values(v), [nan, nan, nan, 5], { equalNan: true, digits: 6 });
      expect(await values(i)).toEqual([2, 2, 2, 4]);
    });
  });

  describe("adaptive pooling", () => {
    it.each([
      [
        [3, 2],
        [7, 5],
      ],
      [
        [2, 5],
        [6, 5],
      ],
      [
        [1, 1],
        [6, 5],
      ],
      [
        [4, 3],
        [7, 5],
      ],
    ])("adaptive avg and max to %j of a %j map follow PyTorch's windows", async (o, hw) => {
      const x = randn([2, 2, hw[0], hw[1]], 5, true);
      const want = adaptiveHost(await values(x), [4, hw[0], hw[1]], o);
      const avg = F.adaptiveAvgPool2d(x, [o[0], o[1]]);
      expect(avg.shape).toEqual([2, 2, o[0], o[1]]);
      expectClose(await values(avg), want.avg, { digits: 5 });
      const [max, idx] = F.adaptiveMaxPool2d(x, [o[0], o[1]], { returnIndices: true });
      expect(await values(max)).toEqual(want.max);
      expect(await values(idx)).toEqual(want.idx);
    });

    it("keeps a null size, takes [C, H, W], and picks ties and NaN as maxPool2d", async () => {
      const x = randn([3, 7, 5], 6);
      expect(F.adaptiveAvgPool2d(x, [3, null]).shape).toEqual([3, 3, 5]);
      expect(F.adaptiveMaxPool2d(x, 2).shape).toEqual([3, 2, 2]);
      // F.adaptive_max_pool2d(torch.tensor([[[[nan, 1, nan, 2], [nan, 3, 3, nan]]]]), (1, 2),
      //   return_indices=True) → indices [4, 7]; with (1, 3) windows cols [0,2), [1,3), [2,4).
      const t = tensor([nan, 1, nan, 2, nan, 3, 3, nan], [1, 1, 2, 4]);
      const [, i] = F.adaptiveMaxPool2d(t, [1, 2], { returnIndices: true });
      expect(await values(i)).toEqual([4, 7]);
      const [, j] = F.adaptiveMaxPool2d(t, [1, 3], { returnIndices: true });
      expect(await values(j)).toEqual(adaptiveHost(await values(t), [1, 2, 4], [1, 3]).idx);
    });

    it("adaptiveAvgPool1d averages PyTorch's windows; bad sizes are errors", async () => {
      const x = randn([2, 3, 10], 7);
      const want = adaptiveHost(await values(x), [6, 1, 10], [1, 4]).avg;
      expectClose(await values(F.adaptiveAvgPool1d(x, 4)), want, { digits: 5 });
      expect(() => F.adaptiveAvgPool2d(x.unsqueeze(0), 0)).toThrow(mt.DataError);
      expect(() => F.adaptiveMaxPool2d(x.unsqueeze(0), [2, 2], { indices: true } as never)).toThrow(
        /unknown option indices/,
      );
    });
  });

  describe("interpolate", () => {
    it("nearest takes source ⌊dst·scale⌋ (torch 1.13's values)", async () => {
      const r = mt.arange(10, { backend }).reshape([1, 1, 10]);
      // F.interpolate(torch.arange(10.).view(1, 1, 10), size=3) → [0, 3, 6]
      expect(await values(F.interpolate(r, { size: 3 }))).toEqual([0, 3, 6]);
      // F.interpolate(torch.arange(4.).view(1, 1, 4), scale_factor=1.5) → [0, 0, 1, 2, 2, 3]
      const four = mt.arange(4, { backend }).reshape([1, 1, 4]);
      expect(await values(F.interpolate(four, { scaleFactor: 1.5 }))).toEqual([0, 0, 1, 2, 2, 3]);
      const x = randn([2, 3, 4, 5], 8);
      const xs = await values(x);
      const y = F.interpolate(x, { scaleFactor: 2 });
      expect(y.shape).toEqual([2, 3, 8, 10]);
      const want: number[] = [];
      for (let p = 0; p < 6; p++)
        for (let i = 0; i < 8; i++)
          for (let j = 0; j < 10; j++) want.push(xs[p * 20 + (i >> 1) * 5 + (j >> 1)]);
      expect(await values(y)).toEqual(want);
      expect(F.interpolate(x, { size: [3, 7] }).shape).toEqual([2, 3, 3, 7]);
    });

    it("bilinear and linear follow PyTorch's source index, with and without alignCorners", async () => {
      // F.interpolate(torch.tensor([[[[1., 2], [3, 5]]]]), size=(3, 3), mode='bilinear',
      //   align_corners=True) → [1, 1.5, 2, 2, 2.75, 3.5, 3, 4, 5]
      const t = tensor([1, 2, 3, 5], [1, 1, 2, 2]);
      const opts = { size: [3, 3], mode: "bilinear", alignCorners: true } as const;
      expect(await values(F.interpolate(t, opts))).toEqual([1, 1.5, 2, 2, 2.75, 3.5, 3, 4, 5]);
      // ... scale_factor=2, mode='bilinear' → the 4×4 below.
      const doubled = [
        1, 1.25, 1.75, 2, 1.5, 1.8125, 2.4375, 2.75, 2.5, 2.9375, 3.8125, 4.25, 3, 3.5, 4.5, 5,
      ];
      const big = F.interpolate(t, { scaleFactor: 2, mode: "bilinear" });
      expectClose(await values(big), doubled, { digits: 6 });
      const x = randn([2, 2, 5, 7], 9);
      const xs = await values(x);
      for (const align of [false, true]) {
        const y = F.interpolate(x, { size: [8, 4], mode: "bilinear", alignCorners: align });
        expectClose(await values(y), bilinearHost(xs, [4, 5, 7], [8, 4], align), { digits: 5 });
      }
      // F.interpolate(torch.arange(10.).view(1, 1, 10), size=4, mode='linear') → [0.75, 3.25, 5.75, 8.25]
      const r = mt.arange(10, { backend }).reshape([1, 1, 10]);
      const lin = F.interpolate(r, { size: 4, mode: "linear" });
      expectClose(await values(lin), [0.75, 3.25, 5.75, 8.25], { digits: 6 });
    });

    it("refuses PyTorch's invalid combinations and unknown options", () => {
      const x3 = mt.zeros([1, 1, 4], { backend });
      expect(() => F.interpolate(x3, { size: 3, scaleFactor: 2 })).toThrow(/only one of size/);
      expect(() => F.interpolate(x3, {})).toThrow(/either size or scale_factor/);
      expect(() => F.interpolate(x3, { scaleFactor: 2, alignCorners: true })).toThrow(
        /align_corners/,
      );
      expect(() => F.interpolate(x3, { scaleFactor: 2, mode: "bilinear" })).toThrow(
        /needs 4D input/,
      );
      expect(() => F.interpolate(x3, { scaleFactor: 2, mode: "bicubic" as never })).toThrow(/mode/);
      expect(() => F.interpolate(x3, { size: [3, 4] })).toThrow(mt.ShapeError);
      expect(() => F.interpolate(x3, { scaleFactor: 0.1 })).toThrow(/greater than 0/);
      expect(() => F.interpolate(x3, { size: 2, antialias: true })).toThrow(/not supported yet/);
      expect(() => F.interpolate(x3, { size: 2, sizes: 2 } as never)).toThrow(/unknown option/);
    });
  });

  describe("modules", () => {
    it("print as PyTorch's and pool as their functional forms", async () => {
      // print(nn.MaxPool2d(2)), nn.MaxPool2d(3, 2, 1, 2, True, True), nn.AvgPool2d((2, 3), (1, 2)),
      // nn.MaxPool1d(2), nn.AvgPool1d(3), nn.AdaptiveAvgPool2d((3, None)),
      // nn.Upsample(scale_factor=2), nn.Upsample(size=(3, 4), mode='bilinear', align_corners=True)
      const reprs: [mt.nn.Module, string][] = [
        [
          new mt.nn.MaxPool2d(2),
          "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)",
        ],
        [
          new mt.nn.MaxPool2d(3, {
            stride: 2,
            padding: 1,
            dilation: 2,
            returnIndices: true,
            ceilMode: true,
          }),
          "MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=2, ceil_mode=True)",
        ],
        [
          new mt.nn.AvgPool2d([2, 3], { stride: [1, 2] }),
          "AvgPool2d(kernel_size=(2, 3), stride=(1, 2), padding=0)",
        ],
        [
          new mt.nn.MaxPool1d(2),
          "MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)",
        ],
        [new mt.nn.AvgPool1d(3), "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))"],
        [new mt.nn.AdaptiveAvgPool2d([3, null]), "AdaptiveAvgPool2d(output_size=(3, None))"],
        [new mt.nn.AdaptiveMaxPool2d(2), "AdaptiveMaxPool2d(output_size=2)"],
        [new mt.nn.AdaptiveAvgPool1d(4), "AdaptiveAvgPool1d(output_size=4)"],
        [new mt.nn.Upsample({ scaleFactor: 2 }), "Upsample(scale_factor=2.0, mode=nearest)"],
        [
          new mt.nn.Upsample({ size: [3, 4], mode: "bilinear", alignCorners: true }),
          "Upsample(size=(3, 4), mode=bilinear)",
        ],
      ];
      for (const [m, want] of reprs) expect(m.toString()).toBe(want);
      const x = randn([2, 3, 9, 8], 10);
      const [v, i] = new mt.nn.MaxPool2d(3, { stride: 2, returnIndices: true }).forward(x);
      const [fv, fi] = F.maxPool2d(x, 3, { stride: 2, returnIndices: true });
      expect(await values(v)).toEqual(await values(fv));
      expect(await values(i)).toEqual(await values(fi));
      const avg = new mt.nn.AvgPool2d(2, { ceilMode: true }).forward(x);
      expect(await values(avg)).toEqual(await values(F.avgPool2d(x, 2, { ceilMode: true })));
      const up = new mt.nn.Upsample({ size: [4, 5], mode: "bilinear" }).forward(x);
      expect(await values(up)).toEqual(
        await values(F.interpolate(x, { size: [4, 5], mode: "bilinear" })),
      );
      expect(new mt.nn.AdaptiveAvgPool2d(1).forward(x).shape).toEqual([2, 3, 1, 1]);
      expect(() => new mt.nn.AvgPool2d(2, { divisor: 2 } as never)).toThrow(
        /unknown option divisor/,
      );
      expect(() => new mt.nn.Upsample({ scale: 2 } as never)).toThrow(/unknown option scale/);
    });
  });

  itSync("gradients agree with central differences", () => {
    // randn values are distinct, so no max window has a tie.
    const x = randn([1, 2, 7, 6], 11, true);
    const check = (fn: (a: Tensor) => Tensor) => expect(mt.testing.gradcheck(fn, [x])).toBe(true);
    check((a) => F.maxPool2d(a, 3, { stride: 2, padding: 1, dilation: [1, 2], ceilMode: true }));
    check((a) => F.maxPool2d(a, 2, { stride: 1 }));
    check((a) =>
      F.avgPool2d(a, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
    );
    check((a) => F.avgPool2d(a, [2, 3], { divisorOverride: 5 }));
    check((a) => F.adaptiveAvgPool2d(a, [3, 4]));
    check((a) => F.adaptiveMaxPool2d(a, [3, 4]));
    check((a) => F.interpolate(a, { size: [5, 9], mode: "bilinear" }));
    check((a) => F.interpolate(a, { scaleFactor: [1.5, 2], mode: "bilinear", alignCorners: true }));
    check((a) => F.interpolate(a, { size: [9, 4] }));
    const l = randn([2, 3, 11], 12, true);
    expect(mt.testing.gradcheck((a) => F.maxPool1d(a, 3, { padding: 1, stride: 2 }), [l])).toBe(
      true,
    );
    expect(mt.testing.gradcheck((a) => F.avgPool1d(a, 3, { padding: 1 }), [l])).toBe(true);
    expect(mt.testing.gradcheck((a) => F.adaptiveAvgPool1d(a, 4), [l])).toBe(true);
    expect(mt.testing.gradcheck((a) => F.interpolate(a, { size: 7, mode: "linear" }), [l])).toBe(
      true,
    );
  });
});

/*
 * The course's task 4.3 (src/course/modules/m4_networks.ts): pooling cuts the input into windows
 * with unfold (the `Windows` Function, whose backward is fold) and reduces each window — a max,
 * whose gradient goes to the one element it picked (`PickMax`), or a mean. On the reference
 * backend, against the same plain-JS loops as above, each failure naming its input.
 */
describe("max and average pooling on the reference backend", () => {
  const randn = (shape: number[], seed: number, requiresGrad = false) =>
    mt.randn(shape, { seed, backend: "reference", dtype: "float64", requiresGrad });
  const tensor = (v: number[], shape: number[], requiresGrad = false) =>
    mt.tensor(v, { backend: "reference" }).reshape(shape).requiresGrad_(requiresGrad);

  it.each(maxCases)(
    "maxPool2d's values, indices and gradient follow PyTorch's loop: %s",
    async (name, options, kernel, g) => {
      const x = randn([2, 3, 11, 9], 1, true);
      const want = maxPoolHost(await values(x), [6, 11, 9], g);
      const [y, idx] = F.maxPool2d(x, kernel, { ...options, returnIndices: true });
      expect(y.shape, `maxPool2d (${name}) of [2, 3, 11, 9]: the shape`).toEqual([
        2,
        3,
        ...want.shape,
      ]);
      expect(await values(y), `maxPool2d (${name}): the window maxima`).toEqual(want.out);
      expect(await values(idx), `maxPool2d (${name}): where each max is`).toEqual(want.idx);
      y.sum().backward();
      const grad = x.grad === null ? [] : await values(x.grad);
      expectClose(
        grad,
        want.grad,
        { digits: 6 },
        `d(Σ maxPool2d (${name}))/dx: 1 where a window's max is`,
      );
    },
  );

  it("gives a window's gradient to its first max, and takes NaN as the max (torch 1.13)", async () => {
    // F.max_pool2d(torch.full((1, 1, 3, 3), 5.), 2, stride=1).sum().backward() → grad
    // [1, 1, 0, 1, 1, 0, 0, 0, 0]: each window's gradient goes to its first 5.
    const fives = tensor(new Array<number>(9).fill(5), [1, 1, 3, 3], true);
    F.maxPool2d(fives, 2, { stride: 1 }).sum().backward();
    const grad = fives.grad === null ? [] : await values(fives.grad);
    expect(grad, "gradient of 2×2 windows (stride 1) over a 3×3 image of 5s").toEqual([
      1, 1, 0, 1, 1, 0, 0, 0, 0,
    ]);
    // x = [[nan, 1, nan, 2], [nan, 3, 3, nan]]: v [nan, nan], x.grad [0, 0, 0, 0, 1, 0, 0, 1].
    const x = tensor([nan, 1, nan, 2, nan, 3, 3, nan], [1, 1, 2, 4], true);
    const v = F.maxPool2d(x, 2);
    expectClose(
      await values(v),
      [nan, nan],
      { equalNan: true, digits: 6 },
      "maxPool2d of windows holding NaN",
    );
    v.sum().backward();
    const nanGrad = x.grad === null ? [] : await values(x.grad);
    expect(nanGrad, "gradient of windows holding NaN: to the last NaN").toEqual([
      0, 0, 0, 0, 1, 0, 0, 1,
    ]);
  });

  it.each([
    ["2×2 windows of an 11×9 map", {}, 2, geo([2, 2]), true],
    [
      "3×3 windows, stride 2, padding 1, ceil mode",
      { stride: 2, padding: 1, ceilMode: true },
      3,
      geo([3, 3], [2, 2], [1, 1], [1, 1], true),
      true,
    ],
    [
      "padding not counted",
      { stride: 2, padding: 1, countIncludePad: false },
      3,
      geo([3, 3], [2, 2], [1, 1]),
      false,
    ],
  ] as const)(
    "avgPool2d is each window's mean, as PyTorch's loop: %s",
    async (name, options, k, g, includePad) => {
      const x = randn([2, 3, 11, 9], 3);
      const want = avgPoolHost(await values(x), [6, 11, 9], g, includePad);
      const y = F.avgPool2d(x, k, options);
      expect(y.shape, `avgPool2d (${name}): the shape`).toEqual([2, 3, ...want.shape]);
      expectClose(
        await values(y),
        want.out,
        { digits: 10 },
        `avgPool2d (${name}) of [2, 3, 11, 9]`,
      );
    },
  );

  it("maxPool1d and avgPool1d pool one row", async () => {
    const x = randn([2, 3, 13], 4);
    const xs = await values(x);
    const want = maxPoolHost(xs, [6, 1, 13], geo([1, 3], [1, 2], [0, 1]));
    expect(
      await values(F.maxPool1d(x, 3, { stride: 2, padding: 1 })),
      "maxPool1d(x [2,3,13], 3, {stride: 2, padding: 1})",
    ).toEqual(want.out);
    const avg = avgPoolHost(xs, [6, 1, 13], geo([1, 4], [1, 3], [0, 2]));
    expectClose(
      await values(F.avgPool1d(x, 4, { stride: 3, padding: 2 })),
      avg.out,
      { digits: 10 },
      "avgPool1d(x [2,3,13], 4, {stride: 3, padding: 2})",
    );
  });

  it("gradients agree with central differences", () => {
    // randn values are distinct, so no max window has a tie.
    const x = randn([1, 2, 7, 6], 11, true);
    const cases: [string, (a: Tensor) => Tensor][] = [
      [
        "maxPool2d(x, 3, {stride: 2, padding: 1})",
        (a) => F.maxPool2d(a, 3, { stride: 2, padding: 1 }),
      ],
      [
        "maxPool2d(x, 2, {stride: 1}) (overlapping windows)",
        (a) => F.maxPool2d(a, 2, { stride: 1 }),
      ],
      ["avgPool2d(x, [2, 3])", (a) => F.avgPool2d(a, [2, 3])],
      [
        "avgPool2d(x, 3, {stride: 2, padding: 1, countIncludePad: false})",
        (a) => F.avgPool2d(a, 3, { stride: 2, padding: 1, countIncludePad: false }),
      ],
    ];
    for (const [name, fn] of cases) {
      expectGradients(`gradient of ${name}, x [1,2,7,6]`, fn, [x]);
    }
  });
});
