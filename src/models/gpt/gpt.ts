import { noGrad } from "../../autodiff/grad_mode.js";
import { DataError, DTypeError, ShapeError } from "../../errors.js";
import { type LoadOptions, readSafetensors, save } from "../../io/files.js";
import {
  decodeSafetensors,
  encodeSafetensors,
  type SafetensorsMetadata,
} from "../../io/safetensors.js";
import { ModuleList } from "../../nn/containers.js";
import { Embedding } from "../../nn/embedding.js";
import { linear } from "../../nn/functional/linear.js";
import { normal_, zeros_ } from "../../nn/init/fill.js";
import { Dropout } from "../../nn/layers.js";
import { Module } from "../../nn/module.js";
import { LayerNorm } from "../../nn/normalization.js";
import { checkOptions, instanceOf, type OptionChecks } from "../../options.js";
import { defaultGenerator, Random } from "../../random.js";
import { arange } from "../../tensor/creation.js";
import { Tensor } from "../../tensor/tensor.js";
import { keep, tidy } from "../../tensor/tidy.js";
import { Block, type LayerCache } from "./blocks.js";
import { checkGPTConfig, type GPTConfig } from "./config.js";
import { gptMetadata, readGptMetadata } from "./file.js";
import { type SampleOptions, sampleToken } from "./sampling.js";

/** Options of `new GPT(config, options)`. */
export interface GPTOptions {
  /** The characters of the vocabulary in token order (one per token), for `encode` / `decode`. */
  vocab?: readonly string[];
  /** Generator of the initial weights and dropout masks (default: the global one). */
  rng?: Random;
}

const gptChecks: OptionChecks<GPTOptions> = {
  vocab: (v) =>
    Array.isArray(v) && v.every((c) => typeof c === "string")
      ? null
      : "must be an array of strings",
  rng: instanceOf(Random, "a Random"),
};

/** Options of `generate`: how many tokens, and how each is sampled. */
export interface GenerateOptions extends SampleOptions {
  /** Tokens to produce after the prompt. */
  maxNewTokens: number;
}

/** nanoGPT's `transformer` ModuleDict: token and position embeddings, the blocks, the last norm. */
class Transformer extends Module {
  wte: Embedding;
  wpe: Embedding;
  drop: Dropout;
  h: ModuleList<Block>;
  ln_f: LayerNorm;

  constructor(config: Required<GPTConfig>, rng: Random | undefined) {
    super();
    this.wte = new Embedding(config.vocabSize, config.nEmbd);
    this.wpe = new Embedding(config.blockSize, config.nEmbd);
    this.drop = new Dropout(config.dropout, rng === undefined ? {} : { rng });
    this.h = new ModuleList(Array.from({ length: config.nLayer }, () => new Block(config, rng)));
    this.ln_f = new LayerNorm(config.nEmbd);
  }
}

/**
 * A GPT in nanoGPT's (GPT-2's) layout, so that its state dict means the same to PyTorch:
 * x = wte(idx) + wpe(position), nLayer pre-norm blocks, logits = ln_f(x)·wteᵀ (the output head is
 * the token embedding, tied, and stored once). Weights start as GPT-2's: N(0, 0.02), the two
 * residual projections (`c_proj`) N(0, 0.02/√(2·nLayer)) so the residual stream's variance does
 * not grow with depth, biases 0, LayerNorms 1 and 0.
 */
export class GPT extends Module {
  readonly config: Required<GPTConfig>;
  readonly vocab: readonly string[] | null;
  transformer: Transformer;
  readonly #index: Map<string, number> | null;

  constructor(config: GPTConfig, options: GPTOptions = {}) {
    super();
    const { vocab, rng } = checkOptions("GPT", options, gptChecks);
    this.config = checkGPTConfig("GPT", config);
    if (vocab !== undefined && vocab.length !== this.config.vocabSize) {
      throw new DataError(
        `GPT: the vocab has ${vocab.length} characters but vocabSize is ${this.config.vocabSize}`,
      );
    }
    this.vocab = vocab === undefined ? null : [...vocab];
    this.#index = vocab === undefined ? null : new Map(vocab.map((c, i) => [c, i]));
    this.transformer = new Transformer(this.config, rng);
    this.#initialise(rng ?? defaultGenerator());
  }

