import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";

describe.each(["reference", "cpu"] as const)("tidy and memory on %s", (backend) => {
  const opts = { backend };

  it("disposes what fn made and did not return, keeps what it returned", () => {
    const x = mt.ones([4], opts);
    const before = mt.memory().buffers;
    const [y, z] = mt.tidy(() => {
      const a = x.mul(2);
      const b = a.add(1); // a and b are temporaries
      return [b.exp(), b.sum()];
    });
    expect(mt.memory().buffers - before).toBe(2);
    expect(Array.from(y.dataSync())).toEqual(Array(4).fill(Math.fround(Math.exp(3))));
    expect(z.item()).toBe(12);
    expect(() => mt.tidy(() => x.add(1)).dataSync()).not.toThrow();
  });

  it("nested scopes hand returned tensors to the outer scope, and keep() exempts one", () => {
    const before = mt.memory().buffers;
    const kept = mt.tidy(() => {
      const inner = mt.tidy(() => mt.ones([2], opts).add(1));
      const saved = mt.keep(mt.zeros([3], opts));
      expect(inner.dataSync()[0]).toBe(2);
      return saved;
    });
    expect(mt.memory().buffers - before).toBe(1);
    expect(kept.dataSync()).toHaveLength(3);
    expect(() => mt.tidy(() => Promise.resolve(1))).toThrow(mt.DTypeError);
  });

  it("a disposed tensor says so instead of reading freed memory", () => {
    const t = mt.tidy(() => {
      const tmp = mt.ones([2], opts);
      return { leaked: tmp.add(1), tmp };
    });
    t.tmp.dispose();
    expect(() => t.tmp.add(1)).toThrow(/released by dispose\(\)/);
    expect(t.leaked.dataSync()[0]).toBe(2);
  });

  it("a 2,000-step training loop in tidy holds flat memory", () => {
    const layer = new mt.nn.Linear(8, 4);
    const params = layer.parameters();
    for (const p of params) {
      p.update(
        mt
          .tensor(Array.from((p.value as mt.Tensor).dataSync()), opts)
          .view((p.value as mt.Tensor).shape),
      );
      (p.value as mt.Tensor).requiresGrad = true;
    }
    const opt = new mt.optim.SGD(params, { lr: 0.01, momentum: 0.9 });
    const x = mt.randn([16, 8], { ...opts, seed: 1 });
    const step = () =>
      mt.tidy(() => {
        opt.zeroGrad();
        const loss = layer.forward(x).relu().mean();
        loss.backward();
        opt.step();
        return loss.item();
      });
    for (let i = 0; i < 50; i++) step(); // momentum buffers exist from here on
    const start = mt.memory();
    for (let i = 0; i < 2000; i++) step();
    expect(mt.memory()).toEqual(start);
  });
});
