import type { DType } from "../backend.js";

/**
 * How the WebGPU backend stores and computes each dtype. WGSL has f32, i32 and u32 but no 8-bit
 * or 64-bit storage, so bool is stored as u32 (0 or 1; four bytes per element, which also keeps
 * every buffer's elements 4 bytes wide, so the vec4 paths and offsets work alike for all dtypes)
 * and float64 is not stored at all. Kernels compute in f32 for float32 and in i32 for int32 and
 * bool (bool ∘ bool arithmetic is integer arithmetic on 0/1, as the tensor layer decides), loading
 * each operand into that type and converting the result to the out's type as a C cast does:
 * float → int truncates toward zero, anything → bool is x ≠ 0 (NaN is true, as in PyTorch).
 */

/** A WGSL scalar type a buffer or a kernel's arithmetic uses. */
export type WgslScalar = "f32" | "i32" | "u32";

/** The dtypes the backend stores. */
export const gpuDTypes: readonly DType[] = ["float32", "int32", "bool"];

const storageOf: Partial<Record<DType, WgslScalar>> = { float32: "f32", int32: "i32", bool: "u32" };

/** The WGSL element type of a buffer of `dtype` (callers have checked that it is stored). */
export function storageType(dtype: DType): WgslScalar {
  const type = storageOf[dtype];
  if (type === undefined) throw new Error(`webgpu: no WGSL storage type for ${dtype}`);
  return type;
}

/** The type a kernel computes in when its operands are stored as `stored`. */
export function computeType(stored: WgslScalar): "f32" | "i32" {
  return stored === "f32" ? "f32" : "i32";
}

/**
 * A WGSL expression converting `v` of type `from` to `to`. To u32 (bool) it is a test for
 * nonzero; a float is tested by its bits, since WGSL may assume that no float is NaN and fold
 * `v != 0.0` wrongly for one (NaN → true, ±0 → false).
 */
export function convert(v: string, from: WgslScalar, to: WgslScalar): string {
  if (from === to) return v;
  if (to === "u32") {
    return from === "f32"
      ? `select(0u, 1u, (bitcast<u32>(${v}) & 0x7fffffffu) != 0u)`
      : `select(0u, 1u, ${v} != 0)`;
  }
  return `${to}(${v})`;
}

/**
 * A WGSL function `name(v: from) -> to` doing `convert`, so vector paths can apply it per
 * component and expressions stay short.
 */
export function converter(name: string, from: WgslScalar, to: WgslScalar): string {
  return `fn ${name}(v: ${from}) -> ${to} { return ${convert("v", from, to)}; }`;
}
