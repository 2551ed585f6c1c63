import type { DType } from "../backend/backend.js";
import { DataError, ShapeError } from "../errors.js";
import {
  checkedWhereUsed,
  checkOptions,
  instanceOf,
  isBoolean,
  isPositiveInteger,
  notSupportedYet,
  type OptionChecks,
} from "../options.js";
import { defaultGenerator, Random } from "../random.js";
import { formatShape } from "../strided/shape.js";
import { getBackend } from "../tensor/default_backend.js";
import { Tensor } from "../tensor/tensor.js";
import { additiveMask, attentionWeights } from "./functional/attention.js";
import { checkDropProbability } from "./functional/dropout.js";
import { linear } from "./functional/linear.js";
import { uniformParameter } from "./init.js";
import { Linear } from "./linear.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";

/**
 * The output projection of `MultiheadAttention`: a plain `Linear`, under the class name PyTorch
 * gives it (so the module prints as PyTorch's; the name only matters to PyTorch's quantization).
 */
export class NonDynamicallyQuantizableLinear extends Linear {}

/** Options of `MultiheadAttention`. */
export interface MultiheadAttentionOptions {
  /** Dropout probability on the attention weights in training mode (default 0). */
  dropout?: number;
  /** Learn in_proj_bias and out_proj.bias (default true). */
  bias?: boolean;
  /** Learned bias rows appended to key and value: not supported yet (only false). */
  addBiasKv?: false;
  /** A zero row appended to key and value: not supported yet (only false). */
  addZeroAttn?: false;
  /** Features of the key (default embedDim); ≠ embedDim gives separate q/k/v projection weights. */
  kdim?: number;
  /** Features of the value (default embedDim). */
  vdim?: number;
  /** Inputs and output are [N, L, E] instead of [L, N, E] (default false). */
  batchFirst?: boolean;
  /** Generator of the initial weights and of the dropout masks (default the global one). */
  rng?: Random;
}

const multiheadAttentionChecks: OptionChecks<MultiheadAttentionOptions> = {
  dropout: checkedWhereUsed,
  bias: isBoolean,
  addBiasKv: notSupportedYet(false),
  addZeroAttn: notSupportedYet(false),
  kdim: isPositiveInteger,
  vdim: isPositiveInteger,
  batchFirst: isBoolean,
  rng: instanceOf(Random, "a Random"),
};

/** Options of `MultiheadAttention.forward` (PyTorch's keyword arguments, in camelCase). */
export interface MultiheadAttentionForwardOptions {
  /** [N, S] (or [S] unbatched): bool, true = ignore that key; or float, added to the scores. */
  keyPaddingMask?: Tensor | null;
  /** Also return the attention weights (default true). */
  needWeights?: boolean;
  /** [L, S] or [N·numHeads, L, S] ([numHeads, L, S] unbatched): bool, true = not allowed; or float, added. */
  attnMask?: Tensor | null;
  /** Average the returned weights over the heads (default true). */
  averageAttnWeights?: boolean;
  /** PyTorch 2's hint that attnMask is the causal mask: it needs attnMask and changes no number. */
  isCausal?: boolean;
}

const forwardChecks: OptionChecks<MultiheadAttentionForwardOptions> = {
  keyPaddingMask: checkedWhereUsed,
  needWeights: isBoolean,
  attnMask: checkedWhereUsed,
  averageAttnWeights: isBoolean,
  isCausal: isBoolean,
};

/** A float32 parameter of `shape` filled with zeros, on the default backend (PyTorch's bias init). */
function zeros(shape: number[]): Parameter<Tensor> {
  return new Parameter(Tensor.full(shape, 0, "float32", getBackend()));
}

/** Xavier (Glorot) uniform init of a [out, in] weight: bound √(6 / (in + out)). */
function xavierUniform(out: number, inFeatures: number, rng: Random): Parameter<Tensor> {
  return uniformParameter([out, inFeatures], Math.sqrt(6 / (inFeatures + out)), rng);
}

/** Throws a ShapeError unless `t` has exactly `want` as its shape. */
function expectShape(name: string, t: Tensor, want: readonly number[]): void {
  if (t.ndim !== want.length || t.shape.some((d, i) => d !== want[i])) {
    throw new ShapeError(
      `MultiheadAttention: ${name} must have shape ${formatShape(want)}, got ${formatShape(t.shape)}`,
    );
  }
}

