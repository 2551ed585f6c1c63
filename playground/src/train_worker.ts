/**
 * The Train page's training loop, in a module Web Worker so the page stays responsive however
 * slow an epoch is. It builds the dataset and an MLP with the library, trains in ~30 ms chunks
 * (yielding between them so pause/step/reset messages get through), and posts progress and,
 * a few times a second, a grid of predicted probabilities for the heat map.
 */
import * as mt from "../../src/index.js";
import { type FromWorker, GRID_SIZE, type ToWorker, type TrainConfig } from "./train_protocol.js";

/** How long one chunk of epochs runs before the worker reports and yields. */
const CHUNK_MS = 30;
/** How often the heat-map grid is recomputed while training. */
const GRID_EVERY_MS = 250;
/** About how many epochs of each chunk are read back for the curves. */
const MAX_SAMPLES = 20;

/** What a configured run holds: the data as tensors, the model and its optimizer. */
interface Run {
  config: TrainConfig;
  X: mt.Tensor;
  y: mt.Tensor;
  grid: mt.Tensor;
  n: number;
  model: mt.nn.Sequential;
  optimizer: mt.optim.SGD;
  epoch: number;
}

let run: Run | null = null;
let config: TrainConfig | null = null;
let running = false;
/** Bumped by every configure/reset, so a loop or build from before it knows to stop. */
let generation = 0;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  postMessage(message, { transfer });
}

function postError(error: unknown): void {
  post({ type: "error", message: error instanceof Error ? error.message : String(error) });
}

/** 2 → hidden (× layers, ReLU after each) → 1 logit. */
function buildModel(hidden: number, layers: number, rng: mt.Random): mt.nn.Sequential {
  const model = new mt.nn.Sequential();
  let width = 2;
  for (let i = 0; i < layers; i++) {
    model.append(new mt.nn.Linear(width, hidden, { rng }));
    model.append(new mt.nn.ReLU());
    width = hidden;
  }
  model.append(new mt.nn.Linear(width, 1, { rng }));
  return model;
}

function disposeRun(r: Run | null): void {
  if (r === null) return;
  for (const t of [r.X, r.y, r.grid]) t.dispose();
  for (const p of r.model.parameters()) if (p.value instanceof mt.Tensor) p.value.dispose();
}

/** Builds the dataset, grid and model for `cfg` on its backend (loading the backend first). */
async function build(cfg: TrainConfig): Promise<void> {
  const mine = ++generation;
  running = false;
  await mt.setBackend(cfg.backend);
  if (mine !== generation) return;
  disposeRun(run);
  run = null;
  const rng = new mt.Random(cfg.seed);
  const data = mt.data.makeDataset(cfg.dataset, cfg.points, rng);
  // Inputs centred on 0 ([0,1] → [−1,1]), as the CLI trainer does: ReLU nets train much faster.
  const X = mt.tensor(data.X.map(([a, b]) => [2 * a - 1, 2 * b - 1]));
  const y = mt.tensor([...data.y]);
  const cells: number[][] = [];
  for (let row = 0; row < GRID_SIZE; row++) {
    for (let col = 0; col < GRID_SIZE; col++) {
      // Cell centres, row 0 at the bottom (x₂ small).
      const x1 = (col + 0.5) / GRID_SIZE;
      const x2 = (row + 0.5) / GRID_SIZE;
      cells.push([2 * x1 - 1, 2 * x2 - 1]);
    }
  }
  const grid = mt.tensor(cells);
  const model = buildModel(cfg.hidden, cfg.layers, new mt.Random(cfg.seed + 1));
  const optimizer = new mt.optim.SGD(model.parameters(), { lr: cfg.lr });
  run = { config: cfg, X, y, grid, n: data.n, model, optimizer, epoch: 0 };
  let paramCount = 0;
  for (const p of model.parameters())
    if (p.value instanceof mt.Tensor) paramCount += p.value.numel();
  post({ type: "ready", paramCount, backend: mt.getBackend() });
  post({ type: "state", state: "idle" });
  const first = await evaluate(run);
  post({
    type: "progress",
    epochs: [0],
    losses: [first.loss],
    accuracies: [first.accuracy],
    epochMs: 0,
  });
  await postGrid(run);
}

/** One full-batch SGD step; returns the loss and correct count as (unread) scalar tensors. */
function trainEpoch(r: Run): { loss: mt.Tensor; correct: mt.Tensor } {
  return mt.tidy(() => {
    r.optimizer.zeroGrad();
    const z = r.model.forward(r.X).view(-1);
    const loss = mt.nn.functional.binaryCrossEntropyWithLogits(z, r.y);
    loss.backward();
    const correct = z.gt(0).eq(r.y).sum();
    r.optimizer.step();
    return { loss: loss.detach(), correct };
  });
}

