// The fp32 matmul on one thread (the WebAssembly kernel alone) against the same kernel split by
// rows over the cpu backend's thread pool: GFLOP/s (2·M·N·K / s) of square products and their
// ratio, measured in one run. Each pool result is checked to equal the one-thread result bit for
// bit before it is timed.
// Run after `npm run build`:
//   node bench/matmul_threads.mjs               GFLOP/s at 256, 512, 1024, 2048
//   node bench/matmul_threads.mjs --threshold   where splitting starts to pay (SPLIT_MIN_WORK)
// MINITORCH_THREADS sets the pool's threads (default: the cores, at most 8).

import { defaultThreadCount } from "../dist/backend/cpu/split_policy.js";
import { ThreadPool } from "../dist/backend/cpu/thread_pool.js";
import { wasmKernelsModule, wasmVariant } from "../dist/backend/cpu/wasm_kernels.js";
import { kernelMemory } from "./kernel_memory.mjs";
import { bestSeconds, medianMicros } from "./timing.mjs";

const threshold = process.argv.includes("--threshold");
const sizes = [256, 512, 1024, 2048];
const largest = threshold ? 512 : Math.max(...sizes);
const SCRATCH_BYTES = 1 << 20;

const {
  memory,
  kernels: k,
  allocate,
  mark,
  release,
} = kernelMemory(4 * 4 * largest * largest + 16 * SCRATCH_BYTES);
const scratch = allocate(SCRATCH_BYTES);
const threads = threshold ? 2 : defaultThreadCount();
const pool = ThreadPool.create({
  module: wasmKernelsModule(),
  memory,
  threads,
  scratchBytes: SCRATCH_BYTES,
  allocate,
  // The threshold sweep splits everything it can, to see where splitting starts to pay.
  minWork: threshold ? { hot: 0, cold: 0 } : undefined,
});
if (pool === null)
  throw new Error("no thread pool: set MINITORCH_THREADS ≥ 2 on a machine with cores");
const base = mark();

/** A, B, C (one thread) and C (pool) for an m×k · k×n product, A and B random. */
function layout(m, n, kk) {
  release(base);
  const p = { a: allocate(4 * m * kk), b: allocate(4 * kk * n), c1: allocate(4 * m * n) };
  p.c2 = allocate(4 * m * n);
  for (const [ptr, count] of [
    [p.a, m * kk],
    [p.b, kk * n],
  ]) {
    const v = new Float32Array(memory.buffer, ptr, count);
    for (let i = 0; i < count; i++) v[i] = Math.random() * 2 - 1;
  }
  return p;
}

/** Throws unless the pool's C equals the one-thread C bit for bit. */
function check(p, m, n, kk) {
  k.matmul_f32(p.a, p.b, p.c1, m, n, kk, 0, 0, kk, n, scratch);
  pool.matmul(k, p.a, p.b, p.c2, m, n, kk, 0, 0, kk, n, scratch);
  const one = new Uint32Array(memory.buffer, p.c1, m * n);
  const many = new Uint32Array(memory.buffer, p.c2, m * n);
  for (let i = 0; i < m * n; i++) {
    if (one[i] !== many[i]) throw new Error(`${m}×${n}×${kk}: element ${i} differs`);
  }
}

// Warm-up: V8 runs baseline code until a function is hot, and the workers start on first use.
{
  const p = layout(64, 64, 64);
  for (let i = 0; i < 100; i++) {
    k.matmul_f32(p.a, p.b, p.c1, 64, 64, 64, 0, 0, 64, 64, scratch);
    pool.matmul(k, p.a, p.b, p.c2, 64, 64, 64, 0, 0, 64, 64, scratch);
  }
}

if (threshold) {
  // Square sizes and a few skinny shapes; "hot": back to back, "cold": 2 ms of other work before
  // each call, so the workers (which spin 0.5 ms after a task) are asleep when it comes.
  const shapes = [];
  for (let n = 32; n <= 256; n += 16) shapes.push([n, n, n]);
  shapes.push([256, 32, 32], [32, 96, 96], [128, 64, 32], [512, 64, 64], [32, 256, 512]);
  shapes.push([1024, 64, 64], [64, 512, 128]);
  const rows = [];
  for (const [m, n, kk] of shapes) {
    const p = layout(m, n, kk);
    check(p, m, n, kk);
    const row = { "M×N×K": `${m}×${n}×${kk}`, M·N·K: m * n * kk };
    for (const [name, gap] of [
      ["hot", 0],
      ["cold", 2],
    ]) {
      let one = 0;
      let many = 0;
      for (let r = 0; r < 3; r++) {
        one += medianMicros(
          () => k.matmul_f32(p.a, p.b, p.c1, m, n, kk, 0, 0, kk, n, scratch),
          gap,
          40,
        );
        many += medianMicros(
          () => pool.matmul(k, p.a, p.b, p.c2, m, n, kk, 0, 0, kk, n, scratch),
          gap,
          40,
        );
      }
      row[`${name} 1 thread µs`] = (one / 3).toFixed(1);
      row[`${name} 2 threads µs`] = (many / 3).toFixed(1);
      row[`${name} speed-up`] = `${(one / many).toFixed(2)}×`;
    }
    rows.push(row);
  }
  console.log(`fp32 matmul, 1 thread vs 2 (WebAssembly ${wasmVariant()}), every product split`);
  console.table(rows);
} else {
  const rows = [];
  for (const n of sizes) {
    const p = layout(n, n, n);
    check(p, n, n, n);
    const flops = 2 * n * n * n;
    const one =
      flops / bestSeconds(() => k.matmul_f32(p.a, p.b, p.c1, n, n, n, 0, 0, n, n, scratch)) / 1e9;
    const many =
      flops / bestSeconds(() => pool.matmul(k, p.a, p.b, p.c2, n, n, n, 0, 0, n, n, scratch)) / 1e9;
    rows.push({
      n,
      "1 thread GFLOP/s": one.toFixed(1),
      [`pool (${pool.threads} threads) GFLOP/s`]: many.toFixed(1),
      speedup: `${(many / one).toFixed(2)}×`,
    });
  }
  console.log(`fp32 matmul n×n×n, WebAssembly ${wasmVariant()} kernels, 1 thread vs the pool`);
  console.table(rows);
}
