import { describe, expect, it } from "vitest";
import type { ConvGeometry } from "../src/backend/backend.js";
import * as mt from "../src/index.js";
import { foldOp, unfoldOp } from "../src/tensor/history_free_ops.js";
import { loadedBackendNames, usable } from "./backends.js";
import { expectClose, type Tolerance } from "./close.js";
import { expectGradients } from "./expect_gradients.js";

/**
 * Convolution as PyTorch has it: stride, padding (numbers, pairs, "same", "valid"), dilation and
 * groups for conv1d / conv2d and their layers, the layers' padding modes, and transposed
 * convolutions, on every backend that loads here. Expected values come from two plain-JS oracles
 * over row-major arrays — the direct convolution loop and the transposed convolution's
 * scatter-add definition — and a few constants printed by PyTorch (snippets beside them).
 * Gradients are checked against float64 central differences where the backend reads
 * synchronously in float64.
 */

const F = mt.nn.functional;
type Tensor = mt.Tensor;
type Shape = readonly number[];

/** Deterministic values in [−1, 1), rounded to float32 so every dtype holds them exactly. */
function valuesFor(seed: number, n: number): number[] {
  const rng = new mt.Random(seed);
  return Array.from({ length: n }, () => Math.fround(rng.uniform(-1, 1)));
}

const product = (s: Shape) => s.reduce((a, b) => a * b, 1);

/** A convolution's settings per spatial dim, as the oracle takes them. */
interface Geometry {
  stride: number[];
  /** Zeros before and after, per spatial dim. */
  before: number[];
  after: number[];
  dilation: number[];
  groups: number;
}

/** Settings with defaults; `pad` symmetric unless `after` is given. */
function geometry(rank: number, g: Partial<Geometry> & { pad?: number[] }): Geometry {
  const ones = new Array<number>(rank).fill(1);
  const before = g.before ?? g.pad ?? new Array<number>(rank).fill(0);
  return {
    stride: g.stride ?? ones,
    before,
    after: g.after ?? before,
    dilation: g.dilation ?? ones,
    groups: g.groups ?? 1,
  };
}

/** A rank-1 shape [N, C, L] seen as the 2-D [N, C, 1, L]; a rank-2 shape as it is. */
const as2d = (s: Shape) => (s.length === 3 ? [s[0], s[1], 1, s[2]] : [...s]);
/** Per-dim settings of a rank-1 problem as 2-D ones (height 1, nothing along it). */
const dims2d = (v: number[], fill: number) => (v.length === 1 ? [fill, v[0]] : v);

/**
 * The direct convolution: out[n, o, y, x] = b[o] + Σ_{c, i, j} w[o, c, i, j] ·
 * in[n, g·C/G + c, y·sh − ph + i·dh, x·sw − pw + j·dw] (0 outside), with g = ⌊o / (O/G)⌋. Also
 * returns, per output, Σ|terms| (the scale float32 rounding errors are relative to), and the
 * input gradient of Σ out·gOut when `gOut` is given.
 */
function directConv(
  input: readonly number[],
  inShape: Shape,
  weight: readonly number[],
  wShape: Shape,
  bias: readonly number[] | null,
  geo: Geometry,
  gOut?: readonly number[],
) {
  const [n, c, h, w] = as2d(inShape);
  const [o, cg, kh, kw] = as2d(wShape);
  const [sh, sw] = dims2d(geo.stride, 1);
  const [bh, bw] = dims2d(geo.before, 0);
  const [ah, aw] = dims2d(geo.after, 0);
  const [dh, dw] = dims2d(geo.dilation, 1);
  const oh = Math.floor((h + bh + ah - dh * (kh - 1) - 1) / sh) + 1;
  const ow = Math.floor((w + bw + aw - dw * (kw - 1) - 1) / sw) + 1;
  const og = o / geo.groups;
  const out: number[] = [];
  const scale: number[] = [];
  const dx = new Array<number>(input.length).fill(0);
  for (let b = 0; b < n; b++)
    for (let q = 0; q < o; q++)
      for (let y = 0; y < oh; y++)
        for (let x = 0; x < ow; x++) {
          let acc = bias === null ? 0 : bias[q];
          let mag = Math.abs(acc);
          for (let ch = 0; ch < cg; ch++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const yy = y * sh - bh + i * dh;
                const xx = x * sw - bw + j * dw;
                if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                const at = ((b * c + Math.floor(q / og) * cg + ch) * h + yy) * w + xx;
                const wv = weight[((q * cg + ch) * kh + i) * kw + j];
                acc += wv * input[at];
                mag += Math.abs(wv * input[at]);
                if (gOut !== undefined) dx[at] += wv * gOut[out.length];
              }
          out.push(acc);
          scale.push(mag);
        }
  const shape = inShape.length === 3 ? [n, o, ow] : [n, o, oh, ow];
  return { out, scale, shape, dx };
}

/**
 * The transposed convolution by its definition, a scatter-add: every input pixel (y, x) of
 * channel c adds x[n, c, y, x] · w[c, o, i, j] to out[n, g·O/G + o, y·sh − ph + i·dh, …] (kept
 * where it lands inside the output), after the bias.
 */
