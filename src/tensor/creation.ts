import type { BackendName, DType } from "../backend/backend.js";
import { type DTypeKind, dtypeInfo } from "../backend/dtypes.js";
import { DataError, DTypeError, ShapeError } from "../errors.js";
import {
  checkedWhereUsed,
  checkOptions,
  describeValue,
  isBoolean,
  type OptionChecks,
} from "../options.js";
import { type GeneratorOptions, isGenerator, type RandomSource, sourceOf } from "../random.js";
import { checkShape, formatShape, shapeSize } from "../strided/shape.js";
import { getBackend } from "./default_backend.js";
import type { Nested } from "./format.js";
import { type DTypeName, resolveDType } from "./promotion.js";
import { Tensor } from "./tensor.js";

/** Options of every creation function. */
export interface TensorOptions {
  /**
   * Element type (default float32): "float32", "float64", "int32", "bool", or PyTorch's names
   * "int64"/"long"/"int" (stored as int32), "float", "double".
   */
  dtype?: DTypeName;
  /** Make the tensor a leaf that receives a gradient (default false). */
  requiresGrad?: boolean;
  /** Backend name (default: the one set by `setBackend`, initially "reference"). */
  backend?: BackendName;
}

/**
 * Options of the random creation functions: a `generator` (PyTorch's) or a `seed` (a fresh
 * generator of that seed) is drawn from instead of the global generator.
 */
export interface RandomOptions extends TensorOptions, GeneratorOptions {}

/** The dtype and backend are checked where the storage is made, the seed by `Random`. */
export const tensorChecks: OptionChecks<TensorOptions> = {
  dtype: checkedWhereUsed,
  requiresGrad: isBoolean,
  backend: checkedWhereUsed,
};
/** The checks of `RandomOptions` (the seed is checked by `sourceOf`). */
export const randomChecks: OptionChecks<RandomOptions> = {
  ...tensorChecks,
  seed: checkedWhereUsed,
  generator: isGenerator,
};

/** Arguments `zeros(2, 3)`, `zeros([2, 3])`, `zeros([2, 3], {dtype})` or `zeros(2, 3, {dtype})`. */
export type CreationArgs<O> = (number | readonly number[] | O)[];

/** A shape given as numbers or one array, and a trailing options object checked by `checks`. */
export function splitArgs<O extends object>(
  op: string,
  args: CreationArgs<O>,
  checks: OptionChecks<O>,
): [number[], O] {
  const last = args[args.length - 1];
  const hasOptions = typeof last === "object" && last !== null && !Array.isArray(last);
  const options = checkOptions(op, (hasOptions ? last : {}) as O, checks);
  const dims = hasOptions ? args.slice(0, -1) : args;
  const shape = dims.length === 1 && Array.isArray(dims[0]) ? [...dims[0]] : dims;
  return [checkShape(shape, op), options];
}

/** A tensor holding `values` with the options' dtype (default float32), backend and requiresGrad. */
export function make(
  values: ArrayLike<number>,
  shape: readonly number[],
  options: TensorOptions,
): Tensor {
  const dtype = options.dtype === undefined ? "float32" : resolveDType(options.dtype, "tensor");
  if (dtype === "int32") checkInt32(values, options.dtype ?? dtype);
  const t = Tensor.fromValues(values, shape, dtype, options.backend ?? getBackend());
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * Integers are stored in 32 bits (int64 too: see backend/dtypes.ts), so a value beyond int32 is a
 * DTypeError here, where it enters, never a silent wrap; fractions truncate, as in PyTorch.
 */
function checkInt32(values: ArrayLike<number>, asked: string): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= -(2 ** 31) && v < 2 ** 31)) {
      throw new DTypeError(
        `tensor: value ${v} (element ${i}) does not fit ${asked}: minitorch stores integers in 32 bits (-2147483648 to 2147483647)`,
      );
    }
  }
}

/** Nested arrays of JS booleans: `tensor([true, false])` is a bool tensor, as PyTorch's. */
export type NestedBools = boolean | NestedBools[];

/**
 * The shape of a nested array, checking that it is rectangular and that its leaves are all
 * numbers or all booleans (`leaf` holds the kind of the first one seen): a boolean among numbers
 * is more likely a bug in the data than a 1, so it is a DTypeError naming where it is.
 */
