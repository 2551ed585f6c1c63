import type { DType } from "../../backend/backend.js";
import { isFloating } from "../../backend/dtypes.js";
import { DataError, DTypeError, ShapeError } from "../../errors.js";
import { checkedWhereUsed, checkOptions, isBoolean, type OptionChecks } from "../../options.js";
import { isGenerator, type RandomSource } from "../../random.js";
import { formatShape, shapeBroadcast } from "../../strided/shape.js";
import { maskedFill } from "../../tensor/selecting.js";
import { softmax } from "../../tensor/softmax.js";
import { Tensor } from "../../tensor/tensor.js";
import { checkDropProbability, dropout } from "./dropout.js";

/** Options of `scaledDotProductAttention` (PyTorch's keyword arguments, in camelCase). */
export interface ScaledDotProductAttentionOptions {
  /**
   * Broadcastable to [..., L, S]: a bool mask (true = the key takes part, false = −∞ before the
   * softmax) or a float mask added to the scores. Default none.
   */
  attnMask?: Tensor | null;
  /** Probability of dropping an attention weight (inverted dropout; default 0: none). */
  dropoutP?: number;
  /** Let query i attend to keys 0..i only (the lower triangle); not with attnMask. Default false. */
  isCausal?: boolean;
  /** Multiplies q·kᵀ (default 1/√E, E the last dim of q). */
  scale?: number | null;
  /** Generator of the dropout mask (default the global one, seeded by `manualSeed`). */
  generator?: RandomSource;
}

const sdpaChecks: OptionChecks<ScaledDotProductAttentionOptions> = {
  attnMask: checkedWhereUsed,
  dropoutP: checkedWhereUsed,
  isCausal: isBoolean,
  scale: (v) =>
    v === null || (typeof v === "number" && Number.isFinite(v))
      ? null
      : "must be a finite number or null",
  generator: isGenerator,
};

/** The settings of `attentionWeights`: what `scaledDotProductAttention` and MultiheadAttention share. */
export interface AttentionWeightsSettings {
  /** An additive float mask broadcastable to [..., L, S] (0 to keep, −∞ to drop), or null. */
  mask: Tensor | null;
  /** Multiplies q·kᵀ. */
  scale: number;
  /** Dropout probability on the weights (0: none). */
  dropoutP: number;
  generator?: RandomSource;
}

/** Throws a ShapeError unless `mask` broadcasts to `scores` (without growing it). */
function checkMaskShape(op: string, name: string, mask: Tensor, scores: readonly number[]): void {
  let fits = mask.ndim <= scores.length;
  if (fits) {
    try {
      const joined = shapeBroadcast(mask.shape, scores, op);
      fits = joined.every((d, i) => d === scores[i]);
    } catch {
      fits = false;
    }
  }
  if (!fits) {
    throw new ShapeError(
      `${op}: ${name} of shape ${formatShape(mask.shape)} does not broadcast to the attention scores' shape ${formatShape(scores)}`,
    );
  }
}

/**
 * `mask` as an additive float mask of `dtype`: a bool mask becomes 0 where `keepWhen` matches it
 * and −∞ elsewhere (sdpa keeps `true`; MultiheadAttention's masks drop `true`), a float mask is
 * used as it is. Anything else is a DTypeError naming `op` and `name`.
 */
export function additiveMask(
  op: string,
  name: string,
  mask: Tensor,
  dtype: DType,
  keepWhen: boolean,
): Tensor {
  if (!(mask instanceof Tensor)) {
    throw new DataError(`${op}: ${name} must be a Tensor, got ${String(mask)}`);
  }
  if (mask.dtype === "bool") {
    const drop = keepWhen ? mask.logicalNot() : mask;
    return maskedFill(Tensor.full(mask.shape, 0, dtype, mask.backendImpl), drop, -Infinity);
  }
  if (!isFloating(mask.dtype)) {
    throw new DTypeError(`${op}: ${name} must be bool or floating point, got ${mask.dtype}`);
  }
  return mask;
}

