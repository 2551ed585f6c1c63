import fc from "fast-check";
import { expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { anyValue, EXACT, LOOSE, positive } from "../op_cases.js";
import { describeEachBackend, GRADCHECK_RUNS } from "./harness.js";
import { arbBroadcastPair, each } from "./operands.js";

/**
 * Autograd on every backend: accumulation, detach, noGrad, an input used on several paths,
 * explicit gradients of non-scalar outputs, retainGrad, comparisons, float64 and casts, and a
 * composite expression checked numerically.
 */

type Tensor = mt.Tensor;

describeEachBackend("autograd", (suite) => {
  const { backend, grad, host, numerically, checkNumerically, expectValues, expectGrad } = suite;

  it("gradients accumulate over two backward calls, and zeroGrad clears them", async () => {
    const x = mt.tensor([1, -2, 3], grad);
    const w = host([0.5, 2, -1], [3]);
    x.mul(w).sum().backward();
    x.mul(w).sum().backward();
    await expectGrad(x, [1, 4, -2], EXACT, "twice");
    x.zeroGrad();
    expect(x.grad).toBeNull();
    x.mul(w).sum().backward();
    await expectGrad(x, [0.5, 2, -1], EXACT, "after zeroGrad");
  });

  it("detach cuts the graph: no gradient flows through the detached value", async () => {
    const x = mt.tensor([1, 2, 3], grad);
    const d = x.mul(2).detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    await expectValues(d, [3], [2, 4, 6], EXACT, "detached values");
    // d(Σ d·x)/dx = d (as if d were a constant), not 4x.
    d.mul(x).sum().backward();
    await expectGrad(x, [2, 4, 6], EXACT, "x");
    expect(d.grad).toBeNull();
  });

  it("noGrad records no history, and recording resumes after it", async () => {
    const x = mt.tensor([1, 2], grad);
    const y = mt.noGrad(() => x.mul(3).exp());
    expect(y.requiresGrad).toBe(false);
    expect(y.history).toBeNull();
    expect(() => y.sum().backward()).toThrow(mt.AutogradError);
    const z = x.mul(3);
    expect(z.requiresGrad).toBe(true);
    expect(z.history).not.toBeNull();
  });

  it("an input used twice gets the sum of both gradients", async () => {
    const x = mt.tensor([0.5, -1, 2], grad);
    x.mul(x).sum().backward(); // 2x
    await expectGrad(x, [1, -2, 4], EXACT, "x·x");
    const y = mt.tensor([0.5, -1], grad);
    const e = y.exp();
    e.mul(y).add(e).sum().backward(); // d(eʸ·y + eʸ)/dy = eʸ·y + 2eʸ
    await expectGrad(
      y,
      [0.5, -1].map((v) => Math.exp(v) * (v + 2)),
      LOOSE,
      "eʸ·y + eʸ",
    );
    const z = mt.tensor([[1, 2, 3]], grad);
    z.add(z.transpose(0, 1)).sum().backward(); // each element appears in 3 + 3 sums
    await expectGrad(z, [6, 6, 6], EXACT, "z + zᵀ");
  });

  it("backward on a non-scalar needs a gradient of its shape", async () => {
    const x = mt.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      grad,
    );
    const y = x.mul(x);
    expect(() => y.backward()).toThrow(mt.ShapeError);
    expect(() => y.backward()).toThrow(/\[2,2\]/);
    expect(() => y.backward(host([1, 1], [2]))).toThrow(mt.ShapeError);
    expect(x.grad).toBeNull();
    y.backward(host([1, 0, -1, 2], [2, 2]));
    await expectGrad(x, [2, 0, -6, 16], EXACT, "explicit gradient");
    // A one-element tensor of any rank needs no explicit gradient.
    const s = mt.tensor([[3]], grad);
    s.mul(s).backward();
    await expectGrad(s, [6], EXACT, "[1,1]");
  });

  it("retainGrad keeps the gradient of an intermediate result", async () => {
    const x = mt.tensor([1, 2], grad);
    const m = x.mul(3).retainGrad();
    const unretained = m.exp();
    m.mul(host([1, -1], [2]))
      .sum()
      .add(unretained.sum().mul(0))
      .backward();
    await expectGrad(m, [1, -1], EXACT, "m");
    expect(unretained.grad).toBeNull();
    await expectGrad(x, [3, -3], EXACT, "x");
  });

  it("comparisons pass no gradient: their bool masks record no history", async () => {
    const x = mt.tensor([1, 2, 3], grad);
    const masks = [x.lt(2), x.gt(1), x.eq(2), x.isClose(3)];
    expect(masks.map((m) => [m.dtype, m.requiresGrad])).toEqual(masks.map(() => ["bool", false]));
    // A mask used as a weight: the gradient flows through the multiplication only.
    x.mul(masks[0]).add(masks[1]).sum().backward();
    await expectGrad(x, [1, 0, 0], EXACT, "x");
  });

  it.skipIf(!backend.dtypes.includes("float64"))(
    "float64 keeps its precision, and a cast passes gradients back in the input's dtype",
    async () => {
      const x = mt.tensor([1 + 2 ** -40, 0.1], { ...grad, dtype: "float64" });
      expect(Array.from(await x.add(0).data())).toEqual([1 + 2 ** -40, 0.1]);
      x.float()
        .mul(host([2, 3], [2]))
        .sum()
        .backward();
      expect(x.grad?.dtype).toBe("float64");
      await expectGrad(x, [2, 3], EXACT, "cast");
    },
  );

  it(`a composite (an input used on several paths, broadcast, permuted and reduced) matches ${numerically}`, async () => {
    await fc.assert(
      fc.asyncProperty(
        arbBroadcastPair(each(anyValue), each(positive), { maxRank: 3, maxDim: 3 }),
        async ([a, b]) => {
          const fn = (u: Tensor, v: Tensor) =>
            u.mul(v.log()).add(u.tanh().mul(u)).sigmoid().sum(-1).mul(u.exp().mean());
          await checkNumerically(fn, [a, b], `${a.shape}, ${b.shape}`);
        },
      ),
      { numRuns: GRADCHECK_RUNS },
    );
  });
});
