import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";
import { loadedBackendNames, usable } from "./backends.js";
import { expectClose } from "./close.js";

/**
 * The losses with PyTorch's options, on every backend that loads here: crossEntropy and nllLoss
 * (class weights, ignoreIndex, label smoothing, class-index and probability targets, [C], [N, C]
 * and [N, C, d] inputs), the binary cross-entropies with weight and posWeight, the regression
 * losses, klDiv, and their torch.nn modules. Expected values come from plain-JS loops over
 * row-major arrays and, where the rule is subtle (weights with the mean, ignoreIndex with label
 * smoothing, probability targets with smoothing, posWeight), from numbers torch 1.13 printed: each
 * `TORCH` constant below comes from /usr/bin/python3 with
 *     import torch, torch.nn.functional as F; torch.set_default_dtype(torch.float64)
 * and the expression in its comment, on the inputs of the same name. Gradients are checked
 * against float64 central differences where the backend reads synchronously in float64.
 */

const F = mt.nn.functional;
type Tensor = mt.Tensor;

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

// X1 = torch.tensor([[0.2,-1.0,0.5],[1.5,0.3,-0.7],[0.0,0.9,0.4],[-0.3,0.8,1.1]])
const X1 = [0.2, -1.0, 0.5, 1.5, 0.3, -0.7, 0.0, 0.9, 0.4, -0.3, 0.8, 1.1];
const T1 = [2, 0, 1, 1]; // t1 = torch.tensor([2,0,1,1])
const W = [0.5, 2.0, 1.5]; // w = torch.tensor([0.5,2.0,1.5])
// P = torch.tensor([[0.1,0.6,0.3],[0.5,0.25,0.25],[0,0,1],[0.2,0.2,0.6]])
const P = [0.1, 0.6, 0.3, 0.5, 0.25, 0.25, 0, 0, 1, 0.2, 0.2, 0.6];
// X2 = torch.tensor([float(torch.sin(torch.tensor(i+1.0))*2) for i in range(12)]).reshape(2,3,2)
const X2 = Array.from({ length: 12 }, (_, i) => Math.sin(i + 1) * 2);
const T2 = [0, 2, 1, -100]; // t2 = torch.tensor([[0,2],[1,-100]])

/** torch 1.13's numbers for the inputs above. */
const TORCH = {
  // F.cross_entropy(X1,t1,weight=w,ignore_index=1,label_smoothing=0.2,reduction=…)
  ceSmoothNone: [1.19993682614, 0.610003517772, 0, 0],
  ceSmoothSum: 1.809940343912,
  ceSmoothMean: 0.904970171956,
  // F.cross_entropy(X1,t1,ignore_index=0,label_smoothing=0.3)
  ceSmoothUnweightedMean: 0.920489266785,
  // F.nll_loss(X1.log_softmax(1),t1,weight=w)
  nllWeightedMean: 0.759659962597,
  // F.cross_entropy(X2,t2,weight=w,reduction="none") and the mean
  ceKdimNone: [0.120973253726, 3.747477503958, 1.980004707344, 0],
  ceKdimMean: 1.462113866257,
  // F.cross_entropy(torch.tensor([0.5,-1.0,2.0]), torch.tensor(2))
  ceUnbatched: 0.241311296657,
  // F.cross_entropy(X1,P,weight=w,label_smoothing=0.1,reduction="none") and the mean
  ceProbNone: [2.8611783551, 1.86781854617, 1.752852705461, 1.234323283177],
  ceProbMean: 1.929043222477,
  // z = torch.tensor([[-3,-0.5,0],[0.7,2.5,40]]); tz = torch.tensor([[0,1,1],[0,1,0.3]])
  // F.binary_cross_entropy_with_logits(z,tz,weight=torch.tensor([[1.0],[2.0]]),
  //   pos_weight=torch.tensor([1,2,0.5]),reduction="none")
  bceLogitsNone: [0.048587351574, 1.94815396836, 0.34657359028, 2.206372097771, 0.31555893717, 56],
  // F.binary_cross_entropy_with_logits(z,tz,pos_weight=torch.tensor([1,2,0.5]))
  bceLogitsPosMean: 5.267380071281,
  // F.binary_cross_entropy(torch.tensor([[0.1,0.4,0.5],[0.7,0.9,0.99]]),tz,
  //   weight=torch.tensor([0.5,1,2]),reduction="sum")
  bceWeightedSum: 9.515880730539,
  // li = torch.tensor([[0.3,-1.2,0.4],[1.0,0.0,-0.5]]).log_softmax(1)
  // F.kl_div(li,torch.tensor([[0.2,0.3,0.5],[0,0.6,0.4]]),reduction=…)
  klNone: [-0.152859812359, 0.342349813895, 0.025995835041, 0, 0.572125896205, 0.419231220894],
  klMean: 0.201140492279,
  klBatchmean: 0.603421476838,
  // F.kl_div(li,torch.tensor([[0.2,0.3,0.5],[0.1,0.5,0.4]]).log(),reduction="batchmean",log_target=True)
  klLogTargetBatchmean: 0.418253114178,
  // x = torch.tensor([-2,-0.5,0,0.3,1.5,3]); y = torch.tensor([0,0,0.2,0.1,0,1])
  smoothL1Beta05: [1.75, 0.25, 0.04, 0.04, 1.25, 1.75], // F.smooth_l1_loss(x,y,beta=0.5,reduction="none")
  huberDelta2: [2, 0.125, 0.02, 0.02, 1.125, 2], // F.huber_loss(x,y,delta=2,reduction="none")
  huberDelta03Mean: 0.276666666667, // F.huber_loss(x,y,delta=0.3)
  l1Mean: 1.066666666667, // F.l1_loss(x,y)
};

