import {
  additiveMask,
  attentionWeights,
  scaledDotProductAttention,
} from "../../nn/functional/attention.js";
import { dropout } from "../../nn/functional/dropout.js";
import { Dropout } from "../../nn/layers.js";
import { Linear } from "../../nn/linear.js";
import { Module } from "../../nn/module.js";
import { LayerNorm } from "../../nn/normalization.js";
import type { Random } from "../../random.js";
import { gelu } from "../../tensor/activations.js";
import { ones } from "../../tensor/creation.js";
import { cat } from "../../tensor/joining.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { GPTConfig } from "./config.js";

/**
 * The pieces of a GPT block, with nanoGPT's names so the state dict reads the same in PyTorch:
 * `attn` (`c_attn`, one Linear C → 3C giving q, k and v; `c_proj`, C → C) and `mlp` (`c_fc`,
 * C → 4C; exact GELU; `c_proj`, 4C → C), each behind a LayerNorm (`ln_1`, `ln_2`) on a residual
 * branch: x + attn(ln_1(x)), then + mlp(ln_2(x)).
 */

/** One layer's keys and values so far, [B, nHead, S, headSize] each (null before the first step). */
export interface LayerCache {
  k: Tensor | null;
  v: Tensor | null;
}

/** Causal self-attention over nHead heads of size nEmbd / nHead. */
export class CausalSelfAttention extends Module {
  c_attn: Linear;
  c_proj: Linear;
  readonly nHead: number;
  readonly p: number;
  readonly #rng: Random | undefined;

  constructor(config: Required<GPTConfig>, rng?: Random) {
    super();
    this.c_attn = new Linear(config.nEmbd, 3 * config.nEmbd, { rng });
    this.c_proj = new Linear(config.nEmbd, config.nEmbd, { rng });
    this.nHead = config.nHead;
    this.p = config.dropout;
    this.#rng = rng;
  }

  /**
   * x [B, T, C] → [B, T, C]. With a cache, the T new positions come after the cache's S and attend
   * to all S + T keys up to their own; the cache then holds all S + T (a step of generation
   * computes one position, not the whole prefix again).
   */
  forward(x: Tensor, cache: LayerCache | null = null): Tensor {
    const [b, t, c] = x.shape;
    let [q, k, v] = this.#heads(x);
    const past = cache?.k?.shape[2] ?? 0;
    if (cache !== null) {
      if (cache.k !== null && cache.v !== null) {
        k = cat([cache.k, k], 2);
        v = cat([cache.v, v], 2);
      }
      cache.k = k;
      cache.v = v;
    }
    const p = this.training ? this.p : 0;
    const attend: { dropoutP: number; generator?: Random } = { dropoutP: p };
    if (this.#rng !== undefined) attend.generator = this.#rng;
    // Position i (after `past` cached ones) sees keys 0 … past + i: the causal mask, shifted.
    const y =
      past === 0
        ? scaledDotProductAttention(q, k, v, { ...attend, isCausal: t > 1 })
        : scaledDotProductAttention(q, k, v, {
            ...attend,
            attnMask: ones([t, past + t], { backend: x.backend })
              .tril(past)
              .bool(),
          });
    const merged = y.transpose(1, 2).reshape([b, t, c]);
    return dropout(
      this.c_proj.forward(merged),
      p,
      this.training,
      attend.generator === undefined ? {} : { rng: this.#rng },
    );
  }

  /** q, k, v [B, nHead, T, headSize] of x [B, T, C]: each head works on its slice of the width. */
  #heads(x: Tensor): [Tensor, Tensor, Tensor] {
    const [b, t, c] = x.shape;
    const qkv = this.c_attn.forward(x);
    const head = (i: number) =>
      qkv
        .narrow(-1, i * c, c)
        .reshape([b, t, this.nHead, c / this.nHead])
        .transpose(1, 2);
    return [head(0), head(1), head(2)];
  }

  /**
   * The attention weights of x [B, T, C] without a cache: softmax(q·kᵀ/√headSize) under the
   * causal mask, [B, nHead, T, T], row i the weights query i gives keys 0 … i (no dropout).
   */
  weights(x: Tensor): Tensor {
    const [q, k] = this.#heads(x);
    const t = x.shape[1];
    const causal = ones([t, t], { backend: x.backend }).tril().bool();
    const mask = additiveMask("CausalSelfAttention.weights", "mask", causal, q.dtype, true);
    return attentionWeights(q, k, { mask, scale: 1 / Math.sqrt(q.shape[3]), dropoutP: 0 });
  }
}

/** The feed-forward branch: c_proj(gelu(c_fc(x))), C → 4C → C, with the exact (erf) GELU. */
export class MLP extends Module {
  c_fc: Linear;
  c_proj: Linear;
  dropout: Dropout;

  constructor(config: Required<GPTConfig>, rng?: Random) {
    super();
    this.c_fc = new Linear(config.nEmbd, 4 * config.nEmbd, { rng });
    this.c_proj = new Linear(4 * config.nEmbd, config.nEmbd, { rng });
    this.dropout = new Dropout(config.dropout, { rng });
  }

  forward(x: Tensor): Tensor {
    return this.dropout.forward(this.c_proj.forward(gelu(this.c_fc.forward(x))));
  }
}

/** One transformer block, pre-norm as GPT-2: x + attn(ln_1(x)), then + mlp(ln_2(x)). */
export class Block extends Module {
  ln_1: LayerNorm;
  attn: CausalSelfAttention;
  ln_2: LayerNorm;
  mlp: MLP;

  constructor(config: Required<GPTConfig>, rng?: Random) {
    super();
    this.ln_1 = new LayerNorm(config.nEmbd);
    this.attn = new CausalSelfAttention(config, rng);
    this.ln_2 = new LayerNorm(config.nEmbd);
    this.mlp = new MLP(config, rng);
  }

  forward(x: Tensor, cache: LayerCache | null = null): Tensor {
    const h = x.add(this.attn.forward(this.ln_1.forward(x), cache));
    return h.add(this.mlp.forward(this.ln_2.forward(h)));
  }
}