function directConvTranspose(
  input: readonly number[],
  inShape: Shape,
  weight: readonly number[],
  wShape: Shape,
  bias: readonly number[] | null,
  geo: Geometry,
  outputPadding: number[],
) {
  const [n, c, h, w] = as2d(inShape);
  const [, og, kh, kw] = as2d(wShape);
  const [sh, sw] = dims2d(geo.stride, 1);
  const [ph, pw] = dims2d(geo.before, 0);
  const [dh, dw] = dims2d(geo.dilation, 1);
  const [oph, opw] = dims2d(outputPadding, 0);
  const o = og * geo.groups;
  const cg = c / geo.groups;
  const oh = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1;
  const ow = (w - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1;
  const out = new Array<number>(n * o * oh * ow).fill(0);
  const scale = new Array<number>(out.length).fill(0);
  for (let b = 0; b < n; b++)
    for (let q = 0; q < o; q++)
      for (let p = 0; p < oh * ow; p++) {
        out[(b * o + q) * oh * ow + p] = bias === null ? 0 : bias[q];
        scale[(b * o + q) * oh * ow + p] = Math.abs(bias === null ? 0 : bias[q]);
      }
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let q = 0; q < og; q++)
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const yy = y * sh - ph + i * dh;
                const xx = x * sw - pw + j * dw;
                if (yy < 0 || yy >= oh || xx < 0 || xx >= ow) continue;
                const at = ((b * o + Math.floor(ch / cg) * og + q) * oh + yy) * ow + xx;
                const term =
                  input[((b * c + ch) * h + y) * w + x] * weight[((ch * og + q) * kh + i) * kw + j];
                out[at] += term;
                scale[at] += Math.abs(term);
              }
  const shape = inShape.length === 3 ? [n, o, ow] : [n, o, oh, ow];
  return { out, scale, shape };
}

/** Within 1e-5·(1 + Σ|terms|): float32 rounding of each sum. */
const rounding = (scale: readonly number[]): Tolerance => ({
  rel: 1e-5,
  abs: 1e-5,
  relativeTo: scale,
});

/** The source index along a dim of size n of padded position i, for F.pad's modes. */
function padSource(mode: "reflect" | "replicate" | "circular", i: number, n: number): number {
  if (mode === "replicate") return Math.min(Math.max(i, 0), n - 1);
  if (mode === "circular") return ((i % n) + n) % n;
  return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
}

/** A row-major [N, C, H, W] array padded along H and W by (before, after) with `mode`. */
function padImage(
  x: readonly number[],
  [n, c, h, w]: Shape,
  [bh, bw]: number[],
  [ah, aw]: number[],
  mode: "reflect" | "replicate" | "circular",
): { values: number[]; shape: number[] } {
  const values: number[] = [];
  for (let b = 0; b < n * c; b++)
    for (let y = -bh; y < h + ah; y++)
      for (let xx = -bw; xx < w + aw; xx++)
        values.push(x[(b * h + padSource(mode, y, h)) * w + padSource(mode, xx, w)]);
  return { values, shape: [n, c, h + bh + ah, w + bw + aw] };
}

/** A conv case: input and weight shapes, the options, the oracle's geometry, a bias or not. */
interface ConvCase {
  x: number[];
  w: number[];
  options: mt.nn.functional.Conv2dOptions | mt.nn.functional.Conv1dOptions;
  geo: Geometry;
  bias: boolean;
}

const conv2dCases: ConvCase[] = [
  {
    x: [2, 3, 7, 8],
    w: [4, 3, 3, 2],
    options: { stride: [2, 3] },
    geo: geometry(2, { stride: [2, 3] }),
    bias: true,
  },
  {
    x: [1, 2, 9, 9],
    w: [3, 2, 3, 3],
    options: { dilation: 2, padding: 1 },
    geo: geometry(2, { dilation: [2, 2], pad: [1, 1] }),
    bias: false,
  },
  {
    x: [2, 2, 8, 7],
    w: [2, 2, 2, 3],
    options: { dilation: [3, 1], stride: [1, 2], padding: [2, 0] },
    geo: geometry(2, { dilation: [3, 1], stride: [1, 2], pad: [2, 0] }),
    bias: true,
  },
  {
    x: [2, 6, 5, 5],
    w: [4, 3, 3, 3],
    options: { groups: 2, padding: 1 },
    geo: geometry(2, { groups: 2, pad: [1, 1] }),
    bias: true,
  },
  {
    x: [1, 4, 6, 6],
    w: [8, 1, 3, 3],
    options: { groups: 4, stride: 2, dilation: 2, padding: 2 },
    geo: geometry(2, { groups: 4, stride: [2, 2], dilation: [2, 2], pad: [2, 2] }),
    bias: true,
  },
  {
    x: [2, 3, 6, 5],
    w: [2, 3, 4, 2],
    options: { padding: "same" },
    geo: geometry(2, { before: [1, 0], after: [2, 1] }),
    bias: true,
  },
  {
    x: [1, 2, 7, 6],
    w: [2, 1, 2, 3],
    options: { padding: "same", dilation: [3, 2], groups: 2 },
    geo: geometry(2, { before: [1, 2], after: [2, 2], dilation: [3, 2], groups: 2 }),
    bias: false,
  },
  {
    x: [2, 2, 5, 6],
    w: [3, 2, 3, 4],
    options: { padding: "valid", stride: 2 },
    geo: geometry(2, { stride: [2, 2] }),
    bias: true,
  },
];

const conv1dCases: ConvCase[] = [
  {
    x: [2, 3, 11],
    w: [2, 3, 3],
    options: { dilation: 3, stride: 2, padding: 2 },
    geo: geometry(1, { dilation: [3], stride: [2], pad: [2] }),
    bias: true,
  },
  {
    x: [2, 4, 9],
    w: [6, 2, 2],
    options: { groups: 2, padding: "same", dilation: 3 },
    geo: geometry(1, { groups: 2, dilation: [3], before: [1], after: [2] }),
    bias: true,
  },
  {
    x: [1, 3, 7],
    w: [3, 1, 4],
    options: { groups: 3, padding: [1], stride: [2] },
    geo: geometry(1, { groups: 3, pad: [1], stride: [2] }),
    bias: false,
  },
];

