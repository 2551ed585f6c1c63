import { isFloating } from "../../backend/dtypes.js";
import { DataError, DTypeError, ShapeError } from "../../errors.js";
import {
  checkedWhereUsed,
  checkOptions,
  describeValue,
  notSupportedYet,
  type OptionCheck,
  type OptionChecks,
} from "../../options.js";
import { formatShape } from "../../strided/shape.js";
import { indexDType } from "../../tensor/promotion.js";
import { Tensor } from "../../tensor/tensor.js";

/**
 * Resizing, as `torch.nn.functional.interpolate` for 1-D and 2-D images, with PyTorch's
 * coordinate rules (its CPU kernels' float arithmetic for float32). "nearest" gathers source
 * positions (a factor-2 enlargement is an `expand`); "linear" and "bilinear" are separable, one
 * matmul per resized dim with the [out, in] matrix of interpolation weights, so they are as fast
 * as matmul and differentiable through it. Unlike PyTorch, whose kernels read only a target's
 * two neighbours, the matmul multiplies every input of a row by its weight, so a NaN or infinite
 * input makes its whole row (or column) of the output NaN.
 */

/** What interpolate computes between the samples. */
export type InterpolateMode = "nearest" | "linear" | "bilinear";

/** Options of `interpolate`: `size` or `scaleFactor`, PyTorch's keywords. */
export interface InterpolateOptions {
  /** The output's spatial size: one number for all dims, or one per dim. */
  size?: number | readonly number[] | null;
  /** The factor each spatial size is multiplied by (the result rounded down). */
  scaleFactor?: number | readonly number[] | null;
  /** "nearest" (default), "linear" (3-D input) or "bilinear" (4-D input). */
  mode?: InterpolateMode;
  /** Align the corner pixels' centres instead of their edges (linear modes only). */
  alignCorners?: boolean | null;
  /** Derive the coordinate scale from the sizes rather than from `scaleFactor`. */
  recomputeScaleFactor?: boolean | null;
  /** Antialiasing: not supported yet (only false). */
  antialias?: boolean;
}

const modes: readonly InterpolateMode[] = ["nearest", "linear", "bilinear"];
const isMode: OptionCheck = (v) =>
  modes.includes(v as InterpolateMode)
    ? null
    : `must be one of ${modes.map((m) => `"${m}"`).join(", ")} (others are not supported yet)`;
const isFlag: OptionCheck = (v) =>
  v === null || typeof v === "boolean" ? null : "must be true, false or null";

const interpolateChecks: OptionChecks<InterpolateOptions> = {
  size: checkedWhereUsed,
  scaleFactor: checkedWhereUsed,
  mode: isMode,
  alignCorners: isFlag,
  recomputeScaleFactor: isFlag,
  antialias: notSupportedYet(false),
};

/** A per-dim argument (`size` or `scaleFactor`) as `rank` checked numbers. */
function perDim(name: string, v: unknown, rank: number, spatial: readonly number[]): number[] {
  const values: unknown[] = Array.isArray(v) ? v : new Array<unknown>(rank).fill(v);
  if (values.length !== rank) {
    throw new ShapeError(
      `interpolate: Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of [${spatial.join(", ")}] and ${name} ${describeValue(v)}`,
    );
  }
  const ok = (x: unknown) =>
    name === "size" ? Number.isInteger(x) : typeof x === "number" && Number.isFinite(x) && x > 0;
  if (!values.every(ok)) {
    throw new DataError(
      `interpolate: ${name} must be ${name === "size" ? "integers" : "positive numbers"}, got ${describeValue(v)}`,
    );
  }
  return values as number[];
}

/** PyTorch's arithmetic: float32 for a float32 tensor (its accscalar_t), double for float64. */
type Arith = (v: number) => number;

/**
 * The source position of each output index along a dim: nearest's ⌊dst·scale⌋ (clamped), in
 * float as PyTorch's `nearest_idx`, with its exact cases for out = in and out = 2·in.
 */
function nearestSources(input: number, out: number, scale: number | null): number[] {
  const f = Math.fround;
  const s = f(scale !== null ? 1 / scale : input / out);
  return Array.from({ length: out }, (_, i) => {
    if (out === input) return i;
    if (out === 2 * input) return i >> 1;
    return Math.min(Math.floor(f(i * s)), input - 1);
  });
}

/**
 * The [out, in] matrix of linear interpolation weights along a dim (PyTorch's
 * `area_pixel_compute_source_index` and `compute_source_index_and_lambda`): row i holds
 * λ₀ at i₀ and λ₁ at i₁ for the source position src = scale·(i + ½) − ½ (clamped at 0), or
 * scale·i with `alignCorners`.
 */
