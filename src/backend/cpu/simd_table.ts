/**
 * The WebAssembly SIMD elementwise kernels, one row per op of the op table (`strided/ops.ts`) that
 * has float32 kernels in `assembly/`. This is the one place their export names are written: the
 * loader types and checks the exports from it (`wasm_kernels.ts`), the worker program resolves
 * its kernels from it (a kernel's code in the control block is its position in
 * `ELEMENTWISE_KERNELS`), and the cpu backend and the thread pool dispatch by it.
 *
 * A row's names are typed by its op's name (`add` → "add_f32", "add_scalar_f32"), so a misspelt or
 * misplaced name, or a row for an op the op table lacks, is a compile error. A name the binary
 * does not export is a load error naming it (`npm run build:wasm` first); an export that no row
 * names fails the kernel tests.
 */

import type { BinaryOp, ReduceOp } from "../../strided/ops.js";

/** A byte offset into the backend's memory. */
type Ptr = number;

/**
 * How the operands of a binary op a ∘ b meet a kernel: both step through memory ("zip"); only a
 * does and b is one value ("scalar"); only b does and a is one value ("scalarFirst").
 */
export type ZipForm = "zip" | "scalar" | "scalarFirst";

/**
 * A binary op ∘'s kernels over float32 runs, one per form. Each is called as
 * (first, second, out, n): `first` points at the operand that steps, `second` is the other's
 * pointer ("zip") or its value (the scalar forms, rounded to float32 by the kernel).
 */
export interface SimdZipRow<O extends string> {
  /** out[i] = a[i] ∘ b[i]. */
  readonly zip: `${O}_f32`;
  /** out[i] = a[i] ∘ s. */
  readonly scalar: `${O}_scalar_f32`;
  /** out[i] = s ∘ a[i]: the scalar kernel again when ∘ commutes, else the reversed one. */
  readonly scalarFirst: `${O}_scalar_f32` | `r${O}_scalar_f32`;
}

/** A reduction's kernels over contiguous float32 runs. */
export interface SimdReduceRow<O extends string> {
  /** (a, n) → the reduction of the n values at a, a float32. */
  readonly all: `${O}_f32`;
  /** (a, out, rows, cols): out[r] = the reduction of row r of a contiguous rows×cols matrix. */
  readonly rows: `${O}_rows_f32`;
}

/**
 * Binary ops with SIMD kernels (`assembly/elementwise.ts`). Results equal the op table's JS `fn`
 * rounded to float32, bit for bit; `out` may be exactly `a` or `b`.
 */
export const simdZips = {
  add: { zip: "add_f32", scalar: "add_scalar_f32", scalarFirst: "add_scalar_f32" },
  sub: { zip: "sub_f32", scalar: "sub_scalar_f32", scalarFirst: "rsub_scalar_f32" },
  mul: { zip: "mul_f32", scalar: "mul_scalar_f32", scalarFirst: "mul_scalar_f32" },
  div: { zip: "div_f32", scalar: "div_scalar_f32", scalarFirst: "rdiv_scalar_f32" },
  // Selections (max pooling's gradient puts itself back with keepWhere; ReLU's), and the
  // maximum/minimum that reduce max/min run across a middle dim. Comparisons write bool: simdCompares.
  keepWhere: {
    zip: "keepWhere_f32",
    scalar: "keepWhere_scalar_f32",
    scalarFirst: "rkeepWhere_scalar_f32",
  },
  reluBack: {
    zip: "reluBack_f32",
    scalar: "reluBack_scalar_f32",
    scalarFirst: "rreluBack_scalar_f32",
  },
  maximum: { zip: "maximum_f32", scalar: "maximum_scalar_f32", scalarFirst: "maximum_scalar_f32" },
  minimum: { zip: "minimum_f32", scalar: "minimum_scalar_f32", scalarFirst: "minimum_scalar_f32" },
} as const satisfies { readonly [O in BinaryOp]?: SimdZipRow<O> };

/**
 * Reductions with SIMD kernels (`assembly/reduce.ts`): 16 partial sums in float32, so results
 * differ from a left-to-right sum by rounding only.
 */
export const simdReduces = {
  sum: { all: "sum_f32", rows: "sum_rows_f32" },
} as const satisfies { readonly [O in ReduceOp]?: SimdReduceRow<O> };

