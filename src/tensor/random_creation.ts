import { noGrad } from "../autodiff/grad_mode.js";
import { BackendError, DataError, DTypeError, ShapeError } from "../errors.js";
import {
  checkedWhereUsed,
  checkOptions,
  describeValue,
  isBoolean,
  type OptionChecks,
} from "../options.js";
import { type GeneratorOptions, isGenerator, type RandomSource, sourceOf } from "../random.js";
import { checkShape, formatShape, shapeBroadcast, shapeSize } from "../strided/shape.js";
import {
  ANY,
  checkCount,
  checkDTypeKind,
  FLOAT,
  likeOptions,
  make,
  type RandomOptions,
  rand,
  randn,
  randomChecks,
} from "./creation.js";
import { indexDType } from "./promotion.js";
import { readSync } from "./reading.js";
import { Tensor } from "./tensor.js";

/**
 * The random creation functions beyond rand/randn (PyTorch's randint, randperm, multinomial,
 * normal, rand_like, randn_like). Each draws from `{generator}`, `{seed}` or the global generator
 * (`sourceOf`), one number per element in row-major order, on the host, then uploads once.
 */

/**
 * The dtype an integer-valued result gets (randint, randperm): the one asked for, else
 * `indexDType` (PyTorch's int64; float32 until the integer dtypes land, which holds every
 * integer up to 2^24 exactly).
 */
function integerOptions(options: RandomOptions): RandomOptions {
  return { ...options, dtype: options.dtype ?? indexDType };
}

/** Throws a DataError naming `op` unless `x` is an integer. */
function checkInteger(op: string, name: string, x: unknown): asserts x is number {
  if (typeof x !== "number" || !Number.isInteger(x)) {
    throw new DataError(`${op}: ${name} must be an integer, got ${describeValue(x)}`);
  }
}

/** Checks a `size` argument given as an array (as PyTorch's tuple). */
function sizeArg(op: string, size: unknown): number[] {
  if (!Array.isArray(size)) {
    throw new ShapeError(`${op}: size must be an array of dims, got ${describeValue(size)}`);
  }
  return checkShape(size, op);
}

/**
 * Uniform integers in [low, high) of shape `size` (`torch.randint`): `randint(high, size, opts?)`
 * or `randint(low, high, size, opts?)`.
 */
export function randint(
  ...args:
    | [high: number, size: readonly number[], options?: RandomOptions]
    | [low: number, high: number, size: readonly number[], options?: RandomOptions]
): Tensor {
  // JavaScript callers can pass anything: the overload is chosen by the second argument's type.
  const full: unknown[] = typeof args[1] === "number" ? args : [0, ...args];
  const [low, high, size] = full;
  const options = checkOptions("randint", full[3] as RandomOptions | undefined, randomChecks);
  checkInteger("randint", "low", low);
  checkInteger("randint", "high", high);
  const shape = sizeArg("randint", size);
  checkDTypeKind("randint", options.dtype, ANY);
  if (low >= high) {
    throw new DataError(
      `randint: expects low to be less than high, but got low=${low} >= high=${high}`,
    );
  }
  const rng = sourceOf("randint", options);
  const values = Array.from({ length: shapeSize(shape) }, () => low + rng.int(high - low));
  return make(values, shape, integerOptions(options));
}

/** A random permutation of 0 … n−1 (`torch.randperm`): every permutation equally likely. */
export function randperm(n: number, options: RandomOptions = {}): Tensor {
  checkOptions("randperm", options, randomChecks);
  checkCount("randperm", "n", n);
  checkDTypeKind("randperm", options.dtype, ANY);
  const values = sourceOf("randperm", options).shuffle(Array.from({ length: n }, (_, i) => i));
  return make(values, [n], integerOptions(options));
}

/** Options of `multinomial`. */
export interface MultinomialOptions extends GeneratorOptions {
  /** Draw with replacement (default false: each category at most once per row). */
  replacement?: boolean;
}

const multinomialChecks: OptionChecks<MultinomialOptions> = {
  replacement: isBoolean,
  generator: isGenerator,
  seed: checkedWhereUsed,
};

/**
 * `numSamples` category indices per row of `probs` (1-D: one distribution; 2-D: one per row),
 * each drawn with probability proportional to its weight (`torch.multinomial`; the weights need
 * not sum to 1). Without replacement a drawn category's weight is set to 0 for the row's next
 * draws, so at most the row's count of nonzero weights can be drawn. The weights are read on the
 * host: `probs` must be on a backend that reads synchronously (a CPU one).
 */
export function multinomial(
  probs: Tensor,
  numSamples: number,
  options: MultinomialOptions = {},
): Tensor {
  checkOptions("multinomial", options, multinomialChecks);
  if (!(probs instanceof Tensor)) {
    throw new DTypeError(`multinomial: expected a Tensor of weights, got ${describeValue(probs)}`);
  }
  if (probs.ndim !== 1 && probs.ndim !== 2) {
    throw new ShapeError(
      `multinomial: prob_dist must be 1 or 2 dim, got shape ${formatShape(probs.shape)}`,
    );
  }
  checkInteger("multinomial", "numSamples", numSamples);
  if (numSamples <= 0) {
    throw new DataError(`multinomial: cannot sample numSamples <= 0 samples, got ${numSamples}`);
  }
  const categories = probs.shape[probs.ndim - 1];
  const replacement = options.replacement ?? false;
  if (!replacement && numSamples > categories) {
    throw new DataError(
      `multinomial: cannot sample numSamples > prob_dist.size(-1) samples without replacement (${numSamples} > ${categories})`,
    );
  }
  if (!probs.backendImpl.synchronousRead) {
    throw new BackendError(
      `multinomial: reads the weights on the host, which the ${probs.backend} backend does only asynchronously; pass weights on a CPU backend (await probs.to("cpu"))`,
    );
  }
  const weights = Array.from(readSync(probs, "multinomial"));
  const rows = probs.ndim === 1 ? 1 : probs.shape[0];
  const rng = sourceOf("multinomial", options);
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = weights.slice(r * categories, (r + 1) * categories);
    out.push(...drawRow(row, numSamples, replacement, rng, r));
  }
  const shape = probs.ndim === 1 ? [numSamples] : [rows, numSamples];
  return make(out, shape, { dtype: indexDType, backend: probs.backend });
}

