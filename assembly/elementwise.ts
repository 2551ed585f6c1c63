// Elementwise arithmetic over contiguous f32 runs: same-shape (out[i] = a[i] ∘ b[i]) and scalar
// broadcast (out[i] = a[i] ∘ s, or s ∘ a[i] for the reversed forms). These are memory-bound, so the
// body moves 64 bytes (four f32x4) per iteration to keep loop overhead off the loads and stores, then
// single vectors, then a scalar tail for the last n mod 4 elements.
//
// `out` may be exactly `a` or `b` (in place); a partial overlap (out = a + 4 bytes, ...) is not
// supported. No alignment is required; 16-byte-aligned runs are fastest.
//
// Every exported function here is a kernel the cpu backend finds through its SIMD table
// (src/backend/cpu/simd_table.ts), one row per op: `<op>_f32`, `<op>_scalar_f32`, and
// `r<op>_scalar_f32` for an op that does not commute. A new op is an `Op` member with its vector and
// scalar forms in `applyV` / `applyS`, its exported kernels below, and its row in the table.

/**
 * The operations; `apply*` switch on a compile-time constant, so each kernel gets one op. Beside
 * the arithmetic, the selections the pooling and ReLU gradients are made of (src/strided/ops.ts
 * defines each; results are bit for bit the JS `fn`'s, NaN payloads aside). Comparisons write
 * bool bytes, so they are compare.ts's.
 */
const enum Op {
  Add,
  Sub,
  Mul,
  Div,
  /** x where y ≠ 0, else +0 (a selection: a NaN x outside the mask gives 0). */
  KeepWhere,
  /** y where x > 0 or x is NaN, else +0: reluBack(x, y), `x <= 0 ? 0 : y`. */
  ReluBack,
  /** NaN if either is NaN, and max(−0, +0) = +0: Math.max (wasm's max is the same). */
  Maximum,
  /** NaN if either is NaN, and min(−0, +0) = −0: Math.min. */
  Minimum,
}

@inline
function applyV(op: Op, x: v128, y: v128): v128 {
  if (op == Op.Add) return f32x4.add(x, y);
  if (op == Op.Sub) return f32x4.sub(x, y);
  if (op == Op.Mul) return f32x4.mul(x, y);
  if (op == Op.Div) return f32x4.div(x, y);
  // A comparison gives all-ones lanes where true: AND keeps x there, +0 elsewhere.
  if (op == Op.KeepWhere) return v128.and(x, f32x4.ne(y, f32x4.splat(0)));
  if (op == Op.ReluBack) return v128.andnot(y, f32x4.le(x, f32x4.splat(0)));
  if (op == Op.Maximum) return f32x4.max(x, y);
  return f32x4.min(x, y);
}

@inline
function applyS(op: Op, x: f32, y: f32): f32 {
  if (op == Op.Add) return x + y;
  if (op == Op.Sub) return x - y;
  if (op == Op.Mul) return x * y;
  if (op == Op.Div) return x / y;
  if (op == Op.KeepWhere) return y != 0 ? x : 0;
  if (op == Op.ReluBack) return x <= 0 ? 0 : y;
  if (op == Op.Maximum) return max<f32>(x, y);
  return min<f32>(x, y);
}

/** x op sv, or sv op x when reversed. */
@inline
function applyVS(op: Op, reversed: bool, x: v128, sv: v128): v128 {
  return reversed ? applyV(op, sv, x) : applyV(op, x, sv);
}

/**
 * out[i] = a[i] op b[i] for i < n: four f32x4 (64 bytes) per step while 16 elements are left,
 * then one f32x4 per step, then a scalar tail for the last n mod 4 (`applyV` / `applyS` do the
 * op). zipScalar below is the same loop with the second operand one value.
 * @task 3.1
 */
@inline
function zip(op: Op, a: usize, b: usize, out: usize, n: i32): void {
  // Counting elements rather than comparing pointers keeps a run that ends at the top of a 4 GiB
  // memory correct. Each vector is loaded, combined and stored before the next one is loaded, so
  // out == a or out == b is safe.
  let left = n;
  for (; left >= 16; left -= 16) {
    v128.store(out, applyV(op, v128.load(a), v128.load(b)));
    v128.store(out, applyV(op, v128.load(a, 16), v128.load(b, 16)), 16);
    v128.store(out, applyV(op, v128.load(a, 32), v128.load(b, 32)), 32);
    v128.store(out, applyV(op, v128.load(a, 48), v128.load(b, 48)), 48);
    a += 64;
    b += 64;
    out += 64;
  }
  for (; left >= 4; left -= 4) {
    v128.store(out, applyV(op, v128.load(a), v128.load(b)));
    a += 16;
    b += 16;
    out += 16;
  }
  for (; left > 0; left--) {
    store<f32>(out, applyS(op, load<f32>(a), load<f32>(b)));
    a += 4;
    b += 4;
    out += 4;
  }
}

