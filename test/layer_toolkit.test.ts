import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";
import { loadedBackendNames, usable } from "./backends.js";
import { expectClose } from "./close.js";

/**
 * The layers PyTorch model code reaches for first: oneHot, embedding, layerNorm, pad and the
 * activation modules, on every backend that loads here. Expected values come from plain-JS loops
 * over row-major arrays; gradients are checked against float64 central differences where the
 * backend reads synchronously in float64. Values are read with `await t.data()`.
 */

const F = mt.nn.functional;
type Tensor = mt.Tensor;

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** Plain-JS layer norm of row-major rows of length `n` (biased variance). */
function layerNormRows(x: readonly number[], n: number, eps = 1e-5): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / n; r++) {
    const row = x.slice(r * n, (r + 1) * n);
    const mean = row.reduce((a, b) => a + b, 0) / n;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    for (const v of row) out.push((v - mean) / Math.sqrt(variance + eps));
  }
  return out;
}

/** Plain-JS padding of a row-major [rows, cols] matrix along its last dim by (l, r). */
function padRows(
  x: readonly number[],
  cols: number,
  l: number,
  r: number,
  src: (i: number) => number,
) {
  const out: number[] = [];
  for (let row = 0; row < x.length / cols; row++) {
    for (let i = -l; i < cols + r; i++) out.push(x[row * cols + src(i)]);
  }
  return out;
}

