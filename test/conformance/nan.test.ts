import { expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { reduceOp } from "../../src/tensor/history_free_ops.js";
import { EXACT, LOOSE, SUMS } from "../op_cases.js";
import { nest, range } from "../shape_oracles.js";
import { describeEachBackend } from "./harness.js";

/**
 * NaN and infinity on every backend, as PyTorch propagates them: relu, the max and min
 * reductions, argmax, max pooling (values and where the gradient goes), softmax and
 * log-softmax, the losses, and matmul. Each is checked on small tensors and on tensors large
 * enough to take the fast paths (the cpu backend's threaded and SIMD kernels start at 2^14
 * elements for a zip and 2^16 for a reduction; the GPU's reductions split rows past a few
 * thousand elements), with a NaN first, in the middle and in the ragged tail.
 *
 * Expected values are written out or computed here in plain JS, where Math.max and Math.min
 * return NaN when any argument is NaN (as torch.max does).
 */

type Tensor = mt.Tensor;
const F = mt.nn.functional;
const inf = Number.POSITIVE_INFINITY;

/** Past every fast-path threshold, and not a multiple of 4 (the vector kernels' ragged tail). */
const LARGE = (1 << 17) + 5;

/** Deterministic ordinary values in (−2, 2), all distinct enough to have one max per row. */
function ordinary(n: number): number[] {
  return range(n).map((i) => Math.fround(2 * Math.sin(i * 0.7 + 0.3)));
}

/** `values` with `specials` ({ index: value }) put in place. */
function withSpecials(values: readonly number[], specials: Record<number, number>): number[] {
  const out = [...values];
  for (const [i, v] of Object.entries(specials)) out[Number(i)] = v;
  return out;
}

/** max (NaN if any is NaN) and the index of the first NaN, else of the first max, of a list. */
function maxAndIndex(xs: readonly number[]): [number, number] {
  let best = 0;
  for (let i = 1; i < xs.length; i++) {
    if (Number.isNaN(xs[best])) break;
    if (Number.isNaN(xs[i]) || xs[i] > xs[best]) best = i;
  }
  return [xs[best], best];
}

/** Row-major [rows, cols] reduced along dim 1 (by rows) or dim 0 (by columns) with `fold`. */
function byDim(
  x: readonly number[],
  [rows, cols]: readonly number[],
  dim: 0 | 1,
  fold: (xs: number[]) => number,
): number[] {
  if (dim === 1) return range(rows).map((r) => fold(x.slice(r * cols, (r + 1) * cols)));
  return range(cols).map((c) => fold(range(rows).map((r) => x[r * cols + c])));
}

/** softmax and log-softmax of each row, as PyTorch computes them: from x − max(x). */
function softmaxRows(x: readonly number[], [rows, cols]: readonly number[]) {
  const soft: number[] = [];
  const log: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = x.slice(r * cols, (r + 1) * cols);
    const m = row.reduce((a, b) => Math.max(a, b));
    const sum = row.reduce((s, v) => s + Math.exp(v - m), 0);
    for (const v of row) {
      soft.push(Math.exp(v - m) / sum);
      log.push(v - m - Math.log(sum));
    }
  }
  return { soft, log };
}

/**
 * 2×2 max pooling of a row-major [n, c, h, w] and the gradient of Σ g·pooled: each window's
 * gradient goes to its last NaN (a window holding NaN pools to NaN), else to its first max, as
 * PyTorch's CPU kernel picks them (`val > max || isnan(val)` in window order).
 */
function maxpoolHost(x: readonly number[], [n, c, h, w]: readonly number[], g: readonly number[]) {
  const out: number[] = [];
  const grad = new Array<number>(x.length).fill(0);
  for (let img = 0; img < n * c; img++)
    for (let oy = 0; oy < h / 2; oy++)
      for (let ox = 0; ox < w / 2; ox++) {
        const at = [0, 1, 2, 3].map((k) => (img * h + 2 * oy + (k >> 1)) * w + 2 * ox + (k & 1));
        const top = at.map((p) => x[p]).reduce((a, b) => Math.max(a, b));
        const winners = at.filter((p) => (Number.isNaN(top) ? Number.isNaN(x[p]) : x[p] === top));
        grad[Number.isNaN(top) ? winners[winners.length - 1] : winners[0]] = g[out.length];
        out.push(top);
      }
  return { out, grad };
}

