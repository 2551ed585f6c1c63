import { join } from "node:path";
import { noGrad } from "../autodiff/grad_mode.js";
import type { BackendName } from "../backend/backend.js";
import { loadedBackend } from "../backend/registry.js";
import type { CharCorpus } from "../data/char_corpus.js";
import { GPT } from "../models/gpt/gpt.js";
import { gptLoss, gptLr, gptOptimizer } from "../models/gpt/recipe.js";
import { clipGradNorm_ } from "../nn/utils/clip_grad.js";
import { manualSeed, Random } from "../random.js";
import type { Tensor } from "../tensor/tensor.js";
import { keep, tidy } from "../tensor/tidy.js";
import { readCheckpoint, restoreCheckpoint, writeCheckpoint } from "./checkpoint.js";
import { RunError } from "./io.js";
import { firstNonFinite } from "./model_file.js";

/** Everything that decides what a `train gpt` run computes (saved in each checkpoint). */
export interface GptSettings {
  /** "wordnet", or the --data file. */
  dataset: string;
  layers: number;
  heads: number;
  embd: number;
  block: number;
  batchSize: number;
  iters: number;
  lr: number;
  dropout: number;
  seed: number;
}

/** Settings a checkpoint must share with the run that continues it (the schedule needs iters). */
const decisive: (keyof GptSettings)[] = [
  "dataset",
  "layers",
  "heads",
  "embd",
  "block",
  "batchSize",
  "iters",
  "lr",
  "dropout",
  "seed",
];

/** One evaluation: after `iter` steps, the loss (nats per character) on both splits. */
export interface GptEvaluation {
  iter: number;
  /** Mean training loss of the steps since the last evaluation. */
  trainLoss: number;
  /** Mean loss over the run's fixed validation batches. */
  valLoss: number;
}

/** What the trainer reports while it runs. */
export interface GptProgress {
  /** A step finished (reported every step on synchronous backends, every 20 otherwise). */
  step(iter: number, loss: number, tokensPerSecond: number): void;
  /** An evaluation finished, its checkpoint written, with a sample of the model's text. */
  evaluation(e: GptEvaluation, sample: string): void;
}

export interface GptResult {
  history: GptEvaluation[];
  params: number;
  valLoss: number;
  /** Training tokens per second of this process's steps (evaluations not counted). */
  tokensPerSecond: number;
  seconds: number;
  /** The iteration this process started from (0 for a fresh run). */
  resumedFrom: number;
  modelPath: string;
}

/** The two files a run writes. */
export function gptRunFiles(out: string): { model: string; checkpoint: string } {
  return { model: join(out, "model.safetensors"), checkpoint: join(out, "checkpoint.safetensors") };
}

/** Validation batches per evaluation: 20 × batch × block characters, the same every time. */
const EVAL_BATCHES = 20;
/** Characters sampled at each evaluation. */
const SAMPLE_LENGTH = 160;

/** The mean loss of `model` over `batches`, in eval mode, without a graph. */
async function evaluate(model: GPT, batches: readonly [Tensor, Tensor][]): Promise<number> {
  model.eval();
  let total = 0;
  for (const [x, y] of batches) {
    const loss = noGrad(() => tidy(() => keep(gptLoss(model, x, y))));
    total += (await loss.data())[0];
    loss.dispose();
  }
  model.train();
  return total / batches.length;
}

/** A sample of the model's text: `SAMPLE_LENGTH` characters after "lantern:" (or a line break). */
async function sample(model: GPT, seed: number): Promise<string> {
  // A line break where the corpus lacks one of the prompt's characters: every corpus has it.
  const prompt = [..."lantern:"].every((c) => model.vocab?.includes(c)) ? "lantern:" : "\n";
  model.eval();
  const generator = new Random(seed);
  let text = prompt;
  const tokens = model.generate(model.encode(prompt), {
    maxNewTokens: SAMPLE_LENGTH,
    temperature: 0.8,
    topK: 40,
    generator,
  });
  for await (const token of tokens) text += model.decode([token]);
  model.train();
  return text.replace(/^\n/, "");
}

function diverged(what: string, iter: number, history: GptEvaluation[], settings: GptSettings) {
  const last = history.at(-1);
  const kept =
    last === undefined
      ? "no checkpoint or model was written"
      : `the checkpoint of iteration ${last.iter} is kept`;
  return new RunError(
    `training diverged at iteration ${iter}: ${what}; ${kept}. Try a lower --lr (now ${settings.lr})`,
  );
}

/**
 * Trains a GPT on `corpus` with nanoGPT's recipe: random windows of the training text, AdamW,
 * warm-up then cosine, gradients clipped to norm 1. Every `evalEvery` steps and at the end it
 * measures the validation loss on fixed batches, writes a checkpoint (weights, optimizer state,
 * the generators' states: `resume` continues bit for bit) and reports a sample; at the end it
 * writes the model file.
 */