/**
 * Multi-head attention, as torch 1.13's `nn.MultiheadAttention`: project query, key and value
 * (`in_proj_weight` [3E, E] and `in_proj_bias` [3E], or `q_proj_weight`/`k_proj_weight`/
 * `v_proj_weight` when kdim or vdim ≠ E), split E into numHeads heads of E/numHeads features,
 * attend in each (softmax(q kᵀ/√d) v), join the heads and project with `out_proj`. Parameter
 * names and shapes are PyTorch's, so state dicts load both ways; projection weights are Xavier
 * uniform and biases zero, as PyTorch initialises them.
 */
export class MultiheadAttention extends Module {
  readonly embedDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  // PyTorch's attribute names, so that stateDict keys are its keys.
  readonly in_proj_weight: Parameter<Tensor> | null;
  readonly q_proj_weight: Parameter<Tensor> | null;
  readonly k_proj_weight: Parameter<Tensor> | null;
  readonly v_proj_weight: Parameter<Tensor> | null;
  readonly in_proj_bias: Parameter<Tensor> | null;
  readonly out_proj: NonDynamicallyQuantizableLinear;
  readonly #rng: Random | undefined;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    const op = "MultiheadAttention";
    const o = checkOptions(op, options, multiheadAttentionChecks);
    for (const [name, n] of [
      ["embedDim", embedDim],
      ["numHeads", numHeads],
    ] as const) {
      if (!Number.isInteger(n) || n < 1) {
        throw new DataError(`${op}: ${name} must be a positive integer, got ${String(n)}`);
      }
    }
    if (embedDim % numHeads !== 0) {
      throw new DataError(
        `${op}: embedDim ${embedDim} must be divisible by numHeads ${numHeads} (each head gets embedDim / numHeads features)`,
      );
    }
    const dropout = o.dropout ?? 0;
    checkDropProbability(op, dropout);
    this.embedDim = embedDim;
    this.kdim = o.kdim ?? embedDim;
    this.vdim = o.vdim ?? embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.dropout = dropout;
    this.batchFirst = o.batchFirst ?? false;
    this.#rng = o.rng;
    const rng = o.rng ?? defaultGenerator();
    const bias = o.bias ?? true;
    const same = this.kdim === embedDim && this.vdim === embedDim;
    // Xavier uniform sees [3E, E] as one matrix (fan_in E, fan_out 3E), as PyTorch does.
    this.in_proj_weight = same ? xavierUniform(3 * embedDim, embedDim, rng) : null;
    this.q_proj_weight = same ? null : xavierUniform(embedDim, embedDim, rng);
    this.k_proj_weight = same ? null : xavierUniform(embedDim, this.kdim, rng);
    this.v_proj_weight = same ? null : xavierUniform(embedDim, this.vdim, rng);
    this.in_proj_bias = bias ? zeros([3 * embedDim]) : null;
    this.out_proj = new NonDynamicallyQuantizableLinear(embedDim, embedDim, { bias, rng });
    // PyTorch keeps out_proj's default weight init but zeroes its bias.
    if (bias) this.out_proj.bias?.update(zeros([embedDim]).value);
  }

  /** The projection weights [E, in] and biases [E] of query, key and value, as views. */
  #projections(): [Tensor, Tensor | null][] {
    const e = this.embedDim;
    const b = this.in_proj_bias?.value ?? null;
    const biasOf = (i: number) => (b === null ? null : b.narrow(0, i * e, e));
    const w = this.in_proj_weight?.value;
    const weights =
      w === undefined
        ? [this.q_proj_weight, this.k_proj_weight, this.v_proj_weight].map((p) => p!.value)
        : [0, 1, 2].map((i) => w.narrow(0, i * e, e));
    return weights.map((wi, i) => [wi, biasOf(i)]);
  }

  /**
   * Attention of `query` [L, N, E] over `key` [S, N, kdim] and `value` [S, N, vdim] (or
   * [N, L, E] … with batchFirst; or unbatched [L, E], [S, kdim], [S, vdim]). Returns
   * `[output, weights]`: output of query's shape, weights [N, L, S] averaged over heads (or
   * [N, numHeads, L, S]; without N when unbatched), or null when needWeights is false.
   */
  forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    options: MultiheadAttentionForwardOptions = {},
  ): [Tensor, Tensor | null] {
    const op = "MultiheadAttention";
    const o = checkOptions(op, options, forwardChecks);
    const batched = query.ndim === 3;
    if (!batched && query.ndim !== 2) {
      throw new ShapeError(
        `${op}: query must be [L, N, E] (or [N, L, E] with batchFirst) or unbatched [L, E], got ${formatShape(query.shape)}`,
      );
    }
    if (key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw new ShapeError(
        `${op}: query, key and value must have the same number of dims, got ${formatShape(query.shape)}, ${formatShape(key.shape)}, ${formatShape(value.shape)}`,
      );
    }
    if (o.isCausal === true && (o.attnMask ?? null) === null) {
      throw new DataError(
        `${op}: isCausal is a hint that attnMask is the causal mask and needs attnMask (as PyTorch); pass the mask itself`,
      );
    }
    // Everything below works on seq-first batched [L, N, E].
    const toSeqFirst = (t: Tensor) =>
      batched ? (this.batchFirst ? t.transpose(0, 1) : t) : t.unsqueeze(1);
    const [q0, k0, v0] = [query, key, value].map(toSeqFirst);
    const [l, n] = q0.shape;
    const s = k0.shape[0];
    expectShape("query", q0, [l, n, this.embedDim]);
    expectShape("key", k0, [s, n, this.kdim]);
    expectShape("value", v0, [s, n, this.vdim]);
    const mask = this.#mask(o, batched, n, l, s, query.dtype);

    const [h, d] = [this.numHeads, this.headDim];
    // [T, N, E] → [N, H, T, d]: one attention per batch element and head.
    const heads = (x: Tensor, [w, b]: [Tensor, Tensor | null]) => {
      const t = x.shape[0];
      return linear(x, w, b).reshape([t, n, h, d]).permute([1, 2, 0, 3]);
    };
    const projections = this.#projections();
    const weights = attentionWeights(heads(q0, projections[0]), heads(k0, projections[1]), {
      mask,
      scale: 1 / Math.sqrt(d),
      dropoutP: this.training ? this.dropout : 0,
      generator: this.#rng,
    });
    const joined = weights
      .matmul(heads(v0, projections[2]))
      .permute([2, 0, 1, 3])
      .reshape([l, n, this.embedDim]);
    let output = this.out_proj.forward(joined);
    let averaged: Tensor | null = null;
    if (o.needWeights ?? true) {
      averaged = (o.averageAttnWeights ?? true) ? weights.mean(1) : weights;
      if (!batched) averaged = averaged.squeeze(0);
    }
    if (!batched) output = output.squeeze(1);
    else if (this.batchFirst) output = output.transpose(0, 1);
    return [output, averaged];
  }

  /** attnMask and keyPaddingMask checked as PyTorch does and joined into one additive [N, H|1, L, S] mask. */
  #mask(
    o: MultiheadAttentionForwardOptions,
    batched: boolean,
    n: number,
    l: number,
    s: number,
    dtype: DType,
  ): Tensor | null {
    const op = "MultiheadAttention";
    let mask: Tensor | null = null;
    const attnMask = o.attnMask ?? null;
    if (attnMask !== null) {
      const m = additiveMask(op, "attnMask", attnMask, dtype, false);
      if (m.ndim === 2) {
        expectShape("a 2-D attnMask", m, [l, s]);
        mask = m;
      } else {
        const heads = batched ? n * this.numHeads : this.numHeads;
        expectShape(`a 3-D attnMask ([${batched ? "N·numHeads" : "numHeads"}, L, S])`, m, [
          heads,
          l,
          s,
        ]);
        mask = m.reshape([n, this.numHeads, l, s]);
      }
    }
    const padding = o.keyPaddingMask ?? null;
    if (padding !== null) {
      const m = additiveMask(op, "keyPaddingMask", padding, dtype, false);
      expectShape("keyPaddingMask", m, batched ? [n, s] : [s]);
      const spread = m.reshape([n, 1, 1, s]);
      mask = mask === null ? spread : mask.add(spread);
    }
    return mask;
  }
}