  /** GPT-2's initialisation, drawn in parameter order from `rng`. */
  #initialise(rng: Random): void {
    const residualStd = 0.02 / Math.sqrt(2 * this.config.nLayer);
    for (const [name, p] of this.namedParameters()) {
      const t = p.value as Tensor;
      if (name.endsWith("c_proj.weight")) normal_(t, 0, residualStd, { generator: rng });
      else if (name.endsWith(".weight") && !name.includes("ln_"))
        normal_(t, 0, 0.02, { generator: rng });
      else if (name.endsWith(".bias")) zeros_(t);
    }
  }

  /** Parameters, counted once (the tied head adds none). */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + (p.value as Tensor).numel(), 0);
  }

  /**
   * idx (int32 token ids, [B, T] with T ≤ blockSize) → logits [B, T, vocabSize]. With `caches`
   * (one per block, from `newCaches`), the T tokens continue the cached ones: their positions
   * start after them, and the caches grow by T.
   */
  forward(idx: Tensor, caches: LayerCache[] | null = null): Tensor {
    const past = caches?.[0]?.k?.shape[2] ?? 0;
    this.#checkIds("GPT.forward", idx, past);
    const t = idx.shape[1];
    const { wte, wpe, drop, h, ln_f } = this.transformer;
    const positions = arange(past, past + t, { dtype: "int32", backend: idx.backend });
    let x = drop.forward(wte.forward(idx).add(wpe.forward(positions)));
    for (const [i, block] of [...h].entries()) x = block.forward(x, caches?.[i] ?? null);
    return linear(ln_f.forward(x), wte.weight.value as Tensor);
  }

  /**
   * The attention weights of every block for idx [B, T] (no cache, no gradient, no dropout):
   * one [B, nHead, T, T] tensor per block, row i of a head the weights position i gives
   * positions 0 … i (a heat map of what each character looks at).
   */
  attentionWeights(idx: Tensor): Tensor[] {
    this.#checkIds("GPT.attentionWeights", idx, 0);
    return noGrad(() => {
      const { wte, wpe, h } = this.transformer;
      const positions = arange(0, idx.shape[1], { dtype: "int32", backend: idx.backend });
      let x = wte.forward(idx).add(wpe.forward(positions));
      const weights: Tensor[] = [];
      for (const block of h) {
        weights.push(block.attn.weights(block.ln_1.forward(x)));
        x = block.forward(x);
      }
      return weights;
    });
  }

  /** A typed error unless idx is int32 [B, T] with past + T ≤ blockSize. */
  #checkIds(op: string, idx: Tensor, past: number): void {
    if (!(idx instanceof Tensor) || idx.dtype !== "int32" || idx.ndim !== 2) {
      const got = idx instanceof Tensor ? `${idx.dtype} [${idx.shape}]` : String(idx);
      throw new DTypeError(`${op}: expected int32 token ids of shape [B, T], got ${got}`);
    }
    const t = idx.shape[1];
    if (past + t > this.config.blockSize) {
      throw new ShapeError(
        `${op}: ${past + t} positions (${past} cached + ${t} new) exceed blockSize ${this.config.blockSize}`,
      );
    }
  }

  /** The model file's bytes: the state dict and the config and vocab as metadata (see file.ts). */
  async toSafetensors(): Promise<Uint8Array> {
    return encodeSafetensors(this.stateDict(), gptMetadata(this.config, this.vocab));
  }

  /** Writes the model file to `path` (Node), atomically. */
  async save(path: string): Promise<void> {
    await save(this.stateDict(), path, { metadata: gptMetadata(this.config, this.vocab) });
  }

  /** A model rebuilt from a model file's bytes alone (`toSafetensors`, or a PyTorch export). */
  static fromSafetensors(bytes: Uint8Array, options: LoadOptions = {}): GPT {
    const { tensors, metadata } = decodeSafetensors(bytes, "the model file", options);
    return GPT.#fromTensors(tensors, metadata, "the model file");
  }

  /** The model saved at `path` (Node), on `backend` if given. */
  static async load(path: string, options: LoadOptions = {}): Promise<GPT> {
    const { tensors, metadata } = await readSafetensors(path, options);
    return GPT.#fromTensors(tensors, metadata, path);
  }

  static #fromTensors(
    tensors: Record<string, Tensor>,
    metadata: SafetensorsMetadata | undefined,
    source: string,
  ): GPT {
    const { config, vocab } = readGptMetadata(metadata, source);
    const model = new GPT(config, vocab === undefined ? {} : { vocab });
    // The model is built on the default backend; tensors decoded elsewhere are a BackendError
    // from loadStateDict that says how to move them.
    model.loadStateDict(tensors);
    return model;
  }

  /** Empty key/value caches, one per block, for `forward(idx, caches)`. */
  newCaches(): LayerCache[] {
    return Array.from({ length: this.config.nLayer }, () => ({ k: null, v: null }));
  }

  /** The token ids of `text`; a character outside the vocabulary is a DataError naming it. */
  encode(text: string): number[] {
    const index = this.#requireVocab("encode");
    return Array.from(text, (c, i) => {
      const id = index.get(c);
      if (id === undefined) {
        throw new DataError(`GPT.encode: ${JSON.stringify(c)} (at ${i}) is not in the vocabulary`);
      }
      return id;
    });
  }

  /** The text of token ids. */
  decode(ids: Iterable<number>): string {
    this.#requireVocab("decode");
    const vocab = this.vocab as readonly string[];
    let text = "";
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= vocab.length) {
        throw new DataError(`GPT.decode: ${id} is not a token id (0 … ${vocab.length - 1})`);
      }
      text += vocab[id];
    }
    return text;
  }

  #requireVocab(op: string): Map<string, number> {
    if (this.#index === null) {
      throw new DataError(`GPT.${op}: this model has no vocab (pass one to the constructor)`);
    }
    return this.#index;
  }

  /**
   * Samples `maxNewTokens` tokens after `prompt` (token ids), yielding each as it is drawn. A key/
   * value cache makes each step compute one position; when the context fills the block, it is
   * cropped to the last blockSize tokens and recomputed (positions restart, as nanoGPT's
   * `generate`, which always runs on the cropped context). No gradient is recorded; the mode
   * (train/eval) is the caller's, as in PyTorch.
   */
  async *generate(
    prompt: readonly number[],
    options: GenerateOptions,
  ): AsyncGenerator<number, void, undefined> {
    const { maxNewTokens, ...sampling } = options;
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) {
      throw new DataError(
        `GPT.generate: maxNewTokens must be a non-negative integer, got ${maxNewTokens}`,
      );
    }
    if (prompt.length === 0)
      throw new DataError("GPT.generate: the prompt needs at least one token");
    const context = [...prompt];
    let caches = this.newCaches();
    let pending = context.slice(-this.config.blockSize);
    for (let n = 0; n < maxNewTokens; n++) {
      const cached = caches[0].k?.shape[2] ?? 0;
      if (cached + pending.length > this.config.blockSize) {
        disposeCaches(caches);
        caches = this.newCaches();
        pending = context.slice(-this.config.blockSize);
      }
      const ids = Tensor.fromValues(pending, [1, pending.length], "int32", backendOf(this));
      const replaced = caches.flatMap((c) => [c.k, c.v]);
      // One step's tensors are freed when it ends; the grown caches are kept, the old ones freed.
      const logits = tidy(() => {
        const last = noGrad(() => this.forward(ids, caches).index(0, -1));
        for (const c of caches) for (const t of [c.k, c.v]) if (t !== null) keep(t);
        return last;
      });
      for (const t of replaced) t?.dispose();
      ids.dispose();
      const row = Float64Array.from(await logits.data());
      logits.dispose();
      const token = sampleToken(row, sampling, "GPT.generate");
      context.push(token);
      pending = [token];
      yield token;
    }
    disposeCaches(caches);
  }
}

function backendOf(model: GPT) {
  return (model.transformer.wte.weight.value as Tensor).backendImpl;
}

function disposeCaches(caches: LayerCache[]): void {
  for (const c of caches) {
    c.k?.dispose();
    c.v?.dispose();
  }
}