describe.each(loadedBackendNames)("layer toolkit on the %s backend", (backend) => {
  const { impl, sync } = usable(backend);
  const wide: mt.DType = impl.dtypes.includes("float64") ? "float64" : "float32";
  const digits = wide === "float64" ? 10 : 5;
  const itSync = it.runIf(sync);
  const randn = (shape: number[], seed: number, requiresGrad = false) =>
    mt.randn(shape, { seed, backend, dtype: wide, requiresGrad });
  const ints = (v: number[], shape: number[]) =>
    mt.tensor(v, { dtype: "int32", backend }).reshape(shape);

  describe("oneHot", () => {
    it("encodes each index as an int32 row, with an explicit numClasses", async () => {
      const h = F.oneHot(ints([0, 2, 1, 3], [2, 2]), 5);
      expect(h.shape).toEqual([2, 2, 5]);
      expect(h.dtype).toBe("int32");
      const want = [0, 2, 1, 3].flatMap((c) => [0, 1, 2, 3, 4].map((k) => (k === c ? 1 : 0)));
      expect(await values(h)).toEqual(want);
    });
    if (sync) {
      it("infers numClasses as max + 1 and rejects out-of-range classes", () => {
        expect(F.oneHot(ints([1, 4, 0], [3])).shape).toEqual([3, 5]);
        expect(() => F.oneHot(ints([0, 5], [2]), 3)).toThrow(/smaller than numClasses/);
        expect(() => F.oneHot(ints([0, -1], [2]), 3)).toThrow(/non-negative/);
      });
    } else {
      it("needs numClasses on a backend that reads only asynchronously", () => {
        expect(() => F.oneHot(ints([0, 1], [2]))).toThrow(mt.BackendError);
      });
    }
    it("refuses float indices", () => {
      expect(() => F.oneHot(randn([2], 0))).toThrow(mt.DTypeError);
    });
  });

  describe("embedding", () => {
    it("selects weight rows into [...input.shape, dim] and scatter-adds the gradient", async () => {
      const weight = randn([5, 3], 1, true);
      const idx = ints([4, 0, 4, 2, 1, 4], [2, 3]);
      const out = F.embedding(idx, weight);
      expect(out.shape).toEqual([2, 3, 3]);
      const w = await values(weight);
      const want = [4, 0, 4, 2, 1, 4].flatMap((r) => w.slice(r * 3, r * 3 + 3));
      expectClose(await values(out), want, { digits });
      out.sum().backward();
      const counts = [1, 1, 1, 0, 3];
      expect(await values(weight.grad as Tensor)).toEqual(counts.flatMap((c) => [c, c, c]));
    });

    it("gives the paddingIdx row no gradient but still its value", async () => {
      const weight = randn([4, 2], 2, true);
      const out = F.embedding(ints([1, 3, 1], [3]), weight, { paddingIdx: -3 });
      const w = await values(weight);
      expectClose(await values(out), [...w.slice(2, 4), ...w.slice(6, 8), ...w.slice(2, 4)], {
        digits,
      });
      out.mul(2).sum().backward();
      expect(await values(weight.grad as Tensor)).toEqual([0, 0, 0, 0, 0, 0, 2, 2]);
    });

    itSync("passes gradcheck", () => {
      const idx = ints([0, 2, 2, 1], [2, 2]);
      expect(mt.testing.gradcheck((w) => F.embedding(idx, w), [randn([3, 4], 3, true)])).toBe(true);
    });

    it("checks its arguments", () => {
      const weight = randn([4, 2], 2);
      expect(() => F.embedding(ints([0], [1]), weight, { paddingIdx: 4 })).toThrow(/out of range/);
      expect(() => F.embedding(randn([2], 0), weight)).toThrow(mt.DTypeError);
      expect(() => F.embedding(ints([0], [1]), randn([4], 0))).toThrow(mt.ShapeError);
      expect(() => F.embedding(ints([0], [1]), weight, { padIdx: 1 } as never)).toThrow(
        /unknown option padIdx/,
      );
    });
  });

  describe("layerNorm", () => {
    it("normalizes over the last dims with the biased variance, then scales and shifts", async () => {
      const x = randn([2, 3, 4], 4);
      const xs = await values(x);
      expectClose(await values(F.layerNorm(x, [3, 4])), layerNormRows(xs, 12), { digits });
      expectClose(await values(F.layerNorm(x, 4, { eps: 0.1 })), layerNormRows(xs, 4, 0.1), {
        digits,
      });
      const weight = randn([4], 5);
      const bias = randn([4], 6);
      const [ws, bs] = [await values(weight), await values(bias)];
      const want = layerNormRows(xs, 4).map((v, i) => v * ws[i % 4] + bs[i % 4]);
      expectClose(await values(F.layerNorm(x, [4], { weight, bias })), want, { digits });
    });

    itSync("passes gradcheck in x, weight and bias", () => {
      const fn = (x: Tensor, w: Tensor, b: Tensor) => F.layerNorm(x, [3], { weight: w, bias: b });
      const inputs = [randn([2, 3], 7, true), randn([3], 8, true), randn([3], 9, true)];
      expect(mt.testing.gradcheck(fn, inputs)).toBe(true);
    });

    it("refuses a shape the input does not end in", () => {
      const x = randn([2, 3], 1);
      expect(() => F.layerNorm(x, [2])).toThrow(mt.ShapeError);
      expect(() => F.layerNorm(x, [3], { weight: randn([2], 0) })).toThrow(/weight has shape/);
      expect(() => F.layerNorm(x, [3], { eps: -1 })).toThrow(mt.DataError);
    });
  });

  describe("pad", () => {
    const x = mt.arange(12, { backend, dtype: wide }).reshape([3, 4]);
    const xs = Array.from({ length: 12 }, (_, i) => i);

    it("pads with a constant from the last dim backwards, and crops with negative padding", async () => {
      const p = F.pad(x, [1, 2, 1, 0], { value: -1 });
      expect(p.shape).toEqual([4, 7]);
      const want = [...new Array(7).fill(-1)];
      for (let r = 0; r < 3; r++) want.push(-1, ...xs.slice(r * 4, r * 4 + 4), -1, -1);
      expect(await values(p)).toEqual(want);
      const c = F.pad(x, [-1, 1, 0, -1]);
      expect(c.shape).toEqual([2, 4]);
      expect(await values(c)).toEqual([1, 2, 3, 0, 5, 6, 7, 0]);
    });

    it("reflects, replicates and wraps around", async () => {
      const reflect = (i: number) => (i < 0 ? -i : i > 3 ? 6 - i : i);
      const replicate = (i: number) => Math.min(Math.max(i, 0), 3);
      const circular = (i: number) => (i + 4) % 4;
      expect(await values(F.pad(x, [3, 2], { mode: "reflect" }))).toEqual(
        padRows(xs, 4, 3, 2, reflect),
      );
      expect(await values(F.pad(x, [2, 5], { mode: "replicate" }))).toEqual(
        padRows(xs, 4, 2, 5, replicate),
      );
      expect(await values(F.pad(x, [4, 1], { mode: "circular" }))).toEqual(
        padRows(xs, 4, 4, 1, circular),
      );
      // Two dims: reflect the rows too ([3, 4] → [5, 6]).
      const both = F.pad(x, [1, 1, 1, 1], { mode: "reflect" });
      expect(both.shape).toEqual([5, 6]);
      expect((await values(both)).slice(0, 6)).toEqual([5, 4, 5, 6, 7, 6]);
    });

    it("refuses padding a mode cannot make", () => {
      expect(() => F.pad(x, [4, 0], { mode: "reflect" })).toThrow(/less than its size 4/);
      expect(() => F.pad(x, [5, 0], { mode: "circular" })).toThrow(/at most its size 4/);
      expect(() => F.pad(x, [1, 0], { mode: "reflect", value: 2 })).toThrow(/takes no value/);
      expect(() => F.pad(x, [1])).toThrow(/even number/);
      expect(() => F.pad(x, [1, 1, 1, 1, 1, 1])).toThrow(mt.ShapeError);
      expect(() => F.pad(x, [-3, -2])).toThrow(/negative size/);
      expect(() => F.pad(x, [1, 1], { mode: "edge" as never })).toThrow(/option mode/);
    });

    itSync("passes gradcheck in every mode", () => {
      const a = randn([2, 3, 4], 10, true);
      for (const mode of ["constant", "reflect", "replicate", "circular"] as const) {
        const fn = (t: Tensor) =>
          F.pad(t, [2, 1, 1, -1], mode === "constant" ? { value: 3 } : { mode });
        if (mode === "constant" || mode === "circular") {
          expect(mt.testing.gradcheck(fn, [a])).toBe(true);
        } else {
          const g = (t: Tensor) => F.pad(t, [2, 1, 1, 1], { mode });
          expect(mt.testing.gradcheck(g, [a])).toBe(true);
        }
      }
    });
  });

  describe("activation modules", () => {
    it("match their functional forms", async () => {
      const x = randn([2, 5], 11);
      const same = async (m: mt.nn.Module & { forward(x: Tensor): Tensor }, want: Tensor) =>
        expectClose(await values(m.forward(x)), await values(want), { digits });
      await same(new mt.nn.GELU(), F.gelu(x));
      await same(new mt.nn.GELU({ approximate: "tanh" }), F.gelu(x, { approximate: "tanh" }));
      await same(new mt.nn.SiLU(), F.silu(x));
      await same(new mt.nn.Tanh(), x.tanh());
      await same(new mt.nn.Softmax(1), F.softmax(x, 1));
      await same(new mt.nn.LogSoftmax(-1), F.logSoftmax(x, -1));
      await same(new mt.nn.LeakyReLU(0.2), F.leakyRelu(x, { negativeSlope: 0.2 }));
      await same(new mt.nn.ELU(0.5), F.elu(x, { alpha: 0.5 }));
      expect(new mt.nn.Identity().forward(x)).toBe(x);
      const xs = await values(x);
      expectClose(
        await values(new mt.nn.LeakyReLU().forward(x)),
        xs.map((v) => (v > 0 ? v : 0.01 * v)),
        {
          digits,
        },
      );
    });
  });
});

