import { BackendError, DataError } from "../errors.js";
import {
  checkedWhereUsed,
  checkOptions,
  describeValue,
  instanceOf,
  isBoolean,
  isPositiveInteger,
  isPositiveNumber,
  notSupportedYet,
  type OptionCheck,
  type OptionChecks,
} from "../options.js";
import { defaultGenerator, Random } from "../random.js";
import { gelu } from "../tensor/activations.js";
import { getBackend } from "../tensor/default_backend.js";
import type { Tensor } from "../tensor/tensor.js";
import { MultiheadAttention } from "./attention.js";
import { ModuleList } from "./containers.js";
import { Dropout } from "./layers.js";
import { Linear } from "./linear.js";
import { Module } from "./module.js";
import { LayerNorm } from "./normalization.js";
import type { TensorModule } from "./sequential.js";

/** The feed-forward activation: PyTorch's names, or any function of a tensor. */
export type TransformerActivation = "relu" | "gelu" | ((x: Tensor) => Tensor);

/** Options of `TransformerEncoderLayer`. */
export interface TransformerEncoderLayerOptions {
  /** Width of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability in the attention and after each block, in training mode (default 0.1). */
  dropout?: number;
  /** "relu" (default), "gelu", or a function. */
  activation?: TransformerActivation;
  /** eps of both LayerNorms (default 1e-5). */
  layerNormEps?: number;
  /** Inputs and output are [N, S, E] instead of [S, N, E] (default false). */
  batchFirst?: boolean;
  /** Pre-norm: LayerNorm before each block instead of after the residual sum (default false). */
  normFirst?: boolean;
  /** Generator of the initial weights and the dropout masks (default the global one). */
  rng?: Random;
}

const isActivation: OptionCheck = (v) =>
  v === "relu" || v === "gelu" || typeof v === "function"
    ? null
    : 'must be "relu", "gelu" or a function';

const encoderLayerChecks: OptionChecks<TransformerEncoderLayerOptions> = {
  dimFeedforward: isPositiveInteger,
  dropout: checkedWhereUsed,
  activation: isActivation,
  layerNormEps: isPositiveNumber,
  batchFirst: isBoolean,
  normFirst: isBoolean,
  rng: instanceOf(Random, "a Random"),
};

/** Options of `TransformerEncoderLayer.forward` (PyTorch's `src_mask`, `src_key_padding_mask`). */
export interface TransformerEncoderLayerForwardOptions {
  /** The self-attention's attnMask: [S, S] or [N·nhead, S, S], bool (true = not allowed) or float. */
  srcMask?: Tensor | null;
  /** The self-attention's keyPaddingMask: [N, S], bool (true = padding) or float. */
  srcKeyPaddingMask?: Tensor | null;
}

const encoderLayerForwardChecks: OptionChecks<TransformerEncoderLayerForwardOptions> = {
  srcMask: checkedWhereUsed,
  srcKeyPaddingMask: checkedWhereUsed,
};

/**
 * One layer of the Transformer's encoder, as torch 1.13's `nn.TransformerEncoderLayer`:
 * self-attention then a two-layer feed-forward block, each with dropout, a residual sum and a
 * LayerNorm — after the sum by default (post-norm), before the block with normFirst. The
 * children carry PyTorch's names (self_attn, linear1, dropout, linear2, norm1, norm2, dropout1,
 * dropout2), so PyTorch's state dicts load into it and back.
 */
export class TransformerEncoderLayer extends Module {
  readonly dModel: number;
  readonly nhead: number;
  readonly normFirst: boolean;
  readonly activation: TransformerActivation;
  // PyTorch's child names, in its order, so that stateDict keys are its keys.
  readonly self_attn: MultiheadAttention;
  readonly linear1: Linear;
  readonly dropout: Dropout;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly #options: Readonly<TransformerEncoderLayerOptions>;

  constructor(dModel: number, nhead: number, options: TransformerEncoderLayerOptions = {}) {
    super();
    const o = checkOptions("TransformerEncoderLayer", options, encoderLayerChecks);
    if (!Number.isInteger(dModel) || dModel < 1) {
      throw new DataError(
        `TransformerEncoderLayer: dModel must be a positive integer, got ${describeValue(dModel)}`,
      );
    }
    this.dModel = dModel;
    this.nhead = nhead;
    this.#options = { ...o };
    const p = o.dropout ?? 0.1;
    const rng = o.rng ?? defaultGenerator();
    const feedforward = o.dimFeedforward ?? 2048;
    const eps = o.layerNormEps ?? 1e-5;
    this.normFirst = o.normFirst ?? false;
    this.activation = o.activation ?? "relu";
    this.self_attn = new MultiheadAttention(dModel, nhead, {
      dropout: p,
      batchFirst: o.batchFirst ?? false,
      rng,
    });
    this.linear1 = new Linear(dModel, feedforward, { rng });
    this.dropout = new Dropout(p, { rng: o.rng });
    this.linear2 = new Linear(feedforward, dModel, { rng });
    this.norm1 = new LayerNorm(dModel, { eps });
    this.norm2 = new LayerNorm(dModel, { eps });
    this.dropout1 = new Dropout(p, { rng: o.rng });
    this.dropout2 = new Dropout(p, { rng: o.rng });
  }

