import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Context } from "../src/autodiff/context.js";
import * as mt from "../src/index.js";
import { toDot } from "../src/viz/dot.js";
import { loadedBackendNames, syncBackendNames } from "./backends.js";
import { expectClose } from "./close.js";

const MiB = 2 ** 20;

/** Run the tests of a describe block with `name` as the default backend, then restore it. */
function onBackend(name: mt.BackendName): void {
  let previous: string;
  beforeAll(async () => {
    previous = mt.getBackend();
    await mt.setBackend(name);
  });
  afterAll(async () => {
    await mt.setBackend(previous);
  });
}

// The collector's budget is 64 MiB of growth; each loop below makes several times that in
// tensors it drops, so without reclaiming them its memory would climb far past the bounds.
describe.each(loadedBackendNames.filter((n) => n !== "reference"))(
  "a plain training loop on %s needs no tidy",
  (backend) => {
    onBackend(backend);

    it("holds mt.memory() and native memory (RSS less V8's heap) flat over thousands of steps without tidy", async () => {
      const net = new mt.nn.Sequential(
        new mt.nn.Linear(64, 256, { rng: new mt.Random(0) }),
        new mt.nn.ReLU(),
        new mt.nn.Linear(256, 10, { rng: new mt.Random(1) }),
      );
      const optimizer = new mt.optim.Adam(net.parameters(), { lr: 1e-3 });
      const x = mt.randn([64, 64], { seed: 2 });
      const y = mt.tensor(Array.from({ length: 64 }, (_, i) => i % 10));
      const step = (): mt.Tensor => {
        const loss = mt.nn.functional.crossEntropy(net.forward(x), y);
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
        return loss;
      };
      const steps = backend === "webgpu" ? 1200 : 2400;
      let made = 0;
      let peak = 0;
      // Native memory: RSS less the heap V8 has reserved for JavaScript objects. V8 sizes that heap by
      // its own heuristics (Node 24 grows it by ~60 MiB in this loop while the live JS stays flat),
      // whereas what the collector must keep flat is the memory V8 does not see: WebAssembly,
      // Dawn's buffers and the host copies.
      const native = (): number => {
        const m = process.memoryUsage();
        return m.rss - m.heapTotal;
      };
      let nativeAtQuarter = 0;
      for (let i = 0; i < steps; i++) {
        const before = mt.memory().bytes;
        const loss = step();
        made += Math.max(0, mt.memory().bytes - before);
        // A GPU loop reads its loss now and then (as the MNIST trainer does): without any read,
        // nothing bounds the queue of work the CPU submits ahead of the GPU. The cpu loop never
        // yields: the hardest case, since finalizers cannot run inside it.
        if (backend === "webgpu" && i % 100 === 99)
          expect(Number.isFinite((await loss.data())[0])).toBe(true);
        peak = Math.max(peak, mt.memory().bytes);
        if (i === steps / 4) nativeAtQuarter = native();
      }
      const nativeGrowth = native() - nativeAtQuarter;
      // The loop dropped far more than the bound below: that memory came back while it ran.
      expect(made).toBeGreaterThan(300 * MiB);
      expect(peak).toBeLessThan(200 * MiB);
      expect(nativeGrowth).toBeLessThan(64 * MiB);
    }, 120_000);
  },
);

