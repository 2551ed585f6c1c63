// The webgpu backend in a real browser page (navigator.gpu), driven by test/browser.test.ts: a few
// ops on webgpu compared with the same ops on the reference backend.
import * as mt from "/dist/index.js";

async function maxAbsDiff(x, y) {
  const [a, b] = [await x.data(), await y.data()];
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

async function run() {
  await mt.setBackend("webgpu");
  const a = mt.rand([96, 80], { seed: 1 });
  const b = mt.rand([80, 72], { seed: 2 });
  const onGpu = a.matmul(b).relu().sum(1);
  const [ra, rb] = [await a.to("reference"), await b.to("reference")];
  const onRef = ra.matmul(rb).relu().sum(1);
  window.__result = { backend: onGpu.backend, diff: await maxAbsDiff(onGpu, onRef) };
}

run().catch((error) => {
  window.__error = String(error?.stack || error);
});
