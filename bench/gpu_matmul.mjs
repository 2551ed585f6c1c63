// The webgpu backend's fp32 matmul against the cpu backend's: GFLOP/s (2·n³ / s) of square
// products at 256, 512 and 1024 (more with --sizes=2048,4096), and their ratio, measured in one
// run. Each GPU result is checked against the cpu backend's before it is timed.
// Run after `npm run build`:
//   node bench/gpu_matmul.mjs                 256, 512, 1024
//   node bench/gpu_matmul.mjs --sizes=1024,4096 --no-cpu
// GPU timing: N products recorded back to back, then one readback that waits for all of them
// (a queue drains in order), N doubled until the whole takes ≥ 0.3 s, best of 3 such runs: the
// readback's ~0.5 ms is then a small share. Without a GPU Dawn runs on Mesa's llvmpipe (the CPU):
// expect it to be slow there.

import { loadBackend } from "../dist/backend/registry.js";
import { chooseTiling } from "../dist/backend/webgpu/wgsl_matmul.js";
import { bestSeconds } from "./timing.mjs";

const sizesArg = process.argv.find((a) => a.startsWith("--sizes="));
const sizes = sizesArg ? sizesArg.slice(8).split(",").map(Number) : [256, 512, 1024];
const withCpu = !process.argv.includes("--no-cpu");
const MIN_SECONDS = 0.3;

const gpu = await loadBackend("webgpu");
const cpu = withCpu ? await loadBackend("cpu") : null;
const tiling = chooseTiling(gpu.context.device.limits);
console.log(`webgpu: ${gpu.description}`);
console.log(
  `tiling: ${tiling.tileM}×${tiling.tileN} tiles, k steps of ${tiling.tileK}, ${tiling.threadM}×${tiling.threadN} outputs per thread`,
);

/** A contiguous n×n view of `buffer`. */
function square(buffer, n) {
  return { buffer, shape: [n, n], strides: [n, 1], offset: 0 };
}

/** Seconds per product of `count` GPU products followed by one readback. */
async function gpuSeconds(out, a, b, count) {
  const t = performance.now();
  for (let i = 0; i < count; i++) gpu.matmul(out, a, b);
  await gpu.download(out.buffer);
  return (performance.now() - t) / 1000 / count;
}

const rows = [];
for (const n of sizes) {
  const values = () => Float32Array.from({ length: n * n }, () => Math.random() * 2 - 1);
  const av = values();
  const bv = values();
  const g = [gpu.allocate(n * n, "float32"), gpu.allocate(n * n, "float32")];
  gpu.upload(g[0], av);
  gpu.upload(g[1], bv);
  const gOut = square(gpu.allocate(n * n, "float32"), n);
  const [ga, gb] = [square(g[0], n), square(g[1], n)];

  // Warm-up (compiles the pipeline) and the correctness check.
  gpu.matmul(gOut, ga, gb);
  const got = await gpu.download(gOut.buffer);
  let want;
  let cpuSeconds = Number.NaN;
  if (cpu !== null) {
    const c = [cpu.allocate(n * n, "float32"), cpu.allocate(n * n, "float32")];
    cpu.upload(c[0], av);
    cpu.upload(c[1], bv);
    const cOut = square(cpu.allocate(n * n, "float32"), n);
    const [ca, cb] = [square(c[0], n), square(c[1], n)];
    cpu.matmul(cOut, ca, cb);
    want = cpu.downloadSync(cOut.buffer);
    cpuSeconds = bestSeconds(() => cpu.matmul(cOut, ca, cb));
    for (const buffer of [...c, cOut.buffer]) cpu.free(buffer);
  } else {
    // Spot-check 64 entries with plain loops (a full n³ product in JS is too slow at 4096).
    want = null;
    for (let s = 0; s < 64; s++) {
      const i = Math.floor(Math.random() * n);
      const j = Math.floor(Math.random() * n);
      let acc = 0;
      for (let k = 0; k < n; k++) acc += av[i * n + k] * bv[k * n + j];
      if (Math.abs(got[i * n + j] - acc) > 1e-3 * (1 + Math.abs(acc))) {
        throw new Error(
          `webgpu matmul ${n}: entry (${i}, ${j}) is ${got[i * n + j]}, expected ${acc}`,
        );
      }
    }
  }
  if (want !== null) {
    for (let i = 0; i < n * n; i++) {
      if (Math.abs(got[i] - want[i]) > 1e-3 * (1 + Math.abs(want[i]))) {
        throw new Error(
          `webgpu matmul ${n}: element ${i} is ${got[i]}, the cpu backend gives ${want[i]}`,
        );
      }
    }
  }

  let count = 1;
  let seconds = await gpuSeconds(gOut, ga, gb, count);
  while (seconds * count < MIN_SECONDS) {
    count *= 2;
    seconds = await gpuSeconds(gOut, ga, gb, count);
  }
  for (let run = 0; run < 2; run++)
    seconds = Math.min(seconds, await gpuSeconds(gOut, ga, gb, count));
  for (const buffer of [...g, gOut.buffer]) gpu.free(buffer);

  const flops = 2 * n ** 3;
  const gpuRate = flops / seconds / 1e9;
  const cpuRate = flops / cpuSeconds / 1e9;
  rows.push({
    n,
    "webgpu GFLOP/s": gpuRate.toFixed(gpuRate < 10 ? 2 : 0),
    "products timed": count,
    "cpu GFLOP/s": withCpu ? cpuRate.toFixed(2) : "",
    "webgpu / cpu": withCpu ? `${(gpuRate / cpuRate).toFixed(2)}×` : "",
  });
}
console.table(rows);
