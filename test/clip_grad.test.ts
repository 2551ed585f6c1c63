import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";
import { loadedBackendNames, usable } from "./backends.js";

const { clipGradNorm_, clipGradValue_ } = mt.nn.utils;

const G1 = [3, -4, 0.5, 2];
const G2 = [
  [-1, 6],
  [0.25, -2.5],
];
const flat = [...G1, ...G2.flat()];

/** The p-norm of xs in plain JS (p = Infinity: the largest magnitude). */
function pNorm(xs: readonly number[], p: number): number {
  if (p === Infinity) return Math.max(...xs.map(Math.abs));
  return xs.reduce((s, x) => s + Math.abs(x) ** p, 0) ** (1 / p);
}

function expectNear(actual: ArrayLike<number>, expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i] - expected[i])).toBeLessThan(
      1e-5 * Math.max(1, Math.abs(expected[i])),
    );
  }
}

describe.each(loadedBackendNames)("gradient clipping on the %s backend", (backend) => {
  const { sync } = usable(backend);

  /** Two parameters whose gradients are G1 and G2 (loss Σ w·g), and one with no gradient. */
  function params(): mt.nn.Parameter<mt.Tensor>[] {
    const a = mt.tensor([1, 1, 1, 1], { backend, requiresGrad: true });
    const b = mt.tensor(
      [
        [1, 1],
        [1, 1],
      ],
      { backend, requiresGrad: true },
    );
    const none = mt.tensor([5], { backend, requiresGrad: true });
    a.mul(mt.tensor(G1, { backend }))
      .sum()
      .add(b.mul(mt.tensor(G2, { backend })).sum())
      .backward();
    return [a, b, none].map((t) => new mt.nn.Parameter(t));
  }

  async function grads(ps: readonly mt.nn.Parameter<mt.Tensor>[]): Promise<number[]> {
    const out: number[] = [];
    for (const p of ps.slice(0, 2)) out.push(...(await (p.value.grad as mt.Tensor).data()));
    return out;
  }

  for (const p of [2, 1, Infinity]) {
    it(`clipGradNorm_ with normType ${p} returns the total norm and scales by maxNorm/(total+1e-6)`, async () => {
      const ps = params();
      const expected = pNorm(flat, p);
      const total = clipGradNorm_(ps, 1.5, { normType: p });
      expect(total.shape).toEqual([]);
      expectNear(await total.data(), [expected]);
      const scale = 1.5 / (expected + 1e-6);
      expectNear(
        await grads(ps),
        flat.map((g) => g * scale),
      );
      expect(ps[0].value.grad?.history ?? null).toBeNull();
      expect(ps[2].value.grad).toBeNull();
    });
  }

  it("leaves gradients alone when the norm is under the max, and accepts tensors", async () => {
    const ps = params();
    const total = clipGradNorm_(
      ps.map((p) => p.value),
      100,
    );
    expectNear(await total.data(), [pNorm(flat, 2)]);
    expectNear(await grads(ps), flat);
  });

  it("returns 0 when no parameter has a gradient", async () => {
    const t = mt.tensor([1, 2], { backend, requiresGrad: true });
    expectNear(await clipGradNorm_([t], 1).data(), [0]);
  });

  it("clipGradValue_ clamps into [-clipValue, clipValue]", async () => {
    const ps = params();
    clipGradValue_(ps, 2);
    expectNear(
      await grads(ps),
      flat.map((g) => Math.min(2, Math.max(-2, g))),
    );
  });

  it.runIf(sync)("errorIfNonfinite refuses an infinite norm", () => {
    const t = mt.tensor([1, 2], { backend, requiresGrad: true });
    t.mul(mt.tensor([Infinity, 1], { backend }))
      .sum()
      .backward();
    expect(() => clipGradNorm_([t], 1, { errorIfNonfinite: true })).toThrow(mt.DataError);
    expect(clipGradNorm_([t], 1).item()).toBe(Infinity);
  });
});

describe("argument checks", () => {
  it("refuses unknown options, a bad normType, a non-finite maxNorm or clipValue, non-tensors", () => {
    const t = mt.tensor([1], { requiresGrad: true });
    expect(() => clipGradNorm_([t], 1, { norm: 2 } as never)).toThrow(/unknown option norm/);
    expect(() => clipGradNorm_([t], 1, { normType: -1 })).toThrow(mt.DataError);
    expect(() => clipGradNorm_([t], Number.NaN)).toThrow(mt.DataError);
    expect(() => clipGradValue_([t], Infinity)).toThrow(mt.DataError);
    expect(() => clipGradValue_([new mt.nn.Parameter(new mt.Scalar(1))], 1)).toThrow(mt.DTypeError);
  });

  it("works on a module's parameters", () => {
    const layer = new mt.nn.Linear(3, 2);
    layer
      .forward(mt.ones([4, 3]))
      .sum()
      .backward();
    const before = clipGradNorm_(layer.parameters(), 0.5).item();
    expect(before).toBeGreaterThan(0.5);
    expect(clipGradNorm_(layer.parameters(), 0.5).item()).toBeCloseTo(0.5, 4);
  });
});