/** A transposed conv case; `geo.before` is the padding. */
interface TransposeCase {
  x: number[];
  w: number[];
  options: mt.nn.functional.ConvTranspose2dOptions | mt.nn.functional.ConvTranspose1dOptions;
  geo: Geometry;
  outputPadding: number[];
  bias: boolean;
}

const transposeCases: TransposeCase[] = [
  {
    x: [2, 3, 4, 5],
    w: [3, 2, 3, 3],
    options: {},
    geo: geometry(2, {}),
    outputPadding: [0, 0],
    bias: true,
  },
  {
    x: [1, 2, 3, 4],
    w: [2, 3, 3, 2],
    options: { stride: 2, padding: 1, outputPadding: 1 },
    geo: geometry(2, { stride: [2, 2], pad: [1, 1] }),
    outputPadding: [1, 1],
    bias: true,
  },
  {
    x: [2, 2, 3, 3],
    w: [2, 2, 2, 3],
    options: { stride: [3, 2], padding: [0, 2], outputPadding: [2, 0], dilation: [1, 2] },
    geo: geometry(2, { stride: [3, 2], pad: [0, 2], dilation: [1, 2] }),
    outputPadding: [2, 0],
    bias: false,
  },
  {
    x: [1, 4, 3, 3],
    w: [4, 3, 2, 2],
    options: { groups: 2, stride: 2, dilation: 2 },
    geo: geometry(2, { groups: 2, stride: [2, 2], dilation: [2, 2] }),
    outputPadding: [0, 0],
    bias: true,
  },
  // outputPadding ≥ stride, allowed because it is below the dilation, with padding cropping.
  {
    x: [1, 2, 3, 4],
    w: [2, 1, 3, 3],
    options: { dilation: 3, padding: 2, outputPadding: [2, 1] },
    geo: geometry(2, { dilation: [3, 3], pad: [2, 2] }),
    outputPadding: [2, 1],
    bias: true,
  },
];

/** The case's convolution, conv1d or conv2d by the input's rank. */
function conv(c: ConvCase, x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  return c.x.length === 4
    ? F.conv2d(x, w, b, c.options as mt.nn.functional.Conv2dOptions)
    : F.conv1d(x, w, b, c.options as mt.nn.functional.Conv1dOptions);
}

/** The case's transposed convolution, by the input's rank. */
function convT(c: TransposeCase, x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  return c.x.length === 4
    ? F.convTranspose2d(x, w, b, c.options as mt.nn.functional.ConvTranspose2dOptions)
    : F.convTranspose1d(x, w, b, c.options as mt.nn.functional.ConvTranspose1dOptions);
}

const transpose1dCases: TransposeCase[] = [
  {
    x: [2, 3, 5],
    w: [3, 2, 3],
    options: { stride: 3, padding: 1, outputPadding: 2 },
    geo: geometry(1, { stride: [3], pad: [1] }),
    outputPadding: [2],
    bias: true,
  },
  {
    x: [1, 4, 4],
    w: [4, 1, 2],
    options: { groups: 4, dilation: 2, outputPadding: 1 },
    geo: geometry(1, { groups: 4, dilation: [2] }),
    outputPadding: [1],
    bias: false,
  },
];