describe.each(syncBackendNames)("backward and memory on %s", (backend) => {
  onBackend(backend);

  it("frees every tensor it makes but the gradients it stores", () => {
    const x = mt.randn([1000], { seed: 0, requiresGrad: true });
    const w = mt.randn([1000], { seed: 1, requiresGrad: true });
    const loss = x.mul(w).exp().sigmoid().add(x).sum();
    const before = mt.memory().buffers;
    loss.backward();
    expect(mt.memory().buffers - before).toBe(2); // x.grad and w.grad, nothing else
    const e = x.mul(w).exp();
    const s = e.sigmoid();
    const expected = w.mul(e).mul(s).mul(s.neg().add(1)).add(1).dataSync();
    expectClose(x.grad?.dataSync() ?? [], expected, { rel: 1e-5, abs: 1e-6 }, "x.grad");
  });

  it("releases the graph: a second backward is an AutogradError unless retainGraph", () => {
    const x = mt.tensor([1, 2, 3], { requiresGrad: true });
    const loss = x.mul(x).sum();
    loss.backward();
    expect(() => loss.backward()).toThrow(mt.AutogradError);
    expect(() => loss.backward()).toThrow(/retainGraph: true/);

    const kept = x.mul(x).sum();
    x.zeroGrad();
    kept.backward({ retainGraph: true });
    kept.backward();
    expect(Array.from(x.grad?.dataSync() ?? [])).toEqual([4, 8, 12]); // 2·x, twice
    expect(() => kept.backward(undefined, { retainGraph: "yes" as never })).toThrow(mt.DataError);
    expect(() => kept.backward({ retainGrap: true } as never)).toThrow(/unknown option retainGrap/);
  });

  it("a result kept after backward no longer keeps its graph's tensors alive", () => {
    const w = mt.randn([256, 256], { seed: 3, requiresGrad: true });
    const losses: mt.Tensor[] = [];
    mt.collectGarbage();
    const start = mt.memory().bytes;
    for (let i = 0; i < 20; i++) {
      const h = mt.randn([256, 256], { seed: i }).matmul(w).relu().exp();
      const loss = h.mean();
      loss.backward();
      losses.push(loss); // as a PyTorch user might; the loss is all that is kept
    }
    mt.collectGarbage();
    // 20 graphs held 20 MiB of intermediates; what is left is w.grad, the 20 one-element losses,
    // and at most the last step's four 256 KiB tensors, still in the loop's variables.
    expect(mt.memory().bytes - start).toBeLessThan(2 * MiB);
    expect(losses).toHaveLength(20);
  });

  it("counts a buffer shared by views once, and the last owner frees it", () => {
    const x = mt.zeros([100]);
    const before = mt.memory();
    const v = x.view(10, 10);
    const t = v.transpose(0, 1);
    expect(mt.memory()).toEqual(before);
    x.dispose();
    v.dispose();
    expect(mt.memory()).toEqual(before);
    expect(mt.tidy(() => t.sum().item())).toBe(0);
    t.dispose();
    expect(mt.memory().buffers).toBe(before.buffers - 1);
    expect(mt.memory().bytes).toBe(before.bytes - 100 * (x.dtype === "float64" ? 8 : 4));
  });
});

describe("using released memory is an error that says how to keep it", () => {
  it("after tidy: return it or keep it", () => {
    let inner: mt.Tensor | undefined;
    mt.tidy(() => {
      inner = mt.ones([2]).add(1);
    });
    expect(() => inner?.add(1)).toThrow(mt.BackendError);
    expect(() => inner?.dataSync()).toThrow(/tidy\(\).*return it.*mt\.keep\(\)/);
  });

  it("after dispose: clone it first", () => {
    const t = mt.ones([2]);
    t.dispose();
    expect(() => t.toArray()).toThrow(/toArray: .*released by dispose\(\).*clone\(\)/);
  });

  it("after backward: a derivative a custom Function held on to; retainGrad keeps one", () => {
    let leaked: mt.Tensor | undefined;
    class Leaky extends mt.AutogradFunction {
      static override forward(_ctx: Context, a: mt.Tensor): mt.Tensor {
        return a.mul(1);
      }
      static override backward(_ctx: Context, d: mt.Tensor): mt.Tensor {
        leaked = d.mul(1);
        return d;
      }
    }
    const x = mt.ones([3], { requiresGrad: true });
    const loss = (Leaky.apply(x.mul(2)) as mt.Tensor).sum();
    loss.backward();
    expect(() => leaked?.dataSync()).toThrow(/released by backward\(\).*retainGrad\(\)/);
    expect(Array.from(x.grad?.dataSync() ?? [])).toEqual([2, 2, 2]);
  });

  it("toDot after backward asks for retainGraph instead of drawing a partial graph", () => {
    const x = new mt.Scalar(2, { name: "x" });
    const y = x.mul(x);
    y.backward();
    expect(() => toDot(y)).toThrow(mt.AutogradError);
    expect(() => y.backward()).toThrow(/retainGraph/);
  });
});