describeEachBackend("NaN and infinity propagate as in PyTorch", (suite) => {
  const { name, backend, host, grad, expectValues, expectGrad } = suite;
  const leaf = (values: readonly number[], shape: readonly number[]): Tensor =>
    mt.tensor(nest(values, shape), grad);

  it("relu keeps NaN and +inf and maps −inf to 0, on small, permuted and large tensors", async () => {
    const small = [NaN, inf, -inf, -2, 0, 3];
    await expectValues(host(small, [6]).relu(), [6], [NaN, inf, 0, 0, 0, 3], EXACT, "relu");
    // A transposed view takes the strided kernels.
    const t = host(small, [2, 3]).transpose(0, 1).relu();
    await expectValues(t, [3, 2], [NaN, 0, inf, 0, 0, 3], EXACT, "relu of a transpose");
    const big = withSpecials(ordinary(LARGE), { 0: NaN, 70001: NaN, [LARGE - 1]: NaN, 9: inf });
    const want = big.map((v) => (Number.isNaN(v) || v > 0 ? v : 0));
    await expectValues(host(big, [LARGE]).relu(), [LARGE], want, EXACT, "relu, large");
  });

  it("the other unary ops and pow at ±inf, ±0 and NaN give C's (PyTorch's) values", async () => {
    const xs = [NaN, inf, -inf, 0, -0, 100, -100, -1, 0.5];
    const sigmoid = (x: number) =>
      x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    const ops: [string, (t: Tensor) => Tensor, (x: number) => number][] = [
      ["neg", (t) => t.neg(), (x) => -x],
      ["exp", (t) => t.exp(), Math.exp],
      ["log", (t) => t.log(), Math.log],
      ["sigmoid", (t) => t.sigmoid(), sigmoid],
      ["tanh", (t) => t.tanh(), Math.tanh],
      ["reciprocal", (t) => t.reciprocal(), (x) => 1 / x],
    ];
    for (const [op, apply, f] of ops) {
      const want = xs.map((x) => Math.fround(f(x)));
      await expectValues(apply(host(xs, [xs.length])), [xs.length], want, LOOSE, op);
    }
    // C's pow, which PyTorch uses, where JS's ** differs: 1^y = 1 and (−1)^±inf = 1.
    const cPow = (a: number, b: number) =>
      a === 1 || (a === -1 && Math.abs(b) === inf) ? 1 : a ** b;
    const bases = [NaN, 1, -1, 0, -0, inf, -inf, 2, -2, 0.5];
    const exponents = [NaN, 0, -0, inf, -inf, 2, 3, -1, 0.5, -3];
    const want = bases.flatMap((a) => exponents.map((b) => cPow(a, b)));
    const got = host(bases, [10, 1]).pow(host(exponents, [1, 10]));
    await expectValues(got, [10, 10], want, LOOSE, "pow");
  });

  it("the unary ops' gradients at ±inf and NaN: NaN at NaN, PyTorch's limits elsewhere", async () => {
    const xs = [NaN, inf, -inf, 0, 100];
    const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
    const ops: [string, (t: Tensor) => Tensor, (x: number) => number][] = [
      ["exp", (t) => t.exp(), Math.exp],
      ["log", (t) => t.log(), (x) => 1 / x],
      ["sigmoid", (t) => t.sigmoid(), (x) => sigmoid(x) * (1 - sigmoid(x))],
      ["tanh", (t) => t.tanh(), (x) => 1 - Math.tanh(x) ** 2],
      ["reciprocal", (t) => t.reciprocal(), (x) => -1 / (x * x)],
    ];
    for (const [op, apply, df] of ops) {
      const x = leaf(xs, [xs.length]);
      apply(x).sum().backward();
      await expectGrad(
        x,
        xs.map((v) => Math.fround(df(v))),
        LOOSE,
        `${op} backward`,
      );
    }
  });

  it("relu's gradient passes through at NaN and +inf and is 0 at x ≤ 0 even for a NaN gradient", async () => {
    // PyTorch's relu backward is threshold_backward(grad, result, 0): grad where the output is
    // not ≤ 0, and relu(NaN) = NaN is not ≤ 0.
    const x = leaf([NaN, inf, -inf, -2, 0, 3], [6]);
    x.relu().backward(host([0.5, 0.75, 1, NaN, 1.5, 1.75], [6]));
    await expectGrad(x, [0.5, 0.75, 0, 0, 0, 1.75], EXACT, "relu backward");
  });

  it("max and min (the kernel) along each dim and over all elements: NaN if the slice holds one", async () => {
    const values = [1, NaN, 3, 4, 5, 6, -inf, -inf, -inf, inf, NaN, 1];
    const shape = [4, 3];
    const x = host(values, shape);
    for (const dim of [0, 1] as const) {
      const most = byDim(values, shape, dim, (xs) => Math.max(...xs));
      const least = byDim(values, shape, dim, (xs) => Math.min(...xs));
      const kept = shape.map((s, i) => (i === dim ? 1 : s));
      await expectValues(x.max(dim).values, [shape[1 - dim]], most, EXACT, `max(${dim})`);
      await expectValues(reduceOp("min", x, dim), kept, least, EXACT, `min(${dim})`);
    }
    await expectValues(x.max(), [], [NaN], EXACT, "max()");
    await expectValues(host([1, inf, -inf], [3]).max(), [], [inf], EXACT, "max of ±inf");
    await expectValues(host([-inf, -inf], [2]).max(), [], [-inf], EXACT, "max of −infs");
  });

  it("max over large tensors, whole and along rows and columns, finds a NaN anywhere", async () => {
    for (const at of [0, 65000, LARGE - 1]) {
      const big = withSpecials(ordinary(LARGE), { [at]: NaN, 7: inf });
      await expectValues(host(big, [LARGE]).max(), [], [NaN], EXACT, `NaN at ${at}`);
    }
    const finite = withSpecials(ordinary(LARGE), { 12345: inf });
    await expectValues(host(finite, [LARGE]).max(), [], [inf], EXACT, "+inf, no NaN");
    // Many rows (split by rows), few long rows (split into chunks), and columns.
    for (const shape of [
      [40, 4099],
      [2, 70001],
    ]) {
      const [rows, cols] = shape;
      const v = withSpecials(ordinary(rows * cols), { [cols - 1]: NaN, [rows * cols - 3]: NaN });
      const x = host(v, shape);
      for (const dim of [0, 1] as const) {
        const want = byDim(v, shape, dim, (xs) => xs.reduce((a, b) => Math.max(a, b)));
        await expectValues(x.amax(dim), [shape[1 - dim]], want, EXACT, `amax(${dim}) ${shape}`);
        const least = byDim(v, shape, dim, (xs) => xs.reduce((a, b) => Math.min(a, b)));
        const kept = shape.map((s, i) => (i === dim ? 1 : s));
        await expectValues(reduceOp("min", x, dim), kept, least, EXACT, `min(${dim})`);
      }
    }
  });

  it("argmax gives the first NaN's index, else the first max's, on small and large tensors", async () => {
    const values = [1, NaN, 3, NaN, 2, 7, 7, 1, -inf, -inf, -inf, -inf, inf, 1, inf, NaN];
    const shape = [4, 4];
    const x = host(values, shape);
    for (const dim of [0, 1] as const) {
      const want = byDim(values, shape, dim, (xs) => maxAndIndex(xs)[1]);
      await expectValues(x.argmax(dim), [4], want, EXACT, `argmax(${dim})`);
    }
    await expectValues(x.argmax(), [], [1], EXACT, "argmax()");
    const big = withSpecials(ordinary(LARGE), { 3: inf, 70000: NaN, 100000: NaN });
    await expectValues(host(big, [LARGE]).argmax(), [], [70000], EXACT, "argmax, large");
    const rows = [40, 4099];
    const v = withSpecials(ordinary(40 * 4099), { 4098: NaN, 4099: NaN, 20000: NaN, 20001: inf });
    const want = byDim(v, rows, 1, (xs) => maxAndIndex(xs)[1]);
    await expectValues(host(v, rows).argmax(1), [40], want, EXACT, "argmax(1), large");
  });

  it("max pooling: a window holding NaN pools to NaN and its gradient goes to the NaN", async () => {
    // Windows: {1, NaN, 4, 5} → NaN; {2, 3, inf, 0} → inf; {−1, −2, −3, NaN} → NaN; {−inf…, 7} → 7.
    const values = [1, NaN, 2, 3, 4, 5, inf, 0, -1, -2, -inf, -inf, -3, NaN, 7, -inf];
    const shape = [1, 1, 4, 4];
    const x = leaf(values, shape);
    const y = F.maxPool2d(x, 2);
    await expectValues(y, [1, 1, 2, 2], [NaN, inf, NaN, 7], EXACT, "maxpool2d");
    y.backward(host([0.5, 0.75, 1.25, 1.5], [1, 1, 2, 2]));
    const want = [0, 0.5, 0, 0, 0, 0, 0.75, 0, 0, 0, 0, 0, 0, 1.25, 1.5, 0];
    await expectGrad(x, want, EXACT, "maxpool2d backward");
    // A NaN upstream gradient reaches only its window's max, as PyTorch scatters it by index.
    const x2 = leaf(values, shape);
    F.maxPool2d(x2, 2).backward(host([0.5, NaN, 1.25, 1.5], [1, 1, 2, 2]));
    const want2 = withSpecials(want, { 6: NaN });
    await expectGrad(x2, want2, EXACT, "maxpool2d backward of a NaN gradient");
  });

  it("max pooling of a large batch: NaN windows, and gradients at the NaNs", async () => {
    const shape = [4, 8, 64, 64];
    const size = 4 * 8 * 64 * 64;
    const v = withSpecials(ordinary(size), {
      0: NaN,
      1: NaN,
      5000: NaN,
      77777: inf,
      [size - 1]: NaN,
    });
    const g = ordinary(size / 4).map((u) => u + 3);
    const want = maxpoolHost(v, shape, g);
    const x = leaf(v, shape);
    const y = F.maxPool2d(x, 2);
    await expectValues(y, [4, 8, 32, 32], want.out, EXACT, "maxpool2d, large");
    y.backward(host(g, y.shape));
    await expectGrad(x, want.grad, EXACT, "maxpool2d backward, large");
  });

  it("softmax and logSoftmax: a row holding NaN or +inf is all NaN, −inf gives 0", async () => {
    // PyTorch: softmax([1, inf, 0]) = [nan, nan, nan] (inf − inf), softmax([−inf, −inf, −inf]) =
    // [nan, nan, nan] (0 / 0), softmax([1, −inf, −inf]) = [1, 0, 0]; other rows are untouched.
    const values = [1, NaN, 2, 1, inf, 0, -inf, -inf, -inf, 1, -inf, -inf, 0, 0, 0];
    const shape = [5, 3];
    const x = host(values, shape);
    const want = softmaxRows(values, shape);
    const nan3 = [NaN, NaN, NaN];
    expect(want.soft).toEqual([...nan3, ...nan3, ...nan3, 1, 0, 0, 1 / 3, 1 / 3, 1 / 3]);
    await expectValues(F.softmax(x, 1), shape, want.soft, LOOSE, "softmax");
    await expectValues(F.logSoftmax(x, 1), shape, want.log, LOOSE, "logSoftmax");
    // Along dim 0: the same rows as columns.
    const xt = host(values, shape).transpose(0, 1).contiguous();
    const back = (t: Tensor) => t.transpose(0, 1).contiguous();
    await expectValues(back(F.softmax(xt, 0)), shape, want.soft, LOOSE, "softmax(0)");
    const big = [64, 2050];
    const v = withSpecials(ordinary(64 * 2050), {
      2049: NaN,
      [10 * 2050 + 5]: inf,
      [64 * 2050 - 1]: NaN,
    });
    const wantBig = softmaxRows(v, big);
    await expectValues(F.softmax(host(v, big), 1), big, wantBig.soft, LOOSE, "softmax, large");
    await expectValues(F.logSoftmax(host(v, big), 1), big, wantBig.log, LOOSE, "logSoftmax, large");
  });

  it("crossEntropy and nllLoss: NaN in a row's logits gives NaN; −inf off the target does not", async () => {
    const logits = host([1, NaN, 2, 1, 2, 3, 0, -inf, 0, inf, 0, 0], [4, 3]);
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    const perRow = [NaN, lse - 2, Math.log(2), NaN];
    const none = { reduction: "none" } as const;
    await expectValues(F.crossEntropy(logits, [0, 1, 0, 1], none), [4], perRow, LOOSE, "rows");
    await expectValues(F.crossEntropy(logits, [0, 1, 0, 1]), [], [NaN], LOOSE, "mean");
    // nll_loss reads only the target's entry: NaN or −inf elsewhere in the row does not matter.
    const logProbs = host([-1, NaN, -2, -0.5, -inf, -1, NaN, -1, -3], [3, 3]);
    const nll = F.nllLoss(logProbs, [0, 0, 0], none);
    await expectValues(nll, [3], [1, 0.5, NaN], EXACT, "nllLoss rows");
    const finite = F.nllLoss(host([-1, NaN, -0.5, -inf], [2, 2]), [0, 0]);
    await expectValues(finite, [], [0.75], EXACT, "nllLoss mean of finite rows");
    // The gradient, softmax(x) − onehot(t), is 0 at a −inf logit.
    const x = leaf([0, -inf, 0], [1, 3]);
    F.crossEntropy(x, [0]).backward();
    await expectGrad(x, [-0.5, 0, 0.5], LOOSE, "crossEntropy backward");
  });

  it("class targets that are NaN give a NaN loss where they cannot be checked (a GPU)", async () => {
    const logits = host([1, 2, 3, 4], [2, 2]);
    const targets = host([NaN, 1], [2]);
    if (backend.synchronousRead) {
      expect(() => F.crossEntropy(logits, targets)).toThrow(mt.DataError);
      return;
    }
    const rows = F.crossEntropy(logits, targets, { reduction: "none" });
    await expectValues(rows, [2], [NaN, Math.log(1 + Math.exp(-1))], LOOSE, `${name} rows`);
    await expectValues(F.nllLoss(logits, targets), [], [NaN], LOOSE, `${name} nllLoss`);
  });

  it("mseLoss and binaryCrossEntropy: NaN in an input or a target gives NaN", async () => {
    const none = { reduction: "none" } as const;
    const mse = F.mseLoss(host([1, NaN, 3], [3]), host([1, 2, NaN], [3]), none);
    await expectValues(mse, [3], [0, NaN, NaN], EXACT, "mseLoss");
    // ln p is clamped at −100 (so p = 0 or 1 costs 100), but a NaN p stays NaN.
    const bce = F.binaryCrossEntropy(host([0.5, NaN, 0, 1, 0.5], [5]), [1, 1, 1, 0, NaN], none);
    await expectValues(bce, [5], [Math.log(2), NaN, 100, 100, NaN], LOOSE, "binaryCrossEntropy");
    const mean = F.binaryCrossEntropy(host([0.5, NaN], [2]), [1, 1]);
    await expectValues(mean, [], [NaN], LOOSE, "binaryCrossEntropy mean");
  });

  it("binaryCrossEntropyWithLogits at ±inf and NaN logits gives PyTorch's values", async () => {
    // PyTorch: (1 − t)·z − log σ(z): inf for z = inf, t = 0; NaN (0·inf or inf − inf) otherwise.
    const z = host([inf, inf, -inf, -inf, NaN, 0, 30], [7]);
    const t = host([0, 1, 0, 1, 1, NaN, 1], [7]);
    const got = F.binaryCrossEntropyWithLogits(z, t, { reduction: "none" });
    const want = [inf, NaN, NaN, NaN, NaN, NaN, Math.log1p(Math.exp(-30))];
    await expectValues(got, [7], want, LOOSE, "binaryCrossEntropyWithLogits");
  });

  it("matmul: 0 · NaN and 0 · inf are NaN, in every float dtype the backend stores", async () => {
    for (const dtype of backend.dtypes.filter((d) => d === "float32" || d === "float64")) {
      const opts = { backend: name, dtype };
      const a = mt.tensor(
        [
          [0, 0],
          [0, 1],
        ],
        opts,
      );
      const b = mt.tensor(
        [
          [NaN, 1],
          [2, inf],
        ],
        opts,
      );
      await expectValues(a.matmul(b), [2, 2], [NaN, NaN, NaN, inf], EXACT, dtype);
      // Large enough for the packed and threaded kernels: a NaN in B spoils its whole column.
      const [m, k, n] = [64, 70, 33];
      const zeros = mt.zeros([m, k], opts);
      const bv = withSpecials(ordinary(k * n), { [5 * n + 7]: NaN });
      const out = zeros.matmul(mt.tensor(nest(bv, [k, n]), opts));
      const want = range(m * n).map((i) => (i % n === 7 ? NaN : 0));
      await expectValues(out, [m, n], want, SUMS, `${dtype} [${m},${k}]·[${k},${n}]`);
    }
  });

  it("a LeNet with NaN conv1 weights predicts NaN, not ordinary-looking probabilities", async () => {
    // A module's parameters are made on the default backend.
    const previous = mt.getBackend();
    await mt.setBackend(name);
    try {
      const model = new mt.models.LeNet({ channels: [2, 4], hidden: 8, rng: new mt.Random(1) });
      const weight = model.conv1.weight.value;
      model.loadStateDict({ "conv1.weight": mt.full(weight.shape, NaN) }, { strict: false });
      const images = host(
        ordinary(2 * 28 * 28).map((u) => (u + 2) / 4),
        [2, 1, 28, 28],
      );
      const probs = F.softmax(model.forward(images), 1);
      await expectValues(probs, [2, 10], new Array<number>(20).fill(NaN), EXACT, "LeNet");
    } finally {
      await mt.setBackend(previous);
    }
  });
});
