// minitorch's `reference` and `cpu` backends side by side with TensorFlow.js (wasm backend) and
// jax-js (wasm device), in one run: fp32 matmul (GFLOP/s = 2n³/s), elementwise add and sum over
// 2^22 float32 (GB/s counting bytes read + written) next to a memory copy, and the tensor-MLP
// training epoch (ms). Every contender's result is checked against a plain-JS computation (and the
// MLP against minitorch's reference backend) before it is timed; then one ratio table per
// measurement and PASS/FAIL against the targets of the fast-CPU-backend issue.
//
// Run after `npm run build`:   node bench/compare.mjs
//   --quick, BENCH_QUICK=1   shorter timings (what `npm run bench` uses)
//   BENCH_SIZES=128,1024     matmul sizes (default 128,256,512,1024,2048)
//   BENCH_TFJS_THREADS=1     tfjs-wasm as Node loads it by default: SIMD, one thread (default 2)
//   BENCH_JAX_THREADS=1      jax-js without workers (default 2)
//
// Timing: the median seconds per call over rounds in which every contender runs one batch in turn
// (≥ 5 ms of calls), after warm-up, so a change in the machine's load hits all of them alike; the
// MLP likewise alternates whole runs. minitorch and tfjs-wasm compute synchronously inside the call;
// jax-js is lazy and runs on its workers, so its calls end with `await blockUntilReady()` (which
// waits for the result without copying it out). No contender's timing includes a read-back,
// except the MLP epoch, where all four read the loss and the accuracy back each epoch as
// minitorch's trainTensor does.
//
// Two loader shims, neither touching any kernel:
// - tfjs-wasm refuses threads in Node (WASM_HAS_MULTITHREAD_SUPPORT is false there,
//   tensorflow/tfjs#3830): its Emscripten glue starts pthread workers from blob: URLs, which Node's
//   worker_threads cannot load. With the flag set, `PthreadWorker` starts those workers from the
//   worker source the package ships and points them at the package's own glue file. tfjs also caps
//   its XNNPACK thread pool at (logical cores) / 2, assuming two hyperthreads per core: 1 on this
//   2-vCPU machine, so os.cpus() reports each core twice while the backend initialises.
// - jax-js runs its wasm kernels on Web Workers when `Worker` and SharedArrayBuffer exist; Node has
//   no global `Worker`, so `WebWorker` provides one over worker_threads.
import { resolveObjectURL } from "node:buffer";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import workerThreads from "node:worker_threads";
import { trainTensor } from "../dist/cli/train_tensor.js";
import * as mt from "../dist/index.js";

