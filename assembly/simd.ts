// The one place where the two builds differ. `ASC_FEATURE_RELAXED_SIMD` is a compile-time constant
// (true under `--enable relaxed-simd`), so the untaken branch is dropped and `madd` inlines to a
// single instruction: a fused multiply-add where the engine offers relaxed SIMD, else mul + add.

/** a·b + c per f32 lane; fused (one rounding) or not, at the engine's choice under relaxed SIMD. */
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** The sum of the four f32 lanes of v, as ((v0 + v2) + (v1 + v3)). */
@inline
export function hsum(v: v128): f32 {
  const pairs = f32x4.add(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(pairs, 0) + f32x4.extract_lane(pairs, 1);
}
