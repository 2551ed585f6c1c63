import { DataError } from "../../errors.js";
import { checkOptions, type OptionChecks } from "../../options.js";
import { defaultGenerator, isGenerator, type RandomSource } from "../../random.js";

/** How a token is drawn from a row of logits. */
export interface SampleOptions {
  /** Logits are divided by it before the softmax: below 1 sharpens, above 1 flattens (default 1). */
  temperature?: number;
  /** Keep only the k most likely tokens (ties with the k-th kept, as nanoGPT's threshold). */
  topK?: number | null;
  /** Generator of the draws (default: the global one, seeded by `manualSeed`). */
  generator?: RandomSource;
}

const sampleChecks: OptionChecks<SampleOptions> = {
  temperature: (v) =>
    typeof v === "number" && v > 0 && Number.isFinite(v) ? null : "must be a positive number",
  topK: (v) =>
    v === null || (Number.isInteger(v) && (v as number) > 0)
      ? null
      : "must be a positive integer or null",
  generator: isGenerator,
};

/**
 * One token drawn from softmax(logits / temperature), restricted to the topK largest logits:
 * computed in float64 in JS (one row of vocabSize numbers), with one uniform draw from the
 * generator, so a seed fixes the text.
 */
export function sampleToken(logits: Float64Array, options: SampleOptions, op: string): number {
  const { temperature = 1, topK = null, generator } = checkOptions(op, options, sampleChecks);
  const n = logits.length;
  let threshold = Number.NEGATIVE_INFINITY;
  if (topK !== null && topK < n) {
    threshold = Float64Array.from(logits).sort().reverse()[topK - 1];
  }
  let max = Number.NEGATIVE_INFINITY;
  for (const l of logits) if (l >= threshold && l > max) max = l;
  if (!Number.isFinite(max)) throw new DataError(`${op}: the logits hold no finite value`);
  const weights = Array.from(logits, (l) =>
    l >= threshold ? Math.exp((l - max) / temperature) : 0,
  );
  const total = weights.reduce((a, b) => a + b, 0);
  let u = (generator ?? defaultGenerator()).next() * total;
  for (let i = 0; i < n; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  // Rounding can leave u a hair above 0 after the last weight: the last kept token.
  for (let i = n - 1; i >= 0; i--) if (weights[i] > 0) return i;
  return n - 1;
}