const quick = process.env.BENCH_QUICK === "1" || process.argv.includes("--quick");
const sizes = (process.env.BENCH_SIZES ?? "128,256,512,1024,2048").split(",").map(Number);
const tfjsThreads = Number(process.env.BENCH_TFJS_THREADS ?? 2);
const jaxThreads = Number(process.env.BENCH_JAX_THREADS ?? 2);
/** Seconds of timed rounds per contender and measurement (at least `MIN_REPS` rounds). */
const budget = quick ? 0.4 : 1.5;
const MIN_REPS = quick ? 3 : 5;
const MAX_REPS = 25;
/** Seconds: a matmul size is skipped for the reference backend when it would take longer. */
const referenceLimit = quick ? 4 : 12;
const mlpEpochs = quick ? 50 : 200;
const mlpRuns = quick ? 3 : 5;
const CHECK_EPOCHS = 20;
const require = createRequire(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Loading tfjs-wasm and jax-js.

/**
 * worker_threads.Worker, except that Emscripten's pthread workers (asked for by a blob: URL that
 * Node cannot load) run the worker source shipped in the package, and are told to load the main
 * glue from its file instead of from a Blob.
 */
function pthreadWorkerClass() {
  const wasmOut = "@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd";
  const glue = require.resolve(`${wasmOut}.js`);
  // A template string in the package: its "\n" escapes became real newlines; undo that.
  const source = require(`${wasmOut}.worker.js`).wasmWorkerContents.replace(/\n/g, "\\n");
  const NodeWorker = workerThreads.Worker;
  return class PthreadWorker extends NodeWorker {
    constructor(url, options) {
      if (typeof url === "string" && url.startsWith("blob:")) {
        super(source, { ...options, eval: true });
      } else {
        super(url, options);
      }
    }
    postMessage(message, transfer) {
      const load = message?.cmd === "load" && typeof message.urlOrBlob !== "string";
      super.postMessage(load ? { ...message, urlOrBlob: glue } : message, transfer);
    }
  };
}

/** TensorFlow.js on its wasm backend with `threads` XNNPACK threads (1: Node's default setup). */
async function loadTfjs(threads) {
  const tf = await import("@tensorflow/tfjs");
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const restore = [];
  if (threads > 1) {
    const { Worker } = workerThreads;
    const { cpus } = os;
    workerThreads.Worker = pthreadWorkerClass();
    os.cpus = () => [...cpus(), ...cpus()];
    restore.push(() => {
      workerThreads.Worker = Worker;
      os.cpus = cpus;
      // Emscripten's Node glue sets the global Worker to worker_threads' class.
      delete globalThis.Worker;
    });
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
    wasm.setThreadsCount(threads);
  }
  const ok = await tf.setBackend("wasm");
  for (const undo of restore) undo();
  if (!ok) throw new Error("tfjs: the wasm backend did not initialise");
  const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
  const threaded = tf.env().getBool("WASM_HAS_MULTITHREAD_SUPPORT");
  const binary = simd ? (threaded ? "threaded-SIMD" : "SIMD") : "plain";
  const count = wasm.getThreadsCount();
  const config = `${binary} binary, XNNPACK, ${count} thread${count > 1 ? "s" : ""}`;
  return { tf, config, version: `@tensorflow/tfjs-backend-wasm ${wasm.version_wasm}` };
}

/** Worker code: Web Worker globals over worker_threads, then the source the first message holds. */
const WEB_WORKER_BOOT = `
const { parentPort } = require("node:worker_threads");
globalThis.self = globalThis;
globalThis.postMessage = (message) => parentPort.postMessage(message);
parentPort.once("message", ({ source }) => {
  (0, eval)(source);
  parentPort.on("message", (data) => self.onmessage({ data }));
});`;
const webWorkers = [];

/**
 * The part of the Web Worker API jax-js uses (constructor from a blob: URL, onmessage, onerror,
 * postMessage), over worker_threads. The blob's text arrives asynchronously, so messages posted
 * before it was sent wait in a queue.
 */
class WebWorker {
  onmessage = null;
  onerror = null;
  #worker;
  #queue = [];

  constructor(url) {
    const blob = resolveObjectURL(String(url));
    if (blob === undefined) throw new Error(`WebWorker: cannot resolve ${url}`);
    this.#worker = new workerThreads.Worker(WEB_WORKER_BOOT, { eval: true });
    webWorkers.push(this.#worker);
    this.#worker.on("message", (data) => this.onmessage?.({ data }));
    this.#worker.on("error", (error) => this.onerror?.(error));
    blob.text().then((source) => {
      this.#worker.postMessage({ source });
      for (const [message, transfer] of this.#queue) this.#worker.postMessage(message, transfer);
      this.#queue = null;
    });
  }

  postMessage(message, transfer) {
    if (this.#queue === null) this.#worker.postMessage(message, transfer);
    else this.#queue.push([message, transfer]);
  }

  terminate() {
    return this.#worker.terminate();
  }
}

/** jax-js on its wasm device; `threads` > 1 gives it that many workers. */
async function loadJax(threads) {
  const navigator = Object.getOwnPropertyDescriptor(globalThis, "navigator");
  if (threads > 1) {
    // jax-js checks for Worker when it loads and sizes its pool from navigator.hardwareConcurrency.
    globalThis.Worker = WebWorker;
    Object.defineProperty(globalThis, "navigator", {
      value: { hardwareConcurrency: threads },
      configurable: true,
    });
  }
  const jax = await import("@jax-js/jax");
  if (navigator) Object.defineProperty(globalThis, "navigator", navigator);
  else delete globalThis.navigator;
  const device = jax.defaultDevice();
  if (device !== "wasm") throw new Error(`jax-js: default device is ${device}, not wasm`);
  const config =
    threads > 1
      ? `wasm device, ${threads} worker threads (Web Worker shim)`
      : "wasm device, main thread";
  // The package exports no package.json; read it next to the entry point.
  const pkg = path.join(path.dirname(require.resolve("@jax-js/jax")), "..", "package.json");
  const version = `@jax-js/jax ${JSON.parse(readFileSync(pkg, "utf8")).version}`;
  return { jax, config, version };
}

// ---------------------------------------------------------------------------------------------
// Timing and checking.

/**
 * Median seconds per call of each function in `fns` (name → sync or async function), timed in
 * rounds: each round times one batch of every function in turn, so a change in the machine's load
 * (other processes share these cores) hits all of them alike and their ratios stay fair. Each
 * function gets two warm-up calls first, and a batch of enough calls to last ≥ 5 ms.
 */
async function secondsPerCall(fns) {
  const entries = [];
  for (const [name, fn] of Object.entries(fns)) {
    await fn();
    const t = performance.now();
    await fn();
    const warm = (performance.now() - t) / 1000;
    entries.push({ name, fn, batch: Math.max(1, Math.ceil(0.005 / Math.max(warm, 1e-7))) });
  }
  const times = entries.map(() => []);
  const start = performance.now();
  const limit = budget * entries.length;
  for (
    let round = 0;
    round < MIN_REPS || ((performance.now() - start) / 1000 < limit && round < MAX_REPS);
    round++
  ) {
    for (let i = 0; i < entries.length; i++) {
      const { fn, batch } = entries[i];
      const t = performance.now();
      for (let k = 0; k < batch; k++) await fn();
      times[i].push((performance.now() - t) / 1000 / batch);
    }
  }
  return Object.fromEntries(entries.map(({ name }, i) => [name, median(times[i])]));
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** `count` values uniform in [−1, 1) from a fixed xorshift generator (the same every run). */
function randomValues(count, seed) {
  const out = new Float32Array(count);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (x >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

/**
 * Throws unless C ≈ A·B (n×n, row-major) at 256 sampled entries, each recomputed in float64; the
 * tolerance (1e-5·n) is far above float32 rounding and far below the error of a wrong kernel.
 */
function checkMatmul(who, n, A, B, C) {
  if (C.length !== n * n) throw new Error(`${who} matmul ${n}: ${C.length} values`);
  let s = 12345;
  for (let t = 0; t < 256; t++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const i = t === 0 ? 0 : t === 1 ? n - 1 : s % n;
    s = (s * 1103515245 + 12345) >>> 0;
    const j = t === 0 ? 0 : t === 1 ? n - 1 : s % n;
    let exact = 0;
    for (let k = 0; k < n; k++) exact += A[i * n + k] * B[k * n + j];
    if (!(Math.abs(C[i * n + j] - exact) <= 1e-5 * n)) {
      throw new Error(`${who} matmul ${n}: C[${i},${j}] = ${C[i * n + j]}, expected ${exact}`);
    }
  }
}

function checkAdd(who, x, y, z) {
  for (let i = 0; i < x.length; i++) {
    if (z[i] !== Math.fround(x[i] + y[i])) {
      throw new Error(`${who} add: element ${i} is ${z[i]}, expected ${Math.fround(x[i] + y[i])}`);
    }
  }
}

function checkSum(who, exact, got) {
  if (!(Math.abs(got - exact) <= 1e-4 * Math.abs(exact))) {
    throw new Error(`${who} sum: ${got}, expected ${exact}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The contenders: each prepares an operation on its own copies of the inputs and returns
// `run` (what is timed), `result` (the output, read back, for the check) and `dispose`.

function minitorch(backend) {
  const make = (values, shape) => mt.Tensor.fromValues(values, shape, "float32", backend);
  return {
    name: backend,
    matmul(n, A, B) {
      const a = make(A, [n, n]);
      const b = make(B, [n, n]);
      return {
        run: () =>
          mt.tidy(() => {
            a.matmul(b);
          }),
        result: () => mt.tidy(() => Float32Array.from(a.matmul(b).dataSync())),
        dispose: () => {
          a.dispose();
          b.dispose();
        },
      };
    },
    add(x, y) {
      const a = make(x, [x.length]);
      const b = make(y, [y.length]);
      return {
        run: () =>
          mt.tidy(() => {
            a.add(b);
          }),
        result: () => mt.tidy(() => Float32Array.from(a.add(b).dataSync())),
        dispose: () => {
          a.dispose();
          b.dispose();
        },
      };
    },
    sum(x) {
      const a = make(x, [x.length]);
      return {
        run: () =>
          mt.tidy(() => {
            a.sum();
          }),
        result: () => mt.tidy(() => a.sum().item()),
        dispose: () => a.dispose(),
      };
    },
    async train(options) {
      await mt.setBackend(backend);
      return trainTensor(options);
    },
  };
}

function tfjsContender(tf, config) {
  return {
    name: "tfjs-wasm",
    config,
    matmul(n, A, B) {
      const a = tf.tensor2d(A, [n, n]);
      const b = tf.tensor2d(B, [n, n]);
      return {
        run: () => tf.matMul(a, b).dispose(),
        result: () => readTf(tf.matMul(a, b)),
        dispose: () => tf.dispose([a, b]),
      };
    },
    add(x, y) {
      const a = tf.tensor1d(x);
      const b = tf.tensor1d(y);
      return {
        run: () => tf.add(a, b).dispose(),
        result: () => readTf(tf.add(a, b)),
        dispose: () => tf.dispose([a, b]),
      };
    },
    sum(x) {
      const a = tf.tensor1d(x);
      return {
        run: () => tf.sum(a).dispose(),
        result: () => readTf(tf.sum(a))[0],
        dispose: () => a.dispose(),
      };
    },
    async train(options) {
      return trainTfjs(tf, options);
    },
  };
}

function readTf(t) {
  const values = Float32Array.from(t.dataSync());
  t.dispose();
  return values;
}

/** jax-js arrays are reference-counted: `a.ref` lends `a` to an op that would consume it. */
function jaxContender(jax, config) {
  const np = jax.numpy;
  const steps = new Map();
  return {
    name: "jax-js",
    config,
    matmul(n, A, B) {
      const a = np.array(A).reshape([n, n]);
      const b = np.array(B).reshape([n, n]);
      return {
        run: async () => {
          const c = np.matmul(a.ref, b.ref);
          await c.blockUntilReady();
          c.dispose();
        },
        result: async () => np.matmul(a.ref, b.ref).data(),
        dispose: () => jax.tree.dispose([a, b]),
      };
    },
    add(x, y) {
      const a = np.array(x);
      const b = np.array(y);
      return {
        run: async () => {
          const c = a.ref.add(b.ref);
          await c.blockUntilReady();
          c.dispose();
        },
        result: async () => a.ref.add(b.ref).data(),
        dispose: () => jax.tree.dispose([a, b]),
      };
    },
    sum(x) {
      const a = np.array(x);
      return {
        run: async () => {
          const c = a.ref.sum();
          await c.blockUntilReady();
          c.dispose();
        },
        result: async () => (await a.ref.sum().data())[0],
        dispose: () => a.dispose(),
      };
    },
    async train(options) {
      if (!steps.has(options.hidden)) steps.set(options.hidden, jaxStep(jax, options.lr));
      return trainJax(jax, steps.get(options.hidden), options);
    },
    dispose: () => {
      for (const step of steps.values()) step.dispose();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The tensor MLP of trainTensor (2 → hidden → hidden → 1, ReLU, sigmoid + binary cross-entropy
// from logits, full-batch SGD on the loss averaged over the points), written in tfjs and jax-js
// from minitorch's own data and initial weights, so all four should report the same losses.

/** trainTensor's dataset and initial parameters, with weights as [in, out] (x·W, no transpose). */
function mlpStart({ dataset, points, hidden, seed }) {
  const rng = new mt.Random(seed);
  const data = mt.data.makeDataset(dataset, points, rng);
  const model = new mt.nn.MLP(hidden, rng);
  const layers = [model.layer1, model.layer2, model.layer3].map((layer) => {
    const w = layer.weight.value.dataSync();
    const [out, inp] = [layer.outFeatures, layer.inFeatures];
    const wt = new Float32Array(inp * out);
    for (let o = 0; o < out; o++) for (let i = 0; i < inp; i++) wt[i * out + o] = w[o * inp + i];
    return { w: wt, shape: [inp, out], b: Float32Array.from(layer.bias.value.dataSync()) };
  });
  for (const p of model.parameters()) p.value.dispose();
  const X = Float32Array.from(data.X.flatMap(([a, b]) => [2 * a - 1, 2 * b - 1]));
  return { layers, X, y: Float32Array.from(data.y), n: data.n };
}

function trainTfjs(tf, options) {
  const start = mlpStart(options);
  const params = start.layers.flatMap((l) => [
    tf.variable(tf.tensor2d(l.w, l.shape)),
    tf.variable(tf.tensor1d(l.b)),
  ]);
  const X = tf.tensor2d(start.X, [start.n, 2]);
  const y = tf.tensor1d(start.y);
  const t0 = performance.now();
  let report;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    report = tf.tidy(() => {
      let z;
      const { value, grads } = tf.variableGrads(() => {
        const h1 = tf.relu(tf.matMul(X, params[0]).add(params[1]));
        const h2 = tf.relu(tf.matMul(h1, params[2]).add(params[3]));
        z = tf.keep(tf.matMul(h2, params[4]).add(params[5]).reshape([-1]));
        const losses = tf
          .relu(z)
          .sub(z.mul(y))
          .add(tf.log(tf.exp(tf.abs(z).neg()).add(1)));
        return losses.sum().div(start.n);
      }, params);
      for (const p of params) p.assign(p.sub(grads[p.name].mul(options.lr)));
      const loss = value.dataSync()[0] * start.n;
      const correct = z.greater(0).cast("float32").equal(y).sum().dataSync()[0];
      z.dispose();
      return { loss, correct };
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  tf.dispose([...params, X, y]);
  return { ...report, seconds };
}

/** One jitted SGD step: (params, X, y) → [new params, summed loss, points correct]. */
function jaxStep(jax, lr) {
  const np = jax.numpy;
  const loss = (p, X, y) => {
    const h1 = jax.nn.relu(np.matmul(X, p[0].w).add(p[0].b));
    const h2 = jax.nn.relu(np.matmul(h1, p[1].w).add(p[1].b));
    const z = np.matmul(h2, p[2].w).add(p[2].b).reshape([-1]);
    const losses = jax.nn
      .relu(z.ref)
      .sub(z.ref.mul(y.ref))
      .add(np.log(np.exp(np.abs(z.ref).mul(-1)).add(1)));
    const total = losses.sum();
    const correct = np.equal(np.greater(z, 0).astype(np.float32), y).astype(np.float32).sum();
    return [total.ref.div(X.shape[0]), [total, correct]];
  };
  return jax.jit((p, X, y) => {
    const [[, [total, correct]], g] = jax.valueAndGrad(loss, { hasAux: true })(
      jax.tree.ref(p),
      X,
      y,
    );
    const next = p.map((l, i) => ({ w: l.w.sub(g[i].w.mul(lr)), b: l.b.sub(g[i].b.mul(lr)) }));
    return [next, total, correct];
  });
}

function trainJax(jax, step, options) {
  const np = jax.numpy;
  const start = mlpStart(options);
  let params = start.layers.map((l) => ({ w: np.array(l.w).reshape(l.shape), b: np.array(l.b) }));
  const X = np.array(start.X).reshape([start.n, 2]);
  const y = np.array(start.y);
  const t0 = performance.now();
  let report;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const [next, total, correct] = step(params, X.ref, y.ref);
    params = next;
    report = { loss: total.dataSync()[0], correct: correct.dataSync()[0] };
  }
  const seconds = (performance.now() - t0) / 1000;
  jax.tree.dispose([params, X, y]);
  return { ...report, seconds };
}

// ---------------------------------------------------------------------------------------------
// Measurements.

const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : "(skipped)");
const times = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "");

/**
 * `op` prepared and checked on each contender, then timed on all of them together (with `extra`,
 * more functions to time alongside); `null` where `skip(name)` says so.
 */
async function measure(contenders, op, check, { skip = () => false, extra = {} } = {}) {
  const tasks = {};
  try {
    for (const c of contenders) {
      if (skip(c.name)) continue;
      tasks[c.name] = await op(c);
      check(c.name, await tasks[c.name].result());
    }
    const runs = Object.fromEntries(Object.entries(tasks).map(([name, t]) => [name, t.run]));
    const seconds = await secondsPerCall({ ...runs, ...extra });
    for (const c of contenders) seconds[c.name] ??= null;
    return seconds;
  } finally {
    for (const task of Object.values(tasks)) task.dispose();
  }
}

async function matmulTable(contenders) {
  const rows = [];
  const gflops = {};
  let referencePerCall = null;
  for (const n of sizes) {
    const A = randomValues(n * n, n);
    const B = randomValues(n * n, 3 * n);
    // Seconds per reference call: from the last size measured (n³ scaling), else at 0.5 GFLOP/s.
    const estimate =
      referencePerCall === null
        ? (2 * n ** 3) / 0.5e9
        : referencePerCall.s * (n / referencePerCall.n) ** 3;
    const seconds = await measure(
      contenders,
      (c) => c.matmul(n, A, B),
      (who, C) => checkMatmul(who, n, A, B, C),
      { skip: (name) => name === "reference" && estimate * (3 + MIN_REPS) > referenceLimit },
    );
    if (seconds.reference !== null) referencePerCall = { n, s: seconds.reference };
    const g = {};
    for (const c of contenders) {
      g[c.name] = seconds[c.name] === null ? Number.NaN : (2 * n ** 3) / seconds[c.name] / 1e9;
    }
    gflops[n] = g;
    const best = Math.max(g["tfjs-wasm"], g["jax-js"]);
    rows.push({
      n,
      "reference GFLOP/s": fmt(g.reference),
      "cpu GFLOP/s": fmt(g.cpu),
      "tfjs-wasm GFLOP/s": fmt(g["tfjs-wasm"]),
      "jax-js GFLOP/s": fmt(g["jax-js"]),
      "cpu / best other": times(g.cpu / best),
      "cpu / reference": times(g.cpu / g.reference),
    });
  }
  console.log("\nfp32 matmul n×n · n×n (GFLOP/s = 2n³/s; ratios: cpu's speed over theirs)");
  console.table(rows);
  return gflops;
}

async function elementwiseTable(contenders) {
  const n = 1 << 22;
  const x = Float32Array.from({ length: n }, (_, i) => (i % 1000) / 1000);
  const y = Float32Array.from({ length: n }, (_, i) => ((i * 7) % 1000) / 1000);
  const src = new Float32Array(n);
  const dst = new Float32Array(n);
  let exactSum = 0;
  for (let i = 0; i < n; i++) exactSum += x[i];
  // The memory copy is timed in the same rounds as add.
  const add = await measure(
    contenders,
    (c) => c.add(x, y),
    (who, z) => checkAdd(who, x, y, z),
    { extra: { copy: () => dst.set(src) } },
  );
  const copy = (8 * n) / add.copy / 1e9;
  const sum = await measure(
    contenders,
    (c) => c.sum(x),
    (who, s) => checkSum(who, exactSum, s),
  );
  const rows = [];
  const result = { copy };
  for (const [op, seconds, bytes] of [
    ["add", add, 12 * n],
    ["sum", sum, 4 * n],
  ]) {
    const g = {};
    for (const c of contenders) g[c.name] = bytes / seconds[c.name] / 1e9;
    const best = Math.max(g["tfjs-wasm"], g["jax-js"]);
    result[op] = g.cpu;
    rows.push({
      op,
      "reference GB/s": fmt(g.reference),
      "cpu GB/s": fmt(g.cpu),
      "tfjs-wasm GB/s": fmt(g["tfjs-wasm"]),
      "jax-js GB/s": fmt(g["jax-js"]),
      "cpu / copy": `${((100 * g.cpu) / copy).toFixed(0)}%`,
      "cpu / best other": times(g.cpu / best),
      "cpu / reference": times(g.cpu / g.reference),
    });
  }
  console.log(
    `\nElementwise over 2^22 float32 (16 MiB a tensor; GB/s counting bytes read + written); ` +
      `memory copy (TypedArray.set): ${copy.toFixed(2)} GB/s`,
  );
  console.table(rows);
  return result;
}

async function mlpTable(contenders) {
  const rows = [];
  const speedups = {};
  for (const hidden of [10, 100]) {
    const options = { dataset: "xor", points: 50, hidden, lr: 0.5, seed: 0 };
    const ms = {};
    let expected = null;
    for (const c of contenders) {
      // The check run (20 epochs, against the reference's report) is also the warm-up.
      const got = await c.train({ ...options, epochs: CHECK_EPOCHS });
      expected ??= got;
      const lossOk = Math.abs(got.loss - expected.loss) <= 1e-3 * Math.abs(expected.loss);
      if (!lossOk || got.correct !== expected.correct) {
        throw new Error(
          `${c.name} MLP hidden ${hidden}: loss ${got.loss}, ${got.correct} correct after ` +
            `${CHECK_EPOCHS} epochs; reference: ${expected.loss}, ${expected.correct}`,
        );
      }
    }
    // Timed runs in rounds, one run of each contender a round (as secondsPerCall does).
    const runs = Object.fromEntries(contenders.map((c) => [c.name, []]));
    for (let r = 0; r < mlpRuns; r++) {
      for (const c of contenders) {
        const { seconds } = await c.train({ ...options, epochs: mlpEpochs });
        runs[c.name].push((1000 * seconds) / mlpEpochs);
      }
    }
    for (const c of contenders) ms[c.name] = median(runs[c.name]);
    const best = Math.min(ms["tfjs-wasm"], ms["jax-js"]);
    speedups[hidden] = ms.reference / ms.cpu;
    rows.push({
      hidden,
      "reference ms": fmt(ms.reference, 3),
      "cpu ms": fmt(ms.cpu, 3),
      "tfjs-wasm ms": fmt(ms["tfjs-wasm"], 3),
      "jax-js ms": fmt(ms["jax-js"], 3),
      "cpu / best other": times(best / ms.cpu),
      "cpu / reference": times(ms.reference / ms.cpu),
    });
  }
  console.log(
    `\nTensor-MLP epoch, xor, 50 points, 2 → hidden → hidden → 1, full-batch SGD ` +
      `(ms per epoch, median of ${mlpRuns} runs of ${mlpEpochs} epochs; ratios: cpu's speed over theirs)`,
  );
  console.table(rows);
  return speedups;
}

// ---------------------------------------------------------------------------------------------

const tfjs = await loadTfjs(tfjsThreads);
const jaxjs = await loadJax(jaxThreads);
const contenders = [
  minitorch("reference"),
  minitorch("cpu"),
  tfjsContender(tfjs.tf, tfjs.config),
  jaxContender(jaxjs.jax, jaxjs.config),
];
const load = () => os.loadavg()[0].toFixed(2);
console.log(
  `Node ${process.versions.node}, ${os.cpus().length} cores, load average ${load()}` +
    `${quick ? ", quick" : ""}\n` +
    `tfjs-wasm: ${tfjs.version}, ${tfjs.config}\n` +
    `jax-js:    ${jaxjs.version}, ${jaxjs.config}`,
);

const gflops = await matmulTable(contenders);
const elementwise = await elementwiseTable(contenders);
const speedups = await mlpTable(contenders);

const verdict = (ok) => (ok ? "PASS" : "FAIL");
console.log("\nTargets (fast CPU backend issue):");
if (gflops[1024]) {
  const g = gflops[1024];
  const best = Math.max(g["tfjs-wasm"], g["jax-js"]);
  console.log(
    `${verdict(g.cpu >= 2 * best)}  matmul 1024²: cpu ${g.cpu.toFixed(1)} GFLOP/s = ` +
      `${(g.cpu / best).toFixed(2)}× the faster of tfjs-wasm (${g["tfjs-wasm"].toFixed(1)}) and ` +
      `jax-js (${g["jax-js"].toFixed(1)}); target ≥ 2×`,
  );
} else {
  console.log("----  matmul 1024²: not measured (BENCH_SIZES)");
}
for (const op of ["add", "sum"]) {
  const share = elementwise[op] / elementwise.copy;
  console.log(
    `${verdict(share >= 0.5)}  elementwise ${op} over 16 MiB: cpu ${elementwise[op].toFixed(1)} GB/s ` +
      `= ${(100 * share).toFixed(0)}% of memory copy (${elementwise.copy.toFixed(1)} GB/s); target ≥ 50%`,
  );
}
for (const [hidden, s] of Object.entries(speedups)) {
  console.log(
    `${verdict(s >= 10)}  MLP epoch, hidden ${hidden}: cpu ${s.toFixed(1)}× faster than reference; ` +
      "target ≥ 10×",
  );
}

console.log(`(load average ${load()} at the end: other processes share the cores)`);
contenders[3].dispose();
await Promise.all(webWorkers.map((w) => w.terminate()));
// tfjs's pthread workers stay alive; everything is printed.
process.exit(0);