describe("layer toolkit modules", () => {
  it("Embedding: N(0, 1) weight with a zero padding row, PyTorch's state-dict name", async () => {
    const emb = new mt.nn.Embedding(10, 3, { paddingIdx: 2, rng: new mt.Random(1) });
    expect(emb.namedParameters().map(([name]) => name)).toEqual(["weight"]);
    expect(emb.weight.value.shape).toEqual([10, 3]);
    const w = await values(emb.weight.value);
    expect(w.slice(6, 9)).toEqual([0, 0, 0]);
    const out = emb.forward(mt.tensor([[2, 5]], { dtype: "int32" }));
    expect(out.shape).toEqual([1, 2, 3]);
    out.sum().backward();
    const g = await values(emb.weight.value.grad as Tensor);
    expect(g.slice(6, 9)).toEqual([0, 0, 0]);
    expect(g.slice(15, 18)).toEqual([1, 1, 1]);
    expect(() => new mt.nn.Embedding(4, 2, { maxNorm: 1 })).toThrow(/maxNorm .*not supported/);
    expect(() => new mt.nn.Embedding(4, 2, { paddingIdx: 9 })).toThrow(/out of range/);
  });

  it("LayerNorm: weight ones and bias zeros of normalizedShape, options honoured", async () => {
    const ln = new mt.nn.LayerNorm([2, 3]);
    expect(ln.namedParameters().map(([name]) => name)).toEqual(["weight", "bias"]);
    expect(await values(ln.weight?.value as Tensor)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(await values(ln.bias?.value as Tensor)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(ln.weight?.value.shape).toEqual([2, 3]);
    const x = mt.randn([4, 2, 3], { seed: 1, dtype: "float64" });
    expectClose(await values(ln.forward(x)), layerNormRows(await values(x), 6), { digits: 6 });
    expect(new mt.nn.LayerNorm(3, { bias: false }).namedParameters()).toHaveLength(1);
    expect(new mt.nn.LayerNorm(3, { elementwiseAffine: false }).namedParameters()).toHaveLength(0);
    expect(() => new mt.nn.LayerNorm(3, { affine: true } as never)).toThrow(/unknown option/);
  });

  it("activation modules check their parameters where they are built", () => {
    expect(() => new mt.nn.GELU({ approximate: "erf" as never })).toThrow(mt.DataError);
    expect(() => new mt.nn.LeakyReLU(Number.NaN)).toThrow(/negativeSlope/);
    expect(() => new mt.nn.Softmax(0.5)).toThrow(/dim must be an integer/);
    expect(new mt.nn.Tanh().namedParameters()).toHaveLength(0);
  });
});
