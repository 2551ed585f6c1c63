/**
 * The scale rules of the initialisations, as `torch.nn.init`'s `calculate_gain` and
 * `_calculate_fan_in_and_fan_out`: pure functions of a shape and a nonlinearity.
 */
import { DataError, ShapeError } from "../../errors.js";
import { describeValue } from "../../options.js";
import { formatShape } from "../../strided/shape.js";

/** The nonlinearities `calculateGain` knows (PyTorch's names). */
export type Nonlinearity =
  | "linear"
  | "conv1d"
  | "conv2d"
  | "conv3d"
  | "conv_transpose1d"
  | "conv_transpose2d"
  | "conv_transpose3d"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leaky_relu"
  | "selu";

/** Which fan a Kaiming initialisation preserves the variance of ("fanIn": forward, "fanOut": backward). */
export type FanMode = "fanIn" | "fanOut";

/** The gain of each nonlinearity but leaky_relu, whose gain depends on its slope. */
const GAINS: Readonly<Record<Exclude<Nonlinearity, "leaky_relu">, number>> = {
  linear: 1,
  conv1d: 1,
  conv2d: 1,
  conv3d: 1,
  conv_transpose1d: 1,
  conv_transpose2d: 1,
  conv_transpose3d: 1,
  sigmoid: 1,
  tanh: 5 / 3,
  relu: Math.sqrt(2),
  selu: 3 / 4,
};

/**
 * The recommended gain for a nonlinearity, as `torch.nn.init.calculate_gain`: 1 for linear,
 * convolutions and sigmoid, 5/3 for tanh, √2 for relu, √(2 / (1 + slope²)) for leaky_relu (slope
 * `param`, default 0.01), 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  if (nonlinearity === "leaky_relu") {
    if (param !== undefined && (typeof param !== "number" || !Number.isFinite(param))) {
      throw new DataError(
        `calculateGain: negative_slope ${describeValue(param)} not a valid number`,
      );
    }
    const slope = param ?? 0.01;
    return Math.sqrt(2 / (1 + slope ** 2));
  }
  if (typeof nonlinearity === "string" && Object.hasOwn(GAINS, nonlinearity)) {
    return GAINS[nonlinearity];
  }
  throw new DataError(
    `calculateGain: unsupported nonlinearity ${describeValue(nonlinearity)} (expected one of ${[...Object.keys(GAINS), "leaky_relu"].join(", ")})`,
  );
}

/**
 * [fan_in, fan_out] of a weight of `shape`, as PyTorch's `_calculate_fan_in_and_fan_out`: a
 * weight is [out, in, ...kernel], so fan_in = in·∏kernel and fan_out = out·∏kernel. Needs at
 * least 2 dims (`op` names the caller in the error).
 */
export function calculateFanInAndFanOut(
  shape: readonly number[],
  op = "calculateFanInAndFanOut",
): [number, number] {
  if (shape.length < 2) {
    throw new ShapeError(
      `${op}: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape ${formatShape(shape)})`,
    );
  }
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return [shape[1] * receptive, shape[0] * receptive];
}

/** The fan `mode` names (PyTorch's "fan_in"/"fan_out" spellings are accepted too). */
export function fanOf(op: string, shape: readonly number[], mode: unknown): number {
  const [fanIn, fanOut] = calculateFanInAndFanOut(shape, op);
  if (mode === "fanIn" || mode === "fan_in") return fanIn;
  if (mode === "fanOut" || mode === "fan_out") return fanOut;
  throw new DataError(
    `${op}: mode ${describeValue(mode)} not supported, please use "fanIn" or "fanOut"`,
  );
}
