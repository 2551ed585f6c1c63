// conv2d forward + backward on the cpu backend against the reference backend, at the sizes of
// the MNIST LeNet's two convolutions (batch 64), measured side by side in one run (machines are
// noisy: read the ratios). Run after `npm run build`: node bench/conv.mjs
import * as mt from "../dist/index.js";
import { bestSeconds } from "./timing.mjs";

const { conv2d } = mt.nn.functional;

const cases = [
  // conv1 sees the images, which need no gradient; conv2's input comes from conv1, so it does.
  { name: "conv1", x: [64, 1, 28, 28], w: [16, 1, 5, 5], inputGrad: false },
  { name: "conv2", x: [64, 16, 12, 12], w: [32, 16, 5, 5], inputGrad: true },
];

/** Best ms per call of forward alone and of forward + backward, on `backend`. */
function time(backend, c, runs) {
  const x = mt.randn(c.x, { backend, seed: 1, requiresGrad: c.inputGrad });
  const w = mt.randn(c.w, { backend, seed: 2, requiresGrad: true });
  const b = mt.randn([c.w[0]], { backend, seed: 3, requiresGrad: true });
  // The cpu backend computes synchronously: returning is finishing.
  const forward = () => mt.tidy(() => void conv2d(x, w, b));
  const step = () =>
    mt.tidy(() => {
      for (const t of [x, w, b]) t.zeroGrad();
      conv2d(x, w, b).sum().backward();
      void w.grad.dataSync();
    });
  const options = { warmup: runs.warmup, minRuns: runs.minRuns };
  return { forward: bestSeconds(forward, options) * 1000, step: bestSeconds(step, options) * 1000 };
}

const rows = [];
let cpuStepMs = 0;
for (const c of cases) {
  const cpu = time("cpu", c, { warmup: 5, minRuns: 10 });
  const reference = time("reference", c, { warmup: 0, minRuns: 1 });
  cpuStepMs += cpu.step;
  rows.push({
    case: `${c.name} [${c.x}] * [${c.w}]`,
    "cpu fwd ms": cpu.forward.toFixed(2),
    "cpu fwd+bwd ms": cpu.step.toFixed(2),
    "reference fwd ms": reference.forward.toFixed(1),
    "reference fwd+bwd ms": reference.step.toFixed(1),
    "cpu / reference (fwd+bwd)": `${(reference.step / cpu.step).toFixed(0)}×`,
  });
}
console.log("conv2d, float32, batch 64 (best ms per call; speed-up of cpu over reference)");
console.table(rows);
console.log(
  `both convolutions, forward + backward: ${cpuStepMs.toFixed(1)} ms per batch on cpu → ` +
    `${((cpuStepMs * 125) / 1000).toFixed(2)} s per 8,000-image epoch (125 batches of 64)`,
);