export async function trainGpt(
  corpus: CharCorpus,
  settings: GptSettings,
  options: {
    backend: BackendName;
    out: string;
    resume: boolean;
    evalEvery: number;
    progress: GptProgress;
  },
): Promise<GptResult> {
  const { backend, out, evalEvery, progress } = options;
  const files = gptRunFiles(out);
  const started = performance.now();
  manualSeed(settings.seed);
  const modelRng = new Random(settings.seed);
  const batchRng = new Random(settings.seed + 1);
  const model = new GPT(
    {
      vocabSize: corpus.vocab.length,
      blockSize: settings.block,
      nLayer: settings.layers,
      nHead: settings.heads,
      nEmbd: settings.embd,
      dropout: settings.dropout,
    },
    { vocab: corpus.vocab, rng: modelRng },
  );
  const optimizer = gptOptimizer(model, settings.lr);
  let history: GptEvaluation[] = [];
  let resumedFrom = 0;
  if (options.resume) {
    const saved = await readCheckpoint<GptSettings, GptEvaluation>(
      files.checkpoint,
      settings,
      decisive,
    );
    restoreCheckpoint(files.checkpoint, () => {
      model.loadStateDict(saved.model);
      optimizer.loadStateDict(saved.optimizer);
      modelRng.setState(saved.extra?.modelRng as number[]);
      batchRng.setState(saved.extra?.batchRng as number[]);
    });
    history = saved.history;
    resumedFrom = saved.epoch;
  }
  const shape = { batchSize: settings.batchSize, blockSize: settings.block };
  // Fixed for every run, whatever its seed, so validation losses of two runs compare.
  const evalRng = new Random(0);
  const evalBatches = Array.from({ length: EVAL_BATCHES }, () =>
    corpus.batch("validation", { ...shape, generator: evalRng }),
  );
  const params = model.parameters();
  const readEvery = loadedBackend(backend).synchronousRead ? 1 : 20;
  let stepSeconds = 0;
  let stepsRun = 0;
  let lossSum: Tensor | null = null;
  let lossCount = 0;
  model.train();
  try {
    for (let it = resumedFrom; it < settings.iters; it++) {
      const stepStart = performance.now();
      optimizer.lr = gptLr(settings.lr, it, settings.iters);
      const loss = tidy(() => {
        const [x, y] = corpus.batch("train", { ...shape, generator: batchRng });
        const l = gptLoss(model, x, y);
        optimizer.zeroGrad();
        l.backward();
        clipGradNorm_(params, 1);
        optimizer.step();
        return keep(noGrad(() => (lossSum === null ? l.detach() : lossSum.add(l))));
      });
      lossSum?.dispose();
      lossSum = loss;
      lossCount += 1;
      const done = it + 1;
      const evaluateNow = done % evalEvery === 0 || done === settings.iters;
      // Reading the loss waits for the step to finish: on a GPU, only every `readEvery` steps.
      const mean =
        done % readEvery === 0 || evaluateNow ? (await lossSum.data())[0] / lossCount : undefined;
      stepSeconds += (performance.now() - stepStart) / 1000;
      stepsRun += 1;
      if (mean !== undefined) {
        if (!Number.isFinite(mean)) {
          throw diverged(`the training loss became ${mean}`, done, history, settings);
        }
        progress.step(done, mean, tokensPerSecond(stepsRun, stepSeconds, settings));
      }
      if (!evaluateNow) continue;
      const trainLoss = mean ?? Number.NaN;
      lossSum.dispose();
      lossSum = null;
      lossCount = 0;
      const evaluation = { iter: done, trainLoss, valLoss: await evaluate(model, evalBatches) };
      // Broken weights must not replace the last good checkpoint.
      const broken = await firstNonFinite(model.stateDict());
      if (broken !== null) {
        throw diverged(`"${broken.name}" holds ${broken.what}`, done, history, settings);
      }
      history.push(evaluation);
      await writeCheckpoint(files.checkpoint, {
        epoch: done,
        settings,
        history,
        model: model.stateDict(),
        optimizer: optimizer.stateDict(),
        extra: { modelRng: modelRng.getState(), batchRng: batchRng.getState() },
      });
      progress.evaluation(evaluation, await sample(model, settings.seed));
    }
  } finally {
    lossSum?.dispose();
    for (const [x, y] of evalBatches) {
      x.dispose();
      y.dispose();
    }
  }
  model.eval();
  await model.save(files.model);
  return {
    history,
    params: model.numParameters(),
    valLoss: history.at(-1)?.valLoss ?? Number.NaN,
    tokensPerSecond: tokensPerSecond(stepsRun, stepSeconds, settings),
    seconds: (performance.now() - started) / 1000,
    resumedFrom,
    modelPath: files.model,
  };
}

function tokensPerSecond(steps: number, seconds: number, s: GptSettings): number {
  return seconds === 0 ? 0 : (steps * s.batchSize * s.block) / seconds;
}
