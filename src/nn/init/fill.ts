/**
 * The in-place initialisations of `torch.nn.init`: each fills a tensor's own storage (so a
 * parameter keeps its identity) under no-grad and returns it. Random ones draw one number per
 * element in row-major order from `{generator}`, `{seed}` or the global generator, on the host,
 * then copy them in with `copy_` — so a seed gives the same values on every backend.
 */
import { noGrad } from "../../autodiff/grad_mode.js";
import { isFloating } from "../../backend/dtypes.js";
import { DataError, DTypeError } from "../../errors.js";
import {
  checkedWhereUsed,
  checkOptions,
  describeValue,
  isPositiveNumber,
  type OptionCheck,
  type OptionChecks,
} from "../../options.js";
import { type GeneratorOptions, isGenerator, type RandomSource, sourceOf } from "../../random.js";
import { copy_, fill_ } from "../../tensor/inplace.js";
import { Tensor } from "../../tensor/tensor.js";
import {
  calculateFanInAndFanOut,
  calculateGain,
  type FanMode,
  fanOf,
  type Nonlinearity,
} from "./fan.js";

const finite: OptionCheck = (v) =>
  typeof v === "number" && Number.isFinite(v) ? null : "must be a finite number";

const generatorChecks: OptionChecks<GeneratorOptions> = {
  generator: isGenerator,
  seed: checkedWhereUsed,
};

/** Throws unless `t` is a Tensor (of a float dtype when `float`). */
function checkTensor(op: string, t: unknown, float: boolean): asserts t is Tensor {
  if (!(t instanceof Tensor))
    throw new DTypeError(`${op}: expected a Tensor, got ${describeValue(t)}`);
  if (float && !isFloating(t.dtype)) {
    throw new DTypeError(`${op}: expected a tensor of a float dtype, got ${t.dtype}`);
  }
}

/** Throws a DataError unless x is a finite number. */
function checkNumber(op: string, name: string, x: unknown): asserts x is number {
  if (typeof x !== "number" || !Number.isFinite(x)) {
    throw new DataError(`${op}: ${name} must be a finite number, got ${describeValue(x)}`);
  }
}

/** t ← `draw()` element by element in row-major order, in place, without history. */
function fillWith(t: Tensor, draw: () => number): Tensor {
  const values = new Float64Array(t.numel());
  for (let i = 0; i < values.length; i++) values[i] = draw();
  const src = Tensor.fromValues(values, t.shape, t.dtype, t.backendImpl);
  try {
    noGrad(() => copy_(t, src));
  } finally {
    src.dispose();
  }
  return t;
}

/** t ← U(lo, hi). */
function fillUniform(t: Tensor, lo: number, hi: number, rng: RandomSource): Tensor {
  return fillWith(t, () => rng.uniform(lo, hi));
}

/** t ← N(mean, std²). */
function fillNormal(t: Tensor, mean: number, std: number, rng: RandomSource): Tensor {
  return fillWith(t, () => rng.normal(mean, std));
}

/** Fills `t` with U(a, b) samples (`torch.nn.init.uniform_`); a ≤ b. */
export function uniform_(t: Tensor, a = 0, b = 1, options?: GeneratorOptions): Tensor {
  checkTensor("uniform_", t, true);
  checkNumber("uniform_", "a", a);
  checkNumber("uniform_", "b", b);
  if (a > b) throw new DataError(`uniform_: expects a <= b, but got a=${a} and b=${b}`);
  const rng = sourceOf("uniform_", checkOptions("uniform_", options, generatorChecks));
  return fillUniform(t, a, b, rng);
}

/** Fills `t` with N(mean, std²) samples (`torch.nn.init.normal_`); std ≥ 0. */
export function normal_(t: Tensor, mean = 0, std = 1, options?: GeneratorOptions): Tensor {
  checkTensor("normal_", t, true);
  checkNumber("normal_", "mean", mean);
  checkNumber("normal_", "std", std);
  if (std < 0) throw new DataError(`normal_: expects std >= 0.0, but found std ${std}`);
  const rng = sourceOf("normal_", checkOptions("normal_", options, generatorChecks));
  return fillNormal(t, mean, std, rng);
}

/** Fills `t` with `value` (`torch.nn.init.constant_`; integer tensors truncate, as fill_). */
export function constant_(t: Tensor, value: number): Tensor {
  checkTensor("constant_", t, false);
  checkNumber("constant_", "value", value);
  return noGrad(() => fill_(t, value, "constant_"));
}

/** Fills `t` with zeros (`torch.nn.init.zeros_`). */
export function zeros_(t: Tensor): Tensor {
  checkTensor("zeros_", t, false);
  return noGrad(() => fill_(t, 0, "zeros_"));
}

/** Fills `t` with ones (`torch.nn.init.ones_`). */
export function ones_(t: Tensor): Tensor {
  checkTensor("ones_", t, false);
  return noGrad(() => fill_(t, 1, "ones_"));
}

/** Options of `xavierUniform_` / `xavierNormal_`. */
export interface XavierOptions extends GeneratorOptions {
  /** Scaling factor (default 1; `calculateGain(nonlinearity)` gives the recommended one). */
  gain?: number;
}

const xavierChecks: OptionChecks<XavierOptions> = { ...generatorChecks, gain: isPositiveNumber };

/** std = gain·√(2 / (fan_in + fan_out)) of a Xavier initialisation of `t`. */
function xavierStd(
  op: string,
  t: Tensor,
  options: XavierOptions | undefined,
): [number, RandomSource] {
  const { gain = 1, ...source } = checkOptions(op, options, xavierChecks);
  const [fanIn, fanOut] = calculateFanInAndFanOut(t.shape, op);
  return [gain * Math.sqrt(2 / (fanIn + fanOut)), sourceOf(op, source)];
}