interface ClassRef {
  none: number[];
  sum: number;
  mean: number;
}

/**
 * Plain-JS cross-entropy of class-index targets over a row-major [N, C, R] array (R positions per
 * sample): per target (1 − ε)·(−w_t·logp_t) + ε/C·(−Σ_c w_c·logp_c), 0 when ignored; the mean
 * divides by Σ w_t over the counted targets. `logits: false` reads x as log-probabilities.
 */
function classRef(
  x: readonly number[],
  [n, c, r]: [number, number, number],
  t: readonly number[],
  o: { w?: readonly number[]; ignore?: number; eps?: number; logits?: boolean } = {},
): ClassRef {
  const { w = new Array<number>(c).fill(1), ignore = -100, eps = 0, logits = true } = o;
  const none: number[] = [];
  let weightSum = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < r; k++) {
      const raw = Array.from({ length: c }, (_, j) => x[(i * c + j) * r + k]);
      const lse = Math.log(raw.reduce((s, v) => s + Math.exp(v), 0));
      const logp = logits ? raw.map((v) => v - lse) : raw;
      const target = t[i * r + k];
      if (target === ignore) {
        none.push(0);
        continue;
      }
      weightSum += w[target];
      const smooth = -logp.reduce((s, v, j) => s + w[j] * v, 0);
      none.push((1 - eps) * -w[target] * logp[target] + (eps / c) * smooth);
    }
  }
  const sum = none.reduce((a, b) => a + b, 0);
  return { none, sum, mean: sum / weightSum };
}

/** Plain-JS cross-entropy of probability targets over [N, C] rows, smoothed, weighted. */
function probRef(x: readonly number[], p: readonly number[], c: number, w: number[], eps: number) {
  const none: number[] = [];
  for (let i = 0; i < x.length / c; i++) {
    const row = x.slice(i * c, (i + 1) * c);
    const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
    let loss = 0;
    for (let j = 0; j < c; j++)
      loss -= w[j] * ((1 - eps) * p[i * c + j] + eps / c) * (row[j] - lse);
    none.push(loss);
  }
  return { none, mean: none.reduce((a, b) => a + b, 0) / none.length };
}

