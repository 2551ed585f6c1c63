import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";
import { indexDType } from "../src/tensor/promotion.js";

/**
 * The creation toolkit: linspace, logspace, eye, the `…Like` functions, randint, randperm,
 * multinomial, normal, and `mt.Generator` with the `{generator}` option of every random function.
 * Expectations are computed in plain JS; statistical checks use fixed seeds (so they cannot flake)
 * and bounds several standard errors wide (so they hold for any reasonable generator).
 */

const values = (t: mt.Tensor) => Array.from(t.dataSync());

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function std(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

describe("linspace, logspace, eye", () => {
  it("linspace includes both ends, is evenly spaced and symmetric", () => {
    const t = mt.linspace(-1, 2, 7, { dtype: "float64" });
    expect(t.shape).toEqual([7]);
    expect(t.dtype).toBe("float64");
    values(t).forEach((x, i) => {
      expect(x).toBeCloseTo(-1 + i * 0.5, 12);
    });
    expect(values(t)[6]).toBe(2);
    expect(values(mt.linspace(0, 1, 11, { dtype: "float64" }))).toEqual(
      values(mt.linspace(1, 0, 11, { dtype: "float64" })).reverse(),
    );
    expect(values(mt.linspace(3, 10, 1))).toEqual([3]);
    expect(mt.linspace(3, 10, 0).shape).toEqual([0]);
    expect(values(mt.linspace(5, 5, 3))).toEqual([5, 5, 5]);
    expect(mt.linspace(0, 1, 4).dtype).toBe("float32");
  });

  it("linspace refuses a negative or fractional number of steps and non-numbers", () => {
    expect(() => mt.linspace(0, 1, -1)).toThrow(mt.ShapeError);
    expect(() => mt.linspace(0, 1, 2.5)).toThrow(
      /linspace: number of steps must be a non-negative integer, got 2.5/,
    );
    expect(() => mt.linspace(0, "1" as unknown as number, 3)).toThrow(mt.DataError);
    expect(() => mt.linspace(0, 1, 3, { device: "cpu" } as mt.TensorOptions)).toThrow(
      /unknown option device/,
    );
  });

  it("logspace is base ** linspace, base 10 unless given", () => {
    const t = mt.logspace(-2, 2, 5, { dtype: "float64" });
    values(t).forEach((x, i) => {
      expect(x).toBeCloseTo(10 ** (i - 2), 12);
    });
    expect(values(mt.logspace(0, 4, 5, 2))).toEqual([1, 2, 4, 8, 16]);
    expect(mt.logspace(0, 1, 3, 2, { dtype: "float64" }).dtype).toBe("float64");
  });

  it("eye is the identity, square or n × m", () => {
    expect(mt.eye(3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(mt.eye(2, 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ]);
    expect(mt.eye(3, 1).toArray()).toEqual([[1], [0], [0]]);
    expect(mt.eye(2, { dtype: "float64" }).dtype).toBe("float64");
    expect(mt.eye(0).shape).toEqual([0, 0]);
    expect(() => mt.eye(-1)).toThrow(mt.ShapeError);
  });
});

describe("dtype options", () => {
  it("take PyTorch's names: int64 is stored as int32, linspace truncates as PyTorch", () => {
    const eye = mt.eye(2, { dtype: "int64" });
    expect([eye.dtype, values(eye)]).toEqual(["int32", [1, 0, 0, 1]]);
    const lin = mt.linspace(0, 5, 3, { dtype: "long" });
    expect([lin.dtype, values(lin)]).toEqual(["int32", [0, 2, 5]]);
    expect(mt.eye(2, { dtype: "double" }).dtype).toBe("float64");
    expect(values(mt.eye(2, { dtype: "bool" }))).toEqual([1, 0, 0, 1]);
    const r = mt.randint(-5, 5, [50], { dtype: "int64", seed: 1 });
    expect(r.dtype).toBe("int32");
    expect(values(r).every((v) => Number.isInteger(v) && v >= -5 && v < 5)).toBe(true);
    expect(mt.randperm(5, { dtype: "int32" }).dtype).toBe("int32");
    const ints = mt.tensor([1, 2], { dtype: "int64" });
    expect(mt.fullLike(ints, 3).dtype).toBe("int32");
    expect(mt.zerosLike(mt.ones([2]), { dtype: "int64" }).dtype).toBe("int32");
  });

  it("refuse unknown dtypes naming the op, and dtypes PyTorch's kernels lack", () => {
    const ints = mt.tensor([1, 2], { dtype: "int64" });
    const cases: [() => unknown, RegExp][] = [
      [() => mt.eye(2, { dtype: "int8" as mt.DType }), /eye: unknown dtype "int8"/],
      [() => mt.linspace(0, 1, 2, { dtype: "half" as mt.DType }), /linspace: unknown dtype/],
      [() => mt.zerosLike(ints, { dtype: "f32" as mt.DType }), /zerosLike: unknown dtype "f32"/],
      [() => mt.randint(3, [2], { dtype: "u8" as mt.DType }), /randint: unknown dtype/],
      [() => mt.rand([2], { dtype: "int64" }), /rand: makes float tensors.*"int64"/],
      [() => mt.randn(2, { dtype: "bool" }), /randn: makes float tensors/],
      [() => mt.randLike(ints), /randLike: makes float tensors/],
      [() => mt.randnLike(mt.ones([2]), { dtype: "int32" }), /randnLike: makes float tensors/],
      [() => mt.normal(0, 1, [2], { dtype: "int64" }), /normal: makes float tensors/],
      [() => mt.normal(ints, 1), /normal: makes float tensors.*"int32"/],
      [() => mt.linspace(0, 1, 3, { dtype: "bool" }), /linspace: makes int or float tensors/],
      [() => mt.logspace(0, 1, 3, { dtype: "bool" }), /logspace: makes int or float tensors/],
    ];
    for (const [f, message] of cases) {
      expect(f).toThrow(mt.DTypeError);
      expect(f).toThrow(message);
    }
  });
});

describe("the …Like functions", () => {
  const x = mt.tensor([[1, 2, 3]], { dtype: "float64", backend: "cpu", requiresGrad: true });

  it("take the input's shape, dtype and backend, never its requiresGrad", () => {
    const made = {
      zerosLike: mt.zerosLike(x),
      onesLike: mt.onesLike(x),
      fullLike: mt.fullLike(x, 7),
      emptyLike: mt.emptyLike(x),
      randLike: mt.randLike(x),
      randnLike: mt.randnLike(x),
    };
    for (const [name, t] of Object.entries(made)) {
      expect(t.shape, name).toEqual([1, 3]);
      expect(t.dtype, name).toBe("float64");
      expect(t.backend, name).toBe("cpu");
      expect(t.requiresGrad, name).toBe(false);
    }
    expect(values(made.zerosLike)).toEqual([0, 0, 0]);
    expect(values(made.onesLike)).toEqual([1, 1, 1]);
    expect(values(made.fullLike)).toEqual([7, 7, 7]);
    expect(values(made.randLike).every((v) => v >= 0 && v < 1)).toBe(true);
  });

  it("options override the dtype, backend and requiresGrad", () => {
    const z = mt.zerosLike(x, { dtype: "float32", backend: "reference", requiresGrad: true });
    expect([z.dtype, z.backend, z.requiresGrad]).toEqual(["float32", "reference", true]);
    expect(mt.onesLike(x, { dtype: "float32" }).dtype).toBe("float32");
    expect(mt.randnLike(x, { dtype: "float32" }).dtype).toBe("float32");
    expect(mt.emptyLike(x, { requiresGrad: true }).requiresGrad).toBe(true);
  });

  it("refuse unknown options and non-tensors", () => {
    expect(() => mt.zerosLike(x, { memoryFormat: 1 } as mt.TensorOptions)).toThrow(
      /zerosLike: unknown option memoryFormat/,
    );
    expect(() => mt.onesLike([1, 2] as unknown as mt.Tensor)).toThrow(mt.DTypeError);
    expect(() => mt.randLike(x, { generator: 3 } as unknown as mt.RandomOptions)).toThrow(
      /generator must be a Generator/,
    );
  });
});

describe("mt.Generator", () => {
  it("is seeded as PyTorch's: a fixed default seed, manualSeed returns itself", () => {
    const g = new mt.Generator();
    expect(g.initialSeed()).toBe(67280421310721);
    expect(g.manualSeed(42)).toBe(g);
    expect(g.initialSeed()).toBe(42);
    const s = g.seed();
    expect(Number.isSafeInteger(s)).toBe(true);
    expect(g.initialSeed()).toBe(s);
    expect(() => g.manualSeed(0.5)).toThrow(mt.DataError);
  });

  it("draws as a Random of its seed, advances between calls and repeats after reseeding", () => {
    const g = new mt.Generator().manualSeed(7);
    const a = values(mt.rand([5], { generator: g }));
    const b = values(mt.rand([5], { generator: g }));
    expect(a).toEqual(values(mt.rand([5], { seed: 7 })));
    expect(b).not.toEqual(a);
    g.manualSeed(7);
    expect(values(mt.rand([5], { generator: g }))).toEqual(a);
    const r = new mt.Random(7);
    expect(a).toEqual(Array.from({ length: 5 }, () => Math.fround(r.next())));
  });

  it("leaves the global generator alone", () => {
    mt.manualSeed(3);
    const want = values(mt.randn([4]));
    mt.manualSeed(3);
    mt.randn([4], { generator: new mt.Generator() });
    mt.randint(10, [4], { generator: new mt.Generator() });
    expect(values(mt.randn([4]))).toEqual(want);
  });

  it("every random function takes {generator}, and gives the same draws for the same seed", () => {
    const probs = mt.tensor([0.1, 0.2, 0.3, 0.4]);
    const x = mt.zeros([3, 2]);
    const draws: Record<string, (g: mt.Generator) => mt.Tensor> = {
      rand: (g) => mt.rand(3, 2, { generator: g }),
      randn: (g) => mt.randn([3, 2], { generator: g }),
      randint: (g) => mt.randint(0, 100, [6], { generator: g }),
      randperm: (g) => mt.randperm(20, { generator: g }),
      multinomial: (g) => mt.multinomial(probs, 3, { generator: g }),
      normalNumbers: (g) => mt.normal(0, 1, [6], { generator: g }),
      normalTensor: (g) => mt.normal(x, 2, { generator: g }),
      randLike: (g) => mt.randLike(x, { generator: g }),
      randnLike: (g) => mt.randnLike(x, { generator: g }),
      dropout: (g) => mt.nn.functional.dropout(mt.ones([20]), 0.5, true, { generator: g }),
    };
    for (const [name, draw] of Object.entries(draws)) {
      const first = values(draw(new mt.Generator().manualSeed(11)));
      expect(values(draw(new mt.Generator().manualSeed(11))), name).toEqual(first);
      expect(values(draw(new mt.Generator().manualSeed(12))), name).not.toEqual(first);
    }
  });

  it("{seed} still works, a Random is accepted as a generator, and both sources at once is an error", () => {
    expect(values(mt.randn([3], { generator: new mt.Random(5) }))).toEqual(
      values(mt.randn([3], { seed: 5 })),
    );
    const mask = (o: mt.nn.functional.DropoutOptions | { generator: mt.Generator }) =>
      values(mt.nn.functional.dropout(mt.ones([16]), 0.5, true, o));
    expect(mask({ generator: new mt.Generator().manualSeed(9) })).toEqual(
      mask({ rng: new mt.Random(9) }),
    );
    expect(() => mt.rand([2], { seed: 1, generator: new mt.Generator() })).toThrow(
      /rand: pass either generator or seed, not both/,
    );
    expect(() =>
      mt.nn.functional.dropout(mt.ones([2]), 0.5, true, {
        rng: new mt.Random(1),
        generator: new mt.Generator(),
      } as mt.nn.functional.DropoutOptions),
    ).toThrow(/dropout: pass either generator or rng/);
    expect(() => mt.randperm(3, { seed: 1.5 })).toThrow(/randperm: seed must be a finite integer/);
    expect(() => mt.randint(5, [2], { gen: 1 } as mt.RandomOptions)).toThrow(
      /randint: unknown option gen/,
    );
    expect(() => mt.normal(0, 1, [2], { rng: 1 } as mt.RandomOptions)).toThrow(
      /normal: unknown option rng/,
    );
  });
});

describe("randint, randperm", () => {
  it("randint(high, size) and randint(low, high, size) draw every integer of [low, high)", () => {
    const g = new mt.Generator().manualSeed(0);
    const a = mt.randint(5, [2, 500], { generator: g });
    expect(a.shape).toEqual([2, 500]);
    expect(a.dtype).toBe(indexDType);
    expect(new Set(values(a))).toEqual(new Set([0, 1, 2, 3, 4]));
    const b = values(mt.randint(-3, 2, [1000], { generator: g }));
    expect(new Set(b)).toEqual(new Set([-3, -2, -1, 0, 1]));
    // Each value's count is within 5 standard errors of n/5 (binomial, n = 1000, p = 1/5).
    for (let v = -3; v < 2; v++) {
      expect(Math.abs(b.filter((x) => x === v).length - 200)).toBeLessThan(5 * Math.sqrt(160));
    }
    expect(mt.randint(3, [0]).shape).toEqual([0]);
    expect(mt.randint(0, 10, [2], { dtype: "float64" }).dtype).toBe("float64");
  });

  it("randint refuses an empty range, non-integers and a size that is not an array", () => {
    expect(() => mt.randint(5, 5, [2])).toThrow(
      /randint: expects low to be less than high, but got low=5 >= high=5/,
    );
    expect(() => mt.randint(0, [2])).toThrow(mt.DataError);
    expect(() => mt.randint(1.5, [2])).toThrow(/randint: high must be an integer, got 1.5/);
    expect(() => mt.randint(5, 3 as unknown as number[])).toThrow(/randint: size must be an array/);
  });

  it("randperm is a permutation of 0 … n−1, deterministic under a seeded generator", () => {
    const p = values(mt.randperm(50, { generator: new mt.Generator().manualSeed(1) }));
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(p).not.toEqual([...p].sort((x, y) => x - y));
    expect(values(mt.randperm(50, { generator: new mt.Generator().manualSeed(1) }))).toEqual(p);
    expect(mt.randperm(0).shape).toEqual([0]);
    expect(mt.randperm(4).dtype).toBe(indexDType);
    expect(() => mt.randperm(-1)).toThrow(mt.ShapeError);
  });
});

describe("multinomial", () => {
  it("draws categories in proportion to the weights, with replacement", () => {
    const w = [1, 0, 3, 6];
    const draws = values(
      mt.multinomial(mt.tensor(w), 4000, {
        replacement: true,
        generator: new mt.Generator().manualSeed(2),
      }),
    );
    expect(draws).toHaveLength(4000);
    expect(draws.filter((c) => c === 1)).toEqual([]);
    w.forEach((wi, c) => {
      const p = wi / 10;
      const count = draws.filter((d) => d === c).length;
      expect(Math.abs(count - 4000 * p)).toBeLessThanOrEqual(5 * Math.sqrt(4000 * p * (1 - p)));
    });
  });

  it("without replacement draws distinct categories, never a zero weight, one row per distribution", () => {
    const probs = mt.tensor([
      [0.2, 0, 0.5, 0.3],
      [0, 0, 0, 2],
    ]);
    const g = new mt.Generator().manualSeed(4);
    for (let trial = 0; trial < 50; trial++) {
      const t = mt.multinomial(probs, 1, { generator: g });
      expect(t.shape).toEqual([2, 1]);
      expect(values(t)[1]).toBe(3);
      const row = values(mt.multinomial(mt.tensor([0.2, 0, 0.5, 0.3]), 3, { generator: g }));
      expect(new Set(row).size).toBe(3);
      expect(row.includes(1)).toBe(false);
    }
    expect(mt.multinomial(mt.tensor([1, 1]), 2).dtype).toBe(indexDType);
  });

  it("without replacement, the first draw follows the weights", () => {
    const firsts = Array.from(
      { length: 2000 },
      (_, i) => values(mt.multinomial(mt.tensor([1, 2, 7]), 2, { seed: i }))[0],
    );
    [0.1, 0.2, 0.7].forEach((p, c) => {
      const count = firsts.filter((d) => d === c).length;
      expect(Math.abs(count - 2000 * p)).toBeLessThanOrEqual(5 * Math.sqrt(2000 * p * (1 - p)));
    });
  });

  it("refuses what PyTorch refuses", () => {
    const cases: [() => unknown, RegExp][] = [
      [
        () => mt.multinomial(mt.tensor([0.5, -0.1, 0.6]), 1),
        /probability tensor contains either inf, nan or element < 0/,
      ],
      [() => mt.multinomial(mt.tensor([0.5, Number.NaN]), 1), /inf, nan or element < 0/],
      [
        () =>
          mt.multinomial(
            mt.tensor([
              [1, 1],
              [0, 0],
            ]),
            1,
          ),
        /invalid multinomial distribution \(sum of probabilities <= 0\) in row 1/,
      ],
      [
        () => mt.multinomial(mt.tensor([1, 1]), 3),
        /cannot sample numSamples > prob_dist.size\(-1\) samples without replacement \(3 > 2\)/,
      ],
      [
        () => mt.multinomial(mt.tensor([1, 0, 1]), 3),
        /not enough non-zero categories to sample\): row 0 has 2, asked for 3/,
      ],
      [() => mt.multinomial(mt.tensor([1, 1]), 0), /cannot sample numSamples <= 0 samples/],
      [() => mt.multinomial(mt.zeros([2, 2, 2]), 1), /prob_dist must be 1 or 2 dim/],
      [
        () => mt.multinomial(mt.tensor([1, 1]), 1, { replace: true } as mt.MultinomialOptions),
        /unknown option replace/,
      ],
    ];
    for (const [f, message] of cases) expect(f).toThrow(message);
    expect(
      values(mt.multinomial(mt.tensor([1, 0, 1]), 5, { replacement: true })).every((c) => c !== 1),
    ).toBe(true);
  });
});

describe("normal", () => {
  it("normal(mean, std, size) has that mean and std", () => {
    const xs = values(
      mt.normal(3, 0.5, [20000], { generator: new mt.Generator().manualSeed(5), dtype: "float64" }),
    );
    expect(Math.abs(mean(xs) - 3)).toBeLessThan(5 * (0.5 / Math.sqrt(20000)));
    expect(Math.abs(std(xs) - 0.5)).toBeLessThan(0.02);
    expect(values(mt.normal(2, 0, [3]))).toEqual([2, 2, 2]);
  });

  it("tensor means and stds broadcast, keep the tensor's dtype and backend, and carry no gradient", () => {
    const m = mt.tensor([[-10], [10]], { dtype: "float64", backend: "cpu", requiresGrad: true });
    const s = mt.tensor([0, 1, 0.01], { dtype: "float64", backend: "cpu" });
    const t = mt.normal(m, s, { generator: new mt.Generator().manualSeed(1) });
    expect([t.shape, t.dtype, t.backend, t.requiresGrad]).toEqual([
      [2, 3],
      "float64",
      "cpu",
      false,
    ]);
    const v = values(t);
    expect([v[0], v[3]]).toEqual([-10, 10]);
    expect(Math.abs(v[2] + 10)).toBeLessThan(0.1);
    const many = values(mt.normal(mt.zeros([10000]), 2, { seed: 3 }));
    expect(Math.abs(std(many) - 2)).toBeLessThan(0.1);
    const shifted = values(mt.normal(5, mt.ones([10000]), { seed: 4 }));
    expect(Math.abs(mean(shifted) - 5)).toBeLessThan(0.05);
  });

  it("refuses a negative std and a missing size", () => {
    expect(() => mt.normal(0, -1, [2])).toThrow(/normal: expects std >= 0.0, but found std -1/);
    expect(() => mt.normal(mt.zeros([2]), -1)).toThrow(mt.DataError);
    expect(() => (mt.normal as (a: number, b: number) => mt.Tensor)(0, 1)).toThrow(
      /normal: size must be an array/,
    );
    expect(() => mt.normal(mt.zeros([2]), 1, { dtype: "float64" } as mt.GeneratorOptions)).toThrow(
      /unknown option dtype/,
    );
  });
});
