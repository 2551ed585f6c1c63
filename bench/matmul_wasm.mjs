// The WebAssembly matmul kernel alone, single-threaded: GFLOP/s (2·M·N·K / s) of square fp32
// matmuls, next to a naive JS triple loop at the small sizes, measured in one run. Every result is
// checked against JS before it is timed.
// Run after `npm run build`:
//   node bench/matmul_wasm.mjs                                   plain SIMD on Node 20
//   node --experimental-wasm-relaxed-simd bench/matmul_wasm.mjs  relaxed SIMD (fused multiply-add)
import {
  loadWasmKernels,
  WASM_RESERVED_BYTES,
  wasmVariant,
} from "../dist/backend/cpu/wasm_kernels.js";

const sizes = [128, 256, 512, 1024];
const jsSizes = new Set([128, 256]);
const PAGE = 65536;
const largest = Math.max(...sizes);

const memory = new WebAssembly.Memory({
  initial: Math.ceil((WASM_RESERVED_BYTES + 3 * 4 * largest * largest + 2 ** 20) / PAGE),
  maximum: 65536,
  shared: true,
});
const k = loadWasmKernels(memory);

/** Byte offsets of A, B, C and the scratch for an n×n×n matmul, each 64-byte aligned. */
function layout(n) {
  const bytes = 4 * n * n;
  const a = WASM_RESERVED_BYTES;
  const b = a + bytes;
  const c = b + bytes;
  return { a, b, c, scratch: c + bytes };
}

function fillRandom(ptr, count) {
  const v = new Float32Array(memory.buffer, ptr, count);
  for (let i = 0; i < count; i++) v[i] = Math.random() * 2 - 1;
  return v;
}

/** Best seconds per call of `run` over repeats lasting ≥ 0.3 s (after one untimed call). */
function bestSeconds(run) {
  run();
  let best = Number.POSITIVE_INFINITY;
  let total = 0;
  for (let i = 0; i < 3 || total < 0.3; i++) {
    const t = performance.now();
    run();
    const s = (performance.now() - t) / 1000;
    best = Math.min(best, s);
    total += s;
  }
  return best;
}

/** The naive i-j-k triple loop over Float32Arrays, summing in doubles. */
function jsMatmul(A, B, C, n) {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < n; p++) s += A[i * n + p] * B[p * n + j];
      C[i * n + j] = s;
    }
  }
}

// V8 runs a function's baseline code until it has been called hot: warm the kernel up on small
// sizes first, so that the timed calls run optimized code.
{
  const { a, b, c, scratch } = layout(64);
  fillRandom(a, 64 * 64);
  fillRandom(b, 64 * 64);
  for (let i = 0; i < 50; i++) k.matmul_f32(a, b, c, 64, 64, 64, scratch);
}

const rows = [];
for (const n of sizes) {
  const { a, b, c, scratch } = layout(n);
  const A = fillRandom(a, n * n);
  const B = fillRandom(b, n * n);
  const C = new Float32Array(memory.buffer, c, n * n);
  k.matmul_f32(a, b, c, n, n, n, scratch);
  for (let t = 0; t < 16; t++) {
    const i = Math.floor(Math.random() * n);
    const j = Math.floor(Math.random() * n);
    let want = 0;
    let scale = 0;
    for (let p = 0; p < n; p++) {
      want += A[i * n + p] * B[p * n + j];
      scale += Math.abs(A[i * n + p] * B[p * n + j]);
    }
    if (Math.abs(C[i * n + j] - want) > 1e-4 * scale) {
      throw new Error(`matmul ${n}: C[${i}][${j}] = ${C[i * n + j]}, want ${want}`);
    }
  }
  const flops = 2 * n * n * n;
  const wasm = flops / bestSeconds(() => k.matmul_f32(a, b, c, n, n, n, scratch)) / 1e9;
  let js = Number.NaN;
  if (jsSizes.has(n)) {
    const out = new Float32Array(n * n);
    js = flops / bestSeconds(() => jsMatmul(A, B, out, n)) / 1e9;
  }
  rows.push({
    n,
    [`wasm ${wasmVariant()} GFLOP/s`]: wasm.toFixed(1),
    "naive JS GFLOP/s": Number.isNaN(js) ? "" : js.toFixed(2),
    "wasm / JS": Number.isNaN(js) ? "" : `${(wasm / js).toFixed(0)}×`,
  });
}
console.log(`fp32 matmul n×n×n, one thread, WebAssembly ${wasmVariant()} kernels`);
console.table(rows);
