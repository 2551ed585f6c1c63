import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";
import { loadedBackendNames, usable } from "./backends.js";
import { expectClose } from "./close.js";

/**
 * BatchNorm (functional and layers) and GroupNorm, on every backend that loads here. Expected
 * values come from plain-JS loops over row-major arrays, and the running statistics after several
 * training steps from PyTorch 1.13 (the snippet that made them is next to them); gradients are
 * checked against float64 central differences where the backend reads synchronously in float64.
 */

const F = mt.nn.functional;
type Tensor = mt.Tensor;

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** Per-channel statistics of a row-major [N, C, rest] array: mean and biased variance. */
function channelStats(x: readonly number[], n: number, c: number, rest: number) {
  const mean: number[] = [];
  const variance: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    const vs: number[] = [];
    for (let i = 0; i < n; i++) vs.push(...x.slice((i * c + ch) * rest, (i * c + ch + 1) * rest));
    const m = vs.reduce((a, b) => a + b, 0) / vs.length;
    mean.push(m);
    variance.push(vs.reduce((a, b) => a + (b - m) ** 2, 0) / vs.length);
  }
  return { mean, variance, count: n * rest };
}

/** Plain-JS (x − mean[ch]) / √(var[ch] + eps) · w[ch] + b[ch] over a row-major [N, C, rest]. */
function normalizeRows(
  x: readonly number[],
  c: number,
  rest: number,
  stats: { mean: readonly number[]; variance: readonly number[] },
  eps = 1e-5,
  w: readonly number[] = new Array(c).fill(1),
  b: readonly number[] = new Array(c).fill(0),
): number[] {
  return x.map((v, i) => {
    const ch = Math.floor(i / rest) % c;
    return ((v - stats.mean[ch]) / Math.sqrt(stats.variance[ch] + eps)) * w[ch] + b[ch];
  });
}

/** The deterministic batch of the PyTorch snippet: sin(1.3 i + 0.7 step)·(1 + step) + 0.1 step. */
function batchValues(size: number, step: number): number[] {
  return Array.from(
    { length: size },
    (_, i) => Math.sin(1.3 * i + 0.7 * step) * (1 + step) + 0.1 * step,
  );
}

/*
 * Made with /usr/bin/python3 (torch 1.13):
 *   def batch(shape, step):
 *       n = math.prod(shape)
 *       return torch.tensor([math.sin(1.3*i + 0.7*step)*(1 + step) + 0.1*step for i in range(n)],
 *                           dtype=torch.float32).reshape(shape)
 *   def run(bn, shape, steps=3):
 *       bn.train()
 *       for s in range(steps): bn(batch(shape, s))
 *       bn.eval(); out = bn(batch(shape, steps))
 *       print(bn.running_mean, bn.running_var, bn.num_batches_tracked, out.flatten()[:6])
 *   run(torch.nn.BatchNorm2d(3), [2, 3, 2, 2])
 *   run(torch.nn.BatchNorm1d(2, momentum=None), [3, 2, 4])
 *   run(torch.nn.BatchNorm1d(4, momentum=0.5, eps=1e-3), [5, 4])
 */
const fromTorch = [
  {
    make: () => new mt.nn.BatchNorm2d(3),
    shape: [2, 3, 2, 2],
    mean: [0.023529, 0.027695, 0.033249],
    var: [1.620002, 1.414944, 1.460394],
    out: [2.930011, -0.58587, -2.925228, -0.660899, 3.088688, 2.698481],
  },
  {
    make: () => new mt.nn.BatchNorm1d(2, { momentum: null }),
    shape: [3, 2, 4],
    mean: [0.089919, 0.105169],
    var: [2.533513, 2.579244],
    out: [2.301256, -0.510197, -2.380852, -0.570194, 2.239455, 1.950441],
  },
  {
    make: () => new mt.nn.BatchNorm1d(4, { momentum: 0.5, eps: 1e-3 }),
    shape: [5, 4],
    mean: [-0.142511, 0.220353, 0.443525, 0.200057],
    var: [3.440955, 3.93271, 2.992781, 4.111854],
    out: [2.099635, -0.475213, -2.394571, -0.50183, 2.072096, 1.521276],
  },
];

