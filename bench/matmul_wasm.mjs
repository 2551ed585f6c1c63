// The WebAssembly matmul kernel alone, single-threaded: GFLOP/s (2·M·N·K / s) of square fp32
// matmuls, next to a naive JS triple loop at the small sizes, measured in one run; then the same
// products with A, B or both stored transposed (read in place by the kernel's packing). Every
// result is checked against JS before it is timed, and each transposed one equals the plain one
// bit for bit.
// Run after `npm run build`:
//   node bench/matmul_wasm.mjs                                   plain SIMD on Node 20
//   node --experimental-wasm-relaxed-simd bench/matmul_wasm.mjs  relaxed SIMD (fused multiply-add)

import {
  loadWasmKernels,
  WASM_RESERVED_BYTES,
  wasmVariant,
} from "../dist/backend/cpu/wasm_kernels.js";
import { bestSeconds } from "./timing.mjs";

const sizes = [128, 256, 512, 1024];
const jsSizes = new Set([128, 256]);
const PAGE = 65536;
const largest = Math.max(...sizes);

const memory = new WebAssembly.Memory({
  initial: Math.ceil((WASM_RESERVED_BYTES + 5 * 4 * largest * largest + 2 ** 20) / PAGE),
  maximum: 65536,
  shared: true,
});
const k = loadWasmKernels(memory);

/** Byte offsets of A, B, C, Aᵀ, Bᵀ and the scratch for an n×n×n matmul, each 64-byte aligned. */
function layout(n) {
  const bytes = 4 * n * n;
  const a = WASM_RESERVED_BYTES;
  const b = a + bytes;
  const c = b + bytes;
  const at = c + bytes;
  const bt = at + bytes;
  return { a, b, c, at, bt, scratch: bt + bytes };
}

/** Writes the transpose of the n×n matrix at `from` to `to`. */
function transpose(from, to, n) {
  const src = new Float32Array(memory.buffer, from, n * n);
  const dst = new Float32Array(memory.buffer, to, n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) dst[j * n + i] = src[i * n + j];
}

function fillRandom(ptr, count) {
  const v = new Float32Array(memory.buffer, ptr, count);
  for (let i = 0; i < count; i++) v[i] = Math.random() * 2 - 1;
  return v;
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
  for (let i = 0; i < 50; i++) {
    for (const [ta, tb] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [1, 1],
    ])
      k.matmul_f32(a, b, c, 64, 64, 64, ta, tb, 64, 64, scratch);
  }
}

const rows = [];
for (const n of sizes) {
  const { a, b, c, at, bt, scratch } = layout(n);
  const A = fillRandom(a, n * n);
  const B = fillRandom(b, n * n);
  transpose(a, at, n);
  transpose(b, bt, n);
  const C = new Float32Array(memory.buffer, c, n * n);
  k.matmul_f32(a, b, c, n, n, n, 0, 0, n, n, scratch);
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
  const plain = new Uint32Array(memory.buffer, c, n * n).slice();
  const flops = 2 * n * n * n;
  const wasm = flops / bestSeconds(() => k.matmul_f32(a, b, c, n, n, n, 0, 0, n, n, scratch)) / 1e9;
  /** GFLOP/s with A and/or B read from their stored transposes, after checking the bits. */
  const transposed = (ta, tb) => {
    const run = () => k.matmul_f32(ta ? at : a, tb ? bt : b, c, n, n, n, ta, tb, n, n, scratch);
    run();
    const got = new Uint32Array(memory.buffer, c, n * n);
    for (let i = 0; i < n * n; i++) {
      if (got[i] !== plain[i]) throw new Error(`matmul ${n} (transA ${ta}, transB ${tb}) differs`);
    }
    return (flops / bestSeconds(run) / 1e9).toFixed(1);
  };
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
    Aᵀ·B: transposed(1, 0),
    A·Bᵀ: transposed(0, 1),
    Aᵀ·Bᵀ: transposed(1, 1),
  });
}
console.log(
  `fp32 matmul n×n×n, one thread, WebAssembly ${wasmVariant()} kernels (transposed: GFLOP/s)`,
);
console.table(rows);
