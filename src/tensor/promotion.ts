import type { DType } from "../backend/backend.js";
import { allDTypes, dtypeInfo } from "../backend/dtypes.js";
import { DTypeError } from "../errors.js";
import type { BinaryOp, ReduceOp, UnaryOp } from "../strided/ops.js";

/**
 * PyTorch's type promotion, and which dtype each op computes in and returns. Backends see one
 * dtype per kernel (their inputs are converted to it first), so the rules live here, once.
 */

/**
 * The dtype of index results (argmax, the indices of max(dim), sort, topk, randint…): PyTorch's
 * int64, stored as int32. Every op that makes one takes its dtype from here.
 */
export const indexDType: DType = "int32";
/** The dtype of masks (comparisons, isNaN, all/any, isclose). */
export const maskDType: DType = "bool";

/** What a program may ask for: a dtype, or PyTorch's names stored as one (int64 → int32). */
export type DTypeName = DType | "int64" | "long" | "int" | "float" | "double";

const aliases: Record<DTypeName, DType> = {
  float32: "float32",
  float64: "float64",
  int32: "int32",
  bool: "bool",
  int64: "int32",
  long: "int32",
  int: "int32",
  float: "float32",
  double: "float64",
};

/** Whether `name` names a dtype (rather than, say, a backend). */
export function isDTypeName(name: string): name is DTypeName {
  return Object.hasOwn(aliases, name);
}

/** The dtype stored for `name`; a DTypeError naming `op` and the dtypes there are otherwise. */
export function resolveDType(name: unknown, op: string): DType {
  if (typeof name === "string" && Object.hasOwn(aliases, name)) return aliases[name as DTypeName];
  throw new DTypeError(
    `${op}: unknown dtype ${JSON.stringify(name)}; minitorch has ${allDTypes.join(", ")} (and takes "int64" as int32)`,
  );
}

const kindRank = { bool: 0, int: 1, float: 2 } as const;

/** torch.promote_types: the smallest dtype both fit in (bool < int32 < float32 < float64). */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  const [ka, kb] = [kindRank[dtypeInfo[a].kind], kindRank[dtypeInfo[b].kind]];
  if (ka !== kb) return ka > kb ? a : b;
  return dtypeInfo[a].bytes >= dtypeInfo[b].bytes ? a : b;
}

/** The dtype and rank of an operand, which is all promotion looks at. */
interface Typed {
  readonly dtype: DType;
  readonly ndim: number;
}

/**
 * torch.result_type of two tensors: tensors with dims decide over 0-d ones (a number operand is
 * lifted to a 0-d tensor of the other's dtype when that can hold it), unless the 0-d one is of a
 * higher kind — an int tensor plus a 0-d float64 tensor is float64.
 */
export function resultType(a: Typed, b: Typed): DType {
  if (a.ndim > 0 === b.ndim > 0) return promoteTypes(a.dtype, b.dtype);
  const [big, small] = a.ndim > 0 ? [a.dtype, b.dtype] : [b.dtype, a.dtype];
  return kindRank[dtypeInfo[small].kind] > kindRank[dtypeInfo[big].kind] ? small : big;
}

/**
 * The dtype of a number used as an operand beside a tensor of `like`: the tensor's own when it
 * can hold the number (as PyTorch, `x.mul(2)` keeps x's dtype), else the default of the number's
 * kind — int32 for an integer beside a bool tensor, float32 for a fraction beside an integer one.
 */
export function scalarDType(x: number, like: DType): DType {
  const kind = dtypeInfo[like].kind;
  if (kind === "float") return like;
  if (Number.isInteger(x)) return "int32";
  return "float32";
}

/** Comparisons: computed in the promoted dtype, giving bool. */
const comparisons: ReadonlySet<BinaryOp> = new Set<BinaryOp>([
  "lt",
  "gt",
  "eq",
  "isClose",
  "eqNan",
]);

/** Whether `op` is a comparison (its kernel writes bool). */
export function isComparison(op: BinaryOp): boolean {
  return comparisons.has(op);
}

/** Unary ops that keep an integer input's dtype (a bool one computes in int32); the rest compute in float32 (exp, log…). */
const dtypeKeeping: ReadonlySet<UnaryOp> = new Set<UnaryOp>([
  "neg",
  "relu",
  "abs",
  "sign",
  "square",
  "floor",
  "ceil",
  "round",
  "trunc",
]);

/** Binary ops that are float whatever their operands (true division, atan2, the activations). */
const floatResults: ReadonlySet<BinaryOp> = new Set<BinaryOp>([
  "div",
  "atan2",
  "leakyRelu",
  "elu",
  "leakyReluSlope",
  "eluSlope",
  "maximumShare",
]);

/** The dtype an elementwise op computes in and the dtype it returns. */
export interface OpTypes {
  readonly compute: DType;
  readonly out: DType;
}

/** A float dtype for an op that needs one: float dtypes stay, others become float32. */
function floating(dtype: DType): DType {
  return dtypeInfo[dtype].kind === "float" ? dtype : "float32";
}

/** map(op): integer math of a float function (exp of an int tensor) is float32, as PyTorch. */
export function unaryTypes(op: UnaryOp, a: DType): OpTypes {
  const dtype = dtypeKeeping.has(op) ? (a === "bool" ? "int32" : a) : floating(a);
  return { compute: dtype, out: dtype };
}

/**
 * zip(op) of operands a and b: comparisons compare in the promoted dtype and give a bool mask;
 * true division, atan2 and the activations are float; `keepWhere(a, mask)` keeps a's dtype; bool ∘ bool
 * arithmetic computes in int32 and is bool again where PyTorch keeps it (add is logical or).
 */
export function binaryTypes(op: BinaryOp, a: Typed, b: Typed): OpTypes {
  if (op === "keepWhere") return { compute: a.dtype, out: a.dtype };
  const promoted = resultType(a, b);
  if (comparisons.has(op)) return { compute: promoted, out: maskDType };
  if (floatResults.has(op)) return { compute: floating(promoted), out: floating(promoted) };
  if (promoted === "bool") {
    if (op === "sub") {
      throw new DTypeError(
        "sub: subtracting two bool tensors is not supported (as in PyTorch); use logicalXor, or convert with .int()",
      );
    }
    return { compute: "int32", out: "bool" };
  }
  // The derivative rows take a float gradient: compute in float whatever the saved input is.
  if (op.endsWith("Back")) return { compute: floating(promoted), out: floating(promoted) };
  return { compute: promoted, out: promoted };
}

/** reduce(op): sums of integers and bools are int32 (PyTorch's int64); max and min keep it. */
export function reduceTypes(op: ReduceOp, a: DType): OpTypes {
  const dtype = op === "sum" && dtypeInfo[a].kind !== "float" ? "int32" : a;
  return { compute: dtype, out: dtype };
}
