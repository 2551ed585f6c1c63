// The cpu backend in a real browser page, driven by test/browser.test.ts. Plain JS on purpose:
// the browser loads it as is (no build step), and it imports the built library from /dist/.
// Each cpu result is compared with the reference backend (plain JS loops) on the same inputs.
import { loadedBackend } from "/dist/backend/registry.js";
import * as mt from "/dist/index.js";

/** Largest |x[i] - y[i]| between two tensors of the same size. */
async function maxAbsDiff(x, y) {
  const [a, b] = [await x.data(), await y.data()];
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** `op` on cpu tensors against the same op on their reference copies. */
async function againstReference(op, ...inputs) {
  const reference = await Promise.all(inputs.map((t) => t.to("reference")));
  return maxAbsDiff(op(...inputs), op(...reference));
}

/** The error a tensor made before the backend has loaded throws, or null if none. */
function errorBeforeLoad() {
  try {
    mt.tensor([1, 2]);
    return null;
  } catch (error) {
    return `${error.name}: ${error.message}`;
  }
}

async function run() {
  // In a page the kernels are fetched, so the cpu backend cannot be made synchronously.
  const beforeLoad = errorBeforeLoad();
  await mt.setBackend("cpu");
  const backend = loadedBackend("cpu");
  // Not `instanceof SharedArrayBuffer`: that global is missing from non-isolated pages.
  const shared =
    Object.prototype.toString.call(backend.memory.buffer) === "[object SharedArrayBuffer]";
  const matmul = (a, b) => a.matmul(b);

  const matmulMaxDiff = await againstReference(
    matmul,
    mt.rand([192, 256], { seed: 1 }),
    mt.rand([256, 160], { seed: 2 }),
  );
  // 512³ is far above the pool's split threshold, so with threads the workers really run.
  const matmul512MaxDiff = await againstReference(
    matmul,
    mt.rand([512, 512], { seed: 3 }),
    mt.rand([512, 512], { seed: 4 }),
  );
  // Read after the products: the pool starts on first use.
  const threads = backend.pool()?.threads ?? 1;

  const n = 2 ** 20;
  // float32 a + b rounds the same in any order and on any thread: exactly equal.
  const addMaxDiff = await againstReference(
    (a, b) => a.add(b),
    mt.rand([n], { seed: 5 }),
    mt.rand([n], { seed: 6 }),
  );
  // Positive values (rand, not randn): no cancellation, so a relative tolerance means something.
  const values = mt.rand([n], { seed: 7 });
  const cpuSum = (await values.sum().data())[0];
  const referenceSum = (await (await values.to("reference")).sum().data())[0];
  const sumRelDiff = Math.abs(cpuSum - referenceSum) / Math.abs(referenceSum);

  window.__result = {
    crossOriginIsolated: self.crossOriginIsolated,
    beforeLoad,
    shared,
    kernels: backend.kernels !== null,
    threads,
    matmulMaxDiff,
    matmul512MaxDiff,
    addMaxDiff,
    sumRelDiff,
  };
}

run().catch((error) => {
  window.__error = String(error?.stack || error);
});
