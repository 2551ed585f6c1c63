// Scalar MLP vs tensor MLP (reference and cpu backends): time per training epoch at the same
// size, measured side by side in one run (machines are noisy: read the ratios, not the times).
// Run with `npm run bench` (builds dist/ first).
import { trainScalar } from "../dist/cli/train_scalar.js";
import { trainTensor } from "../dist/cli/train_tensor.js";
import { setBackend } from "../dist/tensor/default_backend.js";

const epochs = Number(process.env.BENCH_EPOCHS ?? 200);

/** ms per epoch of `train` on `options`, after a short warm-up of the JIT. */
function msPerEpoch(train, options) {
  train({ ...options, epochs: 20 });
  return (train(options).seconds * 1000) / options.epochs;
}

const rows = [];
for (const hidden of [10, 30, 100]) {
  const options = { dataset: "xor", points: 50, hidden, lr: 0.5, epochs, seed: 0 };
  const scalar = hidden <= 30 ? msPerEpoch(trainScalar, options) : Number.NaN;
  await setBackend("reference");
  const reference = msPerEpoch(trainTensor, options);
  await setBackend("cpu");
  const cpu = msPerEpoch(trainTensor, options);
  rows.push({
    hidden,
    "scalar ms": Number.isNaN(scalar) ? "(skipped)" : scalar.toFixed(3),
    "tensor reference ms": reference.toFixed(3),
    "tensor cpu ms": cpu.toFixed(3),
    "reference / scalar": Number.isNaN(scalar) ? "" : `${(scalar / reference).toFixed(1)}×`,
    "cpu / reference": `${(reference / cpu).toFixed(1)}×`,
  });
}
console.log(
  `MLP epoch, xor, 50 points, ${epochs} epochs each, full-batch SGD (ms per epoch; speed-ups)`,
);
console.table(rows);
