import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";
import { loadedBackendNames } from "./backends.js";

/**
 * `mt.nn.init` on every backend that loads here. The random fills are checked by their
 * statistics on tens of thousands of draws from fixed seeds (tolerances of several standard
 * errors, so a correct fill passes for any seed), by their bounds, and by determinism; the scale
 * rules (fans, gains) against torch 1.13's `_calculate_fan_in_and_fan_out` / `calculate_gain`.
 */

const init = mt.nn.init;
type Tensor = mt.Tensor;

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function std(xs: readonly number[]): number {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}

/** Expects the mean and std of `xs` within `k` standard errors of those of the distribution. */
function expectMoments(xs: readonly number[], mu: number, sigma: number, k = 6): void {
  const n = xs.length;
  expect(Math.abs(mean(xs) - mu)).toBeLessThan((k * sigma) / Math.sqrt(n));
  // The sample std's standard error is about σ/√(2n) (a little more for flat distributions).
  expect(Math.abs(std(xs) - sigma)).toBeLessThan((k * sigma) / Math.sqrt(n));
}

describe.each(loadedBackendNames)("nn.init on %s", (backend) => {
  const empty = (shape: number[]) => mt.zeros(shape, { backend });

  it("uniform_ fills in place within [a, b), with U(a, b)'s moments, and returns the tensor", async () => {
    const t = empty([100, 200]);
    expect(init.uniform_(t, -2, 3, { seed: 1 })).toBe(t);
    const xs = await values(t);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...xs)).toBeLessThan(3);
    expectMoments(xs, 0.5, 5 / Math.sqrt(12));
    const d = await values(init.uniform_(empty([20000]), 0, 1, { seed: 2 }));
    expectMoments(d, 0.5, 1 / Math.sqrt(12));
  });

  it("normal_ has N(mean, std²)'s moments", async () => {
    const xs = await values(init.normal_(empty([20000]), 3, 0.5, { seed: 3 }));
    expectMoments(xs, 3, 0.5);
    expect(await values(init.normal_(empty([4]), 1, 0))).toEqual([1, 1, 1, 1]);
  });

  it("a trainable parameter keeps its identity, stays a leaf, and records no history", async () => {
    const w = new mt.nn.Parameter(mt.zeros([3, 4], { backend }));
    const t = w.value;
    init.kaimingUniform_(t, { seed: 0 });
    expect(w.value).toBe(t);
    expect(t.isLeaf && t.requiresGrad).toBe(true);
    t.sum().backward();
    expect(await values(t.grad as Tensor)).toEqual(Array(12).fill(1));
  });

  it("the same seed or generator gives the same values, on every backend", async () => {
    const a = await values(init.xavierNormal_(empty([8, 5]), { seed: 7 }));
    const b = await values(init.xavierNormal_(empty([8, 5]), { seed: 7 }));
    expect(b).toEqual(a);
    const g = new mt.Generator().manualSeed(7);
    const c = await values(init.xavierNormal_(empty([8, 5]), { generator: g }));
    expect(c).toEqual(a); // a Generator seeded 7 draws as Random(7)
    const d = await values(init.xavierNormal_(empty([8, 5]), { generator: g }));
    expect(d).not.toEqual(a); // and moves on
    const onReference = await values(
      init.xavierNormal_(mt.zeros([8, 5], { backend: "reference" }), { seed: 7 }),
    );
    expect(a).toEqual(onReference);
    mt.manualSeed(11);
    const e = await values(init.uniform_(empty([6])));
    mt.manualSeed(11);
    expect(await values(init.uniform_(empty([6])))).toEqual(e);
  });

  it("constant_, zeros_, ones_ fill any dtype", async () => {
    const t = empty([2, 3]);
    expect(init.constant_(t, 0.25)).toBe(t);
    expect(await values(t)).toEqual(Array(6).fill(0.25));
    expect(await values(init.ones_(t))).toEqual(Array(6).fill(1));
    expect(await values(init.zeros_(t))).toEqual(Array(6).fill(0));
    const ints = mt.zeros([3], { backend, dtype: "int32" });
    expect(await values(init.constant_(ints, 2.7))).toEqual([2, 2, 2]);
  });

  it("xavierUniform_ / xavierNormal_ scale by gain·√(2 / (fan_in + fan_out))", async () => {
    // [out, in] = [300, 200]: fan_in 200, fan_out 300.
    const bound = Math.sqrt(6 / 500);
    const xs = await values(init.xavierUniform_(empty([300, 200]), { seed: 4 }));
    expect(Math.max(...xs.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...xs)).toBeGreaterThan(0.999 * bound);
    expectMoments(xs, 0, bound / Math.sqrt(3));
    const gain = init.calculateGain("tanh");
    // A conv weight [16, 8, 5, 5]: fan_in 8·25, fan_out 16·25.
    const ys = await values(init.xavierNormal_(empty([16, 8, 5, 5]), { gain, seed: 5 }));
    expectMoments(ys, 0, gain * Math.sqrt(2 / (200 + 400)));
  });

  it("kaimingUniform_ / kaimingNormal_ scale by gain / √fan, fan from mode", async () => {
    // Default: leaky_relu with a = 0 (gain √2), fanIn: bound = √2·√(3 / fan_in).
    const w = empty([64, 8, 3, 3]); // fan_in 72, fan_out 576
    const xs = await values(init.kaimingUniform_(w, { seed: 6 }));
    const bound = Math.sqrt(2) * Math.sqrt(3 / 72);
    expect(Math.max(...xs.map(Math.abs))).toBeLessThanOrEqual(bound);
    expectMoments(xs, 0, bound / Math.sqrt(3));
    // PyTorch's Linear init: kaiming_uniform_(a=√5) gives bound 1/√fan_in.
    const l = await values(init.kaimingUniform_(empty([50, 400]), { a: Math.sqrt(5), seed: 1 }));
    expect(Math.max(...l.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(400));
    expect(Math.max(...l.map(Math.abs))).toBeGreaterThan(0.999 / Math.sqrt(400));
    const ys = await values(
      init.kaimingNormal_(empty([64, 8, 3, 3]), { mode: "fanOut", nonlinearity: "relu", seed: 8 }),
    );
    expectMoments(ys, 0, Math.sqrt(2 / 576));
  });

  it("truncNormal_ stays in [a, b] with the truncated normal's moments", async () => {
    const xs = await values(init.truncNormal_(empty([20000]), { seed: 9 }));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...xs)).toBeLessThanOrEqual(2);
    // The moments of N(0, 1) on [−2, 2] and of N(1, 0.25) on [0, 3], from the closed forms
    // m = μ + σ(φ(α) − φ(β))/Z, v = σ²(1 + (αφ(α) − βφ(β))/Z − ((φ(α) − φ(β))/Z)²), evaluated
    // with python's math.erf (torch 1.13's trunc_normal_ agrees: 1.0284, 0.4710 on 200000 draws).
    expectMoments(xs, 0, 0.8796256610342398);
    const ys = await values(
      init.truncNormal_(empty([20000]), { mean: 1, std: 0.5, a: 0, b: 3, seed: 10 }),
    );
    expect(Math.min(...ys)).toBeGreaterThanOrEqual(0);
    expectMoments(ys, 1.0275563515206907, 0.47061541695192666);
  });
});