function nestedShape(
  data: Nested | NestedBools,
  path: string,
  leaf: { kind?: "number" | "boolean" },
): number[] {
  if (typeof data === "number" || typeof data === "boolean") {
    leaf.kind ??= typeof data === "number" ? "number" : "boolean";
    if (typeof data !== leaf.kind) {
      throw new DTypeError(
        `tensor: expected ${leaf.kind}s or arrays of them, got ${typeof data} at ${path || "the top"}`,
      );
    }
    return [];
  }
  if (!Array.isArray(data)) {
    throw new DTypeError(
      `tensor: expected numbers or arrays, got ${typeof data} at ${path || "the top"}`,
    );
  }
  if (data.length === 0) return [0];
  const inner = nestedShape(data[0], `${path}[0]`, leaf);
  data.forEach((item, i) => {
    const shape = nestedShape(item, `${path}[${i}]`, leaf);
    if (formatShape(shape) !== formatShape(inner)) {
      throw new ShapeError(
        `tensor: ragged nested array: ${path}[${i}] has shape ${formatShape(shape)} but ${path}[0] has ${formatShape(inner)}`,
      );
    }
  });
  return [data.length, ...inner];
}

/**
 * A tensor from a number or nested arrays of numbers: `tensor([[1, 2], [3, 4]])` (float32 unless
 * `dtype` says otherwise: JavaScript has one number type, so integers are not told apart from
 * floats as Python's are). Booleans give a bool tensor (`tensor([true, false])`, or 1 and 0 in
 * the `dtype` asked for); numbers and booleans mixed are a DTypeError.
 */
export function tensor(
  data: Nested | NestedBools | ArrayLike<number>,
  options: TensorOptions = {},
): Tensor {
  checkOptions("tensor", options, tensorChecks);
  if (ArrayBuffer.isView(data))
    return make(data as ArrayLike<number>, [(data as ArrayLike<number>).length], options);
  const nested = data as Nested | NestedBools;
  const leaf: { kind?: "number" | "boolean" } = {};
  const shape = nestedShape(nested, "", leaf);
  const leaves: (number | boolean)[] =
    typeof nested === "object"
      ? ((nested as unknown[]).flat(Number.POSITIVE_INFINITY) as (number | boolean)[])
      : [nested];
  const values = leaf.kind === "boolean" ? leaves.map(Number) : (leaves as number[]);
  const bools = leaf.kind === "boolean" && options.dtype === undefined;
  return make(values, shape, bools ? { ...options, dtype: "bool" } : options);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
  checkOptions("full", options, tensorChecks);
  const dims = checkShape(shape, "full");
  return make(new Array<number>(shapeSize(dims)).fill(value), dims, options);
}

/** Zeros: `zeros(2, 3)` or `zeros([2, 3], {dtype: "float64"})`. */
export function zeros(...args: CreationArgs<TensorOptions>): Tensor {
  const [shape, options] = splitArgs("zeros", args, tensorChecks);
  return full(shape, 0, options);
}

/** Ones: `ones(2, 3)` or `ones([2, 3])`. */
export function ones(...args: CreationArgs<TensorOptions>): Tensor {
  const [shape, options] = splitArgs("ones", args, tensorChecks);
  return full(shape, 1, options);
}

/**
 * A tensor whose contents are unspecified (`torch.empty`; no fill pass, so a recycled buffer may
 * show old values): `empty(2, 3)` or `empty([2, 3], {dtype})`, as `zeros`. Write it before reading.
 */
export function empty(...args: CreationArgs<TensorOptions>): Tensor {
  const [shape, options] = splitArgs("empty", args, tensorChecks);
  const dtype = options.dtype === undefined ? "float32" : resolveDType(options.dtype, "empty");
  const out = Tensor.empty(shape, dtype, options.backend ?? getBackend());
  if (options.requiresGrad) out.requiresGrad = true;
  return out;
}

