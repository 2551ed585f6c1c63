import { DataError } from "../../errors.js";
import type { SafetensorsMetadata } from "../../io/safetensors.js";
import type { GPTConfig } from "./config.js";

/**
 * A GPT model file is safetensors: the state dict under nanoGPT's names (the tied head once, as
 * `transformer.wte.weight`) and two metadata strings, `config` — nanoGPT's `GPTConfig` fields
 * in its snake_case, so Python can do `GPTConfig(**json.loads(meta["config"]))` — and `vocab`,
 * the characters in token order as a JSON array. These turn a model into that metadata and back.
 */

/** The metadata of a model file. */
export function gptMetadata(
  config: Required<GPTConfig>,
  vocab: readonly string[] | null,
): SafetensorsMetadata {
  const snake = {
    vocab_size: config.vocabSize,
    block_size: config.blockSize,
    n_layer: config.nLayer,
    n_head: config.nHead,
    n_embd: config.nEmbd,
    dropout: config.dropout,
    bias: true,
  };
  const metadata: SafetensorsMetadata = { format: "pt", config: JSON.stringify(snake) };
  if (vocab !== null) metadata.vocab = JSON.stringify(vocab);
  return metadata;
}

/** The config and vocab a file's metadata holds; a DataError naming `source` when it is no GPT's. */
export function readGptMetadata(
  metadata: SafetensorsMetadata | undefined,
  source: string,
): { config: GPTConfig; vocab: string[] | undefined } {
  const fail = (why: string) =>
    new DataError(`GPT.load: ${source} is not a GPT model file (${why})`);
  if (metadata?.config === undefined) throw fail('no "config" in its metadata');
  let raw: unknown;
  let vocab: unknown;
  try {
    raw = JSON.parse(metadata.config);
    vocab = metadata.vocab === undefined ? undefined : JSON.parse(metadata.vocab);
  } catch {
    throw fail("its config or vocab metadata is not JSON");
  }
  if (typeof raw !== "object" || raw === null) throw fail("its config is not an object");
  const c = raw as Record<string, unknown>;
  const config = {
    vocabSize: c.vocab_size,
    blockSize: c.block_size,
    nLayer: c.n_layer,
    nHead: c.n_head,
    nEmbd: c.n_embd,
    dropout: c.dropout ?? 0,
  } as GPTConfig;
  if (vocab !== undefined && !(Array.isArray(vocab) && vocab.every((v) => typeof v === "string"))) {
    throw fail("its vocab is not an array of strings");
  }
  return { config, vocab: vocab as string[] | undefined };
}