function linearWeights(input: number, out: number, scale: number | null, align: boolean, r: Arith) {
  const w = new Array<number>(out * input).fill(0);
  const step = align
    ? out > 1
      ? r((input - 1) / (out - 1))
      : 0
    : r(scale !== null ? 1 / scale : input / out);
  for (let i = 0; i < out; i++) {
    if (out === input) {
      w[i * input + i] = 1;
      continue;
    }
    const raw = align ? r(step * i) : r(r(step * r(i + 0.5)) - 0.5);
    const src = !align && raw < 0 ? 0 : raw;
    const i0 = Math.floor(src);
    const i1 = i0 + (i0 < input - 1 ? 1 : 0);
    const l1 = Math.min(Math.max(r(src - i0), 0), 1);
    w[i * input + i0] += r(1 - l1);
    w[i * input + i1] += l1;
  }
  return w;
}

/** `x` resized along `dim` by nearest neighbour. */
function nearestAlong(x: Tensor, dim: number, out: number, scale: number | null): Tensor {
  const n = x.shape[dim];
  if (out === n) return x;
  if (out === 2 * n) {
    // Each element twice: a [.., n, 2, ..] expand of a new dim, merged (PyTorch's exact case).
    const shape = [...x.shape];
    const wide = x
      .unsqueeze(dim + 1)
      .expand([...shape.slice(0, dim + 1), 2, ...shape.slice(dim + 1)]);
    shape[dim] = out;
    return wide.reshape(shape);
  }
  const src = nearestSources(n, out, scale);
  return x.indexSelect(dim, Tensor.fromValues(src, [out], indexDType, x.backendImpl));
}

/** `x` resized along its last dim (`last`) or the one before, by linear weights. */
function linearAlong(x: Tensor, last: boolean, out: number, scale: number | null, align: boolean) {
  const n = x.shape[x.ndim - (last ? 1 : 2)];
  if (out === n) return x;
  const r: Arith = x.dtype === "float64" ? (v) => v : Math.fround;
  const weights = Tensor.fromValues(
    linearWeights(n, out, scale, align, r),
    [out, n],
    x.dtype,
    x.backendImpl,
  );
  return last ? x.matmul(weights.transpose(0, 1)) : weights.matmul(x);
}

/**
 * `input` [N, C, L] or [N, C, H, W] resized to `size`, or by `scaleFactor` (output size
 * ⌊in·factor⌋), as `torch.nn.functional.interpolate`: "nearest" takes source ⌊dst·scale⌋,
 * "linear"/"bilinear" interpolate at (dst + ½)·scale − ½ (clamped at 0), or at
 * dst·(in − 1)/(out − 1) with `alignCorners`; scale = 1/scaleFactor when it is given (unless
 * `recomputeScaleFactor`), else in/out. Differentiable.
 */
export function interpolate(input: Tensor, options: InterpolateOptions): Tensor {
  const o = checkOptions("interpolate", options, interpolateChecks);
  if (!(input instanceof Tensor)) {
    throw new DataError(`interpolate: expected a Tensor, got ${describeValue(input)}`);
  }
  const mode = o.mode ?? "nearest";
  if (input.ndim !== 3 && input.ndim !== 4) {
    throw new ShapeError(
      `interpolate: expected a 3-D [N, C, L] or 4-D [N, C, H, W] input, got shape ${formatShape(input.shape)}`,
    );
  }
  const need = { nearest: input.ndim, linear: 3, bilinear: 4 }[mode];
  if (need !== input.ndim) {
    throw new ShapeError(
      `interpolate: Got ${input.ndim}D input, but ${mode} mode needs ${need}D input`,
    );
  }
  if (!isFloating(input.dtype)) {
    throw new DTypeError(
      `interpolate: expected a float input, got ${input.dtype}; convert with .float()`,
    );
  }
  const align = o.alignCorners ?? null;
  if (mode === "nearest" && align !== null) {
    throw new DataError(
      "interpolate: align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear",
    );
  }
  const hasSize = o.size !== undefined && o.size !== null;
  const hasScale = o.scaleFactor !== undefined && o.scaleFactor !== null;
  if (hasSize === hasScale) {
    throw new DataError(
      hasSize
        ? "interpolate: only one of size or scale_factor should be defined"
        : "interpolate: either size or scale_factor should be defined",
    );
  }
  const spatial = input.shape.slice(2);
  const rank = spatial.length;
  const factors = hasScale ? perDim("scaleFactor", o.scaleFactor, rank, spatial) : null;
  const sizes = factors
    ? spatial.map((s, i) => Math.floor(s * factors[i]))
    : perDim("size", o.size, rank, spatial);
  if (sizes.some((s) => s <= 0)) {
    throw new ShapeError(
      `interpolate: Input and output sizes should be greater than 0, but got input (${spatial.join(", ")}) and output (${sizes.join(", ")})`,
    );
  }
  const scales = spatial.map((_, i) =>
    factors === null || o.recomputeScaleFactor === true ? null : factors[i],
  );
  let y = input;
  for (let i = rank - 1; i >= 0; i--) {
    const dim = 2 + i;
    y =
      mode === "nearest"
        ? nearestAlong(y, dim, sizes[i], scales[i])
        : linearAlong(y, dim === input.ndim - 1, sizes[i], scales[i], align === true);
  }
  return y === input ? input.clone() : y;
}