/**
 * A comparison's kernels over float32 runs into bool bytes (`assembly/compare.ts`), called as a
 * zip row's are; the reversed scalar form of lt is s < a[i], and so on.
 */
export interface SimdCompareRow<O extends string> {
  readonly zip: `${O}_bool_f32`;
  readonly scalar: `${O}_scalar_bool_f32`;
  readonly scalarFirst: `${O}_scalar_bool_f32` | `r${O}_scalar_bool_f32`;
}

/**
 * Comparisons with SIMD kernels, for float32 operands and a bool result (what a comparison writes):
 * results equal the op table's `fn`, 1 or 0, bit for bit. Main thread only (not split).
 */
export const simdCompares = {
  lt: { zip: "lt_bool_f32", scalar: "lt_scalar_bool_f32", scalarFirst: "rlt_scalar_bool_f32" },
  gt: { zip: "gt_bool_f32", scalar: "gt_scalar_bool_f32", scalarFirst: "rgt_scalar_bool_f32" },
  eq: { zip: "eq_bool_f32", scalar: "eq_scalar_bool_f32", scalarFirst: "eq_scalar_bool_f32" },
  eqNan: {
    zip: "eqNan_bool_f32",
    scalar: "eqNan_scalar_bool_f32",
    scalarFirst: "eqNan_scalar_bool_f32",
  },
} as const satisfies { readonly [O in BinaryOp]?: SimdCompareRow<O> };

/** Binary ops with SIMD kernels. */
export type SimdZipOp = keyof typeof simdZips;
/** Comparisons with SIMD kernels writing bool. */
export type SimdCompareOp = keyof typeof simdCompares;
/** Reductions with SIMD kernels. */
export type SimdReduceOp = keyof typeof simdReduces;

type ZipRowTypes = (typeof simdZips)[SimdZipOp] | (typeof simdCompares)[SimdCompareOp];
type ReduceRowTypes = (typeof simdReduces)[SimdReduceOp];
/** The name of a binary op's kernel in one of its forms. */
export type ZipKernelName = ZipRowTypes[ZipForm];
/** The name of any kernel the table lists. */
type ElementwiseKernelName = ZipKernelName | ReduceRowTypes["all" | "rows"];

/** The table's kernels as JS sees them (wasm i32 and f32 arguments are JS numbers), by name. */
export type ElementwiseKernels = Readonly<
  Record<ZipRowTypes["zip"], (a: Ptr, b: Ptr, out: Ptr, n: number) => void> &
    Record<
      ZipRowTypes["scalar" | "scalarFirst"],
      (a: Ptr, s: number, out: Ptr, n: number) => void
    > &
    Record<ReduceRowTypes["all"], (a: Ptr, n: number) => number> &
    Record<ReduceRowTypes["rows"], (a: Ptr, out: Ptr, rows: number, cols: number) => void>
>;

/** Every kernel the table names, once each, in table order: a kernel's worker code is its index. */
export const ELEMENTWISE_KERNELS: readonly ElementwiseKernelName[] = [
  ...new Set<ElementwiseKernelName>([
    ...Object.values(simdZips).flatMap((row) => Object.values(row)),
    ...Object.values(simdCompares).flatMap((row) => Object.values(row)),
    ...Object.values(simdReduces).flatMap((row) => Object.values(row)),
  ]),
];

/** A kernel's code, as the control block carries it to the workers. */
export function kernelCode(name: ElementwiseKernelName): number {
  return ELEMENTWISE_KERNELS.indexOf(name);
}

/** Whether `table` has a row for `op`. */
function hasRow<T extends object>(table: T, op: string): op is Extract<keyof T, string> {
  return Object.hasOwn(table, op);
}

/** Whether a binary op has SIMD kernels. */
export function isSimdZipOp(op: BinaryOp): op is SimdZipOp {
  return hasRow(simdZips, op);
}

/** Whether a comparison has SIMD kernels writing bool. */
export function isSimdCompareOp(op: BinaryOp): op is SimdCompareOp {
  return hasRow(simdCompares, op);
}

/** Whether a reduction has SIMD kernels. */
export function isSimdReduceOp(op: ReduceOp): op is SimdReduceOp {
  return hasRow(simdReduces, op);
}
