import type { BinaryOp } from "../../strided/ops.js";
import type { WasmKernels } from "./wasm_kernels.js";

/** A byte offset into the shared memory. */
type Ptr = number;

/** The ops with WebAssembly SIMD elementwise kernels (float32). */
export type SimdOp = "add" | "sub" | "mul" | "div";

export function isSimdOp(op: BinaryOp): op is SimdOp {
  return op === "add" || op === "sub" || op === "mul" || op === "div";
}

/** out[i] = a[i] ∘ b[i] over n float32s. */
export function simdZip(k: WasmKernels, op: SimdOp, a: Ptr, b: Ptr, out: Ptr, n: number): void {
  if (op === "add") k.add_f32(a, b, out, n);
  else if (op === "sub") k.sub_f32(a, b, out, n);
  else if (op === "mul") k.mul_f32(a, b, out, n);
  else k.div_f32(a, b, out, n);
}

/** out[i] = a[i] ∘ s (or s ∘ a[i] when `scalarFirst`) over n float32s. */
export function simdZipScalar(
  k: WasmKernels,
  op: SimdOp,
  a: Ptr,
  s: number,
  out: Ptr,
  n: number,
  scalarFirst: boolean,
): void {
  if (op === "add") k.add_scalar_f32(a, s, out, n);
  else if (op === "mul") k.mul_scalar_f32(a, s, out, n);
  else if (op === "sub") (scalarFirst ? k.rsub_scalar_f32 : k.sub_scalar_f32)(a, s, out, n);
  else (scalarFirst ? k.rdiv_scalar_f32 : k.div_scalar_f32)(a, s, out, n);
}
