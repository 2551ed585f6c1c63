import { defineConfig } from "vite";

/**
 * The playground: a static site built from the library's own source (`../src`), through its public
 * API only. `npm run playground` serves it; `npm run playground:build` writes `playground/dist/`.
 *
 * The headers make the page cross-origin isolated, so the cpu backend may use worker threads
 * (SharedArrayBuffer); a static host without them still works, on one thread.
 */
const isolation = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

export default defineConfig({
  root: "playground",
  base: "./",
  // The library's source and its WebAssembly kernels (../src, ../build) sit above the root.
  server: { headers: isolation, port: 5173, fs: { allow: [".."] } },
  preview: { headers: isolation, port: 4173 },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  worker: { format: "es" },
});
