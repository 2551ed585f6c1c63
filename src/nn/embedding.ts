import { checkOptions, instanceOf, notSupportedYet, type OptionChecks } from "../options.js";
import { defaultGenerator, Random } from "../random.js";
import { getBackend } from "../tensor/default_backend.js";
import { Tensor } from "../tensor/tensor.js";
import { embedding, embeddingChecks, paddingRow } from "./functional/embedding.js";
import { Module } from "./module.js";
import { Parameter } from "./parameter.js";

/** Options of `Embedding`. */
export interface EmbeddingLayerOptions {
  /** A row initialised to zeros that receives no gradient (negative counts from the end). */
  paddingIdx?: number | null;
  /** PyTorch's renormalisation of looked-up rows: not supported yet (only null). */
  maxNorm?: number | null;
  /** PyTorch's gradient scaling by frequency: not supported yet (only false). */
  scaleGradByFreq?: boolean;
  /** PyTorch's sparse gradients: not supported yet (only false). */
  sparse?: boolean;
  /** Generator for the initial weights (default: the global one, seeded by `manualSeed`). */
  rng?: Random;
}

const embeddingLayerChecks: OptionChecks<EmbeddingLayerOptions> = {
  ...embeddingChecks,
  maxNorm: notSupportedYet(null),
  scaleGradByFreq: notSupportedYet(false),
  sparse: notSupportedYet(false),
  rng: instanceOf(Random, "a Random"),
};

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim`, as `torch.nn.Embedding`:
 * `weight` [numEmbeddings, embeddingDim] is drawn from N(0, 1) (PyTorch's default) with the
 * `paddingIdx` row zeroed; forward maps int32 indices of any shape to [...shape, embeddingDim].
 */
export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  /** The padding row in [0, numEmbeddings), or null. */
  readonly paddingIdx: number | null;
  readonly weight: Parameter<Tensor>;

  constructor(numEmbeddings: number, embeddingDim: number, options: EmbeddingLayerOptions = {}) {
    super();
    checkOptions("Embedding", options, embeddingLayerChecks);
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.paddingIdx = paddingRow("Embedding", options.paddingIdx, numEmbeddings);
    const rng = options.rng ?? defaultGenerator();
    const values = Array.from({ length: numEmbeddings * embeddingDim }, () => rng.normal());
    if (this.paddingIdx !== null) {
      values.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
    }
    const shape = [numEmbeddings, embeddingDim];
    this.weight = new Parameter(Tensor.fromValues(values, shape, "float32", getBackend()));
  }

  /** indices (int32, any shape) → [...indices.shape, embeddingDim]. */
  forward(input: Tensor): Tensor {
    return embedding(input, this.weight.value, { paddingIdx: this.paddingIdx });
  }
}
