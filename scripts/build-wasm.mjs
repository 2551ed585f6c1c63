// Compiles the AssemblyScript kernels in assembly/ into the WebAssembly binaries the cpu backend
// loads (src/backend/cpu/wasm_kernels.ts; which export serves which op is its SIMD table,
// src/backend/cpu/simd_table.ts), all from the same source:
//   build/kernels-simd.wasm     plain 128-bit SIMD: validates on every engine with SIMD and threads;
//   build/kernels-relaxed.wasm  + relaxed SIMD (fused multiply-add), picked where the engine
//                               validates it (Node 20 only with --experimental-wasm-relaxed-simd);
//   build/kernels-*-unshared.wasm  the same two over an unshared memory, for browser pages that are
//                               not cross-origin isolated (no SharedArrayBuffer there, and a module
//                               that imports a shared memory cannot link to a plain one).
// The binaries are build outputs (build/ is gitignored): `npm run build` runs this, and `npm ci`
// runs that through `prepare`, so no binary is ever committed.
//
// Flags: the memory is imported (the JS side creates one shared WebAssembly.Memory for all tensors
// and workers), the stub runtime adds no allocator or GC (the kernels never allocate), and -O3 lets
// Binaryen inline and fold the compile-time switches.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import asc from "assemblyscript/asc";

const root = fileURLToPath(new URL("..", import.meta.url));
const entry = `${root}assembly/index.ts`;
const outDir = `${root}build`;

const common = [
  "-O3",
  "--runtime",
  "stub",
  "--importMemory",
  "--initialMemory",
  "1",
  "--maximumMemory",
  "65536",
  "--enable",
  "simd",
];
const shared = ["--sharedMemory", "--enable", "threads"];
const relaxed = ["--enable", "relaxed-simd"];

const variants = [
  { name: "simd", extra: shared },
  { name: "relaxed", extra: [...shared, ...relaxed] },
  { name: "simd-unshared", extra: [] },
  { name: "relaxed-unshared", extra: relaxed },
];

mkdirSync(outDir, { recursive: true });
for (const { name, extra } of variants) {
  const out = `${outDir}/kernels-${name}.wasm`;
  const { error, stderr } = await asc.main([entry, ...common, ...extra, "-o", out]);
  if (error) {
    process.stderr.write(stderr.toString());
    console.error(`build-wasm: ${name} failed: ${error.message}`);
    process.exit(1);
  }
  console.log(`build-wasm: wrote build/kernels-${name}.wasm`);
}
