import type { CourseModule } from "../tasks.js";

/**
 * Module 3 follows docs/04-parallel-cpu.md, then docs/05-gpu.md: the cpu backend's WebAssembly
 * SIMD loops and how work is cut over threads, the matmul micro-kernel, then a WGSL reduction.
 * Until they are written, the cpu backend traps in its stubbed kernels on a float32 a ∘ b of two
 * arrays, a contiguous float32 sum and any float32 matmul, so no earlier task may test on the cpu
 * backend (module 2's run on the reference backend). The tests call the kernels directly
 * (test/wasm_kernels.test.ts), or the thread pool and the Tensor API on the cpu backend
 * (test/thread_pool.test.ts); 3.3's run on whatever WebGPU adapter there is, Mesa's llvmpipe
 * included, and are skipped (so the task is not done) where there is none.
 */
export const fastModule: CourseModule = {
  id: 3,
  title: "Fast tensors: the parallel CPU and the GPU",
  demo: {
    args: [
      "train",
      "spiral",
      "--model",
      "tensor",
      "--backend",
      "cpu",
      "--hidden",
      "30",
      "--lr",
      "1",
      "--epochs",
      "3000",
    ],
    shows: "the tensor network learns the spiral on your SIMD kernels and micro-kernel",
  },
  tasks: [
    {
      id: "3.1",
      title: "the SIMD loops of elementwise ops and sums, and cutting work into ranges for threads",
      guide: "docs/04-parallel-cpu.md#webassembly-simd",
      tests: [
        { file: "test/wasm_kernels.test.ts", describe: ["wasm elementwise and sum kernels"] },
        {
          file: "test/thread_pool.test.ts",
          describe: [
            "elementRanges",
            "reduceRowRanges",
            "rowRanges",
            "ThreadPool elementwise",
            "elementwise ops through the Tensor API on the cpu backend",
          ],
        },
      ],
    },
    {
      id: "3.2",
      title: "the matmul micro-kernel: a 4×8 tile of C in eight f32x4 registers",
      guide: "docs/04-parallel-cpu.md#packing-and-register-blocking-in-matmul",
      tests: [
        { file: "test/wasm_kernels.test.ts", describe: ["wasm matmul kernel"] },
        {
          file: "test/thread_pool.test.ts",
          describe: ["matmul through the Tensor API on the cpu backend"],
        },
      ],
    },
    {
      id: "3.3",
      title: "a WGSL reduction: a thread per row, and a workgroup folding in shared memory",
      guide: "docs/05-gpu.md#reductions-workgroup-memory-and-barriers",
      tests: [{ file: "test/webgpu_backend.test.ts", describe: ["webgpu reductions"] }],
    },
  ],
};