  /**
   * A new layer with the same settings and a copy of this one's weights and training mode (what
   * PyTorch's `copy.deepcopy` gives `TransformerEncoder`), built on the default backend.
   */
  copy(): TransformerEncoderLayer {
    const weights = this.self_attn.out_proj.weight.value;
    if (weights.backend !== getBackend()) {
      throw new BackendError(
        `TransformerEncoderLayer.copy: the layer is on the ${weights.backend} backend but new layers are made on ${getBackend()}; copy it before moving it (then move the copies, or the TransformerEncoder, with await m.to("${weights.backend}")), or call await mt.setBackend("${weights.backend}") first`,
      );
    }
    const layer = new TransformerEncoderLayer(this.dModel, this.nhead, this.#options);
    layer.loadStateDict(this.stateDict());
    return layer.train(this.training);
  }

  /** The activation applied to x. */
  #activate(x: Tensor): Tensor {
    if (this.activation === "relu") return x.relu();
    if (this.activation === "gelu") return gelu(x);
    return this.activation(x);
  }

  /** Self-attention (its weights not computed), then dropout1. */
  #selfAttention(x: Tensor, o: TransformerEncoderLayerForwardOptions): Tensor {
    const [out] = this.self_attn.forward(x, x, x, {
      attnMask: o.srcMask,
      keyPaddingMask: o.srcKeyPaddingMask,
      needWeights: false,
    });
    return this.dropout1.forward(out);
  }

  /** linear2(dropout(activation(linear1(x)))), then dropout2. */
  #feedForward(x: Tensor): Tensor {
    const hidden = this.dropout.forward(this.#activate(this.linear1.forward(x)));
    return this.dropout2.forward(this.linear2.forward(hidden));
  }

  /** src [S, N, E] (or [N, S, E] with batchFirst; or unbatched [S, E]) → the same shape. */
  forward(src: Tensor, options: TransformerEncoderLayerForwardOptions = {}): Tensor {
    const o = checkOptions("TransformerEncoderLayer.forward", options, encoderLayerForwardChecks);
    let x = src;
    if (this.normFirst) {
      x = x.add(this.#selfAttention(this.norm1.forward(x), o));
      return x.add(this.#feedForward(this.norm2.forward(x)));
    }
    x = this.norm1.forward(x.add(this.#selfAttention(x, o)));
    return this.norm2.forward(x.add(this.#feedForward(x)));
  }
}

/** Options of `TransformerEncoder`. */
export interface TransformerEncoderOptions {
  /** A module applied to the last layer's output (a LayerNorm, usually); default none. */
  norm?: TensorModule | null;
  /**
   * PyTorch's nested-tensor fast path (it zeroes padded positions in inference without autograd):
   * not supported yet (only false; every position is computed as with autograd on).
   */
  enableNestedTensor?: false;
}

const encoderChecks: OptionChecks<TransformerEncoderOptions> = {
  norm: (v) => (v === null || v instanceof Module ? null : "must be a Module or null"),
  enableNestedTensor: notSupportedYet(false),
};

/** Options of `TransformerEncoder.forward` (PyTorch's `mask`, `src_key_padding_mask`). */
export interface TransformerEncoderForwardOptions {
  /** Every layer's srcMask. */
  mask?: Tensor | null;
  /** Every layer's srcKeyPaddingMask. */
  srcKeyPaddingMask?: Tensor | null;
}

const encoderForwardChecks: OptionChecks<TransformerEncoderForwardOptions> = {
  mask: checkedWhereUsed,
  srcKeyPaddingMask: checkedWhereUsed,
};

/**
 * A stack of `numLayers` copies of `encoderLayer`, as torch 1.13's `nn.TransformerEncoder`: the
 * copies start with the layer's weights (`layers.0`, `layers.1`, … as PyTorch names them) and
 * train separately; `norm`, if given, is applied at the end.
 */
export class TransformerEncoder extends Module {
  readonly numLayers: number;
  readonly layers: ModuleList<TransformerEncoderLayer>;
  readonly norm: TensorModule | null;

  constructor(
    encoderLayer: TransformerEncoderLayer,
    numLayers: number,
    options: TransformerEncoderOptions = {},
  ) {
    super();
    const o = checkOptions("TransformerEncoder", options, encoderChecks);
    if (!(encoderLayer instanceof TransformerEncoderLayer)) {
      throw new DataError(
        `TransformerEncoder: encoderLayer must be a TransformerEncoderLayer, got ${describeValue(encoderLayer)}`,
      );
    }
    if (!Number.isInteger(numLayers) || numLayers < 1) {
      throw new DataError(
        `TransformerEncoder: numLayers must be a positive integer, got ${describeValue(numLayers)}`,
      );
    }
    this.numLayers = numLayers;
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => encoderLayer.copy()));
    this.norm = o.norm ?? null;
  }

  /** src [S, N, E] (or [N, S, E] with batchFirst layers; or unbatched [S, E]) → the same shape. */
  forward(src: Tensor, options: TransformerEncoderForwardOptions = {}): Tensor {
    const o = checkOptions("TransformerEncoder.forward", options, encoderForwardChecks);
    let x = src;
    for (const layer of this.layers) {
      x = layer.forward(x, { srcMask: o.mask, srcKeyPaddingMask: o.srcKeyPaddingMask });
    }
    return this.norm === null ? x : this.norm.forward(x);
  }
}
