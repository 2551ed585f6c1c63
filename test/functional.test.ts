import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";
import { loadedBackendNames, usable } from "./backends.js";
import { expectClose } from "./close.js";
import { expectGradients } from "./expect_gradients.js";

/**
 * mt.nn.functional (everything but convolution), on every backend that loads here (see
 * test/backends.ts). Expected values are computed here with plain JS loops over row-major arrays;
 * gradients are checked against float64 central differences (`mt.testing.gradcheck`). Values are
 * read with `await t.data()`, so float32 tests run on GPU backends too; tests that need float64
 * (gradcheck, values to 10 digits) or a synchronous read run where the backend has both.
 */

const F = mt.nn.functional;
type Tensor = mt.Tensor;

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** The value of a one-element tensor, read asynchronously. */
async function only(t: Tensor): Promise<number> {
  expect(t.numel()).toBe(1);
  return (await t.data())[0];
}

/** Row-major [rows, cols] → per-row plain-JS log-softmax, with a log-sum-exp written out. */
function logSoftmaxRows(x: readonly number[], rows: number, cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = x.slice(r * cols, (r + 1) * cols);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    for (const v of row) out.push(v - lse);
  }
  return out;
}

/** Windows of a row-major [n, c, h, w] image, each as a list of kh·kw values in (i, j) order. */
function windowsOf(
  x: readonly number[],
  [n, c, h, w]: readonly number[],
  kh: number,
  kw: number,
): number[][] {
  const result: number[][] = [];
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let oy = 0; oy < h / kh; oy++)
        for (let ox = 0; ox < w / kw; ox++) {
          const win: number[] = [];
          for (let i = 0; i < kh; i++)
            for (let j = 0; j < kw; j++)
              win.push(x[((b * c + ch) * h + oy * kh + i) * w + ox * kw + j]);
          result.push(win);
        }
  return result;
}

/**
 * Inverted dropout on `backend`: about 1 − p of 10,000 elements kept (within 5 standard
 * deviations of a binomial fraction), each kept one scaled by 1/(1 − p), the rest zero.
 */
async function expectInvertedDropout(backend: mt.BackendName): Promise<void> {
  const x = mt.randn([100, 100], { seed: 8, backend });
  const xs = await values(x);
  for (const p of [0.1, 0.5, 0.8]) {
    const y = await values(F.dropout(x, p, true, { rng: new mt.Random(9) }));
    const kept = y.filter((v) => v !== 0).length;
    const sd = Math.sqrt((p * (1 - p)) / xs.length);
    const fraction = `dropout(x, ${p}): the fraction kept, ${kept / xs.length}, against 1 − p`;
    expect(Math.abs(kept / xs.length - (1 - p)), fraction).toBeLessThan(5 * sd);
    const i = y.findIndex((v, k) => v !== 0 && Math.abs(v - xs[k] / (1 - p)) >= 5e-6);
    if (i >= 0) expect.fail(`dropout(x, ${p}): kept x[${i}] = ${xs[i]} as ${y[i]}, want x/(1 − p)`);
  }
}

/**
 * Dropout's mask on `backend` repeats after `manualSeed`, moves on with the global generator, and
 * is the same from an `rng` and a `generator` seeded alike.
 */
async function expectReproducibleDropout(backend: mt.BackendName): Promise<void> {
  const x = mt.ones([1000], { backend });
  mt.manualSeed(42);
  const a = await values(F.dropout(x, 0.5));
  mt.manualSeed(42);
  const b = await values(F.dropout(x, 0.5));
  const c = await values(F.dropout(x, 0.5));
  expect(a, "two masks after manualSeed(42)").toEqual(b);
  expect(c, "the next mask (the generator moved on)").not.toEqual(b);
  const d = await values(F.dropout(x, 0.5, true, { rng: new mt.Random(7) }));
  const e = await values(F.dropout(x, 0.5, true, { rng: new mt.Random(7) }));
  const f = await values(F.dropout(x, 0.5, true, { generator: new mt.Random(7) }));
  expect(d, "masks from two rngs seeded 7").toEqual(e);
  expect(f, "the mask from a generator seeded 7").toEqual(d);
}

