// Entry point of both builds (kernels-simd.wasm and kernels-relaxed.wasm): everything exported here
// becomes a WebAssembly export. Every kernel takes byte offsets (`usize`) into the imported shared
// memory and sizes (`i32`); none allocates, so the stub runtime leaves no data, globals or start
// function behind, and each worker can instantiate the module on the same memory.

export { add_f32, sub_f32, mul_f32, div_f32 } from "./elementwise";
export {
  add_scalar_f32,
  sub_scalar_f32,
  mul_scalar_f32,
  div_scalar_f32,
  rsub_scalar_f32,
  rdiv_scalar_f32,
} from "./elementwise";
export { matmul_f32, matmul_f32_rows, matmul_f32_scratch_bytes } from "./matmul";
export { sum_f32, sum_rows_f32 } from "./reduce";