describe.each(loadedBackendNames)("convolution toolkit on the %s backend", (backend) => {
  const { impl, sync } = usable(backend);
  const itSync = it.runIf(sync);
  const f32 = (values: number[], shape: Shape) =>
    mt.Tensor.fromValues(values, shape, "float32", backend);

  /** Random float32 input, weight and maybe bias for shapes `x`, `w`, with their values. */
  function operands(x: Shape, w: Shape, outChannels: number, bias: boolean, seed: number) {
    const xv = valuesFor(seed, product(x));
    const wv = valuesFor(seed + 1, product(w));
    const bv = bias ? valuesFor(seed + 2, outChannels) : null;
    return {
      xv,
      wv,
      bv,
      xt: f32(xv, x),
      wt: f32(wv, w),
      bt: bv === null ? null : f32(bv, [outChannels]),
    };
  }

  for (const [name, cases] of [
    ["conv2d", conv2dCases],
    ["conv1d", conv1dCases],
  ] as const) {
    it(`${name} with stride, padding, "same"/"valid", dilation and groups matches the direct loop`, async () => {
      for (const [k, c] of cases.entries()) {
        const { xv, wv, bv, xt, wt, bt } = operands(c.x, c.w, c.w[0], c.bias, 10 * k);
        const y = conv(c, xt, wt, bt);
        const want = directConv(xv, c.x, wv, c.w, bv, c.geo);
        expect(y.shape, `case ${k}`).toEqual(want.shape);
        expectClose(await y.data(), want.out, rounding(want.scale));
      }
    });

    it(`${name}'s input gradient (fold) matches the direct loop's`, async () => {
      for (const [k, c] of cases.entries()) {
        const { xv, wv, wt } = operands(c.x, c.w, c.w[0], false, 10 * k);
        const x = f32(xv, c.x).requiresGrad_();
        const y = conv(c, x, wt, null);
        const gv = valuesFor(99 + k, y.numel());
        y.mul(f32(gv, y.shape)).sum().backward();
        const want = directConv(xv, c.x, wv, c.w, null, c.geo, gv);
        const scale = want.dx.map(() => product(c.w.slice(1)) * 4);
        expectClose(await x.grad!.data(), want.dx, rounding(scale));
      }
    });
  }

  it('"same" with an even kernel pads the extra zero after, as PyTorch does', async () => {
    // torch.nn.functional.conv1d(torch.arange(1., 7.).reshape(1, 1, 6),
    //   torch.tensor([[[1., 10.]]]), padding='same').tolist()
    const y1 = F.conv1d(f32([1, 2, 3, 4, 5, 6], [1, 1, 6]), f32([1, 10], [1, 1, 2]), null, {
      padding: "same",
    });
    expect(Array.from(await y1.data())).toEqual([21, 32, 43, 54, 65, 6]);
    // F.conv2d(torch.arange(1., 17.).reshape(1, 1, 4, 4), torch.arange(1., 5.).reshape(1, 1, 2, 2),
    //   padding='same').tolist()
    const x = f32(
      Array.from({ length: 16 }, (_, i) => i + 1),
      [1, 1, 4, 4],
    );
    const y2 = F.conv2d(x, f32([1, 2, 3, 4], [1, 1, 2, 2]), null, { padding: "same" });
    expect(Array.from(await y2.data())).toEqual([
      44, 54, 64, 28, 84, 94, 104, 44, 124, 134, 144, 60, 41, 44, 47, 16,
    ]);
  });

  for (const [name, cases] of [
    ["convTranspose2d", transposeCases],
    ["convTranspose1d", transpose1dCases],
  ] as const) {
    it(`${name} matches the scatter-add definition`, async () => {
      for (const [k, c] of cases.entries()) {
        const outChannels = c.w[1] * c.geo.groups;
        const { xv, wv, bv, xt, wt, bt } = operands(c.x, c.w, outChannels, c.bias, 7 * k);
        const y = convT(c, xt, wt, bt);
        const want = directConvTranspose(xv, c.x, wv, c.w, bv, c.geo, c.outputPadding);
        expect(y.shape, `case ${k}`).toEqual(want.shape);
        expectClose(await y.data(), want.out, rounding(want.scale));
      }
    });
  }

  it("convTranspose2d gives PyTorch's values where output padding meets cropping", async () => {
    const x = f32([1, 2, 3, 4], [1, 1, 2, 2]);
    const w = f32([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 1, 3, 3]);
    // F.conv_transpose2d(x, w, padding=2, dilation=2, output_padding=1).tolist()
    const a = F.convTranspose2d(x, w, null, { padding: 2, dilation: 2, outputPadding: 1 });
    expect(Array.from(await a.data())).toEqual([5, 10, 6, 15, 20, 18, 8, 16, 9]);
    // F.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1).tolist()
    const b = F.convTranspose2d(x, w, null, { stride: 2, padding: 1, outputPadding: 1 });
    expect(Array.from(await b.data())).toEqual([
      5, 14, 10, 12, 14, 36, 24, 30, 15, 34, 20, 24, 24, 55, 32, 36,
    ]);
  });

  it("Conv2d's padding modes pad the input with F.pad, then convolve", async () => {
    const modes = ["reflect", "replicate", "circular"] as const;
    for (const [k, mode] of modes.entries()) {
      for (const padding of [[1, 2], "same"] as const) {
        const layer = new mt.nn.Conv2d(2, 3, [3, 4], {
          padding: padding === "same" ? "same" : [1, 2],
          paddingMode: mode,
          rng: new mt.Random(k),
        });
        if (backend !== "cpu") await layer.to(backend);
        const xv = valuesFor(40 + k, 2 * 2 * 5 * 6);
        const y = layer.forward(f32(xv, [2, 2, 5, 6]));
        const [before, after] =
          padding === "same"
            ? [
                [1, 1],
                [1, 2],
              ]
            : [
                [1, 2],
                [1, 2],
              ];
        const padded = padImage(xv, [2, 2, 5, 6], before, after, mode);
        const want = directConv(
          padded.values,
          padded.shape,
          Array.from(await layer.weight.value.data()),
          [3, 2, 3, 4],
          Array.from(await layer.bias!.value.data()),
          geometry(2, {}),
        );
        expect(y.shape).toEqual(want.shape);
        expectClose(await y.data(), want.out, rounding(want.scale));
      }
    }
  });

  it("Conv1d's circular padding wraps the signal around", async () => {
    const layer = new mt.nn.Conv1d(1, 1, 3, { padding: 1, paddingMode: "circular", bias: false });
    if (backend !== "cpu") await layer.to(backend);
    const w = Array.from(await layer.weight.value.data());
    const y = layer.forward(f32([1, 2, 3, 4], [1, 1, 4]));
    const x = [4, 1, 2, 3, 4, 1];
    const want = [0, 1, 2, 3].map((i) => w[0] * x[i] + w[1] * x[i + 1] + w[2] * x[i + 2]);
    expectClose(await y.data(), want, rounding(want.map(() => 10)));
  });

  it("ConvTranspose2d inverts a strided Conv2d's shape, and outputSize picks the padding", async () => {
    const layer = new mt.nn.ConvTranspose2d(4, 2, 3, {
      stride: 2,
      padding: 1,
      rng: new mt.Random(3),
    });
    if (backend !== "cpu") await layer.to(backend);
    const x = f32(valuesFor(5, 1 * 4 * 4 * 4), [1, 4, 4, 4]);
    expect(layer.forward(x).shape).toEqual([1, 2, 7, 7]);
    const y = layer.forward(x, [8, 8]);
    expect(y.shape).toEqual([1, 2, 8, 8]);
    const want = directConvTranspose(
      Array.from(await x.data()),
      [1, 4, 4, 4],
      Array.from(await layer.weight.value.data()),
      [4, 2, 3, 3],
      Array.from(await layer.bias!.value.data()),
      geometry(2, { stride: [2, 2], pad: [1, 1] }),
      [1, 1],
    );
    expectClose(await y.data(), want.out, rounding(want.scale));
    expect(layer.forward(x, [1, 2, 7, 8]).shape).toEqual([1, 2, 7, 8]);
    expect(() => layer.forward(x, [9, 8])).toThrow(
      /requested an output size of \[9,8\], but valid sizes range from 7 to 8/,
    );
  });

  itSync("gradients of conv1d / conv2d with every option agree with central differences", () => {
    const d = { backend, dtype: "float64", requiresGrad: true } as const;
    for (const [k, c] of [...conv2dCases, ...conv1dCases].entries()) {
      // Smaller batches keep the finite differences quick.
      const xShape = [1, ...c.x.slice(1)];
      const x = mt.randn(xShape, { ...d, seed: 3 * k });
      const w = mt.randn(c.w, { ...d, seed: 3 * k + 1 });
      const b = mt.randn([c.w[0]], { ...d, seed: 3 * k + 2 });
      expect(mt.testing.gradcheck((xi, wi, bi) => conv(c, xi, wi, bi), [x, w, b])).toBe(true);
    }
  });

  itSync("gradients of the transposed convolutions agree with central differences", () => {
    const d = { backend, dtype: "float64", requiresGrad: true } as const;
    for (const [k, c] of [...transposeCases, ...transpose1dCases].entries()) {
      const x = mt.randn([1, ...c.x.slice(1)], { ...d, seed: 5 * k });
      const w = mt.randn(c.w, { ...d, seed: 5 * k + 1 });
      const b = mt.randn([c.w[1] * c.geo.groups], { ...d, seed: 5 * k + 2 });
      expect(mt.testing.gradcheck((xi, wi, bi) => convT(c, xi, wi, bi), [x, w, b])).toBe(true);
    }
  });

  itSync("gradients flow through the padding modes", async () => {
    const d = { backend, dtype: "float64" } as const;
    const layer = new mt.nn.Conv2d(2, 2, 3, { padding: "same", paddingMode: "reflect", groups: 2 });
    await layer.to(backend);
    for (const p of layer.parameters()) p.update((p.value as Tensor).double().requiresGrad_());
    const x = mt.randn([1, 2, 4, 5], { ...d, seed: 1, requiresGrad: true });
    expect(mt.testing.gradcheck((xi) => layer.forward(xi), [x])).toBe(true);
  });

  itSync(
    "grouped, dilated and transposed convolutions hold flat memory over training steps",
    () => {
      const d = { backend, requiresGrad: true } as const;
      const leaves = [
        mt.randn([2, 4, 6, 6], { ...d, seed: 1 }),
        mt.randn([4, 2, 3, 3], { ...d, seed: 2 }),
        mt.randn([4], { ...d, seed: 3 }),
        mt.randn([4, 1, 2, 2], { ...d, seed: 4 }),
      ];
      const [x, w, b, wt] = leaves;
      const step = (grad: boolean) =>
        mt.tidy(() => {
          for (const t of leaves) t.zeroGrad();
          const h = F.conv2d(x, w, b, { groups: 2, dilation: 2, padding: "same" });
          const y = F.convTranspose2d(h, wt, null, { stride: 2, groups: 2, outputPadding: 1 });
          if (grad) y.sum().backward();
          return y.sum().item();
        });
      step(true);
      const before = mt.memory();
      for (let i = 0; i < 3; i++) step(true);
      mt.noGrad(() => step(false));
      expect(mt.memory()).toEqual(before);
    },
  );

  itSync("gives each input that asks for a gradient the same one, whichever others ask", () => {
    const grads = (ask: boolean[]) => {
      const d = { backend, dtype: "float64" } as const;
      const x = mt.randn([1, 4, 4, 4], { ...d, seed: 1, requiresGrad: ask[0] });
      const w = mt.randn([4, 3, 3, 3], { ...d, seed: 2, requiresGrad: ask[1] });
      const b = mt.randn([6], { ...d, seed: 3, requiresGrad: ask[2] });
      F.convTranspose2d(x, w, b, { groups: 2, stride: 2 }).square().sum().backward();
      return [x, w, b].map((t) => (t.grad ? Array.from(t.grad.dataSync()) : null));
    };
    const all = grads([true, true, true]);
    expect(grads([true, false, false])).toEqual([all[0], null, null]);
    expect(grads([false, true, false])).toEqual([null, all[1], null]);
    expect(grads([false, false, true])).toEqual([null, null, all[2]]);
  });

  it("rejects impossible options and sizes with typed errors naming the values", () => {
    const x = f32(new Array<number>(2 * 4 * 5 * 5).fill(0), [2, 4, 5, 5]);
    const w = f32(new Array<number>(8 * 4 * 9).fill(0), [8, 4, 3, 3]);
    expect(() => F.conv2d(x, w, null, { padding: "same", stride: 2 })).toThrow(
      /conv2d: padding "same" is not supported for strided convolutions/,
    );
    expect(() => F.conv2d(x, w, null, { padding: "full" as "same" })).toThrow(
      /conv2d: option padding must be a non-negative integer, a list of them, "valid" or "same", got "full"/,
    );
    expect(() => F.conv2d(x, w, null, { dilation: 0 })).toThrow(
      /dilation must be a positive integer or a pair of them, got 0/,
    );
    expect(() => F.conv2d(x, w, null, { groups: 1.5 })).toThrow(
      /conv2d: option groups must be a positive integer, got 1.5/,
    );
    expect(() => F.conv2d(x, w, null, { groups: 2 })).toThrow(
      /conv2d: input has 4 channels but weight expects 8 \(4 per group × groups=2\)/,
    );
    const w2 = f32(new Array<number>(3 * 2 * 9).fill(0), [3, 2, 3, 3]);
    expect(() => F.conv2d(x, w2, null, { groups: 2 })).toThrow(
      /the weight's 3 output channels do not divide into groups=2/,
    );
    expect(() => F.conv2d(x, w, null, { dilation: 3 })).toThrow(
      /kernel 3×3 dilated by 3×3 \(spanning 7×7\) is larger than the input 5×5 padded by 0×0/,
    );
    expect(() => new mt.nn.Conv2d(4, 6, 3, { groups: 4 })).toThrow(
      /Conv2d: outChannels \(6\) must be divisible by groups \(4\)/,
    );
    expect(() => new mt.nn.Conv1d(3, 6, 3, { padding: "same", stride: 2 })).toThrow(mt.DataError);
    expect(() => new mt.nn.Conv2d(1, 1, 3, { paddingMode: "mirror" as "reflect" })).toThrow(
      /paddingMode must be one of "zeros", "reflect", "replicate", "circular"/,
    );
    const wt = f32(new Array<number>(4 * 2 * 9).fill(0), [4, 2, 3, 3]);
    expect(() => F.convTranspose2d(x, wt, null, { stride: 2, outputPadding: 2 })).toThrow(
      /outputPadding must be smaller than either stride or dilation/,
    );
    expect(() => F.convTranspose2d(x, wt, null, { padding: 4 })).toThrow(
      /given input size per channel 5×5, the output size per channel -1×-1 is too small/,
    );
    expect(() => F.convTranspose2d(x, wt, null, { padding: "same" as unknown as 1 })).toThrow(
      mt.DataError,
    );
    expect(() => F.convTranspose2d(x, wt, null, { groups: 3 })).toThrow(
      /4 input channels do not divide into groups=3/,
    );
    expect(() => F.convTranspose2d(x, wt, f32([0, 0], [2]), { groups: 2 })).toThrow(
      /bias of shape \[2\] should be \[4\]/,
    );
    expect(() => F.convTranspose2d(x, w, null)).toThrow(
      /input has 4 channels but the weight expects 8/,
    );
    expect(() => new mt.nn.ConvTranspose2d(4, 2, 3, { paddingMode: "reflect" as "zeros" })).toThrow(
      /PyTorch supports only "zeros" padding mode for transposed convolutions/,
    );
    expect(() => F.convTranspose2d(x, wt, null, { outputPaddin: 1 } as object)).toThrow(
      /unknown option outputPaddin/,
    );
    expect(impl.name).toBe(backend);
  });
});

