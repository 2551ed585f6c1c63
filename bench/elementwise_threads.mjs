// Float32 elementwise add (same-shape zip) and sum on one thread (the WebAssembly kernels alone)
// against the same kernels split over the cpu backend's thread pool, in one run. Each pool result
// is checked first: add bit for bit against the one-thread result, sum against a float64 sum.
// Run after `npm run build`:
//   node bench/elementwise_threads.mjs               GB/s at 2^16, 2^18, 2^20, 2^22, 2^24: one
//                                                    thread, the pool with its thresholds (calls
//                                                    back to back), the pool splitting every call
//   node bench/elementwise_threads.mjs --threshold   where splitting starts to pay (SPLIT_MIN_ELEMENTS)
// GB/s counts bytes read and written: 12 per element for add, 4 for sum. MINITORCH_THREADS sets
// the pool's threads (default: the cores, at most 8; the threshold sweep uses 2).

import { defaultThreadCount } from "../dist/backend/cpu/split_policy.js";
import { ThreadPool } from "../dist/backend/cpu/thread_pool.js";
import { wasmKernelsModule, wasmVariant } from "../dist/backend/cpu/wasm_kernels.js";
import { kernelMemory } from "./kernel_memory.mjs";
import { bestSeconds, medianMicros } from "./timing.mjs";

const threshold = process.argv.includes("--threshold");
const exponents = threshold ? [] : [16, 18, 20, 22, 24];
const sweep = [];
for (let e = 10; e <= 21; e++) sweep.push(1 << e, 3 << (e - 1));
const largest = threshold ? 1 << 22 : 1 << 24;
const SCRATCH_BYTES = 1 << 20;

const { memory, kernels: k, allocate } = kernelMemory(4 * 4 * largest + 16 * SCRATCH_BYTES);
const threads = threshold ? 2 : defaultThreadCount();
const pool = ThreadPool.create({
  module: wasmKernelsModule(),
  memory,
  threads,
  scratchBytes: SCRATCH_BYTES,
  allocate,
  // The threshold sweep splits everything it can, to see where splitting starts to pay.
  minElements: threshold ? { zip: { hot: 0, cold: 0 }, reduce: { hot: 0, cold: 0 } } : undefined,
});
// The same threads splitting every call (the table's "split" columns: what the pool gives once the
// workers are awake, below the cold thresholds too).
const always = threshold
  ? pool
  : ThreadPool.create({
      module: wasmKernelsModule(),
      memory,
      threads,
      scratchBytes: SCRATCH_BYTES,
      allocate,
      minElements: { zip: { hot: 0, cold: 0 }, reduce: { hot: 0, cold: 0 } },
    });
if (pool === null || always === null)
  throw new Error("no thread pool: set MINITORCH_THREADS ≥ 2 on a machine with cores");

// a, b random in [-1, 1); c1 (one thread) and c2 (pool) for the sums of add.
const a = allocate(4 * largest);
const b = allocate(4 * largest);
const c1 = allocate(4 * largest);
const c2 = allocate(4 * largest);
for (const ptr of [a, b]) {
  const v = new Float32Array(memory.buffer, ptr, largest);
  for (let i = 0; i < largest; i++) v[i] = Math.random() * 2 - 1;
}

/** Throws unless the pool's add equals the one-thread add bit for bit, and its sum is close. */
function check(n) {
  k.add_f32(a, b, c1, n);
  pool.zip(k, "add", "zip", a, b, c2, n);
  const one = new Uint32Array(memory.buffer, c1, n);
  const many = new Uint32Array(memory.buffer, c2, n);
  for (let i = 0; i < n; i++) {
    if (one[i] !== many[i]) throw new Error(`add over ${n}: element ${i} differs`);
  }
  const x = new Float32Array(memory.buffer, a, n);
  let exact = 0;
  let abs = 0;
  for (let i = 0; i < n; i++) {
    exact += x[i];
    abs += Math.abs(x[i]);
  }
  const s = pool.reduce(k, "sum", a, n);
  if (Math.abs(s - exact) > 2 ** -18 * abs) throw new Error(`sum over ${n}: ${s} vs ${exact}`);
}

// Warm-up: V8 runs baseline code until a function is hot, and the workers start on first use.
for (let i = 0; i < 200; i++) {
  k.add_f32(a, b, c1, 4096);
  k.sum_f32(a, 4096);
  pool.zip(k, "add", "zip", a, b, c2, 1 << 16);
  pool.reduce(k, "sum", a, 1 << 16);
}

const ops = {
  add: {
    one: (n) => k.add_f32(a, b, c1, n),
    many: (n) => pool.zip(k, "add", "zip", a, b, c2, n),
    split: (n) => always.zip(k, "add", "zip", a, b, c2, n),
  },
  sum: {
    one: (n) => k.sum_f32(a, n),
    many: (n) => pool.reduce(k, "sum", a, n),
    split: (n) => always.reduce(k, "sum", a, n),
  },
};
const bytesPerElement = { add: 12, sum: 4 };

if (threshold) {
  // "hot": back to back; "cold": 2 ms of other work before each call, so the workers (which spin
  // 0.5 ms after a task) are asleep when it comes. Three runs each, averaged.
  const rows = [];
  for (const n of sweep) {
    check(n);
    const row = { n };
    for (const op of ["add", "sum"]) {
      for (const [name, gap] of [
        ["hot", 0],
        ["cold", 2],
      ]) {
        let one = 0;
        let many = 0;
        for (let r = 0; r < 3; r++) {
          one += medianMicros(() => ops[op].one(n), gap);
          many += medianMicros(() => ops[op].many(n), gap);
        }
        row[`${op} ${name} 1t µs`] = (one / 3).toFixed(1);
        row[`${op} ${name} ×`] = `${(one / many).toFixed(2)}`;
      }
    }
    rows.push(row);
  }
  console.log(
    `float32 add and sum, 1 thread vs 2 (WebAssembly ${wasmVariant()}), every call split; × = speed-up`,
  );
  console.table(rows);
} else {
  const rows = [];
  for (const e of exponents) {
    const n = 2 ** e;
    check(n);
    const row = { n: `2^${e}` };
    for (const op of ["add", "sum"]) {
      const gb = (s) => ((bytesPerElement[op] * n) / s / 1e9).toFixed(1);
      const one = bestSeconds(() => ops[op].one(n), { warmup: 3, minRuns: 5 });
      const many = bestSeconds(() => ops[op].many(n), { warmup: 3, minRuns: 5 });
      const split = bestSeconds(() => ops[op].split(n), { warmup: 3, minRuns: 5 });
      row[`${op} 1 thread GB/s`] = gb(one);
      row[`${op} pool GB/s`] = gb(many);
      row[`${op} split GB/s`] = gb(split);
    }
    rows.push(row);
  }
  console.log(
    `float32 add and sum, WebAssembly ${wasmVariant()} kernels: 1 thread, the pool (${pool.threads} threads, default thresholds), and the pool splitting every call`,
  );
  console.table(rows);
}
pool.close();
if (always !== pool) always.close();
