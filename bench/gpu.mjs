// The webgpu backend's speed (`npm run bench:gpu`; run `npm run build` first): elementwise add and
// a sum over 2^28 float32 (GB/s counting bytes read + written), fp32 matmul at 1024/2048/4096
// (TFLOP/s), the cost of one dispatch, and a training step of the MNIST LeNet (images/s). Each
// result is checked against the cpu backend before it is timed. `--small` uses sizes llvmpipe (the
// CPU fallback) finishes in a minute: 2^20 elements, matmul 256/512, batch 64.
//
// Timing: ops are recorded and submitted as a program would; `synchronize()` (the queue's
// onSubmittedWorkDone) ends each timed batch, so the time covers the GPU work, not just recording.

import { loadBackend, loadedBackend } from "../dist/backend/registry.js";
import * as mt from "../dist/index.js";

const small = process.argv.includes("--small");
const gpu = await loadBackend("webgpu");
console.log(`webgpu: ${gpu.description}`);

const now = () => performance.now();

/** Median ms of `reps` timed batches of `inner` calls of `fn`, after a warm-up batch. */
async function time(fn, inner, reps = 5) {
  for (let i = 0; i < inner; i++) fn();
  await gpu.synchronize();
  const samples = [];
  for (let r = 0; r < reps; r++) {
    const t0 = now();
    for (let i = 0; i < inner; i++) fn();
    await gpu.synchronize();
    samples.push((now() - t0) / inner);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

/** Largest |got − want| / (|want| + 1) over sampled positions. */
function worst(got, want, positions) {
  let w = 0;
  for (const i of positions) w = Math.max(w, Math.abs(got[i] - want(i)) / (Math.abs(want(i)) + 1));
  return w;
}

function check(what, error, tolerance) {
  if (!(error <= tolerance)) {
    console.error(`FAILED check: ${what}: error ${error} > ${tolerance}`);
    process.exit(1);
  }
}

const rows = [];

// --- elementwise add and sum ---------------------------------------------------------------------
{
  const n = small ? 2 ** 20 : 2 ** 28;
  const a = mt.rand([n], { seed: 1, backend: "webgpu" });
  const b = mt.rand([n], { seed: 2, backend: "webgpu" });
  const [ha, hb] = [await a.data(), await b.data()];
  const sample = Array.from({ length: 4096 }, (_, i) => Math.floor((i * n) / 4096));
  const c = a.add(b);
  check(
    "add",
    worst(await c.data(), (i) => Math.fround(ha[i] + hb[i]), sample),
    0,
  );
  c.dispose();
  const s = a.sum();
  let want = 0;
  for (let i = 0; i < n; i++) want += ha[i];
  const got = (await s.data())[0];
  check("sum", Math.abs(got - want) / want, 1e-4);
  s.dispose();
  const addMs = await time(() => mt.tidy(() => void a.add(b)), small ? 5 : 10);
  const sumMs = await time(() => mt.tidy(() => void a.sum()), small ? 5 : 10);
  rows.push({ what: `add 2^${Math.log2(n)}`, value: (3 * 4 * n) / addMs / 1e6, unit: "GB/s" });
  rows.push({ what: `sum 2^${Math.log2(n)}`, value: (4 * n) / sumMs / 1e6, unit: "GB/s" });
  a.dispose();
  b.dispose();
}

// --- matmul -------------------------------------------------------------------------------------
for (const n of small ? [256, 512] : [1024, 2048, 4096]) {
  const a = mt.randn([n, n], { seed: 3, backend: "webgpu" });
  const b = mt.randn([n, n], { seed: 4, backend: "webgpu" });
  const [ha, hb] = [await a.data(), await b.data()];
  const c = await a.matmul(b).data();
  // 256 sampled entries against float64 dot products.
  const sample = Array.from({ length: 256 }, (_, i) => Math.floor((i * n * n) / 256) + (i % n));
  const entry = (idx) => {
    const [r, col] = [Math.floor(idx / n), idx % n];
    let sum = 0;
    for (let k = 0; k < n; k++) sum += ha[r * n + k] * hb[k * n + col];
    return sum;
  };
  check(`matmul ${n}`, worst(c, entry, sample), 1e-3);
  const ms = await time(() => mt.tidy(() => void a.matmul(b)), n >= 4096 ? 5 : 10);
  rows.push({ what: `matmul ${n}³`, value: (2 * n ** 3) / ms / 1e9, unit: "TFLOP/s" });
  a.dispose();
  b.dispose();
}

// --- dispatch overhead --------------------------------------------------------------------------
{
  const x = mt.rand([256], { seed: 5, backend: "webgpu" });
  const ms = await time(() => mt.tidy(() => void x.add(1)), 1000, 3);
  rows.push({ what: "one small dispatch", value: ms * 1000, unit: "µs" });
  x.dispose();
}

// --- a LeNet training step ----------------------------------------------------------------------
{
  const batch = small ? 64 : 256;
  mt.manualSeed(0);
  await mt.setBackend("webgpu");
  const net = new mt.models.LeNet();
  const opt = new mt.optim.Adam(net.parameters(), { lr: 1e-3 });
  const images = mt.rand([batch, 1, 28, 28], { seed: 6 });
  const targets = Array.from({ length: batch }, (_, i) => i % 10);
  // The same step on cpu from the same weights: the first loss must agree.
  await mt.setBackend("cpu");
  mt.manualSeed(0);
  const cpuNet = new mt.models.LeNet();
  const cpuLoss = mt.nn.functional
    .crossEntropy(cpuNet.forward(await images.to("cpu")), targets)
    .item();
  await mt.setBackend("webgpu");
  const step = () =>
    mt.tidy(() => {
      const loss = mt.nn.functional.crossEntropy(net.forward(images), targets);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return mt.keep(loss);
    });
  const first = step();
  const gpuLoss = (await first.data())[0];
  first.dispose();
  check("LeNet loss vs cpu", Math.abs(gpuLoss - cpuLoss), 1e-3);
  const ms = await time(() => step().dispose(), small ? 3 : 20, 3);
  rows.push({ what: `LeNet step, batch ${batch}`, value: (batch / ms) * 1000, unit: "images/s" });
}

console.table(
  rows.map((r) => ({
    measure: r.what,
    value: r.value.toFixed(r.value < 10 ? 3 : 1),
    unit: r.unit,
  })),
);
console.log(`live GPU buffers ${loadedBackend("webgpu").pool.live}`);
process.exit(0);
