/**
 * WGSL helpers of the elementwise math rows (src/strided/ops.ts), part of its `wgslPrelude`. WGSL
 * lets an implementation assume that no float is NaN or infinite, and has no log1p, expm1 or erf,
 * so each helper writes out PyTorch's (C's) values at NaN, ±inf and the edges of its domain, told
 * by the bit tests of the prelude (mt_is_nan, mt_is_inf), and computes only ordinary values with
 * the builtins. f32 throughout: the constants are the f32 roundings of the exact values.
 */
export const wgslMath = `
// NaN or ±inf: every exponent bit set.
fn mt_not_finite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u; }
fn mt_sign_bit(x: f32) -> bool { return (bitcast<u32>(x) >> 31u) == 1u; }
fn mt_abs(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) & 0x7fffffffu); }
// PyTorch's sign, (0 < x) − (x < 0): 0 at ±0 and at NaN.
fn mt_sign(x: f32) -> f32 {
  if (mt_is_nan(x)) { return 0.0; }
  return select(0.0, 1.0, x > 0.0) - select(0.0, 1.0, x < 0.0);
}
fn mt_sqrt(x: f32) -> f32 {
  if (mt_is_nan(x) || x < 0.0) { return mt_nan(); }
  if (mt_is_inf(x) || x == 0.0) { return x; }
  return sqrt(x);
}
// 1 / sqrt(x): ±inf at ±0 (C's 1 / sqrt(−0) is −inf), 0 at inf.
fn mt_rsqrt(x: f32) -> f32 {
  if (mt_is_nan(x) || x < 0.0) { return mt_nan(); }
  if (x == 0.0) { return select(mt_inf(), -mt_inf(), mt_sign_bit(x)); }
  if (mt_is_inf(x)) { return 0.0; }
  return inverseSqrt(x);
}
// The trigonometric functions are NaN at ±inf, as in C.
fn mt_sin(x: f32) -> f32 { return select(sin(x), mt_nan(), mt_not_finite(x)); }
fn mt_cos(x: f32) -> f32 { return select(cos(x), mt_nan(), mt_not_finite(x)); }
fn mt_tan(x: f32) -> f32 { return select(tan(x), mt_nan(), mt_not_finite(x)); }
// Rounding keeps NaN and ±inf as they are.
fn mt_floor(x: f32) -> f32 { return select(floor(x), x, mt_not_finite(x)); }
fn mt_ceil(x: f32) -> f32 { return select(ceil(x), x, mt_not_finite(x)); }
fn mt_trunc(x: f32) -> f32 { return select(trunc(x), x, mt_not_finite(x)); }
// WGSL's round sends halves to the even integer, as torch.round.
fn mt_round(x: f32) -> f32 { return select(round(x), x, mt_not_finite(x)); }
// log(1 + x): its Taylor series near 0, where 1 + x loses x's digits; else log(u)·x/(u − 1) with
// u = 1 + x, which cancels the rounding of u (Goldberg).
fn mt_log1p(x: f32) -> f32 {
  if (mt_is_nan(x) || x < -1.0) { return mt_nan(); }
  if (x == -1.0) { return -mt_inf(); }
  if (mt_is_inf(x)) { return x; }
  if (abs(x) < 0.01) { return x * (1.0 - x * (0.5 - x * (0.33333334 - x * 0.25))); }
  let u = 1.0 + x;
  return log(u) * (x / (u - 1.0));
}
// e^x − 1: its Taylor series (to x⁹, relative error < 2e-8) for |x| < 0.5, else exp(x) − 1.
fn mt_expm1(x: f32) -> f32 {
  if (mt_is_nan(x)) { return x; }
  if (x > 88.72283) { return mt_inf(); }
  if (x < -18.0) { return -1.0; }
  if (abs(x) < 0.5) {
    var p = 1.0 + x / 9.0;
    p = 1.0 + x / 8.0 * p;
    p = 1.0 + x / 7.0 * p;
    p = 1.0 + x / 6.0 * p;
    p = 1.0 + x / 5.0 * p;
    p = 1.0 + x / 4.0 * p;
    p = 1.0 + x / 3.0 * p;
    p = 1.0 + x / 2.0 * p;
    return x * p;
  }
  return exp(x) - 1.0;
}
fn mt_log2(x: f32) -> f32 {
  if (mt_is_nan(x) || x < 0.0) { return mt_nan(); }
  if (x == 0.0) { return -mt_inf(); }
  if (mt_is_inf(x)) { return x; }
  return log2(x);
}
fn mt_exp2(x: f32) -> f32 {
  if (mt_is_nan(x)) { return x; }
  if (x >= 128.0) { return mt_inf(); }
  if (x < -150.0) { return 0.0; }
  return exp2(x);
}
// erfc(z) for z ≥ 0, relative error < 1.2e-7 everywhere: the Chebyshev fit of Numerical Recipes
// (erfc = t·exp(−z² + P(t)), t = 1 / (1 + z/2)), good in the tails where 1 − erf cancels.
fn mt_erfc_pos(z: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.5 * z);
  let p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223
    + t * 0.17087277))))))));
  return t * exp(p - z * z);
}
// erf: its Taylor series to z¹¹ for |z| < 0.5 (relative error < 3e-8), else 1 − erfc; ±1 past
// |z| = 4, where erfc < 2e-8 (and at ±inf).
fn mt_erf(x: f32) -> f32 {
  if (mt_is_nan(x)) { return x; }
  let z = abs(x);
  if (z < 0.5) {
    let s = x * x;
    return x * (1.1283792 + s * (-0.37612639 + s * (0.11283792 + s * (-0.026866171
      + s * (0.0052239776 + s * -0.00085483270)))));
  }
  let one = select(1.0, -1.0, x < 0.0);
  if (z > 4.0) { return one; }
  return one * (1.0 - mt_erfc_pos(z));
}
// The standard normal CDF Φ(x) = ½ erfc(−x/√2), from erfc in the left tail (no cancellation).
fn mt_normal_cdf(x: f32) -> f32 {
  let z = x * 0.70710678;
  if (abs(z) < 0.5) { return 0.5 + 0.5 * mt_erf(z); }
  let c = 0.5 * mt_erfc_pos(abs(z));
  return select(1.0 - c, c, z < 0.0);
}
// GELU x·Φ(x): x itself past 10 (Φ = 1 in f32), 0 below −15 (|x·Φ(x)| < 1e-49); the limits at ±inf.
fn mt_gelu(x: f32) -> f32 {
  if (mt_is_nan(x) || x > 10.0) { return x; }
  if (x < -15.0) { return 0.0; }
  return x * mt_normal_cdf(x);
}
fn mt_gelu_slope(x: f32) -> f32 {
  if (mt_is_nan(x)) { return x; }
  if (x > 10.0) { return 1.0; }
  if (x < -15.0) { return 0.0; }
  return mt_normal_cdf(x) + x * 0.39894228 * exp(-0.5 * x * x);
}
// GELU's tanh form ½x(1 + tanh(u)), u = √(2/π)(x + 0.044715x³), written with 1 + tanh(u) = 2σ(2u)
// and 1 − tanh²(u) = 4σ(2u)σ(−2u), which do not cancel where tanh(u) is near −1 (x < 0); tanh is
// ±1 in f32 past |x| = 10.
fn mt_gelu_tanh(x: f32) -> f32 {
  if (mt_is_nan(x) || x > 10.0) { return x; }
  if (x < -10.0) { return 0.0; }
  return x * mt_sigmoid(1.5957691 * (x + 0.044715 * x * x * x));
}
fn mt_gelu_tanh_slope(x: f32) -> f32 {
  if (mt_is_nan(x)) { return x; }
  if (x > 10.0) { return 1.0; }
  if (x < -10.0) { return 0.0; }
  let v = 1.5957691 * (x + 0.044715 * x * x * x);
  let s = mt_sigmoid(v);
  return s + 2.0 * x * s * mt_sigmoid(-v) * 0.7978846 * (1.0 + 0.134145 * x * x);
}
// SiLU x·σ(x): x past 20 (σ = 1 in f32), 0 below −100; the limits at ±inf.
fn mt_silu(x: f32) -> f32 {
  if (mt_is_nan(x) || x > 20.0) { return x; }
  if (x < -100.0) { return 0.0; }
  return x * mt_sigmoid(x);
}
fn mt_silu_slope(x: f32) -> f32 {
  if (mt_is_nan(x)) { return x; }
  if (x > 20.0) { return 1.0; }
  if (x < -100.0) { return 0.0; }
  let s = mt_sigmoid(x);
  return s * (1.0 + x * (1.0 - s));
}
// Softplus at PyTorch's defaults: x past 20, else log1p(e^x) (0 below −104, where e^x is 0).
fn mt_softplus(x: f32) -> f32 {
  if (mt_is_nan(x) || x > 20.0) { return x; }
  if (x < -104.0) { return 0.0; }
  return mt_log1p(exp(x));
}
fn mt_erf_slope(x: f32) -> f32 {
  if (mt_is_nan(x)) { return x; }
  return select(1.1283792 * exp(-x * x), 0.0, abs(x) > 10.0);
}
// C's fmod, sign of the dividend: |a| − |b|·trunc(|a|/|b|), moved by one |b| where the rounded
// quotient was one off.
fn mt_fmod(a: f32, b: f32) -> f32 {
  if (mt_is_nan(a) || mt_is_nan(b) || mt_is_inf(a) || b == 0.0) { return mt_nan(); }
  if (mt_is_inf(b) || a == 0.0) { return a; }
  let m = abs(b);
  let n = abs(a);
  var r = n - m * trunc(n / m);
  if (r >= m) { r = r - m; }
  if (r < 0.0) { r = r + m; }
  return select(r, -r, a < 0.0);
}
// Python's %, sign of the divisor: fmod moved by b where the signs differ (PyTorch's way).
fn mt_remainder(a: f32, b: f32) -> f32 {
  let r = mt_fmod(a, b);
  return select(r, r + b, r != 0.0 && (r < 0.0) != (b < 0.0));
}
// a / b where b is 0 or an operand is not finite, as IEEE division (WGSL need not compute it):
// NaN for 0 / 0, inf / inf and NaN, ±inf for a / 0 and inf / b, ±0 for a / inf.
fn mt_div_special(a: f32, b: f32) -> f32 {
  let negative = mt_sign_bit(a) != mt_sign_bit(b);
  if (mt_is_nan(a) || mt_is_nan(b) || (mt_is_inf(a) && mt_is_inf(b)) || (a == 0.0 && b == 0.0)) {
    return mt_nan();
  }
  if (mt_is_inf(a) || b == 0.0) { return select(mt_inf(), -mt_inf(), negative); }
  return mt_zero(negative);
}
// +0, or −0 when negative.
fn mt_zero(negative: bool) -> f32 { return bitcast<f32>(select(0u, 0x80000000u, negative)); }
// a / b rounded toward 0 (operators.divTrunc). WGSL's division may be 2.5 ulp off, so off an
// exact integer quotient: the quotient is the multiple a − fmod(a, b) of b, divided and rounded.
fn mt_div_trunc(a: f32, b: f32) -> f32 {
  if (b == 0.0 || mt_not_finite(a) || mt_not_finite(b)) { return mt_div_special(a, b); }
  let d = (a - mt_fmod(a, b)) / b;
  if (d == 0.0) { return mt_zero(mt_sign_bit(a) != mt_sign_bit(b)); }
  return round(d);
}
// a / b rounded down, PyTorch's way (operators.divFloor): the multiple a − fmod(a, b) of b,
// divided, one less where fmod's sign differs from b's, floored and moved to the nearest integer
// (WGSL's division may be 2.5 ulp off). inf // b is NaN, and −1 // inf is −1, as in Python.
fn mt_div_floor(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return mt_div_special(a, b); }
  if (mt_not_finite(a) || mt_is_nan(b)) { return mt_nan(); }
  let negative = mt_sign_bit(a) != mt_sign_bit(b);
  if (mt_is_inf(b)) { return select(mt_zero(negative), -1.0, a != 0.0 && negative); }
  let m = mt_fmod(a, b);
  var d = (a - m) / b;
  if (m != 0.0 && (b < 0.0) != (m < 0.0)) { d = d - 1.0; }
  if (d == 0.0) { return mt_zero(negative); }
  let f = floor(d);
  return select(f, f + 1.0, d - f > 0.5);
}
// C's atan2 at its special values (WGSL's is undefined at (0, 0) and at infinities).
fn mt_atan2(y: f32, x: f32) -> f32 {
  if (mt_is_nan(y) || mt_is_nan(x)) { return mt_nan(); }
  let s = select(1.0, -1.0, mt_sign_bit(y));
  let left = mt_sign_bit(x);
  if (mt_is_inf(y)) {
    if (mt_is_inf(x)) { return s * select(0.78539816, 2.3561945, left); }
    return s * 1.5707964;
  }
  if (mt_is_inf(x) || y == 0.0) { return s * select(0.0, 3.1415927, left); }
  if (x == 0.0) { return s * 1.5707964; }
  return atan2(y, x);
}
// maximumShare (operators.ts): 1 where a > b or unordered, ½ at a tie, 0 where a < b.
fn mt_maximum_share(a: f32, b: f32) -> f32 {
  if (mt_is_nan(a) || mt_is_nan(b)) { return 1.0; }
  return select(select(1.0, 0.0, a < b), 0.5, a == b);
}
`;
