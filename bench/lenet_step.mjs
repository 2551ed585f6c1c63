// The LeNet training step of `npm start` (conv 5×5 1→16, pool, conv 5×5 16→32, pool, 512 → 128 →
// 10), batch 64, SGD lr 0.01, cross-entropy, on the cpu backend, against the same step in PyTorch
// (bench/lenet_torch.py, 2 threads) when Debian's python3-torch is installed — an optional
// contender, skipped with a note when absent. Both take the best of several blocks of steps; the
// ratio is minitorch's images per second over PyTorch's. Loops are PyTorch-style (no `tidy`).
// Run after `npm run build`: node bench/lenet_step.mjs   (BENCH_STEPS: steps per block, default 20;
// PYTHON: the interpreter with torch, default python3)
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as mt from "../dist/index.js";

const steps = Number(process.env.BENCH_STEPS ?? 20);
const blocks = 5;
const batch = 64;
await mt.setBackend("cpu");

function minitorchBlocks() {
  const model = new mt.models.LeNet({ rng: new mt.Random(0) });
  const optimizer = new mt.optim.SGD(model.parameters(), { lr: 0.01 });
  const images = mt.rand([batch, 1, 28, 28], { seed: 1 });
  const labels = mt.tensor(Array.from({ length: batch }, (_, i) => i % 10));
  const step = () => {
    const loss = mt.nn.functional.crossEntropy(model.forward(images), labels);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    void loss.item();
  };
  for (let i = 0; i < steps; i++) step(); // warm-up: the JIT, the arena
  const times = [];
  for (let b = 0; b < blocks; b++) {
    const start = performance.now();
    for (let i = 0; i < steps; i++) step();
    times.push((performance.now() - start) / 1000);
  }
  return times;
}

function torchBlocks() {
  const script = fileURLToPath(new URL("./lenet_torch.py", import.meta.url));
  const run = spawnSync(
    process.env.PYTHON ?? "python3",
    [script, String(steps), String(blocks), "2"],
    {
      encoding: "utf8",
      env: { ...process.env, OPENBLAS_NUM_THREADS: "2", OMP_NUM_THREADS: "2" },
    },
  );
  if (run.status !== 0) {
    const why = run.error?.message ?? run.stderr.trim().split("\n").at(-1);
    return {
      skipped: `PyTorch skipped (${why}; apt-get install python3-torch libopenblas0-pthread)`,
    };
  }
  return JSON.parse(run.stdout.trim().split("\n").at(-1));
}

// minitorch, PyTorch, minitorch again: the best block of either minitorch run, so a load spike
// during one run does not decide the ratio.
const first = minitorchBlocks();
const torch = torchBlocks();
const second = minitorchBlocks();
const ips = (seconds) => (steps * batch) / seconds;
const ours = ips(Math.min(...first, ...second));
console.log(
  `LeNet training step, batch ${batch}, SGD, ${steps} steps per block, best of ${blocks * 2} blocks`,
);
const rows = [
  {
    framework: "minitorch (cpu backend)",
    "img/s": ours.toFixed(0),
    "ms/step": ((batch / ours) * 1000).toFixed(2),
  },
];
if ("skipped" in torch) {
  console.table(rows);
  console.log(torch.skipped);
} else {
  const theirs = ips(Math.min(...torch.blocks));
  rows.push({
    framework: `PyTorch ${torch.torch} (${torch.threads} threads)`,
    "img/s": theirs.toFixed(0),
    "ms/step": ((batch / theirs) * 1000).toFixed(2),
  });
  console.table(rows);
  console.log(
    `minitorch at ${(ours / theirs).toFixed(2)}× PyTorch's images per second (target ≥ 1.0×)`,
  );
}
