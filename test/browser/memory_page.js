// A plain training loop (no tidy, no dispose) in a browser page, driven by test/browser.test.ts.
// There is no synchronous collector in a page: finalizers free unreachable tensors when V8
// collects, between tasks, so the loop must yield to the event loop now and then — which a page's
// loop does anyway, to keep the page responsive (here: a zero-delay timeout every 10 steps).
import * as mt from "/dist/index.js";

async function run() {
  await mt.setBackend("cpu");
  const net = new mt.nn.Sequential(
    new mt.nn.Linear(64, 256, { rng: new mt.Random(0) }),
    new mt.nn.ReLU(),
    new mt.nn.Linear(256, 10, { rng: new mt.Random(1) }),
  );
  const optimizer = new mt.optim.Adam(net.parameters(), { lr: 1e-3 });
  const x = mt.randn([64, 64], { seed: 2 });
  const y = mt.tensor(Array.from({ length: 64 }, (_, i) => i % 10));
  let made = 0;
  let peak = 0;
  for (let i = 0; i < 2000; i++) {
    const before = mt.memory().bytes;
    const loss = mt.nn.functional.crossEntropy(net.forward(x), y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    made += Math.max(0, mt.memory().bytes - before);
    peak = Math.max(peak, mt.memory().bytes);
    if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  window.__result = { made, peak, end: mt.memory().bytes };
}

run().catch((error) => {
  window.__error = String(error?.stack || error);
});
