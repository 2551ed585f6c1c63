import type { BackendName, DType } from "../backend/backend.js";
import { DataError, DTypeError, ShapeError } from "../errors.js";
import {
  checkedWhereUsed,
  checkOptions,
  describeValue,
  isBoolean,
  type OptionChecks,
} from "../options.js";
import { defaultGenerator, Random } from "../random.js";
import { checkShape, formatShape, shapeSize } from "../strided/shape.js";
import { getBackend } from "./default_backend.js";
import type { Nested } from "./format.js";
import { Tensor } from "./tensor.js";

/** Options of every creation function. */
export interface TensorOptions {
  /** Element type (default float32). */
  dtype?: DType;
  /** Make the tensor a leaf that receives a gradient (default false). */
  requiresGrad?: boolean;
  /** Backend name (default: the one set by `setBackend`, initially "reference"). */
  backend?: BackendName;
}

/** Options of the random creation functions: a `seed` uses its own generator, not the global one. */
export interface RandomOptions extends TensorOptions {
  seed?: number;
}

/** The dtype and backend are checked where the storage is made, the seed by `Random`. */
const tensorChecks: OptionChecks<TensorOptions> = {
  dtype: checkedWhereUsed,
  requiresGrad: isBoolean,
  backend: checkedWhereUsed,
};
const randomChecks: OptionChecks<RandomOptions> = { ...tensorChecks, seed: checkedWhereUsed };

/** Arguments `zeros(2, 3)`, `zeros([2, 3])`, `zeros([2, 3], {dtype})` or `zeros(2, 3, {dtype})`. */
export type CreationArgs<O> = (number | readonly number[] | O)[];

function splitArgs<O extends object>(
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

function make(values: ArrayLike<number>, shape: number[], options: TensorOptions): Tensor {
  const t = Tensor.fromValues(
    values,
    shape,
    options.dtype ?? "float32",
    options.backend ?? getBackend(),
  );
  if (options.requiresGrad) t.requiresGrad = true;
  return t;
}

/** The shape of a nested array, checking that it is rectangular and holds only numbers. */
function nestedShape(data: Nested, path: string): number[] {
  if (typeof data === "number") return [];
  if (!Array.isArray(data)) {
    throw new DTypeError(
      `tensor: expected numbers or arrays, got ${typeof data} at ${path || "the top"}`,
    );
  }
  if (data.length === 0) return [0];
  const inner = nestedShape(data[0], `${path}[0]`);
  data.forEach((item, i) => {
    const shape = nestedShape(item, `${path}[${i}]`);
    if (formatShape(shape) !== formatShape(inner)) {
      throw new ShapeError(
        `tensor: ragged nested array: ${path}[${i}] has shape ${formatShape(shape)} but ${path}[0] has ${formatShape(inner)}`,
      );
    }
  });
  return [data.length, ...inner];
}

/** A tensor from a number or nested arrays of numbers: `tensor([[1, 2], [3, 4]])`. */
export function tensor(data: Nested | ArrayLike<number>, options: TensorOptions = {}): Tensor {
  checkOptions("tensor", options, tensorChecks);
  if (ArrayBuffer.isView(data))
    return make(data as ArrayLike<number>, [(data as ArrayLike<number>).length], options);
  const nested = data as Nested;
  const shape = nestedShape(nested, "");
  const values =
    typeof nested === "number"
      ? [nested]
      : ((nested as unknown[]).flat(Number.POSITIVE_INFINITY) as number[]);
  return make(values, shape, options);
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

function sample(
  op: string,
  args: CreationArgs<RandomOptions>,
  draw: (rng: Random) => number,
): Tensor {
  const [shape, options] = splitArgs(op, args, randomChecks);
  const rng = options.seed === undefined ? defaultGenerator() : new Random(options.seed);
  const values = Array.from({ length: shapeSize(shape) }, () => draw(rng));
  return make(values, shape, options);
}

/** Uniform samples in [0, 1), from the global generator (`manualSeed`) or `{seed}`. */
export function rand(...args: CreationArgs<RandomOptions>): Tensor {
  return sample("rand", args, (rng) => rng.next());
}

/** Standard normal samples, from the global generator (`manualSeed`) or `{seed}`. */
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