function sample(
  op: string,
  args: CreationArgs<RandomOptions>,
  draw: (rng: RandomSource) => number,
): Tensor {
  const [shape, options] = splitArgs(op, args, randomChecks);
  checkDTypeKind(op, options.dtype, FLOAT);
  const rng = sourceOf(op, options);
  const values = Array.from({ length: shapeSize(shape) }, () => draw(rng));
  return make(values, shape, options);
}

/** Uniform samples in [0, 1), from the global generator (`manualSeed`), `{generator}` or `{seed}`. */
export function rand(...args: CreationArgs<RandomOptions>): Tensor {
  return sample("rand", args, (rng) => rng.next());
}

/** Standard normal samples, from the global generator (`manualSeed`), `{generator}` or `{seed}`. */
export function randn(...args: CreationArgs<RandomOptions>): Tensor {
  return sample("randn", args, (rng) => rng.normal());
}

/** `arange(end)` or `arange(start, end, step = 1)`: start, start + step, … up to (not including) end. */
export function arange(
  startOrEnd: number,
  endOrOptions?: number | TensorOptions,
  stepOrOptions?: number | TensorOptions,
  maybeOptions: TensorOptions = {},
): Tensor {
  const [start, end] =
    typeof endOrOptions === "number" ? [startOrEnd, endOrOptions] : [0, startOrEnd];
  const step = typeof stepOrOptions === "number" ? stepOrOptions : 1;
  const options =
    typeof endOrOptions === "object"
      ? endOrOptions
      : typeof stepOrOptions === "object"
        ? stepOrOptions
        : maybeOptions;
  checkOptions("arange", options, tensorChecks);
  // A string or boolean among the numbers would otherwise be dropped without a word.
  for (const arg of [endOrOptions, stepOrOptions]) {
    if (arg !== undefined && typeof arg !== "number" && typeof arg !== "object") {
      throw new DataError(
        `arange: expected numbers then an options object, got ${describeValue(arg)}`,
      );
    }
  }
  if (step === 0 || !Number.isFinite(start) || !Number.isFinite(end) || !Number.isFinite(step)) {
    throw new ShapeError(
      `arange: needs finite start, end and a non-zero step, got (${start}, ${end}, ${step})`,
    );
  }
  const n = Math.max(0, Math.ceil((end - start) / step));
  return make(
    Array.from({ length: n }, (_, i) => start + i * step),
    [n],
    options,
  );
}

/** The kinds a floating-point sampler makes (rand, randn, normal: PyTorch's kernels have no other). */
export const FLOAT: readonly DTypeKind[] = ["float"];
/** Every kind: for functions that make any dtype, and only need its name checked. */
export const ANY: readonly DTypeKind[] = ["bool", "int", "float"];
/** The kinds linspace and logspace make (PyTorch has no bool linspace). */
const NUMERIC: readonly DTypeKind[] = ["int", "float"];

/**
 * The dtype `op` makes — `asked` (PyTorch's names resolved, float32 when absent) — or a DTypeError
 * naming `op` when it is unknown or not of one of `kinds`.
 */
export function checkDTypeKind(
  op: string,
  asked: DTypeName | undefined,
  kinds: readonly DTypeKind[],
): DType {
  const dtype = asked === undefined ? "float32" : resolveDType(asked, op);
  if (!kinds.includes(dtypeInfo[dtype].kind)) {
    throw new DTypeError(
      `${op}: makes ${kinds.join(" or ")} tensors, as PyTorch's; got dtype ${JSON.stringify(asked)}`,
    );
  }
  return dtype;
}

/** Throws a ShapeError naming `op` unless `n` is a count (an integer ≥ 0). */
export function checkCount(op: string, what: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new ShapeError(`${op}: ${what} must be a non-negative integer, got ${describeValue(n)}`);
  }
}

/** Throws a DataError naming `op` unless every one of `values` is a number. */
function checkNumbers(op: string, values: Record<string, unknown>): void {
  for (const [name, v] of Object.entries(values)) {
    if (typeof v !== "number") {
      throw new DataError(`${op}: ${name} must be a number, got ${describeValue(v)}`);
    }
  }
}

/**
 * `steps` evenly spaced values from `start` to `end`, both included (`torch.linspace`). As in
 * PyTorch, the first half steps up from start and the second half down from end, so both ends
 * are exact and the spacing is symmetric.
 */