describe("nn.init scale rules and errors", () => {
  it("calculateGain matches torch 1.13", () => {
    // [calculate_gain(n) for n in ...], calculate_gain('leaky_relu'), ('leaky_relu', 0.2)
    for (const n of ["linear", "conv1d", "conv2d", "conv_transpose2d", "sigmoid"] as const) {
      expect(init.calculateGain(n)).toBe(1);
    }
    expect(init.calculateGain("tanh")).toBe(1.6666666666666667);
    expect(init.calculateGain("relu")).toBe(Math.SQRT2);
    expect(init.calculateGain("selu")).toBe(0.75);
    expect(init.calculateGain("leaky_relu")).toBe(1.4141428569978354);
    expect(init.calculateGain("leaky_relu", 0.2)).toBe(1.3867504905630728);
    expect(init.calculateGain("leaky_relu", 0)).toBe(Math.SQRT2);
    expect(() => init.calculateGain("softplus" as never)).toThrow(
      /unsupported nonlinearity "softplus"/,
    );
  });

  it("fans are torch's _calculate_fan_in_and_fan_out; fewer than 2 dims is an error", () => {
    // _calculate_fan_in_and_fan_out(torch.empty(s)) for each s
    expect(init.calculateFanInAndFanOut([3, 4])).toEqual([4, 3]);
    expect(init.calculateFanInAndFanOut([8, 3, 5, 5])).toEqual([75, 200]);
    expect(init.calculateFanInAndFanOut([6, 2, 7])).toEqual([14, 42]);
    expect(init.calculateFanInAndFanOut([2, 1, 1, 1, 4])).toEqual([4, 8]);
    const bias = mt.zeros([5]);
    expect(() => init.xavierUniform_(bias)).toThrow(mt.ShapeError);
    expect(() => init.kaimingNormal_(bias)).toThrow(
      /kaimingNormal_: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions \(shape \[5\]\)/,
    );
  });

  it("bad arguments are typed errors that leave the tensor alone", async () => {
    const t = mt.ones([2, 2]);
    expect(() => init.uniform_(mt.zeros([2], { dtype: "int32" }))).toThrow(mt.DTypeError);
    expect(() => init.uniform_(t, 1, 0)).toThrow(/expects a <= b/);
    expect(() => init.normal_(t, 0, -1)).toThrow(/expects std >= 0/);
    expect(() => init.normal_(t, 0, 1, { sed: 1 } as never)).toThrow(/unknown option sed/);
    expect(() => init.kaimingUniform_(t, { mode: "fan" as never })).toThrow(
      /mode "fan" not supported/,
    );
    expect(() => init.kaimingUniform_(t, { nonlinearity: "gelu" as never })).toThrow(mt.DataError);
    expect(() => init.xavierUniform_(t, { gain: -1 })).toThrow(/gain must be a positive number/);
    expect(() => init.truncNormal_(t, { a: 1, b: 1 })).toThrow(/expects a < b/);
    expect(() => init.truncNormal_(t, { a: 10, b: 11 })).toThrow(/holds only .* of N\(0, 1²\)/);
    expect(() => init.uniform_(t, 0, 1, { seed: 1, generator: new mt.Generator() })).toThrow(
      /either generator or seed/,
    );
    expect(() => init.zeros_([1, 2] as never)).toThrow(/expected a Tensor/);
    expect(await values(t)).toEqual([1, 1, 1, 1]);
    expect(init.kaimingUniform_(mt.zeros([0, 3]))).toBeInstanceOf(mt.Tensor);
  });
});