describe.each(loadedBackendNames)("losses on the %s backend", (backend) => {
  const { impl, sync } = usable(backend);
  const wide: mt.DType = impl.dtypes.includes("float64") ? "float64" : "float32";
  const digits = wide === "float64" ? 9 : 5;
  const itSync = it.runIf(sync);
  // Reshaped before requiresGrad_, so the result is a leaf that collects `.grad`.
  const floats = (v: readonly number[], shape: number[], requiresGrad = false) =>
    mt
      .tensor([...v], { backend, dtype: wide })
      .reshape(shape)
      .requiresGrad_(requiresGrad);
  const ints = (v: readonly number[], shape: number[]) =>
    mt.tensor([...v], { dtype: "int32", backend }).reshape(shape);
  const one = async (t: Tensor) => {
    expect(t.shape).toEqual([]);
    return (await values(t))[0];
  };

  describe("crossEntropy with class indices", () => {
    it("weights, ignores and smooths as torch 1.13, for int32 and array targets", async () => {
      const x = floats(X1, [4, 3]);
      const opts = { weight: floats(W, [3]), ignoreIndex: 1, labelSmoothing: 0.2 };
      const want = classRef(X1, [4, 3, 1], T1, { w: W, ignore: 1, eps: 0.2 });
      expectClose(want.none, TORCH.ceSmoothNone, { digits: 10 }, "oracle vs torch");
      expectClose(want.mean, TORCH.ceSmoothMean, { digits: 10 }, "oracle vs torch");
      for (const t of [ints(T1, [4]), T1]) {
        const none = F.crossEntropy(x, t, { ...opts, reduction: "none" });
        expect(none.shape).toEqual([4]);
        // Ignored targets give +0 with reduction none, as PyTorch prints them.
        expect((await values(none)).slice(2)).toEqual([0, 0]);
        expectClose(await values(none), TORCH.ceSmoothNone, { digits });
        expectClose(
          await one(F.crossEntropy(x, t, { ...opts, reduction: "sum" })),
          TORCH.ceSmoothSum,
          { digits },
        );
        expectClose(await one(F.crossEntropy(x, t, opts)), TORCH.ceSmoothMean, { digits });
      }
      const unweighted = F.crossEntropy(x, ints(T1, [4]), { ignoreIndex: 0, labelSmoothing: 0.3 });
      expectClose(await one(unweighted), TORCH.ceSmoothUnweightedMean, { digits });
      const ref = classRef(X1, [4, 3, 1], T1, { ignore: 0, eps: 0.3 });
      expectClose(ref.mean, TORCH.ceSmoothUnweightedMean, { digits: 10 }, "oracle vs torch");
    });

    it("take [N, C, d] inputs with [N, d] targets, and unbatched [C] inputs with a 0-d target", async () => {
      const x = floats(X2, [2, 3, 2]);
      const weight = floats(W, [3]);
      const none = F.crossEntropy(x, ints(T2, [2, 2]), { weight, reduction: "none" });
      expect(none.shape).toEqual([2, 2]);
      expectClose(await values(none), TORCH.ceKdimNone, { digits });
      expectClose(await one(F.crossEntropy(x, ints(T2, [2, 2]), { weight })), TORCH.ceKdimMean, {
        digits,
      });
      expectClose(classRef(X2, [2, 3, 2], T2, { w: W }).mean, TORCH.ceKdimMean, { digits: 10 });
      const single = F.crossEntropy(floats([0.5, -1, 2], [3]), ints([2], []));
      expectClose(await one(single), TORCH.ceUnbatched, { digits });
      expectClose(await one(F.crossEntropy(floats([0.5, -1, 2], [3]), [2])), TORCH.ceUnbatched, {
        digits,
      });
    });

    it("give NaN for a mean over only ignored targets (0 / 0, as torch), and 0 for each with none", async () => {
      const x = floats(X1, [4, 3]);
      const all = ints([1, 1, 1, 1], [4]);
      expect(await one(F.crossEntropy(x, all, { ignoreIndex: 1 }))).toBeNaN();
      expect(await one(F.crossEntropy(x, all, { ignoreIndex: 1, weight: W }))).toBeNaN();
      expect(await one(F.crossEntropy(x, all, { ignoreIndex: 1, labelSmoothing: 0.1 }))).toBeNaN();
      expect(await values(F.crossEntropy(x, all, { ignoreIndex: 1, reduction: "none" }))).toEqual([
        0, 0, 0, 0,
      ]);
      expect(await one(F.crossEntropy(x, all, { ignoreIndex: 1, reduction: "sum" }))).toBe(0);
    });

    it("send the gradient only through counted targets: (softmax − onehot)·w_t / Σw", async () => {
      const x = floats(X1, [4, 3], true);
      F.crossEntropy(x, ints(T1, [4]), { weight: W, ignoreIndex: 1 }).backward();
      const weightSum = W[2] + W[0];
      const want = X1.map((_, k) => {
        const i = Math.floor(k / 3);
        const j = k % 3;
        if (T1[i] === 1) return 0;
        const row = X1.slice(i * 3, i * 3 + 3);
        const s = row.reduce((a, v) => a + Math.exp(v), 0);
        return (W[T1[i]] * (Math.exp(row[j]) / s - (j === T1[i] ? 1 : 0))) / weightSum;
      });
      expectClose(await values(x.grad as Tensor), want, { digits });
    });

    itSync(
      "pass gradcheck with weight, ignoreIndex and label smoothing, [N, C] and [N, C, d]",
      () => {
        const t = ints(T1, [4]);
        const opts = { weight: W, ignoreIndex: 1, labelSmoothing: 0.2 };
        expect(
          mt.testing.gradcheck((a) => F.crossEntropy(a, t, opts), [floats(X1, [4, 3], true)]),
        ).toBe(true);
        const none = { ...opts, reduction: "none" } as const;
        expect(
          mt.testing.gradcheck((a) => F.crossEntropy(a, t, none), [floats(X1, [4, 3], true)]),
        ).toBe(true);
        const t2 = ints(T2, [2, 2]);
        const x2 = floats(X2, [2, 3, 2], true);
        expect(
          mt.testing.gradcheck((a) => F.crossEntropy(a, t2, { labelSmoothing: 0.1 }), [x2]),
        ).toBe(true);
      },
    );

    it("reject targets out of range (where they can be read) and shapes that do not fit", async () => {
      const x = floats(X1, [4, 3]);
      expect(() => F.crossEntropy(x, [0, 3, 1, 1])).toThrow(mt.DataError);
      expect(() => F.crossEntropy(x, [0, 3, 1, 1])).toThrow(/target 3 at index 1 .*\[0, 3\)/);
      expect(() => F.crossEntropy(x, [0, 1, -1, 1], { ignoreIndex: -2 })).toThrow(/ignoreIndex -2/);
      const outOfRange = ints([0, 5, 1, 1], [4]);
      if (sync) {
        expect(() => F.nllLoss(x, outOfRange)).toThrow(/target 5 at index 1/);
        expect(() => F.crossEntropy(floats(X2, [2, 3, 2]), ints([0, 2, 1, 7], [2, 2]))).toThrow(
          /target 7 at index \[1,1\]/,
        );
      } else {
        // On a GPU the targets stay on the device: an invalid one makes its loss NaN, not 0.
        const rows = await values(F.crossEntropy(x, outOfRange, { reduction: "none" }));
        expect(rows[1]).toBeNaN();
        expect(rows[0]).toBeCloseTo(classRef(X1, [4, 3, 1], [0, 0, 1, 1]).none[0], 4);
        expect(await one(F.nllLoss(x, outOfRange))).toBeNaN();
      }
      expect(() => F.crossEntropy(x, ints([0, 1, 2], [3]))).toThrow(mt.ShapeError);
      expect(() => F.crossEntropy(x, ints([0, 1, 2], [3]))).toThrow(
        /\[3\] do not fit input of shape \[4,3\]/,
      );
      expect(() => F.crossEntropy(floats(X2, [2, 3, 2]), ints([0, 1, 2, 0], [4]))).toThrow(
        /need shape \[2,2\]/,
      );
      expect(() => F.crossEntropy(x, T1, { weight: [1, 2] })).toThrow(
        /weight of shape \[2\].*\[3\]/,
      );
      expect(() => F.crossEntropy(x, T1, { labelSmoothing: 1.5 })).toThrow(/labelSmoothing/);
      expect(() => F.crossEntropy(x, T1, { reduction: "avg" as "mean" })).toThrow(/reduction/);
      expect(() =>
        F.crossEntropy(x, T1, { weight: mt.ones([3], { backend, dtype: "int32" }) }),
      ).toThrow(mt.DTypeError);
    });
  });

  describe("crossEntropy with probability targets", () => {
    it("smooths the targets and divides the mean by the sample count, not the weights", async () => {
      const x = floats(X1, [4, 3]);
      const p = floats(P, [4, 3]);
      const want = probRef(X1, P, 3, W, 0.1);
      expectClose(want.none, TORCH.ceProbNone, { digits: 10 }, "oracle vs torch");
      const opts = { weight: W, labelSmoothing: 0.1 };
      expectClose(
        await values(F.crossEntropy(x, p, { ...opts, reduction: "none" })),
        TORCH.ceProbNone,
        {
          digits,
        },
      );
      expectClose(await one(F.crossEntropy(x, p, opts)), TORCH.ceProbMean, { digits });
      const plain = probRef(X1, P, 3, [1, 1, 1], 0);
      expectClose(await one(F.crossEntropy(x, p, { reduction: "sum" })), plain.mean * 4, {
        digits,
      });
    });

    itSync("pass gradcheck for the input and the targets", () => {
      const x = floats(X1, [4, 3], true);
      const p = floats(P, [4, 3], true);
      const fn = (a: Tensor, b: Tensor) => F.crossEntropy(a, b, { weight: W, labelSmoothing: 0.1 });
      expect(mt.testing.gradcheck(fn, [x, p])).toBe(true);
    });

    it("refuse ignoreIndex (as torch) and targets of another dtype", () => {
      const x = floats(X1, [4, 3]);
      expect(() => F.crossEntropy(x, floats(P, [4, 3]), { ignoreIndex: 0 })).toThrow(
        /ignoreIndex \(0\) applies to class-index targets only/,
      );
      expect(() => F.crossEntropy(x, ints(T1.concat(T1, T1), [4, 3]))).toThrow(mt.DTypeError);
    });
  });

  describe("nllLoss", () => {
    it("reads only the target's entry, weighted, the mean divided by Σ w_t", async () => {
      const logp = F.logSoftmax(floats(X1, [4, 3]), 1);
      expectClose(await one(F.nllLoss(logp, ints(T1, [4]), { weight: W })), TORCH.nllWeightedMean, {
        digits,
      });
      const lp = await values(logp);
      const want = classRef(lp, [4, 3, 1], T1, { w: W, ignore: 2, logits: false });
      const got = F.nllLoss(logp, T1, { weight: W, ignoreIndex: 2, reduction: "none" });
      expectClose(await values(got), want.none, { digits });
      expectClose(await one(F.nllLoss(logp, T1, { weight: W, ignoreIndex: 2 })), want.mean, {
        digits,
      });
    });

    itSync("passes gradcheck with weight and ignoreIndex", () => {
      const t = ints([2, 0, 1, 0], [4]);
      const fn = (a: Tensor) => F.nllLoss(a, t, { weight: W, ignoreIndex: 0 });
      expect(mt.testing.gradcheck(fn, [floats(X1, [4, 3], true)])).toBe(true);
    });
  });

  describe("binary cross-entropies", () => {
    const z = [-3, -0.5, 0, 0.7, 2.5, 40];
    const tz = [0, 1, 1, 0, 1, 0.3];

    it("binaryCrossEntropyWithLogits weighs the positive term by posWeight, as torch", async () => {
      const logits = floats(z, [2, 3]);
      const t = floats(tz, [2, 3]);
      const posWeight = floats([1, 2, 0.5], [3]);
      const weight = floats([1, 2], [2, 1]);
      const none = F.binaryCrossEntropyWithLogits(logits, t, {
        weight,
        posWeight,
        reduction: "none",
      });
      expectClose(await values(none), TORCH.bceLogitsNone, { relOrAbs: 1e-5 });
      const mean = F.binaryCrossEntropyWithLogits(logits, t, { posWeight: [1, 2, 0.5] });
      expectClose(await one(mean), TORCH.bceLogitsPosMean, { relOrAbs: 1e-5 });
      // Plain JS: −w·(p·t·ln σ(z) + (1 − t)·ln(1 − σ(z))), fine away from large |z|.
      const sig = (v: number) => 1 / (1 + Math.exp(-v));
      const want = z.slice(0, 5).map((v, i) => {
        const pw = [1, 2, 0.5][i % 3];
        const w = i < 3 ? 1 : 2;
        return -w * (pw * tz[i] * Math.log(sig(v)) + (1 - tz[i]) * Math.log(1 - sig(v)));
      });
      expectClose((await values(none)).slice(0, 5), want, { digits: 5 });
    });

    it("binaryCrossEntropyWithLogits stays finite and exact for logits of ±200", async () => {
      const far = F.binaryCrossEntropyWithLogits(
        floats([200, -200, 200, -200], [4]),
        [0, 1, 1, 0],
        {
          posWeight: 3,
          reduction: "none",
        },
      );
      expectClose(await values(far), [200, 600, 0, 0], { digits: 3 });
    });

    it("binaryCrossEntropy multiplies by a weight broadcast to the input", async () => {
      const p = [0.1, 0.4, 0.5, 0.7, 0.9, 0.99];
      const w = [0.5, 1, 2];
      const got = F.binaryCrossEntropy(floats(p, [2, 3]), tz, {
        weight: floats(w, [3]),
        reduction: "sum",
      });
      expectClose(await one(got), TORCH.bceWeightedSum, { relOrAbs: 1e-5 });
      const each = p.map(
        (v, i) => -w[i % 3] * (tz[i] * Math.log(v) + (1 - tz[i]) * Math.log(1 - v)),
      );
      const none = F.binaryCrossEntropy(floats(p, [2, 3]), tz, { weight: w, reduction: "none" });
      expectClose(await values(none), each, { digits: 5 });
      expect(() => F.binaryCrossEntropy(floats(p, [2, 3]), tz, { weight: [1, 2] })).toThrow(
        /weight of shape \[2\] does not fit input of shape \[2,3\]/,
      );
    });

    itSync("pass gradcheck with weight and posWeight", () => {
      const t = floats(tz, [2, 3]);
      const fn = (a: Tensor) =>
        F.binaryCrossEntropyWithLogits(a, t, { weight: [1, 2, 3], posWeight: [2, 1, 0.5] });
      expect(mt.testing.gradcheck(fn, [floats([-3, -0.5, 0.1, 0.7, 2.5, 4], [2, 3], true)])).toBe(
        true,
      );
      const p = floats([0.1, 0.4, 0.5, 0.7, 0.9, 0.95], [2, 3], true);
      expect(
        mt.testing.gradcheck((a) => F.binaryCrossEntropy(a, t, { weight: [0.5, 1, 2] }), [p]),
      ).toBe(true);
    });
  });

  describe("regression losses", () => {
    const x = [-2, -0.5, 0, 0.3, 1.5, 3];
    const y = [0, 0, 0.2, 0.1, 0, 1];
    const d = x.map((v, i) => Math.abs(v - y[i]));
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

    it("l1Loss, smoothL1Loss and huberLoss follow their piecewise formulas", async () => {
      const [a, b] = [floats(x, [2, 3]), floats(y, [2, 3])];
      expectClose(await one(F.l1Loss(a, b)), TORCH.l1Mean, { digits });
      expectClose(
        await one(F.l1Loss(a, b, { reduction: "sum" })),
        d.reduce((s, v) => s + v),
        { digits },
      );
      const smooth = (beta: number) =>
        d.map((v) => (v < beta ? (0.5 * v * v) / beta : v - 0.5 * beta));
      const sl1 = F.smoothL1Loss(a, b, { beta: 0.5, reduction: "none" });
      expect(sl1.shape).toEqual([2, 3]);
      expectClose(smooth(0.5), TORCH.smoothL1Beta05, { digits: 10 }, "oracle vs torch");
      expectClose(await values(sl1), TORCH.smoothL1Beta05, { digits });
      expectClose(await one(F.smoothL1Loss(a, b)), mean(smooth(1)), { digits });
      expectClose(await one(F.smoothL1Loss(a, b, { beta: 0 })), TORCH.l1Mean, { digits });
      const huber = (delta: number) =>
        d.map((v) => (v < delta ? 0.5 * v * v : delta * (v - 0.5 * delta)));
      expectClose(
        await values(F.huberLoss(a, b, { delta: 2, reduction: "none" })),
        TORCH.huberDelta2,
        {
          digits,
        },
      );
      expectClose(await one(F.huberLoss(a, b, { delta: 0.3 })), TORCH.huberDelta03Mean, { digits });
      expectClose(mean(huber(0.3)), TORCH.huberDelta03Mean, { digits: 10 }, "oracle vs torch");
    });

    it("refuse shapes that differ, where PyTorch would broadcast with a warning", () => {
      const a = floats(x, [6]);
      const b = floats(y, [6, 1]);
      for (const f of [F.l1Loss, F.mseLoss, F.smoothL1Loss, F.huberLoss, F.klDiv]) {
        expect(() => f(a, b)).toThrow(mt.ShapeError);
      }
      expect(() => F.huberLoss(a, b)).toThrow(
        /huberLoss: input of shape \[6\] and target of shape \[6,1\]/,
      );
      expect(() => F.smoothL1Loss(a, a, { beta: -1 })).toThrow(/beta/);
      expect(() => F.huberLoss(a, a, { delta: 0 })).toThrow(/delta/);
    });

    itSync("pass gradcheck (away from the kinks)", () => {
      const b = floats(y, [2, 3]);
      const a = () => floats([-2, -0.5, 0.1, 0.35, 1.5, 3], [2, 3], true);
      expect(mt.testing.gradcheck((v) => F.l1Loss(v, b), [a()])).toBe(true);
      expect(mt.testing.gradcheck((v) => F.smoothL1Loss(v, b, { beta: 0.5 }), [a()])).toBe(true);
      expect(mt.testing.gradcheck((v) => F.huberLoss(v, b, { delta: 2 }), [a()])).toBe(true);
    });
  });

  describe("klDiv", () => {
    const li = [0.3, -1.2, 0.4, 1.0, 0.0, -0.5];
    const kt = [0.2, 0.3, 0.5, 0, 0.6, 0.4];
    const logp = () => F.logSoftmax(floats(li, [2, 3]), 1);

    it("is t·(ln t − input), 0 where t = 0, reduced by mean, batchmean or sum", async () => {
      const t = floats(kt, [2, 3]);
      const none = F.klDiv(logp(), t, { reduction: "none" });
      expectClose(await values(none), TORCH.klNone, { digits });
      const lp = li.map((v, i) => {
        const row = li.slice(i - (i % 3), i - (i % 3) + 3);
        return v - Math.log(row.reduce((s, r) => s + Math.exp(r), 0));
      });
      const want = kt.map((v, i) => (v === 0 ? 0 : v * (Math.log(v) - lp[i])));
      expectClose(want, TORCH.klNone, { digits: 10 }, "oracle vs torch");
      expectClose(await one(F.klDiv(logp(), t)), TORCH.klMean, { digits });
      expectClose(await one(F.klDiv(logp(), t, { reduction: "batchmean" })), TORCH.klBatchmean, {
        digits,
      });
      expectClose(await one(F.klDiv(logp(), t, { reduction: "sum" })), TORCH.klBatchmean * 2, {
        digits,
      });
      const logTarget = floats([0.2, 0.3, 0.5, 0.1, 0.5, 0.4].map(Math.log), [2, 3]);
      const lt = F.klDiv(logp(), logTarget, { reduction: "batchmean", logTarget: true });
      expectClose(await one(lt), TORCH.klLogTargetBatchmean, { digits });
      expect(() => F.klDiv(logp(), t, { reduction: "avg" as "mean" })).toThrow(/batchmean/);
    });

    itSync("passes gradcheck for input and target", () => {
      const t = floats([0.2, 0.3, 0.5, 0.1, 0.5, 0.4], [2, 3], true);
      const batchmean = (a: Tensor, b: Tensor) => F.klDiv(a, b, { reduction: "batchmean" });
      expect(mt.testing.gradcheck(batchmean, [logp(), t])).toBe(true);
      const lt = floats([-1.6, -1.2, -0.7, -2.3, -0.7, -0.9], [2, 3], true);
      const fn = (a: Tensor, b: Tensor) => F.klDiv(a, b, { logTarget: true });
      expect(mt.testing.gradcheck(fn, [floats(li, [2, 3], true), lt])).toBe(true);
    });

    it("gives a target of 0 the input gradient 0 and (as torch) a NaN target gradient", async () => {
      const input = floats([-1, -0.7], [2], true);
      const t = floats([0, 0.5], [2], true);
      F.klDiv(input, t, { reduction: "sum" }).backward();
      // (+ 0 turns −t = −0 into 0; torch's is −0 too.)
      expect((await values(input.grad as Tensor)).map((v) => v + 0)).toEqual([0, -0.5]);
      const dt = await values(t.grad as Tensor);
      expect(dt[0]).toBeNaN();
      expectClose(dt[1], Math.log(0.5) + 1 + 0.7, { digits }); // ln t + 1 − input
    });
  });

  describe("loss modules", () => {
    it("compute their functional form with the options given to the constructor", async () => {
      const x = floats(X1, [4, 3]);
      const t = ints(T1, [4]);
      const ce = new mt.nn.CrossEntropyLoss({
        weight: floats(W, [3]),
        ignoreIndex: 1,
        labelSmoothing: 0.2,
      });
      expectClose(await one(ce.forward(x, t)), TORCH.ceSmoothMean, { digits });
      const nll = new mt.nn.NLLLoss({ weight: floats(W, [3]) });
      expectClose(await one(nll.forward(F.logSoftmax(x, 1), t)), TORCH.nllWeightedMean, { digits });
      const a = floats([-2, -0.5, 0, 0.3, 1.5, 3], [6]);
      const b = floats([0, 0, 0.2, 0.1, 0, 1], [6]);
      expectClose(await one(new mt.nn.L1Loss().forward(a, b)), TORCH.l1Mean, { digits });
      expectClose(
        await one(new mt.nn.HuberLoss({ delta: 0.3 }).forward(a, b)),
        TORCH.huberDelta03Mean,
        {
          digits,
        },
      );
      const sl1 = new mt.nn.SmoothL1Loss({ beta: 0.5, reduction: "none" }).forward(a, b);
      expectClose(await values(sl1), TORCH.smoothL1Beta05, { digits });
      const squares = [4, 0.25, 0.04, 0.04, 2.25, 4];
      expectClose(await one(new mt.nn.MSELoss({ reduction: "sum" }).forward(a, b)), 10.58, {
        digits,
      });
      expectClose(
        squares.reduce((s, v) => s + v),
        10.58,
        { digits: 10 },
      );
    });

    it("register weight and pos_weight as buffers, as torch.nn does", async () => {
      const bce = new mt.nn.BCEWithLogitsLoss({
        weight: floats([1, 2], [2, 1]),
        posWeight: floats([1, 2, 0.5], [3]),
      });
      expect(Object.keys(bce.stateDict()).sort()).toEqual(["pos_weight", "weight"]);
      expect(bce.parameters()).toEqual([]);
      const got = bce.forward(
        floats([-3, -0.5, 0, 0.7, 2.5, 40], [2, 3]),
        floats([0, 1, 1, 0, 1, 0.3], [2, 3]),
      );
      expectClose(await one(got), TORCH.bceLogitsNone.reduce((s, v) => s + v) / 6, {
        relOrAbs: 1e-5,
      });
      expect(Object.keys(new mt.nn.CrossEntropyLoss().stateDict())).toEqual([]);
      expect(Object.keys(new mt.nn.BCELoss({ weight: [1, 2] }).stateDict())).toEqual(["weight"]);
      expect(String(new mt.nn.CrossEntropyLoss())).toBe("CrossEntropyLoss()");
    });

    it("check their options when built", () => {
      expect(() => new mt.nn.CrossEntropyLoss({ labelSmoothing: 2 })).toThrow(
        /CrossEntropyLoss: option labelSmoothing/,
      );
      expect(() => new mt.nn.NLLLoss({ reduction: "avg" as "mean" })).toThrow(/NLLLoss: reduction/);
      expect(() => new mt.nn.KLDivLoss({ logTarget: 1 as never })).toThrow(mt.DataError);
      expect(() => new mt.nn.MSELoss({ sizeAverage: true } as never)).toThrow(
        /unknown option sizeAverage/,
      );
      expect(new mt.nn.KLDivLoss({ reduction: "batchmean" }).reduction).toBe("batchmean");
    });
  });
});