describe("convolution layers as PyTorch has them", () => {
  it("print as torch prints them, the default settings left out", () => {
    // print(nn.Conv2d(3, 8, 3, stride=2, padding=1, dilation=2, bias=False, padding_mode='reflect'))
    expect(
      new mt.nn.Conv2d(3, 8, 3, {
        stride: 2,
        padding: 1,
        dilation: 2,
        bias: false,
        paddingMode: "reflect",
      }).toString(),
    ).toBe(
      "Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), dilation=(2, 2), bias=False, padding_mode=reflect)",
    );
    // print(nn.Conv2d(4, 8, (3, 5), padding='same', groups=2)); print(nn.Conv2d(4, 8, 3, padding='valid'))
    expect(new mt.nn.Conv2d(4, 8, [3, 5], { padding: "same", groups: 2 }).toString()).toBe(
      "Conv2d(4, 8, kernel_size=(3, 5), stride=(1, 1), padding=same, groups=2)",
    );
    expect(new mt.nn.Conv2d(4, 8, 3, { padding: "valid" }).toString()).toBe(
      "Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), padding=valid)",
    );
    // print(nn.Conv1d(4, 8, 3, padding=2, dilation=2)); print(nn.Conv1d(4, 8, 3))
    expect(new mt.nn.Conv1d(4, 8, 3, { padding: 2, dilation: 2 }).toString()).toBe(
      "Conv1d(4, 8, kernel_size=(3,), stride=(1,), padding=(2,), dilation=(2,))",
    );
    expect(new mt.nn.Conv1d(4, 8, 3).toString()).toBe(
      "Conv1d(4, 8, kernel_size=(3,), stride=(1,))",
    );
    // print(nn.ConvTranspose2d(4, 8, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=2))
    expect(
      new mt.nn.ConvTranspose2d(4, 8, 3, {
        stride: 2,
        padding: 1,
        outputPadding: 1,
        groups: 2,
        dilation: 2,
      }).toString(),
    ).toBe(
      "ConvTranspose2d(4, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), dilation=(2, 2), output_padding=(1, 1), groups=2)",
    );
    expect(new mt.nn.ConvTranspose2d(4, 8, 3).toString()).toBe(
      "ConvTranspose2d(4, 8, kernel_size=(3, 3), stride=(1, 1))",
    );
  });

  it("grouped and transposed layers have PyTorch's parameter names, shapes and init bounds", () => {
    const grouped = new mt.nn.Conv2d(6, 4, 3, { groups: 2, rng: new mt.Random(0) });
    expect(grouped.weight.value.shape).toEqual([4, 3, 3, 3]);
    const t = new mt.nn.ConvTranspose2d(6, 4, [3, 2], { groups: 2, rng: new mt.Random(1) });
    expect(t.namedParameters().map(([n, p]) => [n, (p.value as Tensor).shape])).toEqual([
      ["weight", [6, 2, 3, 2]],
      ["bias", [4]],
    ]);
    expect(Object.keys(t.stateDict())).toEqual(["weight", "bias"]);
    // PyTorch's fan_in: weight.size(1) · Π kernel, for a convolution (in/groups) and a transposed
    // one (out/groups) alike.
    for (const [layer, fanIn] of [
      [grouped, 3 * 9],
      [t, 2 * 6],
    ] as const) {
      const bound = 1 / Math.sqrt(fanIn);
      for (const p of layer.parameters()) {
        const v = Array.from((p.value as Tensor).dataSync()).map(Math.abs);
        expect(Math.max(...v)).toBeLessThanOrEqual(bound);
        expect(Math.max(...v)).toBeGreaterThan(0.6 * bound);
      }
    }
    expect(new mt.nn.ConvTranspose1d(2, 3, 4, { bias: false }).weight.value.shape).toEqual([
      2, 3, 4,
    ]);
  });
});