describe.each(loadedBackendNames)("nn.functional on the %s backend", (backend) => {
  const { impl, sync } = usable(backend);
  /** float64 where the backend stores it; float32 on GPU backends (for tests where either works). */
  const wide: mt.DType = impl.dtypes.includes("float64") ? "float64" : "float32";
  /** A test that needs float64 and synchronous reads (gradcheck, values to 10 digits). */
  const itSync = it.runIf(sync);
  const randn = (shape: number[], seed: number, requiresGrad = false) =>
    mt.randn(shape, { seed, backend, dtype: wide, requiresGrad });

  describe("softmax and logSoftmax", () => {
    itSync("match plain-JS values along each dim, negative dims included", async () => {
      const x = randn([3, 4], 1);
      const xs = await values(x);
      expectClose(await values(F.logSoftmax(x, 1)), logSoftmaxRows(xs, 3, 4), { digits: 10 });
      expectClose(await values(F.logSoftmax(x, -1)), logSoftmaxRows(xs, 3, 4), { digits: 10 });
      expectClose(await values(F.softmax(x, 1)), logSoftmaxRows(xs, 3, 4).map(Math.exp), {
        digits: 10,
      });
      // Along dim 0: the same computation on the transpose.
      const xt = await values(x.transpose(0, 1).contiguous());
      const expectedT = logSoftmaxRows(xt, 4, 3).map(Math.exp);
      const got = F.softmax(x, 0).transpose(0, 1).contiguous();
      expectClose(await values(got), expectedT, { digits: 10 });
    });

    it("are stable for logits of ±1000: finite values and gradients", async () => {
      const x = mt.tensor(
        [
          [1000, -1000, 0],
          [-1000, -1000, 1000],
        ],
        { backend, requiresGrad: true },
      );
      expectClose(await values(F.logSoftmax(x, 1)), [0, -2000, -1000, -2000, -2000, 0], {
        digits: 3,
      });
      expectClose(await values(F.softmax(x, 1)), [1, 0, 0, 0, 0, 1], { digits: 6 });
      F.logSoftmax(x, 1)
        .mul(mt.tensor([1, 2, 3], { backend }))
        .sum()
        .backward();
      const grad = await values(x.grad as Tensor);
      expect(grad.every(Number.isFinite)).toBe(true);
      // d/dx Σ w·logSoftmax(x) = w − softmax(x)·Σw, with softmax one-hot here.
      expectClose(grad, [1 - 6, 2, 3, 1, 2, 3 - 6], { digits: 4 });
      const y = mt.tensor([[1000, -1000, 0]], { backend, requiresGrad: true });
      F.softmax(y, 1)
        .mul(mt.tensor([1, 2, 3], { backend }))
        .sum()
        .backward();
      expect((await values(y.grad as Tensor)).every(Number.isFinite)).toBe(true);
    });

    itSync("have gradients that agree with central differences", () => {
      const x = randn([3, 5], 2, true);
      for (const dim of [0, 1]) {
        expect(mt.testing.gradcheck((a) => F.softmax(a, dim), [x])).toBe(true);
        expect(mt.testing.gradcheck((a) => F.logSoftmax(a, dim), [x])).toBe(true);
      }
      expect(mt.testing.gradcheck((a) => F.logSoftmax(a, 1), [randn([2, 3, 4], 3, true)])).toBe(
        true,
      );
    });

    it("reject a dim out of range with a ShapeError", () => {
      expect(() => F.softmax(randn([2, 3], 4), 2)).toThrow(mt.ShapeError);
      expect(() => F.logSoftmax(randn([2, 3], 4), -3)).toThrow(/logSoftmax: dim -3/);
    });
  });

  describe("tile and pooling", () => {
    it("tile lays each kh×kw window along a new last dim", async () => {
      const shape = [2, 3, 4, 6];
      const x = mt.arange(144, { backend }).reshape(shape);
      const t = F.tile(x, [2, 3]);
      expect(t.shape).toEqual([2, 3, 2, 2, 6]);
      expect(await values(t.contiguous())).toEqual(windowsOf(await values(x), shape, 2, 3).flat());
      expect(F.tile(x, 2).shape).toEqual([2, 3, 2, 3, 4]);
    });

    it("avgpool2d and maxpool2d match plain-JS window means and maxima", async () => {
      const shape = [2, 3, 4, 6];
      const x = mt.randn(shape, { seed: 5, backend });
      const xs = await values(x);
      for (const kernel of [2, [2, 3] as [number, number], [4, 1] as [number, number]]) {
        const [kh, kw] = typeof kernel === "number" ? [kernel, kernel] : kernel;
        const wins = windowsOf(xs, shape, kh, kw);
        const avg = F.avgPool2d(x, kernel);
        expect(avg.shape).toEqual([2, 3, 4 / kh, 6 / kw]);
        expectClose(
          await values(avg),
          wins.map((win) => win.reduce((s, v) => s + v, 0) / win.length),
          { digits: 5 },
        );
        const mx = F.maxPool2d(x, kernel);
        expect(mx.shape).toEqual([2, 3, 4 / kh, 6 / kw]);
        expect(await values(mx)).toEqual(wins.map((win) => Math.max(...win)));
      }
    });

    it("pool a non-contiguous input the same as its contiguous copy", async () => {
      const x = mt.randn([2, 4, 3, 4], { seed: 6, backend }).permute(0, 2, 3, 1);
      expect(await values(F.maxPool2d(x, 2))).toEqual(await values(F.maxPool2d(x.contiguous(), 2)));
      expect(await values(F.avgPool2d(x, 2))).toEqual(await values(F.avgPool2d(x.contiguous(), 2)));
    });

    itSync("have gradients that agree with central differences", () => {
      // randn values are distinct, so no max window has a tie.
      const x = randn([2, 2, 4, 6], 7, true);
      expect(mt.testing.gradcheck((a) => F.avgPool2d(a, [2, 3]), [x])).toBe(true);
      expect(mt.testing.gradcheck((a) => F.maxPool2d(a, [2, 3]), [x])).toBe(true);
      expect(mt.testing.gradcheck((a) => F.maxPool2d(a, 2), [x])).toBe(true);
      expect(mt.testing.gradcheck((a) => F.tile(a, [2, 2]).mul(a.sum()), [x])).toBe(true);
    });

    it("maxpool2d gives a window's gradient to its first max, as PyTorch", async () => {
      const x = mt.tensor(
        [
          [
            [
              [1, 5, 2, 2],
              [5, 0, 2, 2],
            ],
          ],
        ],
        { backend, requiresGrad: true },
      );
      // torch: F.max_pool2d(x, 2).sum().backward() → x.grad [0, 1, 1, 0, 0, 0, 0, 0]
      F.maxPool2d(x, 2).sum().backward();
      expect(await values(x.grad as Tensor)).toEqual([0, 1, 1, 0, 0, 0, 0, 0]);
    });

    it("pool a kernel that does not divide the input (floor); reject bad kernels and inputs", () => {
      const x = mt.zeros([1, 2, 5, 6], { backend });
      expect(F.maxPool2d(x, 2).shape).toEqual([1, 2, 2, 3]);
      expect(F.avgPool2d(x, 2).shape).toEqual([1, 2, 2, 3]);
      expect(() => F.tile(x, 2)).toThrow(/height 5 and width 6/);
      expect(() => F.tile(x, [0, 2])).toThrow(mt.DataError);
      expect(() => F.avgPool2d(x, 1.5)).toThrow(/1.5/);
      expect(() => F.maxPool2d(mt.zeros([4, 4], { backend }), 2)).toThrow(/\[N, C, H, W\]/);
    });
  });

  describe("dropout", () => {
    it("is reproducible from a seed, through manualSeed or an explicit generator", async () => {
      await expectReproducibleDropout(backend);
    });

    it("keeps about 1 − p of 10,000 elements, scaled by 1/(1 − p), and zeroes the rest", async () => {
      await expectInvertedDropout(backend);
    });

    it("passes the gradient through the kept elements, scaled", async () => {
      const x = mt.ones([200], { backend, requiresGrad: true });
      const y = F.dropout(x, 0.25, true, { rng: new mt.Random(10) });
      y.sum().backward();
      expect(await values(x.grad as Tensor)).toEqual(await values(y));
    });

    it("is the identity when not training or p = 0, gives zeros for p = 1", async () => {
      const x = mt.randn([10], { seed: 11, backend });
      expect(F.dropout(x, 0.5, false)).toBe(x);
      expect(F.dropout(x, 0)).toBe(x);
      expect((await values(F.dropout(x, 1))).map((v) => v + 0)).toEqual(new Array(10).fill(0));
    });

    it("rejects p outside [0, 1] with a DataError", () => {
      const x = mt.ones([3], { backend });
      expect(() => F.dropout(x, -0.1)).toThrow(mt.DataError);
      expect(() => F.dropout(x, 1.5)).toThrow(/got 1.5/);
      expect(() => F.dropout(x, Number.NaN)).toThrow(mt.DataError);
    });
  });

  describe("linear", () => {
    itSync("computes x Wᵀ + b over any batch dims, with or without bias", async () => {
      const x = randn([2, 3, 4], 12);
      const w = randn([5, 4], 13);
      const b = randn([5], 14);
      const [xs, ws, bs] = [await values(x), await values(w), await values(b)];
      const expected = (withBias: boolean) => {
        const out: number[] = [];
        for (let r = 0; r < 6; r++)
          for (let o = 0; o < 5; o++) {
            let s = withBias ? bs[o] : 0;
            for (let i = 0; i < 4; i++) s += xs[r * 4 + i] * ws[o * 4 + i];
            out.push(s);
          }
        return out;
      };
      const y = F.linear(x, w, b);
      expect(y.shape).toEqual([2, 3, 5]);
      expectClose(await values(y), expected(true), { digits: 10 });
      expectClose(await values(F.linear(x, w)), expected(false), { digits: 10 });
    });

    itSync("has gradients that agree with central differences", () => {
      const args = [randn([3, 4], 15, true), randn([2, 4], 16, true), randn([2], 17, true)];
      expect(mt.testing.gradcheck((x, w, b) => F.linear(x, w, b), args)).toBe(true);
    });

    it("rejects shapes that do not fit with a ShapeError naming them", () => {
      const x = randn([3, 4], 18);
      expect(() => F.linear(x, randn([2, 5], 19))).toThrow(/\[3,4\].*5 input features.*\[2,5\]/);
      expect(() => F.linear(x, randn([4], 19))).toThrow(mt.ShapeError);
      expect(() => F.linear(x, randn([2, 4], 19), randn([3], 20))).toThrow(/bias.*\[2\]/);
    });
  });

  describe("crossEntropy and nllLoss", () => {
    const targets = [2, 0, 3];

    itSync("match −log softmax at the target, averaged, for array and tensor targets", async () => {
      const logits = randn([3, 4], 21);
      const ls = logSoftmaxRows(await values(logits), 3, 4);
      const perSample = targets.map((t, n) => -ls[n * 4 + t]);
      const mean = perSample.reduce((s, v) => s + v) / 3;
      const asTensor = mt.tensor(targets, { backend });
      expect(F.crossEntropy(logits, targets).item()).toBeCloseTo(mean, 10);
      expect(F.crossEntropy(logits, asTensor).item()).toBeCloseTo(mean, 10);
      expect(F.crossEntropy(logits, targets, { reduction: "sum" }).item()).toBeCloseTo(
        mean * 3,
        10,
      );
      expectClose(await values(F.crossEntropy(logits, targets, { reduction: "none" })), perSample, {
        digits: 10,
      });
      const logProbs = F.logSoftmax(logits, 1);
      expect(F.nllLoss(logProbs, targets).item()).toBeCloseTo(mean, 10);
      expect(F.nllLoss(logProbs, asTensor, { reduction: "sum" }).item()).toBeCloseTo(mean * 3, 10);
    });

    it("are finite for logits of ±1000, with gradient (softmax − one-hot)/N", async () => {
      const logits = mt.tensor(
        [
          [1000, -1000, 0],
          [-1000, 1000, -1000],
        ],
        { backend, requiresGrad: true },
      );
      const loss = F.crossEntropy(logits, [1, 1]);
      // Sample 0 puts its target 2000 below the max; sample 1 is certain and right.
      expect(await only(loss)).toBeCloseTo(1000, 2);
      loss.backward();
      expectClose(await values(logits.grad as Tensor), [0.5, -0.5, 0, 0, 0, 0], { digits: 5 });
    });

    itSync("have gradients that agree with central differences", () => {
      const logits = randn([3, 4], 22, true);
      expect(mt.testing.gradcheck((a) => F.crossEntropy(a, targets), [logits])).toBe(true);
      expect(
        mt.testing.gradcheck((a) => F.crossEntropy(a, targets, { reduction: "none" }), [logits]),
      ).toBe(true);
      expect(mt.testing.gradcheck((a) => F.nllLoss(a, targets), [logits])).toBe(true);
    });

    it("take int64 label tensors, as PyTorch's are, with the same loss and gradient", async () => {
      const logits = mt.tensor(
        [
          [1, 2, 0.5],
          [0, -1, 3],
        ],
        { backend, requiresGrad: true },
      );
      const labels = mt.tensor([1, 2], { backend, dtype: "int64" });
      const loss = F.crossEntropy(logits, labels);
      const want = F.crossEntropy(logits.detach(), [1, 2]);
      expect(await only(loss)).toBeCloseTo(await only(want), 6);
      loss.backward();
      const grad = await values(logits.grad as Tensor);
      const logProbs = F.logSoftmax(logits.detach(), 1);
      expect(await only(F.nllLoss(logProbs, labels, { reduction: "sum" }))).toBeCloseTo(
        (await only(want)) * 2,
        6,
      );
      // (softmax − one-hot) / N
      const p = (await values(logProbs)).map(Math.exp);
      expectClose(
        grad,
        p.map((v, i) => (v - (i === 1 || i === 5 ? 1 : 0)) / 2),
        { digits: 5 },
      );
    });

    it("give the targets no gradient", () => {
      const t = mt.tensor(targets, { backend, requiresGrad: true });
      const logits = randn([3, 4], 23, true);
      F.crossEntropy(logits, t).backward();
      expect(t.grad).toBeNull();
    });

    it("reject bad targets with errors naming the value and its index", () => {
      const logits = randn([3, 4], 24);
      expect(() => F.crossEntropy(logits, [0, 4, 1])).toThrow(mt.DataError);
      expect(() => F.crossEntropy(logits, [0, 4, 1])).toThrow(/target 4 at index 1.*\[0, 4\)/);
      expect(() => F.nllLoss(logits, [0, 1, 1.5])).toThrow(/target 1.5 at index 2/);
      // Target values in a tensor are checked where they can be read synchronously; on a GPU
      // backend they stay on the device (reading them would stall every step).
      if (sync) {
        expect(() => F.nllLoss(logits, mt.tensor([0, -1, 1], { backend }))).toThrow(/target -1/);
      }
      expect(() => F.crossEntropy(logits, [0, 1])).toThrow(mt.ShapeError);
      expect(() => F.crossEntropy(logits, [0, 1])).toThrow(/2 targets for a batch of 3/);
      expect(() => F.crossEntropy(logits, mt.zeros([3, 1], { backend }))).toThrow(/1-D/);
      // An unbatched [C] input takes one target; a 0-d input has no class dim.
      expect(() => F.crossEntropy(randn([4], 25), [0, 1])).toThrow(
        /unbatched input of shape \[4\]/,
      );
      expect(() => F.crossEntropy(randn([], 25), [0])).toThrow(/\[N, C\]/);
      expect(() => F.nllLoss(logits, [0, 1, 2], { reduction: "avg" as "mean" })).toThrow(
        /reduction/,
      );
    });
  });

  describe("binaryCrossEntropyWithLogits", () => {
    it("equals binary cross-entropy of σ(z), and stays finite where σ(z) rounds to 0 or 1", async () => {
      const z = [-3, -0.5, 0, 0.7, 2.5, 4];
      const t = [0, 1, 1, 0, 1, 0];
      const sig = (x: number) => 1 / (1 + Math.exp(-x));
      const each = z.map(
        (zi, i) => -(t[i] * Math.log(sig(zi)) + (1 - t[i]) * Math.log(1 - sig(zi))),
      );
      const logits = mt.tensor(z, { backend });
      expectClose(
        await values(F.binaryCrossEntropyWithLogits(logits, t, { reduction: "none" })),
        each,
        { digits: 5 },
      );
      const mean = (await values(F.binaryCrossEntropyWithLogits(logits, t)))[0];
      expect(mean).toBeCloseTo(each.reduce((a, b) => a + b) / 6, 5);
      // σ(±100) is exactly 1 or 0 in float32: the loss of the wrong target is still |z|.
      const far = F.binaryCrossEntropyWithLogits(
        mt.tensor([100, -100, 100], { backend }),
        [0, 1, 1],
        {
          reduction: "none",
        },
      );
      expectClose(await values(far), [100, 100, 0], { digits: 4 });
    });

    itSync("has the gradient (σ(z) − t)/N, checked against central differences", () => {
      const z = mt.randn([2, 3], { seed: 40, backend, dtype: "float64", requiresGrad: true });
      const t = mt.rand([2, 3], { seed: 41, backend, dtype: "float64" });
      expect(mt.testing.gradcheck((a) => F.binaryCrossEntropyWithLogits(a, t), [z])).toBe(true);
    });

    it("rejects targets of another shape or size", () => {
      const z = mt.zeros([2, 3], { backend });
      expect(() => F.binaryCrossEntropyWithLogits(z, mt.zeros([3, 2], { backend }))).toThrow(
        /targets of shape \[3,2\] do not match logits of shape \[2,3\]/,
      );
      expect(() => F.binaryCrossEntropyWithLogits(z, [1, 0])).toThrow(mt.ShapeError);
    });
  });

  describe("binaryCrossEntropy", () => {
    itSync("matches −(t·ln p + (1 − t)·ln(1 − p)), averaged", async () => {
      const p = mt.rand([2, 3], { seed: 26, backend, dtype: "float64" });
      const t = mt.rand([2, 3], { seed: 27, backend, dtype: "float64" });
      const [ps, ts] = [await values(p), await values(t)];
      const each = ps.map((pi, i) => -(ts[i] * Math.log(pi) + (1 - ts[i]) * Math.log(1 - pi)));
      expect(F.binaryCrossEntropy(p, t).item()).toBeCloseTo(each.reduce((a, b) => a + b) / 6, 10);
      expect(F.binaryCrossEntropy(p, ts).item()).toBeCloseTo(each.reduce((a, b) => a + b) / 6, 10);
      expectClose(await values(F.binaryCrossEntropy(p, t, { reduction: "none" })), each, {
        digits: 10,
      });
    });

    it("clamps each log at −100, as PyTorch: p = 0 or 1 gives finite losses and gradients", async () => {
      const p = mt.tensor([0, 1, 0, 1], { backend, requiresGrad: true });
      const loss = F.binaryCrossEntropy(p, [1, 0, 0, 1], { reduction: "none" });
      // (+ 0 turns the −0 of −(0·…) into 0.)
      expect((await values(loss)).map((v) => v + 0)).toEqual([100, 100, 0, 0]);
      loss.sum().backward();
      expect((await values(p.grad as Tensor)).every(Number.isFinite)).toBe(true);
    });

    itSync("has gradients (for probs and targets) that agree with central differences", () => {
      const p = mt.rand([2, 3], { seed: 28, backend, dtype: "float64" }).mul(0.8).add(0.1);
      p.requiresGrad = true;
      const t = mt.rand([2, 3], { seed: 29, backend, dtype: "float64", requiresGrad: true });
      expect(mt.testing.gradcheck((a, b) => F.binaryCrossEntropy(a, b), [p, t])).toBe(true);
    });

    it("rejects targets of another shape, size or dtype", () => {
      const p = mt.full([2, 3], 0.5, { backend });
      expect(() => F.binaryCrossEntropy(p, mt.zeros([3, 2], { backend }))).toThrow(
        /targets of shape \[3,2\] do not match probs of shape \[2,3\]/,
      );
      expect(() => F.binaryCrossEntropy(p, [1, 0])).toThrow(mt.ShapeError);
      // A dtype mismatch needs a second dtype: GPU backends store float32 only.
      if (impl.dtypes.includes("float64")) {
        expect(() =>
          F.binaryCrossEntropy(p, mt.zeros([2, 3], { backend, dtype: "float64" })),
        ).toThrow(mt.DTypeError);
      }
    });
  });

  describe("mseLoss", () => {
    itSync("is the mean (or sum) of squared differences", async () => {
      const a = randn([3, 2], 30);
      const b = randn([3, 2], 31);
      const bs = await values(b);
      const sq = (await values(a)).map((v, i) => (v - bs[i]) ** 2);
      expect(F.mseLoss(a, b).item()).toBeCloseTo(sq.reduce((s, v) => s + v) / 6, 10);
      expect(F.mseLoss(a, b, { reduction: "sum" }).item()).toBeCloseTo(
        sq.reduce((s, v) => s + v),
        10,
      );
      expectClose(await values(F.mseLoss(a, b, { reduction: "none" })), sq, { digits: 10 });
    });

    itSync("has gradients that agree with central differences", () => {
      const args = [randn([3, 2], 32, true), randn([3, 2], 33, true)];
      expect(mt.testing.gradcheck((a, b) => F.mseLoss(a, b), args)).toBe(true);
    });

    it("rejects shapes that differ", () => {
      expect(() => F.mseLoss(randn([3, 2], 34), randn([2], 35))).toThrow(
        /mseLoss: input of shape \[3,2\] and target of shape \[2\]/,
      );
    });
  });

  describe("max and argmax", () => {
    it("delegate to the Tensor methods", async () => {
      const x = mt.tensor(
        [
          [1, 7, 3],
          [9, 2, 9],
        ],
        { backend },
      );
      expect(await values(F.max(x, 1))).toEqual([7, 9]);
      expect(await only(F.max(x))).toBe(9);
      expect(await values(F.argmax(x, 1))).toEqual([1, 0]);
      expect(await values(F.argmax(x, 0))).toEqual([1, 0, 1]);
      expect(await only(F.argmax(x))).toBe(3);
    });
  });
});