/** `k` draws from one row of weights, checked as PyTorch checks them. */
function drawRow(
  row: number[],
  k: number,
  replacement: boolean,
  rng: RandomSource,
  r: number,
): number[] {
  if (row.some((w) => !(w >= 0) || !Number.isFinite(w))) {
    throw new DataError(
      `multinomial: probability tensor contains either inf, nan or element < 0 (row ${r}: [${row.join(", ")}])`,
    );
  }
  let total = row.reduce((a, b) => a + b, 0);
  if (!(total > 0)) {
    throw new DataError(
      `multinomial: invalid multinomial distribution (sum of probabilities <= 0) in row ${r}`,
    );
  }
  const nonzero = row.filter((w) => w > 0).length;
  if (!replacement && k > nonzero) {
    throw new DataError(
      `multinomial: invalid multinomial distribution (with replacement=false, not enough non-zero categories to sample): row ${r} has ${nonzero}, asked for ${k}`,
    );
  }
  const drawn: number[] = [];
  for (let s = 0; s < k; s++) {
    // Walk the cumulative weights to where u·total falls; the last nonzero category takes any
    // rounding remainder, so a zero-weight category is never drawn.
    const u = rng.next() * total;
    let acc = 0;
    let pick = -1;
    for (let c = 0; c < row.length; c++) {
      if (row[c] === 0) continue;
      pick = c;
      acc += row[c];
      if (u < acc) break;
    }
    drawn.push(pick);
    if (!replacement) {
      total -= row[pick];
      row[pick] = 0;
    }
  }
  return drawn;
}

/** Normal samples: from numbers with a size, or from tensors of means and/or stds. */
export function normal(
  mean: number,
  std: number,
  size: readonly number[],
  options?: RandomOptions,
): Tensor;
export function normal(
  mean: Tensor | number,
  std: Tensor | number,
  options?: GeneratorOptions,
): Tensor;
/**
 * Samples of N(mean, std²) (`torch.normal`): `normal(mean, std, size, opts?)` with numbers, or
 * `normal(mean, std, {generator}?)` where mean and/or std are tensors (the result has their
 * broadcast shape, and the tensor's dtype and backend). As in PyTorch, the samples carry no
 * gradient to mean or std (PyTorch's derivative there is zero).
 */
export function normal(
  mean: Tensor | number,
  std: Tensor | number,
  sizeOrOptions?: readonly number[] | GeneratorOptions,
  maybeOptions: RandomOptions = {},
): Tensor {
  if (typeof mean === "number" && typeof std === "number") {
    checkOptions("normal", maybeOptions, randomChecks);
    checkDTypeKind("normal", maybeOptions.dtype, FLOAT);
    checkStd(std);
    const shape = sizeArg("normal", sizeOrOptions);
    const rng = sourceOf("normal", maybeOptions);
    const values = Array.from({ length: shapeSize(shape) }, () => rng.normal(mean, std));
    return make(values, shape, maybeOptions);
  }
  const options = checkOptions("normal", (sizeOrOptions ?? {}) as GeneratorOptions, {
    generator: isGenerator,
    seed: checkedWhereUsed,
  });
  const like = mean instanceof Tensor ? mean : std;
  if (!(like instanceof Tensor)) {
    throw new DTypeError(
      `normal: mean and std must be numbers or Tensors, got ${describeValue(mean)} and ${describeValue(std)}`,
    );
  }
  checkDTypeKind("normal", like.dtype, FLOAT);
  if (typeof std === "number") checkStd(std);
  const m = mean instanceof Tensor ? mean.detach() : mean;
  const s = std instanceof Tensor ? std.detach() : std;
  const shape = shapeBroadcast(
    m instanceof Tensor ? m.shape : [],
    s instanceof Tensor ? s.shape : [],
    "normal",
  );
  const rng = sourceOf("normal", options);
  const z = Array.from({ length: shapeSize(shape) }, () => rng.normal());
  const noise = make(z, shape, { dtype: like.dtype, backend: like.backend });
  // std·z + mean, with a number mean or std broadcast as a constant.
  return noGrad(() => (s instanceof Tensor ? s.mul(noise) : noise.mul(s)).add(m));
}

function checkStd(std: number): void {
  if (!(std >= 0)) throw new DataError(`normal: expects std >= 0.0, but found std ${std}`);
}

/** Uniform samples in [0, 1) with `t`'s shape, and its dtype and backend unless given. */
export function randLike(t: Tensor, options: RandomOptions = {}): Tensor {
  const opts = likeOptions("randLike", t, options, randomChecks);
  checkDTypeKind("randLike", opts.dtype, FLOAT);
  return rand(t.shape, opts);
}

/** Standard normal samples with `t`'s shape, and its dtype and backend unless given. */
export function randnLike(t: Tensor, options: RandomOptions = {}): Tensor {
  const opts = likeOptions("randnLike", t, options, randomChecks);
  checkDTypeKind("randnLike", opts.dtype, FLOAT);
  return randn(t.shape, opts);
}