/*
 * The course's tasks 4.1 and 4.2 (src/course/modules/m4_networks.ts) on the reference backend,
 * whose unfold and fold are the learner's: the forward (unfold, then one matmul) and the backward
 * (fold and the gradients) each checked on its own against the direct loop, so that the forward's
 * tests pass before any backward is written.
 */

const onReference = (values: readonly number[], shape: Shape, dtype: mt.DType = "float32") =>
  mt.Tensor.fromValues(values, shape, dtype, "reference");

/** A case as a call, for failure messages: `conv2d(x [2,3,7,8], w [4,3,3,2], bias, {…})`. */
function callOf(c: ConvCase): string {
  const name = c.x.length === 4 ? "conv2d" : "conv1d";
  return `${name}(x [${c.x}], w [${c.w}]${c.bias ? ", bias" : ", null"}, ${JSON.stringify(c.options)})`;
}

/** Windows for unfold and fold, named: [name, image shape, geometry]. */
const windowCases: [string, Shape, ConvGeometry][] = [
  ["3×3 windows, stride 1", [2, 2, 5, 6], { kh: 3, kw: 3, sh: 1, sw: 1, ph: 0, pw: 0 }],
  [
    "2×3 windows, stride [2, 1], padding [1, 2]",
    [1, 3, 5, 4],
    { kh: 2, kw: 3, sh: 2, sw: 1, ph: 1, pw: 2 },
  ],
  [
    "2×2 windows dilated by [2, 3], stride [1, 2], padding 1",
    [2, 1, 6, 7],
    { kh: 2, kw: 2, sh: 1, sw: 2, ph: 1, pw: 1, dh: 2, dw: 3 },
  ],
  [
    "1×4 windows of a one-row image (conv1d's)",
    [2, 2, 1, 9],
    { kh: 1, kw: 4, sh: 1, sw: 2, ph: 0, pw: 1 },
  ],
];