/*
 * The course's task 4.4 (src/course/modules/m4_networks.ts): softmax and log-softmax as autograd
 * Functions computed from x − max (so they cannot overflow), and inverted dropout, on the
 * reference backend against plain-JS values, each failure naming its input.
 */
describe("softmax, logSoftmax and dropout on the reference backend", () => {
  const backend = "reference";
  const randn = (shape: number[], seed: number, requiresGrad = false) =>
    mt.randn(shape, { seed, backend, dtype: "float64", requiresGrad });

  it("softmax and logSoftmax match plain-JS values along each dim, negative dims included", async () => {
    const x = randn([3, 4], 1);
    const xs = await values(x);
    const rows = logSoftmaxRows(xs, 3, 4);
    const digits = { digits: 10 };
    expectClose(await values(F.logSoftmax(x, 1)), rows, digits, "logSoftmax(x [3,4], 1)");
    expectClose(await values(F.logSoftmax(x, -1)), rows, digits, "logSoftmax(x [3,4], -1)");
    expectClose(await values(F.softmax(x, 1)), rows.map(Math.exp), digits, "softmax(x [3,4], 1)");
    // Along dim 0: the rows of the transpose.
    const columns = logSoftmaxRows(await values(x.transpose(0, 1).contiguous()), 4, 3);
    const got = F.softmax(x, 0).transpose(0, 1).contiguous();
    expectClose(
      await values(got),
      columns.map(Math.exp),
      digits,
      "softmax(x [3,4], 0), transposed",
    );
    const y = randn([2, 3, 4], 2);
    const inner = logSoftmaxRows(await values(y), 6, 4);
    expectClose(await values(F.logSoftmax(y, 2)), inner, digits, "logSoftmax(y [2,3,4], 2)");
  });

  it("are finite for logits of ±1000, values and gradients", async () => {
    const x = mt.tensor(
      [
        [1000, -1000, 0],
        [-1000, -1000, 1000],
      ],
      { backend, requiresGrad: true },
    );
    const logits = "logits [[1000, -1000, 0], [-1000, -1000, 1000]]";
    const logp = [0, -2000, -1000, -2000, -2000, 0];
    expectClose(await values(F.logSoftmax(x, 1)), logp, { digits: 3 }, `logSoftmax of ${logits}`);
    const p = [1, 0, 0, 0, 0, 1];
    expectClose(await values(F.softmax(x, 1)), p, { digits: 6 }, `softmax of ${logits}`);
    const w = mt.tensor([1, 2, 3], { backend });
    F.logSoftmax(x, 1).mul(w).sum().backward();
    // d/dx Σ w·logSoftmax(x) = w − softmax(x)·Σw, with softmax one-hot here.
    const grad = x.grad === null ? [] : await values(x.grad);
    expectClose(grad, [1 - 6, 2, 3, 1, 2, 3 - 6], { digits: 4 }, `d Σ w·logSoftmax/dx, ${logits}`);
    const y = mt.tensor([[1000, -1000, 0]], { backend, requiresGrad: true });
    F.softmax(y, 1).mul(w).sum().backward();
    const yGrad = y.grad === null ? [] : await values(y.grad);
    // softmax is one-hot at 1000: Σ w·s does not move, so its gradient is 0 everywhere.
    expectClose(yGrad, [0, 0, 0], { digits: 6 }, "d Σ w·softmax/dx at logits [1000, -1000, 0]");
  });

  it("softmax and logSoftmax have gradients that agree with central differences", () => {
    const x = randn([3, 5], 3, true);
    const y = randn([2, 3, 4], 4, true);
    const cases: [string, Tensor, (a: Tensor) => Tensor][] = [
      ["softmax(x [3,5], 0)", x, (a) => F.softmax(a, 0)],
      ["softmax(x [3,5], 1)", x, (a) => F.softmax(a, 1)],
      ["logSoftmax(x [3,5], 0)", x, (a) => F.logSoftmax(a, 0)],
      ["logSoftmax(x [3,5], 1)", x, (a) => F.logSoftmax(a, 1)],
      ["logSoftmax(y [2,3,4], 1)", y, (a) => F.logSoftmax(a, 1)],
    ];
    for (const [name, input, fn] of cases) {
      expectGradients(`gradient of ${name}`, fn, [input]);
    }
  });

  it("dropout keeps about 1 − p of 10,000 elements, scaled by 1/(1 − p), and zeroes the rest", async () => {
    await expectInvertedDropout(backend);
  });

  it("dropout is reproducible from a seed, through manualSeed or a generator", async () => {
    await expectReproducibleDropout(backend);
  });

  it("dropout passes the gradient through the kept elements, scaled", async () => {
    const x = mt.ones([200], { backend, requiresGrad: true });
    const y = F.dropout(x, 0.25, true, { rng: new mt.Random(10) });
    y.sum().backward();
    const grad = x.grad === null ? [] : await values(x.grad);
    expect(grad, "d Σ dropout(x, 0.25)/dx: the mask itself").toEqual(await values(y));
  });

  it("dropout is the identity when not training or p = 0, and gives zeros for p = 1", async () => {
    const x = mt.randn([10], { seed: 11, backend });
    expect(F.dropout(x, 0.5, false), "dropout(x, 0.5, training = false)").toBe(x);
    expect(F.dropout(x, 0), "dropout(x, 0)").toBe(x);
    const zeros = (await values(F.dropout(x, 1))).map((v) => v + 0);
    expect(zeros, "dropout(x, 1)").toEqual(new Array(10).fill(0));
  });
});
