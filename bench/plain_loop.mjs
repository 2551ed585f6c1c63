// A PyTorch-style training loop with no `tidy` or `dispose` against the same loop with each step in
// `tidy`: the LeNet of `npm start` (conv 5×5 1→16, pool, conv 5×5 16→32, pool, 512 → 128 → 10),
// batch 64, Adam, on the cpu backend. The two loops alternate in blocks so that the machine's load
// hits both alike; the ratio is plain speed over tidy speed, and the plain loop's memory is
// printed at its peak and at the end (it is reclaimed by the collector, not by the loop).
// Run with `npm run bench` (builds dist/ first); BENCH_STEPS sets the steps per block (default 40).
import * as mt from "../dist/index.js";

const stepsPerBlock = Number(process.env.BENCH_STEPS ?? 40);
const blocks = 5;
await mt.setBackend("cpu");

const model = new mt.models.LeNet({ rng: new mt.Random(0) });
const optimizer = new mt.optim.Adam(model.parameters(), { lr: 1e-3 });
const images = mt.rand([64, 1, 28, 28], { seed: 1 });
const labels = mt.tensor(Array.from({ length: 64 }, (_, i) => i % 10));

const step = () => {
  const loss = mt.nn.functional.crossEntropy(model.forward(images), labels);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  return loss;
};

let peak = 0;
/** Seconds for `stepsPerBlock` steps, each wrapped in tidy or not. */
function block(tidy) {
  const start = performance.now();
  for (let i = 0; i < stepsPerBlock; i++) {
    if (tidy) mt.tidy(step);
    else step();
    peak = Math.max(peak, mt.memory().bytes);
  }
  return (performance.now() - start) / 1000;
}

block(true); // warm-up: Adam's state, the JIT
block(false);
let plain = 0;
let tidy = 0;
for (let b = 0; b < blocks; b++) {
  plain += block(false);
  tidy += block(true);
}
const steps = stepsPerBlock * blocks;
const ips = (s) => ((steps * 64) / s).toFixed(0);
const ratio = tidy / plain;
console.log(`LeNet training step, batch 64, Adam, cpu backend: ${steps} steps each, alternating`);
console.table([
  { loop: "plain (no tidy)", "img/s": ips(plain), "ms/step": ((plain / steps) * 1000).toFixed(2) },
  { loop: "each step in tidy", "img/s": ips(tidy), "ms/step": ((tidy / steps) * 1000).toFixed(2) },
]);
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;
console.log(`backend memory: peak ${mib(peak)}, now ${mib(mt.memory().bytes)}`);
console.log(
  `${ratio >= 0.9 ? "PASS" : "FAIL"} plain loop at ${ratio.toFixed(2)}× the speed of the tidy loop (target ≥ 0.9×)`,
);