/**
 * unfold by its definition, over a row-major image: cols[b, (ch·kh + i)·kw + j, y·OW + x] =
 * image[b, ch, y·sh − ph + i·dh, x·sw − pw + j·dw], 0 outside the image.
 */
function unfoldHost(image: readonly number[], [n, c, h, w]: Shape, g: ConvGeometry) {
  const [dh, dw] = [g.dh ?? 1, g.dw ?? 1];
  const oh = Math.floor((h + 2 * g.ph - dh * (g.kh - 1) - 1) / g.sh) + 1;
  const ow = Math.floor((w + 2 * g.pw - dw * (g.kw - 1) - 1) / g.sw) + 1;
  const rows = c * g.kh * g.kw;
  const cols = new Array<number>(n * rows * oh * ow).fill(0);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let i = 0; i < g.kh; i++)
        for (let j = 0; j < g.kw; j++)
          for (let y = 0; y < oh; y++)
            for (let x = 0; x < ow; x++) {
              const [yy, xx] = [y * g.sh - g.ph + i * dh, x * g.sw - g.pw + j * dw];
              if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
              const row = (ch * g.kh + i) * g.kw + j;
              cols[(b * rows + row) * oh * ow + y * ow + x] =
                image[((b * c + ch) * h + yy) * w + xx];
            }
  return { cols, shape: [n, rows, oh * ow] };
}

describe("convolution forward on the reference backend", () => {
  it.each(windowCases)(
    "unfold copies every window into a column, 0 in the padding: %s",
    async (_, shape, g) => {
      const image = valuesFor(1, product(shape));
      const want = unfoldHost(image, shape, g);
      const cols = unfoldOp(onReference(image, shape), g);
      expect(cols.shape, "unfold's shape [N, C·kh·kw, OH·OW]").toEqual(want.shape);
      const at = (k: number) => {
        const [rows, length] = [want.shape[1], want.shape[2]];
        return `[${Math.floor(k / (rows * length))}, ${Math.floor(k / length) % rows}, ${k % length}]`;
      };
      const got = await cols.data();
      const wrong = want.cols.findIndex((v, k) => got[k] !== v);
      if (wrong >= 0) {
        expect.fail(
          `unfold of an image ${JSON.stringify(shape)} with ${JSON.stringify(g)}: cols${at(wrong)} is ${got[wrong]}, want ${want.cols[wrong]}`,
        );
      }
    },
  );

  it("unfold reads a permuted (channels-last) image through its strides", async () => {
    const g: ConvGeometry = { kh: 2, kw: 3, sh: 1, sw: 2, ph: 1, pw: 0 };
    // Stored [N, H, W, C], seen as [N, C, H, W].
    const stored = onReference(valuesFor(2, 2 * 4 * 5 * 3), [2, 4, 5, 3]);
    const image = stored.permute(0, 3, 1, 2);
    const logical = Array.from(await image.contiguous().data());
    const want = unfoldHost(logical, [2, 3, 4, 5], g);
    expect(Array.from(await unfoldOp(image, g).data()), "unfold of a permuted image").toEqual(
      want.cols,
    );
  });

  for (const [name, cases] of [
    ["conv2d", conv2dCases],
    ["conv1d", conv1dCases],
  ] as const) {
    it(`${name} is one matmul of the weight and the unfolded input: stride, padding, dilation, groups, bias`, async () => {
      for (const [k, c] of cases.entries()) {
        const xv = valuesFor(10 * k, product(c.x));
        const wv = valuesFor(10 * k + 1, product(c.w));
        const bv = c.bias ? valuesFor(10 * k + 2, c.w[0]) : null;
        const b = bv === null ? null : onReference(bv, [c.w[0]]);
        const y = conv(c, onReference(xv, c.x), onReference(wv, c.w), b);
        const want = directConv(xv, c.x, wv, c.w, bv, c.geo);
        expect(y.shape, `${callOf(c)}: the output's shape`).toEqual(want.shape);
        expectClose(await y.data(), want.out, rounding(want.scale), callOf(c));
      }
    });
  }

  it("convolves inputs that ask for a gradient to the same values", async () => {
    const c = conv2dCases[3];
    const xv = valuesFor(5, product(c.x));
    const wv = valuesFor(6, product(c.w));
    const bv = valuesFor(7, c.w[0]);
    const x = onReference(xv, c.x).requiresGrad_();
    const w = onReference(wv, c.w).requiresGrad_();
    const y = conv(c, x, w, onReference(bv, [c.w[0]]));
    const want = directConv(xv, c.x, wv, c.w, bv, c.geo);
    expectClose(await y.data(), want.out, rounding(want.scale), `${callOf(c)} with requiresGrad`);
  });
});

