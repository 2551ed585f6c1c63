// Comparisons of contiguous f32 runs into bool bytes (1 where true, else 0), the dtype a comparison
// writes: same-shape (out[i] = a[i] ∘ b[i]) and scalar (out[i] = a[i] ∘ s) forms. Sixteen lanes at
// a time: four f32x4 compares give all-ones / zero i32 masks, two saturating narrows pack them into
// sixteen bytes of -1 / 0, and AND 1 makes them 1 / 0. The results are the JS ops' (src/strided/
// ops.ts): NaN compares false, except that eqNan counts two NaNs equal. Each export is named in the
// cpu backend's SIMD table (src/backend/cpu/simd_table.ts), in its comparison rows.

const enum Cmp {
  Lt,
  Gt,
  Eq,
  /** Equal, or both NaN. */
  EqNan,
}

@inline
function maskV(op: Cmp, x: v128, y: v128): v128 {
  if (op == Cmp.Lt) return f32x4.lt(x, y);
  if (op == Cmp.Gt) return f32x4.gt(x, y);
  if (op == Cmp.Eq) return f32x4.eq(x, y);
  return v128.or(f32x4.eq(x, y), v128.and(f32x4.ne(x, x), f32x4.ne(y, y)));
}

@inline
function testS(op: Cmp, x: f32, y: f32): bool {
  if (op == Cmp.Lt) return x < y;
  if (op == Cmp.Gt) return x > y;
  if (op == Cmp.Eq) return x == y;
  return x == y || (x != x && y != y);
}

/** Sixteen masks (four i32x4) as sixteen bytes of 1 / 0. */
@inline
function packMasks(m0: v128, m1: v128, m2: v128, m3: v128): v128 {
  const bytes = i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(m0, m1), i16x8.narrow_i32x4_s(m2, m3));
  return v128.and(bytes, i8x16.splat(1));
}

/** out[i] = a[i] ∘ b[i] (b a pointer), or a[i] ∘ s / s ∘ a[i] (b unused), as bytes, for i < n. */
@inline
function compare(op: Cmp, scalar: bool, reversed: bool, a: usize, b: usize, s: f32, out: usize, n: i32): void {
  const sv = f32x4.splat(s);
  let left = n;
  for (; left >= 16; left -= 16) {
    let m0: v128, m1: v128, m2: v128, m3: v128;
    if (!scalar) {
      m0 = maskV(op, v128.load(a), v128.load(b));
      m1 = maskV(op, v128.load(a, 16), v128.load(b, 16));
      m2 = maskV(op, v128.load(a, 32), v128.load(b, 32));
      m3 = maskV(op, v128.load(a, 48), v128.load(b, 48));
      b += 64;
    } else if (reversed) {
      m0 = maskV(op, sv, v128.load(a));
      m1 = maskV(op, sv, v128.load(a, 16));
      m2 = maskV(op, sv, v128.load(a, 32));
      m3 = maskV(op, sv, v128.load(a, 48));
    } else {
      m0 = maskV(op, v128.load(a), sv);
      m1 = maskV(op, v128.load(a, 16), sv);
      m2 = maskV(op, v128.load(a, 32), sv);
      m3 = maskV(op, v128.load(a, 48), sv);
    }
    v128.store(out, packMasks(m0, m1, m2, m3));
    a += 64;
    out += 16;
  }
  for (; left > 0; left--) {
    const x = load<f32>(a);
    const y = scalar ? s : load<f32>(b);
    store<u8>(out, (reversed ? testS(op, y, x) : testS(op, x, y)) ? 1 : 0);
    a += 4;
    if (!scalar) b += 4;
    out += 1;
  }
}

/** out[i] = a[i] < b[i] for i < n, as bytes. */
export function lt_bool_f32(a: usize, b: usize, out: usize, n: i32): void {
  compare(Cmp.Lt, false, false, a, b, 0, out, n);
}

/** out[i] = a[i] < s for i < n, as bytes. */
export function lt_scalar_bool_f32(a: usize, s: f32, out: usize, n: i32): void {
  compare(Cmp.Lt, true, false, a, 0, s, out, n);
}

/** out[i] = s < a[i] for i < n, as bytes. */
export function rlt_scalar_bool_f32(a: usize, s: f32, out: usize, n: i32): void {
  compare(Cmp.Lt, true, true, a, 0, s, out, n);
}

/** out[i] = a[i] > b[i] for i < n, as bytes. */
export function gt_bool_f32(a: usize, b: usize, out: usize, n: i32): void {
  compare(Cmp.Gt, false, false, a, b, 0, out, n);
}

/** out[i] = a[i] > s for i < n, as bytes. */
export function gt_scalar_bool_f32(a: usize, s: f32, out: usize, n: i32): void {
  compare(Cmp.Gt, true, false, a, 0, s, out, n);
}

/** out[i] = s > a[i] for i < n, as bytes. */
export function rgt_scalar_bool_f32(a: usize, s: f32, out: usize, n: i32): void {
  compare(Cmp.Gt, true, true, a, 0, s, out, n);
}

/** out[i] = a[i] == b[i] for i < n, as bytes. */
export function eq_bool_f32(a: usize, b: usize, out: usize, n: i32): void {
  compare(Cmp.Eq, false, false, a, b, 0, out, n);
}

/** out[i] = a[i] == s for i < n, as bytes. */
export function eq_scalar_bool_f32(a: usize, s: f32, out: usize, n: i32): void {
  compare(Cmp.Eq, true, false, a, 0, s, out, n);
}

/** out[i] = a[i] == b[i] or both NaN, for i < n, as bytes. */
export function eqNan_bool_f32(a: usize, b: usize, out: usize, n: i32): void {
  compare(Cmp.EqNan, false, false, a, b, 0, out, n);
}

/** out[i] = a[i] == s or both NaN, for i < n, as bytes. */
export function eqNan_scalar_bool_f32(a: usize, s: f32, out: usize, n: i32): void {
  compare(Cmp.EqNan, true, false, a, 0, s, out, n);
}