export function linspace(
  start: number,
  end: number,
  steps: number,
  options: TensorOptions = {},
): Tensor {
  checkOptions("linspace", options, tensorChecks);
  checkDTypeKind("linspace", options.dtype, NUMERIC);
  checkNumbers("linspace", { start, end });
  checkCount("linspace", "number of steps", steps);
  return make(linspaceValues(start, end, steps), [steps], options);
}

function linspaceValues(start: number, end: number, steps: number): number[] {
  // One step is [start], as PyTorch's (the symmetric rule below would give [end]).
  if (steps === 1) return [start];
  const step = (end - start) / (steps - 1);
  const half = Math.floor(steps / 2);
  return Array.from({ length: steps }, (_, i) =>
    i < half ? start + i * step : end - (steps - 1 - i) * step,
  );
}

/** `steps` values from base^start to base^end, evenly spaced in the exponent (`torch.logspace`). */
export function logspace(
  start: number,
  end: number,
  steps: number,
  base: number | TensorOptions = 10,
  options: TensorOptions = {},
): Tensor {
  const [b, opts] = typeof base === "number" ? [base, options] : [10, base];
  checkOptions("logspace", opts, tensorChecks);
  checkDTypeKind("logspace", opts.dtype, NUMERIC);
  checkNumbers("logspace", { start, end, base: b });
  checkCount("logspace", "number of steps", steps);
  return make(
    linspaceValues(start, end, steps).map((e) => b ** e),
    [steps],
    opts,
  );
}

/** The n × m identity matrix (m defaults to n): ones on the diagonal, zeros elsewhere. */
export function eye(n: number, m: number | TensorOptions = n, options: TensorOptions = {}): Tensor {
  const [cols, opts] = typeof m === "number" ? [m, options] : [n, m];
  checkOptions("eye", opts, tensorChecks);
  checkDTypeKind("eye", opts.dtype, ANY);
  checkCount("eye", "n", n);
  checkCount("eye", "m", cols);
  const values = new Array<number>(n * cols).fill(0);
  for (let i = 0; i < Math.min(n, cols); i++) values[i * cols + i] = 1;
  return make(values, [n, cols], opts);
}

/** The options of a `…Like` function: `t`'s dtype and backend unless given (requiresGrad: false). */
export function likeOptions<O extends TensorOptions>(
  op: string,
  t: Tensor,
  options: O,
  checks: OptionChecks<O>,
): O {
  if (!(t instanceof Tensor)) {
    throw new DTypeError(`${op}: expected a Tensor, got ${describeValue(t)}`);
  }
  checkOptions(op, options, checks);
  if (options.dtype !== undefined) resolveDType(options.dtype, op);
  return { ...options, dtype: options.dtype ?? t.dtype, backend: options.backend ?? t.backend };
}

/** A tensor of `value` with `t`'s shape, and its dtype and backend unless given (`torch.full_like`). */
export function fullLike(t: Tensor, value: number, options: TensorOptions = {}): Tensor {
  const opts = likeOptions("fullLike", t, options, tensorChecks);
  checkNumbers("fullLike", { value });
  return full(t.shape, value, opts);
}

/** Zeros with `t`'s shape, and its dtype and backend unless given (`torch.zeros_like`). */
export function zerosLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return full(t.shape, 0, likeOptions("zerosLike", t, options, tensorChecks));
}

/** Ones with `t`'s shape, and its dtype and backend unless given (`torch.ones_like`). */
export function onesLike(t: Tensor, options: TensorOptions = {}): Tensor {
  return full(t.shape, 1, likeOptions("onesLike", t, options, tensorChecks));
}

/** A tensor with `t`'s shape whose contents are unspecified (`torch.empty_like`): no fill pass. */
export function emptyLike(t: Tensor, options: TensorOptions = {}): Tensor {
  const opts = likeOptions("emptyLike", t, options, tensorChecks);
  const dtype = resolveDType(opts.dtype ?? t.dtype, "emptyLike");
  const out = Tensor.empty(t.shape, dtype, opts.backend ?? t.backend);
  if (opts.requiresGrad) out.requiresGrad = true;
  return out;
}