/** The current model's mean loss and accuracy, without training. */
async function evaluate(r: Run): Promise<{ loss: number; accuracy: number }> {
  const { loss, correct } = mt.tidy(() =>
    mt.noGrad(() => {
      const z = r.model.forward(r.X).view(-1);
      return {
        loss: mt.nn.functional.binaryCrossEntropyWithLogits(z, r.y),
        correct: z.gt(0).eq(r.y).sum(),
      };
    }),
  );
  return readReport(r, loss, correct);
}

/** Reads and disposes the two scalars (`await data()` works on every backend, GPU included). */
async function readReport(
  r: Run,
  loss: mt.Tensor,
  correct: mt.Tensor,
): Promise<{ loss: number; accuracy: number }> {
  const [l, c] = await Promise.all([loss.data(), correct.data()]);
  loss.dispose();
  correct.dispose();
  return { loss: Number(l[0]), accuracy: Number(c[0]) / r.n };
}

/** Posts P(label = 1) on the GRID_SIZE² grid (row-major, row 0 at x₂ ≈ 0). */
async function postGrid(r: Run): Promise<void> {
  const p = mt.tidy(() => mt.noGrad(() => r.model.forward(r.grid).view(-1).sigmoid()));
  const values = await p.data();
  p.dispose();
  const probabilities = Float32Array.from(values, Number);
  post({ type: "grid", size: GRID_SIZE, probabilities }, [probabilities.buffer]);
}

/** Lets queued messages (pause, reset) in between chunks. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Runs epochs in chunks until paused, reset, or the epoch budget is spent. */
async function loop(): Promise<void> {
  const mine = generation;
  let lastGrid = performance.now();
  let lastCount = 1;
  while (running && mine === generation && run !== null) {
    const r = run;
    if (r.epoch >= r.config.epochs) {
      running = false;
      await postGrid(r);
      post({ type: "state", state: "done" });
      return;
    }
    const start = performance.now();
    let count = 0;
    // Every `stride`-th epoch (and the chunk's last) is read back, about MAX_SAMPLES a chunk:
    // smooth curves on CPU backends without a GPU round trip per epoch.
    const stride = Math.max(1, Math.ceil(lastCount / MAX_SAMPLES));
    const sampled: { epoch: number; loss: mt.Tensor; correct: mt.Tensor }[] = [];
    while (r.epoch < r.config.epochs && performance.now() - start < CHUNK_MS) {
      const last = sampled.at(-1);
      if (last !== undefined && last.epoch === r.epoch && r.epoch % stride !== 0) {
        sampled.pop();
        last.loss.dispose();
        last.correct.dispose();
      }
      const { loss, correct } = trainEpoch(r);
      r.epoch++;
      count++;
      sampled.push({ epoch: r.epoch, loss, correct });
    }
    lastCount = count;
    if (sampled.length > 0) {
      const reports = await Promise.all(sampled.map((s) => readReport(r, s.loss, s.correct)));
      const epochMs = (performance.now() - start) / count;
      if (mine !== generation) return;
      post({
        type: "progress",
        epochs: sampled.map((s) => s.epoch),
        losses: reports.map((x) => x.loss),
        accuracies: reports.map((x) => x.accuracy),
        epochMs,
      });
    }
    if (performance.now() - lastGrid > GRID_EVERY_MS) {
      await postGrid(r);
      lastGrid = performance.now();
    }
    await yieldToEvents();
  }
}

/** One epoch by hand (from idle or paused). */
async function step(): Promise<void> {
  const r = run;
  if (r === null || running) return;
  if (r.epoch >= r.config.epochs) {
    post({ type: "state", state: "done" });
    return;
  }
  const start = performance.now();
  const { loss, correct } = trainEpoch(r);
  r.epoch++;
  const report = await readReport(r, loss, correct);
  post({
    type: "progress",
    epochs: [r.epoch],
    losses: [report.loss],
    accuracies: [report.accuracy],
    epochMs: performance.now() - start,
  });
  await postGrid(r);
  post({ type: "state", state: r.epoch >= r.config.epochs ? "done" : "paused" });
}

/** Handles one message; errors become an `error` message for the page to show. */
async function handle(message: ToWorker): Promise<void> {
  switch (message.type) {
    case "configure":
      config = message.config;
      await build(config);
      return;
    case "reset":
      if (config !== null) await build(config);
      return;
    case "tune":
      if (run !== null) {
        run.optimizer.lr = message.lr;
        run.config = { ...run.config, lr: message.lr, epochs: message.epochs };
      }
      if (config !== null) config = { ...config, lr: message.lr, epochs: message.epochs };
      return;
    case "start":
      if (run === null || running) return;
      running = true;
      post({ type: "state", state: "training" });
      await loop();
      return;
    case "pause":
      if (!running) return;
      running = false;
      if (run !== null) await postGrid(run);
      post({ type: "state", state: "paused" });
      return;
    case "step":
      await step();
      return;
  }
}

self.addEventListener("message", (event: MessageEvent<ToWorker>) => {
  handle(event.data).catch((error: unknown) => {
    running = false;
    postError(error);
  });
});