/**
 * Glorot & Bengio's uniform initialisation (`torch.nn.init.xavier_uniform_`): U(−a, a) with
 * a = gain·√(6 / (fan_in + fan_out)). `t` needs at least 2 dims.
 */
export function xavierUniform_(t: Tensor, options?: XavierOptions): Tensor {
  checkTensor("xavierUniform_", t, true);
  const [std, rng] = xavierStd("xavierUniform_", t, options);
  if (t.numel() === 0) return t;
  const a = Math.sqrt(3) * std;
  return fillUniform(t, -a, a, rng);
}

/** Glorot & Bengio's normal initialisation (`xavier_normal_`): N(0, std²), std = gain·√(2 / (fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, options?: XavierOptions): Tensor {
  checkTensor("xavierNormal_", t, true);
  const [std, rng] = xavierStd("xavierNormal_", t, options);
  if (t.numel() === 0) return t;
  return fillNormal(t, 0, std, rng);
}

/** Options of `kaimingUniform_` / `kaimingNormal_`. */
export interface KaimingOptions extends GeneratorOptions {
  /** The negative slope of the leaky_relu that follows (default 0; only leaky_relu uses it). */
  a?: number;
  /** "fanIn" (default) preserves the forward pass's variance, "fanOut" the backward pass's. */
  mode?: FanMode;
  /** The nonlinearity that follows (default "leaky_relu"; "relu" or "leaky_relu" recommended). */
  nonlinearity?: Nonlinearity;
}

const kaimingChecks: OptionChecks<KaimingOptions> = {
  ...generatorChecks,
  a: finite,
  mode: checkedWhereUsed,
  nonlinearity: checkedWhereUsed,
};

/** std = gain / √fan of a Kaiming initialisation of `t`, and the source to draw from. */
function kaimingStd(
  op: string,
  t: Tensor,
  options: KaimingOptions | undefined,
): [number, RandomSource] {
  const {
    a = 0,
    mode = "fanIn",
    nonlinearity = "leaky_relu",
    ...source
  } = checkOptions(op, options, kaimingChecks);
  const fan = fanOf(op, t.shape, mode);
  const gain = calculateGain(nonlinearity, a);
  return [gain / Math.sqrt(fan), sourceOf(op, source)];
}

/**
 * He et al.'s uniform initialisation (`torch.nn.init.kaiming_uniform_`): U(−bound, bound) with
 * bound = gain·√(3 / fan), gain = calculateGain(nonlinearity, a). `t` needs at least 2 dims; an
 * empty one is returned as it is (PyTorch warns).
 */
export function kaimingUniform_(t: Tensor, options?: KaimingOptions): Tensor {
  checkTensor("kaimingUniform_", t, true);
  const [std, rng] = kaimingStd("kaimingUniform_", t, options);
  if (t.numel() === 0) return t;
  const bound = Math.sqrt(3) * std;
  return fillUniform(t, -bound, bound, rng);
}

/** He et al.'s normal initialisation (`kaiming_normal_`): N(0, std²), std = gain / √fan. */
export function kaimingNormal_(t: Tensor, options?: KaimingOptions): Tensor {
  checkTensor("kaimingNormal_", t, true);
  const [std, rng] = kaimingStd("kaimingNormal_", t, options);
  if (t.numel() === 0) return t;
  return fillNormal(t, 0, std, rng);
}

/** Options of `truncNormal_`. */
export interface TruncNormalOptions extends GeneratorOptions {
  /** Mean of the normal (default 0). */
  mean?: number;
  /** Standard deviation of the normal, > 0 (default 1). */
  std?: number;
  /** Lower cut-off (default −2). */
  a?: number;
  /** Upper cut-off (default 2). */
  b?: number;
}

const truncChecks: OptionChecks<TruncNormalOptions> = {
  ...generatorChecks,
  mean: finite,
  std: isPositiveNumber,
  a: finite,
  b: finite,
};

/** erf(x), Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): enough to judge an acceptance rate. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return Math.sign(x) * (1 - poly * Math.exp(-x * x));
}

/** The smallest share of N(mean, std²) inside [a, b] that rejection sampling accepts to draw from. */
const MIN_ACCEPTANCE = 1e-3;

/**
 * Fills `t` with samples of N(mean, std²) restricted to [a, b] (`torch.nn.init.trunc_normal_`),
 * drawn exactly, by rejection: a sample outside [a, b] is drawn again. An interval holding less
 * than 0.1% of the normal's mass (far in a tail, where PyTorch warns its values may be wrong)
 * is a DataError rather than a slow loop.
 */
export function truncNormal_(t: Tensor, options?: TruncNormalOptions): Tensor {
  const op = "truncNormal_";
  checkTensor(op, t, true);
  const { mean = 0, std = 1, a = -2, b = 2, ...source } = checkOptions(op, options, truncChecks);
  if (!(a < b)) throw new DataError(`${op}: expects a < b, got a=${a} and b=${b}`);
  const mass = (erf((b - mean) / (std * Math.SQRT2)) - erf((a - mean) / (std * Math.SQRT2))) / 2;
  if (mass < MIN_ACCEPTANCE) {
    throw new DataError(
      `${op}: [${a}, ${b}] holds only ${mass.toPrecision(2)} of N(${mean}, ${std}²); move mean closer to [a, b] or widen it`,
    );
  }
  const rng = sourceOf(op, source);
  return fillWith(t, () => {
    for (;;) {
      const x = rng.normal(mean, std);
      if (x >= a && x <= b) return x;
    }
  });
}