/** The causal mask [L, S] as additive floats: 0 where key j ≤ query i, −∞ above the diagonal. */
function causalMask(l: number, s: number, like: Tensor): Tensor {
  const values = new Array<number>(l * s);
  for (let i = 0; i < l; i++) {
    for (let j = 0; j < s; j++) values[i * s + j] = j <= i ? 0 : -Infinity;
  }
  return Tensor.fromValues(values, [l, s], like.dtype, like.backendImpl);
}

/**
 * softmax(q kᵀ · scale + mask) over the keys, then dropout: the attention weights [..., L, S].
 * A row whose keys are all masked is NaN, as in PyTorch (softmax of all −∞).
 */
export function attentionWeights(q: Tensor, k: Tensor, settings: AttentionWeightsSettings): Tensor {
  let scores = q.matmul(k.transpose(-2, -1)).mul(settings.scale);
  if (settings.mask !== null) scores = scores.add(settings.mask);
  const weights = softmax(scores, -1);
  if (settings.dropoutP === 0) return weights;
  return dropout(weights, settings.dropoutP, true, { generator: settings.generator });
}

/** Throws unless q, k, v are float tensors of at least 2 dims whose dims fit attention's. */
function checkOperands(op: string, q: Tensor, k: Tensor, v: Tensor): void {
  for (const [name, t] of [
    ["query", q],
    ["key", k],
    ["value", v],
  ] as const) {
    if (!(t instanceof Tensor)) throw new DataError(`${op}: ${name} must be a Tensor`);
    if (t.ndim < 2) {
      throw new ShapeError(
        `${op}: ${name} needs at least 2 dims [..., seq, features], got shape ${formatShape(t.shape)}`,
      );
    }
    if (!isFloating(t.dtype)) {
      throw new DTypeError(`${op}: ${name} must be floating point, got ${t.dtype}`);
    }
  }
  const shapes = `query ${formatShape(q.shape)}, key ${formatShape(k.shape)}, value ${formatShape(v.shape)}`;
  if (q.shape[q.ndim - 1] !== k.shape[k.ndim - 1]) {
    throw new ShapeError(`${op}: query and key must have the same last dim (${shapes})`);
  }
  if (k.shape[k.ndim - 2] !== v.shape[v.ndim - 2]) {
    throw new ShapeError(`${op}: key and value must have the same sequence length (${shapes})`);
  }
}

/**
 * Attention, as `torch.nn.functional.scaled_dot_product_attention` (PyTorch 2):
 * softmax(q kᵀ · scale + mask) v, with q [..., L, E], k [..., S, E], v [..., S, Ev] → [..., L, Ev]
 * (batch dims broadcast). `scale` defaults to 1/√E; `attnMask` is a bool mask (true = take part)
 * or a float mask added to the scores; `isCausal` masks keys after each query (j > i); dropoutP
 * drops attention weights (applied whenever it is > 0, as PyTorch's). Differentiable; a fully
 * masked row gives NaN, as PyTorch's does.
 */
export function scaledDotProductAttention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  options: ScaledDotProductAttentionOptions = {},
): Tensor {
  const op = "scaledDotProductAttention";
  const {
    attnMask = null,
    dropoutP = 0,
    isCausal = false,
    scale = null,
  } = checkOptions(op, options, sdpaChecks);
  checkOperands(op, query, key, value);
  checkDropProbability(op, dropoutP);
  const l = query.shape[query.ndim - 2];
  const s = key.shape[key.ndim - 2];
  const batch = shapeBroadcast(
    query.shape.slice(0, -2),
    key.shape.slice(0, -2),
    `${op} (query and key batch dims)`,
  );
  let mask: Tensor | null = null;
  if (isCausal) {
    if (attnMask !== null) {
      throw new DataError(`${op}: pass either attnMask or isCausal: true, not both (as PyTorch)`);
    }
    mask = causalMask(l, s, query);
  } else if (attnMask !== null) {
    mask = additiveMask(op, "attnMask", attnMask, query.dtype, true);
    checkMaskShape(op, "attnMask", mask, [...batch, l, s]);
  }
  const e = query.shape[query.ndim - 1];
  const weights = attentionWeights(query, key, {
    mask,
    scale: scale ?? 1 / Math.sqrt(e),
    dropoutP,
    generator: options.generator,
  });
  return weights.matmul(value);
}