/** out[i] = a[i] op s, or s op a[i] when `reversed` (a compile-time constant at every call). */
@inline
function zipScalar(op: Op, reversed: bool, a: usize, s: f32, out: usize, n: i32): void {
  const sv = f32x4.splat(s);
  let left = n;
  for (; left >= 16; left -= 16) {
    v128.store(out, applyVS(op, reversed, v128.load(a), sv));
    v128.store(out, applyVS(op, reversed, v128.load(a, 16), sv), 16);
    v128.store(out, applyVS(op, reversed, v128.load(a, 32), sv), 32);
    v128.store(out, applyVS(op, reversed, v128.load(a, 48), sv), 48);
    a += 64;
    out += 64;
  }
  for (; left >= 4; left -= 4) {
    v128.store(out, applyVS(op, reversed, v128.load(a), sv));
    a += 16;
    out += 16;
  }
  for (; left > 0; left--) {
    const x = load<f32>(a);
    store<f32>(out, reversed ? applyS(op, s, x) : applyS(op, x, s));
    a += 4;
    out += 4;
  }
}

/** out[i] = a[i] + b[i] for i < n. */
export function add_f32(a: usize, b: usize, out: usize, n: i32): void {
  zip(Op.Add, a, b, out, n);
}

/** out[i] = a[i] - b[i] for i < n. */
export function sub_f32(a: usize, b: usize, out: usize, n: i32): void {
  zip(Op.Sub, a, b, out, n);
}

/** out[i] = a[i] * b[i] for i < n. */
export function mul_f32(a: usize, b: usize, out: usize, n: i32): void {
  zip(Op.Mul, a, b, out, n);
}

/** out[i] = a[i] / b[i] for i < n. */
export function div_f32(a: usize, b: usize, out: usize, n: i32): void {
  zip(Op.Div, a, b, out, n);
}

/** out[i] = a[i] + s for i < n. */
export function add_scalar_f32(a: usize, s: f32, out: usize, n: i32): void {
  zipScalar(Op.Add, false, a, s, out, n);
}

/** out[i] = a[i] - s for i < n. */
export function sub_scalar_f32(a: usize, s: f32, out: usize, n: i32): void {
  zipScalar(Op.Sub, false, a, s, out, n);
}

/** out[i] = a[i] * s for i < n. */
export function mul_scalar_f32(a: usize, s: f32, out: usize, n: i32): void {
  zipScalar(Op.Mul, false, a, s, out, n);
}

/** out[i] = a[i] / s for i < n (a true division, not a multiplication by 1/s: results match JS). */
export function div_scalar_f32(a: usize, s: f32, out: usize, n: i32): void {
  zipScalar(Op.Div, false, a, s, out, n);
}

/** out[i] = s - a[i] for i < n. */
export function rsub_scalar_f32(a: usize, s: f32, out: usize, n: i32): void {
  zipScalar(Op.Sub, true, a, s, out, n);
}

/** out[i] = s / a[i] for i < n. */
export function rdiv_scalar_f32(a: usize, s: f32, out: usize, n: i32): void {
  zipScalar(Op.Div, true, a, s, out, n);
}

// The selection and max/min rows: every form of each (keepWhere and reluBack do not commute).

/** out[i] = b[i] != 0 ? a[i] : 0 for i < n. */
export function keepWhere_f32(a: usize, b: usize, out: usize, n: i32): void {
  zip(Op.KeepWhere, a, b, out, n);
}

/** out[i] = s != 0 ? a[i] : 0 for i < n. */
export function keepWhere_scalar_f32(a: usize, s: f32, out: usize, n: i32): void {
  zipScalar(Op.KeepWhere, false, a, s, out, n);
}

/** out[i] = a[i] != 0 ? s : 0 for i < n. */
export function rkeepWhere_scalar_f32(a: usize, s: f32, out: usize, n: i32): void {
  zipScalar(Op.KeepWhere, true, a, s, out, n);
}

/** out[i] = a[i] <= 0 ? 0 : b[i] for i < n. */
export function reluBack_f32(a: usize, b: usize, out: usize, n: i32): void {
  zip(Op.ReluBack, a, b, out, n);
}

/** out[i] = a[i] <= 0 ? 0 : s for i < n. */
export function reluBack_scalar_f32(a: usize, s: f32, out: usize, n: i32): void {
  zipScalar(Op.ReluBack, false, a, s, out, n);
}

/** out[i] = s <= 0 ? 0 : a[i] for i < n. */
export function rreluBack_scalar_f32(a: usize, s: f32, out: usize, n: i32): void {
  zipScalar(Op.ReluBack, true, a, s, out, n);
}

/** out[i] = max(a[i], b[i]) for i < n, NaN if either is. */
export function maximum_f32(a: usize, b: usize, out: usize, n: i32): void {
  zip(Op.Maximum, a, b, out, n);
}

/** out[i] = max(a[i], s) for i < n, NaN if either is. */
export function maximum_scalar_f32(a: usize, s: f32, out: usize, n: i32): void {
  zipScalar(Op.Maximum, false, a, s, out, n);
}

/** out[i] = min(a[i], b[i]) for i < n, NaN if either is. */
export function minimum_f32(a: usize, b: usize, out: usize, n: i32): void {
  zip(Op.Minimum, a, b, out, n);
}

/** out[i] = min(a[i], s) for i < n, NaN if either is. */
export function minimum_scalar_f32(a: usize, s: f32, out: usize, n: i32): void {
  zipScalar(Op.Minimum, false, a, s, out, n);
}
