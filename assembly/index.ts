// Entry point of both builds (kernels-simd.wasm and kernels-relaxed.wasm): everything exported here
// becomes a WebAssembly export. Every kernel takes byte offsets (`usize`) into the imported shared
// memory and sizes (`i32`); none allocates, so the stub runtime leaves no data, globals or start
// function behind, and each worker can instantiate the module on the same memory.
//
// Every function compare.ts, elementwise.ts and reduce.ts export is an elementwise kernel, named in the cpu
// backend's SIMD table (src/backend/cpu/simd_table.ts) by its op; the kernel tests fail on an
// export the table does not name.

export * from "./compare";
export * from "./elementwise";
export * from "./reduce";
export { fold_f32, unfold_f32 } from "./conv";
export { matmul_f32, matmul_f32_rows, matmul_f32_scratch_bytes } from "./matmul";
