import { describe, expect, it } from "vitest";
import { loadedBackend } from "../src/backend/registry.js";
import { createWebGpuBackend } from "../src/backend/webgpu/create.js";
import { WebGpuBackend } from "../src/backend/webgpu/webgpu_backend.js";
import * as mt from "../src/index.js";
import { loadedBackendNames } from "./backends.js";

/**
 * What a user of the webgpu backend relies on besides the kernels' values (the conformance suite
 * checks those): values come back only asynchronously, and the synchronous readers say so; it
 * stores float32 only; its buffers are pooled, so a long training loop in `tidy` holds flat GPU
 * memory; tensors on different backends do not mix in one op; `to()` moves values both ways.
 * Where the backend cannot load here, test/backends.ts prints one line saying why and this file
 * skips.
 */

const available = loadedBackendNames.includes("webgpu");

/** The loaded webgpu backend, with its buffer pool. */
function gpuBackend(): WebGpuBackend {
  const backend = loadedBackend("webgpu");
  if (!(backend instanceof WebGpuBackend)) throw new Error("test bug: not the webgpu backend");
  return backend;
}

/** The error `fn` throws (fails the test when it throws nothing). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error, nothing was thrown");
}

const gpu: mt.TensorOptions = { backend: "webgpu" };

describe.skipIf(!available)("the webgpu backend", () => {
  // First in the file: no garbage tensors from earlier tests can be finalized during the loop
  // and change the counts it compares.
  it("a 2,000-step training loop in tidy holds flat GPU memory, and the loss goes down", async () => {
    const backend = gpuBackend();
    // A tiny linear regression: y = x·[1.5, −2, 0.5]ᵀ + 0.7, fitted by SGD with momentum (whose
    // velocity buffers are optimizer state, kept across the tidy scopes).
    const x = mt.randn([16, 3], { ...gpu, seed: 1 });
    // In tidy too: intermediates left to the garbage collector would be freed at some step.
    const y = mt.tidy(() => x.matmul(mt.tensor([[1.5], [-2], [0.5]], gpu)).add(0.7));
    const w = mt.zeros([3, 1], { ...gpu, requiresGrad: true });
    const b = mt.zeros([1], { ...gpu, requiresGrad: true });
    const opt = new mt.optim.SGD([new mt.nn.Parameter(w), new mt.nn.Parameter(b)], {
      lr: 0.05,
      momentum: 0.9,
    });
    const snapshot = () => ({
      memory: mt.memory(),
      live: backend.pool.live,
      liveBytes: backend.pool.liveBytes,
      pooledBytes: backend.pool.pooledBytes,
    });
    const losses: number[] = [];
    let atStep500: ReturnType<typeof snapshot> | null = null;
    for (let step = 1; step <= 2000; step++) {
      const read = step === 1 || step % 500 === 0;
      const loss = mt.tidy(() => {
        opt.zeroGrad();
        const l = x.matmul(w).add(b).sub(y).pow(2).mean();
        l.backward();
        opt.step();
        return read ? l : null;
      });
      // Read only now and then: a readback stalls the GPU, and nothing reads inside a step.
      if (loss !== null) {
        losses.push((await loss.data())[0]);
        loss.dispose();
      }
      if (step === 500) atStep500 = snapshot();
    }
    expect(snapshot()).toEqual(atStep500);
    // What is left is what the loop keeps: x, y, w, b and their two velocities.
    expect(backend.pool.live).toBe(6);
    expect(losses).toHaveLength(5);
    expect(losses.every(Number.isFinite)).toBe(true);
    // From ≈ 7 at w = 0, b = 0 down to float32 rounding noise (where it no longer decreases).
    expect(losses[0]).toBeGreaterThan(1);
    expect(losses[1]).toBeLessThan(losses[0] / 1000);
    expect(losses[4]).toBeLessThan(losses[0] / 1000);
  });

  it("toArray(), item() and dataSync() throw a BackendError naming `await t.data()`", () => {
    const t = mt.tensor([[1.5, -2]], gpu);
    const one = mt.tensor([3], gpu);
    for (const [name, read] of [
      ["toArray", () => t.toArray()],
      ["item", () => one.item()],
      ["dataSync", () => t.dataSync()],
    ] as const) {
      const error = thrown(read);
      expect(error, name).toBeInstanceOf(mt.BackendError);
      expect(String(error), name).toContain("await t.data()");
      expect(String(error), name).toContain(name);
    }
    // Printing does not read: it shows what the tensor is.
    expect(String(t)).toContain("webgpu");
  });

  it("await t.data() returns the values, of views too, in row-major logical order", async () => {
    const t = mt.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      gpu,
    );
    expect(t.backend).toBe("webgpu");
    const values = await t.data();
    expect(values).toBeInstanceOf(Float32Array);
    expect(Array.from(values)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(await t.transpose(0, 1).data())).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(await mt.tensor(0.1, gpu).data())).toEqual([Math.fround(0.1)]);
    expect(Array.from(await mt.zeros([0], gpu).data())).toEqual([]);
  });

  it("stores float32 only: a float64 tensor is a DTypeError naming float32", () => {
    expect(gpuBackend().dtypes).toEqual(["float32"]);
    for (const make of [
      () => mt.tensor([1, 2], { ...gpu, dtype: "float64" }),
      () => mt.zeros([2, 2], { ...gpu, dtype: "float64" }),
      () => mt.randn([3], { ...gpu, dtype: "float64", seed: 1 }),
    ]) {
      const error = thrown(make);
      expect(error).toBeInstanceOf(mt.DTypeError);
      expect(String(error)).toContain("float32");
      expect(String(error)).toContain("float64");
    }
  });

  it("an op between a cpu and a webgpu tensor is a BackendError naming both", () => {
    const onCpu = mt.tensor([1, 2], { backend: "cpu" });
    const onGpu = mt.tensor([3, 4], gpu);
    for (const op of [
      () => onCpu.add(onGpu),
      () => onGpu.mul(onCpu),
      () => onCpu.view(1, 2).matmul(onGpu.view(2, 1)),
    ]) {
      const error = thrown(op);
      expect(error).toBeInstanceOf(mt.BackendError);
      expect(String(error)).toContain("cpu");
      expect(String(error)).toContain("webgpu");
    }
  });

  it('t.to("webgpu") and back to "cpu" round-trips the values', async () => {
    const values = [
      [1.5, -2, 0.25],
      [3, 1e-3, -7.5],
    ];
    const onCpu = mt.tensor(values, { backend: "cpu" });
    const onGpu = await onCpu.to("webgpu");
    expect(onGpu.backend).toBe("webgpu");
    expect(onGpu.shape).toEqual([2, 3]);
    expect(Array.from(await onGpu.data())).toEqual(values.flat().map(Math.fround));
    expect(await onGpu.to("webgpu")).toBe(onGpu);
    const back = await onGpu.to("cpu");
    expect(back.backend).toBe("cpu");
    expect(back.toArray()).toEqual(onCpu.toArray());
    // A view moves in its logical order.
    const moved = await (await onCpu.transpose(0, 1).to("webgpu")).to("cpu");
    expect(moved.shape).toEqual([3, 2]);
    expect(moved.toArray()).toEqual(onCpu.transpose(0, 1).toArray());
  });

  it("reports a lost device instead of hanging: reads reject and later ops throw, naming the loss", async () => {
    // A backend of its own (a second device), so the shared one stays usable for other tests.
    const own = await createWebGpuBackend();
    const buffer = own.allocate(4, "float32");
    own.upload(buffer, [1, 2, 3, 4]);
    expect(Array.from(await own.download(buffer))).toEqual([1, 2, 3, 4]);
    own.context.device.destroy();
    await expect(own.download(buffer)).rejects.toThrow(/GPU device was lost/);
    expect(() => own.allocate(4, "float32")).toThrow(/GPU device was lost/);
  });
});