describe.each(loadedBackendNames)("normalization on the %s backend", (backend) => {
  const { impl, sync } = usable(backend);
  const wide: mt.DType = impl.dtypes.includes("float64") ? "float64" : "float32";
  const digits = wide === "float64" ? 10 : 5;
  const itSync = it.runIf(sync);
  const randn = (shape: number[], seed: number, requiresGrad = false) =>
    mt.randn(shape, { seed, backend, dtype: wide, requiresGrad });
  const full = (n: number, v: number) => mt.full([n], v, { backend, dtype: wide });
  const batch = (shape: number[], step: number) =>
    mt
      .tensor(
        batchValues(
          shape.reduce((a, b) => a * b, 1),
          step,
        ),
        { backend },
      )
      .reshape(shape);

  describe("batchNorm", () => {
    it("normalizes with the batch statistics in training and updates the running ones in place", async () => {
      const x = randn([4, 3, 5], 1);
      const xs = await values(x);
      const stats = channelStats(xs, 4, 3, 5);
      const [rm, rv] = [randn([3], 2), full(3, 2)];
      const [rm0, rv0] = [await values(rm), await values(rv)];
      const weight = randn([3], 3);
      const bias = randn([3], 4);
      const [ws, bs] = [await values(weight), await values(bias)];
      const out = F.batchNorm(x, rm, rv, { weight, bias, training: true, momentum: 0.3 });
      expectClose(await values(out), normalizeRows(xs, 3, 5, stats, 1e-5, ws, bs), { digits });
      const unbiased = stats.variance.map((v) => (v * stats.count) / (stats.count - 1));
      expectClose(
        await values(rm),
        rm0.map((r, i) => 0.7 * r + 0.3 * stats.mean[i]),
        { digits },
      );
      expectClose(
        await values(rv),
        rv0.map((r, i) => 0.7 * r + 0.3 * unbiased[i]),
        { digits },
      );
      expect(rm.requiresGrad).toBe(false);
    });

    it("uses the running statistics in evaluation mode and leaves them alone", async () => {
      const x = randn([2, 3, 2, 2], 5);
      const [rm, rv] = [randn([3], 6), full(3, 0.5)];
      const running = { mean: await values(rm), variance: await values(rv) };
      const out = F.batchNorm(x, rm, rv, { eps: 0.01 });
      expectClose(await values(out), normalizeRows(await values(x), 3, 4, running, 0.01), {
        digits,
      });
      expect(await values(rm)).toEqual(running.mean);
    });

    it("uses the batch statistics when there are no running ones", async () => {
      const x = randn([6, 2], 7);
      const stats = channelStats(await values(x), 6, 2, 1);
      const out = F.batchNorm(x, null, null, { training: true });
      expectClose(await values(out), normalizeRows(await values(x), 2, 1, stats), { digits });
      expect(() => F.batchNorm(x, null, null)).toThrow(/must be defined in evaluation mode/);
    });

    itSync("passes gradcheck through the batch statistics, in x, weight and bias", () => {
      const fn = (x: Tensor, w: Tensor, b: Tensor) =>
        F.batchNorm(x, null, null, { weight: w, bias: b, training: true });
      const inputs = [randn([3, 2, 4], 8, true), randn([2], 9, true), randn([2], 10, true)];
      expect(mt.testing.gradcheck(fn, inputs)).toBe(true);
      const evalFn = (x: Tensor) => F.batchNorm(x, full(2, 0.3), full(2, 1.5));
      expect(mt.testing.gradcheck(evalFn, [randn([3, 2], 11, true)])).toBe(true);
    });

    it("checks its arguments", () => {
      const x = randn([2, 3], 1);
      expect(() => F.batchNorm(x, full(4, 0), full(4, 1))).toThrow(/should contain 3 elements/);
      expect(() => F.batchNorm(x, null, null, { training: true, weight: full(2, 1) })).toThrow(
        mt.ShapeError,
      );
      expect(() => F.batchNorm(randn([1, 3], 2), null, null, { training: true })).toThrow(
        /more than 1 value per channel/,
      );
      expect(() => F.batchNorm(randn([3], 2), null, null, { training: true })).toThrow(
        mt.ShapeError,
      );
      expect(() => F.batchNorm(x, null, null, { momentum: null } as never)).toThrow(
        /option momentum/,
      );
      expect(() => F.batchNorm(x, null, null, { trainig: true } as never)).toThrow(
        /unknown option trainig/,
      );
    });
  });

  describe("BatchNorm1d and BatchNorm2d", () => {
    it.each(fromTorch)("track running statistics as PyTorch does (%#)", async (c) => {
      const bn = await c.make().to(backend);
      for (let step = 0; step < 3; step++) bn.forward(batch(c.shape, step));
      bn.eval();
      const out = bn.forward(batch(c.shape, 3));
      const tol = { rel: 1e-4, abs: 1e-5 };
      expectClose(await values(bn.runningMean as Tensor), c.mean, tol);
      expectClose(await values(bn.runningVar as Tensor), c.var, tol);
      expect(await values(bn.numBatchesTracked as Tensor)).toEqual([3]);
      expectClose((await values(out)).slice(0, 6), c.out, tol);
    });

    it("switch between batch and running statistics with train() and eval()", async () => {
      const bn = await new mt.nn.BatchNorm1d(3, { momentum: 1 }).to(backend);
      const x = randn([5, 3, 2], 12);
      const xs = await values(x);
      const stats = channelStats(xs, 5, 3, 2);
      expectClose(await values(bn.forward(x)), normalizeRows(xs, 3, 2, stats), { digits: 4 });
      // momentum 1: the running statistics are the last batch's, the variance unbiased.
      const unbiased = stats.variance.map((v) => (v * 10) / 9);
      bn.eval();
      const y = randn([2, 3, 2], 13);
      const want = normalizeRows(await values(y), 3, 2, { mean: stats.mean, variance: unbiased });
      expectClose(await values(bn.forward(y)), want, { digits: 4 });
      expect(await values(bn.numBatchesTracked as Tensor)).toEqual([1]);
      bn.train();
      bn.forward(y);
      expect(await values(bn.numBatchesTracked as Tensor)).toEqual([2]);
    });

    it("have PyTorch's state dict keys, with and without affine and running statistics", () => {
      const keys = (m: mt.nn.Module) => Object.keys(m.stateDict());
      const all = ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"];
      expect(keys(new mt.nn.BatchNorm2d(4))).toEqual(all);
      expect(keys(new mt.nn.BatchNorm1d(4, { affine: false }))).toEqual(all.slice(2));
      const untracked = new mt.nn.BatchNorm1d(4, { trackRunningStats: false });
      expect(keys(untracked)).toEqual(["weight", "bias"]);
      expect(untracked.runningMean).toBeNull();
      const sd = new mt.nn.BatchNorm1d(2).stateDict();
      expect((sd.num_batches_tracked as Tensor).dtype).toBe("int32");
      expect((sd.num_batches_tracked as Tensor).shape).toEqual([]);
      expect(new mt.nn.BatchNorm1d(2).parameters()).toHaveLength(2);
    });

    it("without running statistics normalize with the batch's in eval mode too", async () => {
      const bn = (await new mt.nn.BatchNorm1d(2, { trackRunningStats: false }).to(backend)).eval();
      const x = randn([4, 2], 14);
      const stats = channelStats(await values(x), 4, 2, 1);
      expectClose(await values(bn.forward(x)), normalizeRows(await values(x), 2, 1, stats), {
        digits: 4,
      });
    });

    it("without affine learn nothing and only normalize", async () => {
      const bn = await new mt.nn.BatchNorm2d(2, { affine: false }).to(backend);
      expect(bn.parameters()).toHaveLength(0);
      const x = randn([2, 2, 3, 3], 15);
      const stats = channelStats(await values(x), 2, 2, 9);
      expectClose(await values(bn.forward(x)), normalizeRows(await values(x), 2, 9, stats), {
        digits: 4,
      });
    });

    it("learn weight and bias by backward", async () => {
      const bn = await new mt.nn.BatchNorm1d(2).to(backend);
      const x = randn([4, 2], 16);
      const normalized = await values(bn.forward(x));
      bn.forward(x).mul(x).sum().backward();
      const grad = await values(bn.weight?.value.grad as Tensor);
      const xs = await values(x);
      // d/dw_c Σ (x̂·w + b)·x = Σ x̂·x over channel c.
      const want = [0, 1].map((c) =>
        normalized.reduce((a, v, i) => a + (i % 2 === c ? v * xs[i] : 0), 0),
      );
      expectClose(grad, want, { digits: 4 });
      expect(await values(bn.bias?.value.grad as Tensor)).toHaveLength(2);
    });

    it("keep their running statistics through a training step inside tidy", async () => {
      const bn = await new mt.nn.BatchNorm1d(3).to(backend);
      const opt = new mt.optim.SGD(bn.parameters(), { lr: 0.1 });
      const x = randn([4, 3], 17);
      const stats = channelStats(await values(x), 4, 3, 1);
      for (let step = 0; step < 2; step++) {
        mt.tidy(() => {
          opt.zeroGrad();
          bn.forward(x).mul(x).sum().backward();
          opt.step();
        });
      }
      // Two steps of momentum 0.1 from 0 towards the same batch mean: 0.19 of it.
      expectClose(
        await values(bn.runningMean as Tensor),
        stats.mean.map((m) => 0.19 * m),
        {
          digits: 4,
        },
      );
      expect(await values(bn.numBatchesTracked as Tensor)).toEqual([2]);
    });

    it("round-trip their state dict through safetensors and never write into a loaded dict", async () => {
      const bn = await new mt.nn.BatchNorm1d(2).to(backend);
      bn.forward(batch([3, 2], 0));
      const bytes = await mt.io.encodeSafetensors(bn.stateDict(), undefined, { int64: true });
      // The header: an 8-byte little-endian length, then JSON; PyTorch's counter is int64.
      const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
      expect(header.num_batches_tracked.dtype).toBe("I64");
      expect(header.running_var.dtype).toBe("F32");
      const { tensors } = mt.io.decodeSafetensors(bytes, "bn.safetensors", { backend });
      const copy = new mt.nn.BatchNorm1d(2);
      await copy.to(backend);
      copy.loadStateDict(tensors);
      expect(await values(copy.runningMean as Tensor)).toEqual(
        await values(bn.runningMean as Tensor),
      );
      expect(await values(copy.numBatchesTracked as Tensor)).toEqual([1]);
      const before = await values(tensors.running_mean as Tensor);
      mt.tidy(() => copy.forward(batch([3, 2], 1)));
      expect(await values(tensors.running_mean as Tensor)).toEqual(before);
      expect(await values(tensors.num_batches_tracked as Tensor)).toEqual([1]);
      expect(await values(copy.numBatchesTracked as Tensor)).toEqual([2]);
      // The copy made inside tidy survived it.
      expect(await values(copy.runningMean as Tensor)).not.toEqual(before);
    });

    it("load a dict with PyTorch's names and values, and use it in eval mode", async () => {
      const bn = (await new mt.nn.BatchNorm1d(2).to(backend)).eval();
      const t = (v: number[]) => mt.tensor(v, { backend });
      bn.loadStateDict({
        weight: t([2, 1]),
        bias: t([0, 1]),
        running_mean: t([1, -1]),
        running_var: t([4, 0.25]),
        num_batches_tracked: mt.tensor(7, { dtype: "int32", backend }),
      });
      const out = await values(bn.forward(t([3, 0, -1, -1.5]).reshape([2, 2])));
      const want = [3, 0, -1, -1.5].map((v, i) => {
        const [m, s, w, b] = i % 2 === 0 ? [1, 2, 2, 0] : [-1, 0.5, 1, 1];
        return ((v - m) / Math.sqrt(s * s + 1e-5)) * w + b;
      });
      expectClose(out, want, { digits: 4 });
      expect(() => bn.loadStateDict({ weight: t([1, 1]) })).toThrow(/missing keys/);
      // A plain number as the batch count (what a hand-written dict may hold) counts on.
      bn.loadStateDict({ ...bn.stateDict(), num_batches_tracked: 7 });
      bn.train().forward(t([3, 0, -1, -1.5]).reshape([2, 2]));
      expect(await values(bn.numBatchesTracked as Tensor)).toEqual([8]);
    });

    it("refuse inputs of another rank, one value per channel, and bad options", () => {
      expect(() => new mt.nn.BatchNorm1d(3).forward(randn([2, 3, 4, 5], 1))).toThrow(
        /BatchNorm1d: expected 2D or 3D input \(got 4D input of shape \[2,3,4,5\]\)/,
      );
      expect(() => new mt.nn.BatchNorm2d(3).forward(randn([2, 3, 4], 1))).toThrow(
        /expected 4D input \(got 3D input/,
      );
      const bn = new mt.nn.BatchNorm1d(3);
      expect(() => bn.forward(mt.zeros([1, 3]))).toThrow(mt.DataError);
      expect(() => bn.forward(mt.zeros([2, 4]))).toThrow(/should contain 4 elements/);
      // Nothing was counted for the refused batches.
      expect(bn.numBatchesTracked?.item()).toBe(0);
      expect(() => new mt.nn.BatchNorm1d(3, { momentum: "0.1" } as never)).toThrow(/momentum/);
      expect(() => new mt.nn.BatchNorm1d(3, { affin: false } as never)).toThrow(/unknown option/);
      expect(() => new mt.nn.BatchNorm1d(0)).toThrow(/numFeatures/);
    });

    it("print as PyTorch", () => {
      expect(String(new mt.nn.BatchNorm2d(8))).toBe(
        "BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)",
      );
      const other = new mt.nn.BatchNorm1d(8, {
        momentum: null,
        affine: false,
        trackRunningStats: false,
      });
      expect(String(other)).toBe(
        "BatchNorm1d(8, eps=1e-05, momentum=None, affine=False, track_running_stats=False)",
      );
      expect(String(new mt.nn.BatchNorm1d(3, { eps: 1e-3, momentum: 0.5 }))).toBe(
        "BatchNorm1d(3, eps=0.001, momentum=0.5, affine=True, track_running_stats=True)",
      );
    });
  });

  describe("groupNorm and GroupNorm", () => {
    it("normalize each sample's channel groups, then scale and shift per channel", async () => {
      const x = randn([2, 6, 3], 20);
      const xs = await values(x);
      const weight = randn([6], 21);
      const bias = randn([6], 22);
      const [ws, bs] = [await values(weight), await values(bias)];
      // Each group is 2 channels × 3 = 6 consecutive values of a sample.
      const want: number[] = [];
      for (let g = 0; g < 6; g++) {
        const vs = xs.slice(g * 6, g * 6 + 6);
        const m = vs.reduce((a, b) => a + b, 0) / 6;
        const v = vs.reduce((a, b) => a + (b - m) ** 2, 0) / 6;
        vs.forEach((value, j) => {
          const ch = ((g % 3) * 2 + Math.floor(j / 3)) % 6;
          want.push(((value - m) / Math.sqrt(v + 1e-5)) * ws[ch] + bs[ch]);
        });
      }
      expectClose(await values(F.groupNorm(x, 3, { weight, bias })), want, { digits });
      const layer = await new mt.nn.GroupNorm(3, 6).to(backend);
      layer.weight?.update(weight);
      layer.bias?.update(bias);
      expectClose(await values(layer.forward(x)), want, { digits });
    });

    it("with one group per channel is instance norm, and ignores train/eval", async () => {
      const x = randn([2, 2, 4], 23);
      const stats = channelStats(await values(x), 1, 4, 4); // every (sample, channel) row alone
      const want = normalizeRows(await values(x), 4, 4, stats);
      const layer = await new mt.nn.GroupNorm(2, 2, { affine: false }).to(backend);
      expect(layer.parameters()).toHaveLength(0);
      expectClose(await values(layer.forward(x)), want, { digits });
      expectClose(await values(layer.eval().forward(x)), want, { digits });
    });

    itSync("passes gradcheck in x, weight and bias", () => {
      const fn = (x: Tensor, w: Tensor, b: Tensor) => F.groupNorm(x, 2, { weight: w, bias: b });
      const inputs = [randn([2, 4, 3], 24, true), randn([4], 25, true), randn([4], 26, true)];
      expect(mt.testing.gradcheck(fn, inputs)).toBe(true);
    });

    it("check channels against groups, and print as PyTorch", () => {
      expect(() => new mt.nn.GroupNorm(3, 8)).toThrow(/divisible by numGroups/);
      expect(() => F.groupNorm(randn([2, 8], 1), 3)).toThrow(mt.ShapeError);
      expect(() => F.groupNorm(randn([8], 1), 2)).toThrow(/at least 2 dims/);
      expect(() => F.groupNorm(randn([2, 4], 1), 2, { weight: randn([3], 0) })).toThrow(
        /weight has shape \[3\]/,
      );
      expect(String(new mt.nn.GroupNorm(2, 8))).toBe("GroupNorm(2, 8, eps=1e-05, affine=True)");
      expect(String(new mt.nn.GroupNorm(2, 8, { eps: 0.001, affine: false }))).toBe(
        "GroupNorm(2, 8, eps=0.001, affine=False)",
      );
    });
  });
});
