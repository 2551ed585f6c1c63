// Scalar MLP vs tensor MLP: time per training epoch at the same size, measured side by side in
// one run (machines are noisy: read the ratio, not the absolute times).
// Run with `npm run bench` (builds dist/ first).
import { trainScalar } from "../dist/cli/train_scalar.js";
import { trainTensor } from "../dist/cli/train_tensor.js";

const epochs = Number(process.env.BENCH_EPOCHS ?? 200);
const rows = [];
for (const hidden of [10, 30]) {
  const options = { dataset: "xor", points: 50, hidden, lr: 0.5, epochs, seed: 0 };
  // Warm up the JIT on both paths before timing.
  trainScalar({ ...options, epochs: 20 });
  trainTensor({ ...options, epochs: 20 });
  const scalar = trainScalar(options);
  const tensor = trainTensor(options);
  const scalarMs = (scalar.seconds * 1000) / epochs;
  const tensorMs = (tensor.seconds * 1000) / epochs;
  rows.push({
    hidden: hidden,
    "scalar ms/epoch": scalarMs.toFixed(3),
    "tensor (reference) ms/epoch": tensorMs.toFixed(3),
    "tensor speed-up": `${(scalarMs / tensorMs).toFixed(1)}×`,
  });
}
console.log(`MLP epoch, xor, 50 points, ${epochs} epochs each, full-batch SGD`);
console.table(rows);
