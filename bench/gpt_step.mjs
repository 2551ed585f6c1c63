// Training steps of the GPT recipe of issue 15 on the cpu backend: 4 layers, 4 heads, width 128,
// block 64, batch 32 (0.8 M parameters) on WordNet's glosses, AdamW (β 0.9/0.99, weight decay
// 0.1 on matrices), printing ms per step and characters (tokens) per second. PyTorch 1.13 with OpenBLAS runs
// this recipe at 7,849 tokens/s on the 2-core development machine (bench/README.md).
// Run with `npm run build && node bench/gpt_step.mjs` (BENCH_STEPS sets the steps, default 10).
import * as mt from "../dist/index.js";

const steps = Number(process.env.BENCH_STEPS ?? 10);
await mt.setBackend("cpu");
mt.manualSeed(0);
const corpus = await mt.data.loadWordNet();
const [batchSize, blockSize] = [32, 64];
const model = new mt.models.GPT(
  { vocabSize: corpus.vocab.length, blockSize, nLayer: 4, nHead: 4, nEmbd: 128 },
  { vocab: corpus.vocab },
);
const matrices = [];
const others = [];
for (const [, p] of model.namedParameters()) (p.value.ndim >= 2 ? matrices : others).push(p);
const opt = new mt.optim.AdamW(
  [
    { params: matrices, weightDecay: 0.1 },
    { params: others, weightDecay: 0 },
  ],
  { lr: 1e-3, betas: [0.9, 0.99] },
);
const generator = new mt.Random(1);
const step = () =>
  mt.tidy(() => {
    const [x, y] = corpus.batch("train", { batchSize, blockSize, generator });
    const logits = model.forward(x);
    const loss = mt.nn.functional.crossEntropy(
      logits.reshape([-1, corpus.vocab.length]),
      y.reshape([-1]),
    );
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss.item();
  });
step(); // warm-up: Adam's state, the JIT
const start = performance.now();
let loss = 0;
for (let i = 0; i < steps; i++) loss = step();
const ms = (performance.now() - start) / steps;
console.log(
  `GPT step (${model.numParameters()} parameters, batch ${batchSize}×${blockSize}, cpu): ${ms.toFixed(0)} ms, ${((batchSize * blockSize * 1000) / ms).toFixed(0)} tokens/s (loss ${loss.toFixed(3)} after ${steps + 1} steps)`,
);
process.exit(0);
