// Elementwise add and sum over 2^22 float32 elements on each backend, in GB/s counting the bytes
// read and written, next to a memory copy of the same size (TypedArray.set) as the ceiling.
// Each result is checked against the reference backend before it is timed.
// Run with `npm run bench` (builds dist/ first).
import * as mt from "../dist/index.js";

const n = 1 << 22;
const reps = Number(process.env.BENCH_REPS ?? 20);

function time(fn) {
  for (let i = 0; i < 3; i++) fn();
  const start = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return (performance.now() - start) / 1000 / reps;
}

const src = new Float32Array(n);
const dst = new Float32Array(n);
const copySeconds = time(() => dst.set(src));
const copyGBs = (8 * n) / copySeconds / 1e9;

const values = Float32Array.from({ length: n }, (_, i) => (i % 1000) / 1000);
const results = {};
for (const backend of ["reference", "cpu"]) {
  const a = mt.tensor(values, { backend });
  const b = mt.tensor(values, { backend });
  results[backend] = {
    add: mt.tidy(() => a.add(b).dataSync()),
    sum: mt.tidy(() => a.sum().item()),
    // The block returns nothing, so tidy frees each result: the timing reuses one output buffer.
    addSeconds: time(() =>
      mt.tidy(() => {
        a.add(b);
      }),
    ),
    sumSeconds: time(() =>
      mt.tidy(() => {
        a.sum();
      }),
    ),
  };
}
for (const backend of ["cpu"]) {
  const r = results[backend];
  const ref = results.reference;
  if (r.add.some((v, i) => v !== ref.add[i]))
    throw new Error(`${backend} add disagrees with reference`);
  if (Math.abs(r.sum - ref.sum) > 1e-3 * Math.abs(ref.sum))
    throw new Error(`${backend} sum disagrees`);
}
const rows = Object.entries(results).map(([backend, r]) => {
  const add = (12 * n) / r.addSeconds / 1e9;
  const sum = (4 * n) / r.sumSeconds / 1e9;
  return {
    backend,
    "add GB/s": add.toFixed(2),
    "add / copy": `${((100 * add) / copyGBs).toFixed(0)}%`,
    "sum GB/s": sum.toFixed(2),
    "sum / copy": `${((100 * sum) / copyGBs).toFixed(0)}%`,
  };
});
console.log(
  `Elementwise over 2^22 float32; memory copy (TypedArray.set): ${copyGBs.toFixed(2)} GB/s`,
);
console.table(rows);