describe("convolution backward on the reference backend", () => {
  it("fold adds every column entry back to the element it came from (a 3×3 image of 2×2 windows of 1s)", async () => {
    const g: ConvGeometry = { kh: 2, kw: 2, sh: 1, sw: 1, ph: 0, pw: 0 };
    const ones = onReference(new Array<number>(16).fill(1), [1, 4, 4]);
    for (let round = 0; round < 2; round++) {
      // Each pixel gets one 1 per window covering it; a second fold must not add to the first.
      const folded = foldOp(ones, g, [1, 1, 3, 3]);
      expect(Array.from(await folded.data()), `fold, round ${round + 1}`).toEqual([
        1, 2, 1, 2, 4, 2, 1, 2, 1,
      ]);
    }
  });

  it.each(windowCases)(
    "fold is unfold's adjoint, ⟨unfold(x), c⟩ = ⟨x, fold(c)⟩: %s",
    async (_, shape, g) => {
      const image = valuesFor(3, product(shape));
      const { cols, shape: colsShape } = unfoldHost(image, shape, g);
      const c = valuesFor(4, cols.length);
      const folded = Array.from(
        await foldOp(onReference(c, colsShape, "float64"), g, shape).data(),
      );
      const left = cols.reduce((s, v, i) => s + v * c[i], 0);
      const right = image.reduce((s, v, i) => s + v * folded[i], 0);
      expectClose(right, left, { digits: 10 }, `⟨x, fold(c)⟩ for ${JSON.stringify(g)}`);
    },
  );

  for (const [name, cases] of [
    ["conv2d", conv2dCases],
    ["conv1d", conv1dCases],
  ] as const) {
    it(`${name}'s input gradient is fold(Wᵀ · g), as the direct loop's`, async () => {
      for (const [k, c] of cases.entries()) {
        const xv = valuesFor(10 * k, product(c.x));
        const wv = valuesFor(10 * k + 1, product(c.w));
        const x = onReference(xv, c.x).requiresGrad_();
        const y = conv(c, x, onReference(wv, c.w), null);
        const gv = valuesFor(99 + k, y.numel());
        y.mul(onReference(gv, y.shape)).sum().backward();
        const want = directConv(xv, c.x, wv, c.w, null, c.geo, gv);
        const scale = want.dx.map(() => product(c.w.slice(1)) * 4);
        const got = x.grad === null ? [] : await x.grad.data();
        expectClose(got, want.dx, rounding(scale), `d(Σ g·${callOf(c)})/dx`);
      }
    });

    it(`${name}'s gradients of input, weight and bias agree with central differences`, () => {
      const d = { backend: "reference", dtype: "float64", requiresGrad: true } as const;
      for (const [k, c] of cases.entries()) {
        // One sample keeps the central differences quick.
        const x = mt.randn([1, ...c.x.slice(1)], { ...d, seed: 3 * k });
        const w = mt.randn(c.w, { ...d, seed: 3 * k + 1 });
        const b = mt.randn([c.w[0]], { ...d, seed: 3 * k + 2 });
        expectGradients(`gradients of ${callOf(c)}`, (xi, wi, bi) => conv(c, xi, wi, bi), [
          x,
          w,
          b,
        ]);
      }
    });
  }

  it("gives each input that asks for a gradient the same one, and the bias N·OH·OW", () => {
    const grads = (ask: [boolean, boolean, boolean]) => {
      const d = { backend: "reference", dtype: "float64" } as const;
      const x = mt.randn([2, 2, 5, 5], { ...d, seed: 1, requiresGrad: ask[0] });
      const w = mt.randn([3, 2, 3, 3], { ...d, seed: 2, requiresGrad: ask[1] });
      const b = mt.randn([3], { ...d, seed: 3, requiresGrad: ask[2] });
      F.conv2d(x, w, b, { padding: 1 }).sum().backward();
      return [x, w, b].map((t) => (t.grad === null ? null : Array.from(t.grad.dataSync())));
    };
    const all = grads([true, true, true]);
    expect(grads([true, false, false]), "only x asks").toEqual([all[0], null, null]);
    expect(grads([false, true, false]), "only the weight asks").toEqual([null, all[1], null]);
    expect(grads([false, false, true]), "only the bias asks").toEqual([null, null, all[2]]);
    // d(Σ out)/d bias[o] = N·OH·OW = 2·5·5 for every o.
    expect(all[2], "d(Σ out)/d bias").toEqual([50, 50, 50]);
  });
});
