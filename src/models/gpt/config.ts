import { DataError } from "../../errors.js";
import { checkOptions, describeValue, type OptionChecks } from "../../options.js";

/**
 * The shape of a GPT, nanoGPT's `GPTConfig` in camelCase: a vocabulary of `vocabSize` tokens, a
 * context of at most `blockSize` positions, `nLayer` blocks of `nHead` attention heads over
 * `nEmbd`-wide embeddings (each head nEmbd / nHead wide), and the dropout used in training.
 */
export interface GPTConfig {
  vocabSize: number;
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  /** Dropout probability on embeddings, attention weights and residual branches (default 0). */
  dropout?: number;
}

const positiveInteger = (v: unknown) =>
  Number.isInteger(v) && (v as number) > 0 ? null : "must be a positive integer";

const configChecks: OptionChecks<GPTConfig> = {
  vocabSize: positiveInteger,
  blockSize: positiveInteger,
  nLayer: positiveInteger,
  nHead: positiveInteger,
  nEmbd: positiveInteger,
  dropout: (v) => (typeof v === "number" && v >= 0 && v < 1 ? null : "must be a number in [0, 1)"),
};

/** The config checked (every field present and valid, heads dividing the width), dropout filled in. */
export function checkGPTConfig(op: string, config: unknown): Required<GPTConfig> {
  if (typeof config !== "object" || config === null) {
    throw new DataError(`${op}: expected a config object, got ${describeValue(config)}`);
  }
  const c = checkOptions(op, config as GPTConfig, configChecks);
  for (const key of ["vocabSize", "blockSize", "nLayer", "nHead", "nEmbd"] as const) {
    if (c[key] === undefined) throw new DataError(`${op}: the config needs ${key}`);
  }
  if (c.nEmbd % c.nHead !== 0) {
    throw new DataError(
      `${op}: nHead (${c.nHead}) must divide nEmbd (${c.nEmbd}): each head is nEmbd / nHead wide`,
    );
  }
  return { ...c, dropout: c.dropout ?? 0 };
}
