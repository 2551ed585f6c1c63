/**
 * The Train page: pick a toy dataset and an MLP, train it in a worker, and watch the decision
 * boundary, loss and accuracy live; plus a "Fit by hand" panel with the three parameters of a
 * linear classifier on sliders.
 */
import * as mt from "../../src/index.js";
import { drawBoundary, type Points, probabilityGrid } from "./boundary.js";
import { LineChart } from "./charts.js";
import type { FromWorker, ToWorker, TrainConfig, TrainState } from "./train_protocol.js";
import "./train.css";

/** The seed of the dataset and the initial weights (Reset gives the same start again). */
const SEED = 1;
/** Side of the hand-fit heat-map grid. */
const HAND_GRID = 40;

/** A numeric input's limits. */
interface NumberField {
  id: string;
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  integer: boolean;
}

const NUMBER_FIELDS: readonly NumberField[] = [
  { id: "points", label: "Points", value: 100, min: 2, max: 2000, step: 1, integer: true },
  { id: "hidden", label: "Hidden size", value: 10, min: 1, max: 128, step: 1, integer: true },
  { id: "layers", label: "Hidden layers", value: 2, min: 0, max: 6, step: 1, integer: true },
  {
    id: "lr",
    label: "Learning rate",
    value: 0.5,
    min: 0.0001,
    max: 10,
    step: 0.01,
    integer: false,
  },
  { id: "epochs", label: "Epochs", value: 1000, min: 1, max: 100000, step: 1, integer: true },
];

/** The element with `id` under `root`, of the given class (throws if the markup is wrong). */
function byId<T extends HTMLElement>(root: HTMLElement, id: string, kind: new () => T): T {
  const el = root.querySelector(`#${id}`);
  if (!(el instanceof kind)) throw new Error(`train page: #${id} is missing`);
  return el;
}

/** The page's markup; the ids are the stable hooks the end-to-end test uses. */
function markup(backends: readonly string[]): string {
  const datasets = mt.data.datasetNames
    .map(
      (name) => `<option value="${name}"${name === "simple" ? " selected" : ""}>${name}</option>`,
    )
    .join("");
  const numbers = NUMBER_FIELDS.map(
    (f) =>
      `<label>${f.label} <input id="${f.id}" type="number" value="${f.value}" min="${f.min}" max="${f.max}" step="${f.step}" /></label>`,
  ).join("");
  const backendOptions = backends.map((b) => `<option value="${b}">${b}</option>`).join("");
  const slider = (id: string, label: string, value: number): string =>
    `<label>${label} <input id="${id}" type="range" min="-10" max="10" step="0.1" value="${value}" /> <output id="${id}-value" for="${id}">${value.toFixed(1)}</output></label>`;
  return `
    <h2 id="train-title">Train</h2>
    <div class="train-layout">
      <div class="train-controls">
        <label>Dataset <select id="dataset">${datasets}</select></label>
        ${numbers}
        <label>Backend <select id="backend">${backendOptions}</select></label>
        <div class="train-buttons">
          <button id="start" type="button">Start</button>
          <button id="pause" type="button">Pause</button>
          <button id="step" type="button">Step</button>
          <button id="reset" type="button">Reset</button>
        </div>
        <p id="train-error" class="error" role="alert"></p>
      </div>
      <div class="train-view">
        <canvas id="boundary" width="400" height="400" aria-label="Decision boundary: predicted probability of class 1 as a heat map, with the training points"></canvas>
        <dl class="train-stats" aria-live="polite">
          <div><dt>Epoch</dt><dd id="epoch">0</dd></div>
          <div><dt>Loss</dt><dd id="loss">–</dd></div>
          <div><dt>Accuracy</dt><dd id="accuracy">–</dd></div>
          <div><dt>Epoch time</dt><dd><span id="epoch-time">–</span> ms</dd></div>
          <div><dt>Parameters</dt><dd id="param-count">–</dd></div>
          <div><dt>State</dt><dd id="train-state">idle</dd></div>
        </dl>
      </div>
      <div class="train-charts">
        <figure><figcaption>Loss</figcaption><div id="loss-chart"></div></figure>
        <figure><figcaption>Accuracy</figcaption><div id="accuracy-chart"></div></figure>
      </div>
    </div>
    <section class="train-hand" aria-labelledby="hand-title">
      <h3 id="hand-title">Fit by hand</h3>
      <p>A linear classifier on the same points: P(class 1) = σ(w1·x₁ + w2·x₂ + b). Move the sliders until the line separates the colours.</p>
      <div class="train-hand-body">
        <div class="train-hand-sliders">
          ${slider("w1", "w1", -5)}
          ${slider("w2", "w2", 0)}
          ${slider("b", "b", 2.5)}
          <p aria-live="polite">Accuracy <span id="hand-accuracy">–</span>, loss <span id="hand-loss">–</span></p>
        </div>
        <canvas id="hand-boundary" width="300" height="300" aria-label="The hand-set linear classifier's boundary over the points"></canvas>
      </div>
    </section>`;
}

/** Mounts the Train page into `root` (the empty `<section id="train">`). */
export function mountTrain(root: HTMLElement): void {
  const backends = ["cpu", "reference", ...("gpu" in navigator ? ["webgpu"] : [])];
  root.innerHTML = markup(backends);
  root.dataset.state = "idle";

  const input = (id: string): HTMLInputElement => byId(root, id, HTMLInputElement);
  const dataset = byId(root, "dataset", HTMLSelectElement);
  const backend = byId(root, "backend", HTMLSelectElement);
  const buttons = {
    start: byId(root, "start", HTMLButtonElement),
    pause: byId(root, "pause", HTMLButtonElement),
    step: byId(root, "step", HTMLButtonElement),
    reset: byId(root, "reset", HTMLButtonElement),
  };
  const out = (id: string): HTMLElement => byId(root, id, HTMLElement);
  const errorBox = out("train-error");
  const canvas = byId(root, "boundary", HTMLCanvasElement);
  const lossChart = new LineChart(out("loss-chart"), "loss", "#b03a2e");
  const accuracyChart = new LineChart(out("accuracy-chart"), "accuracy", "#1e7d32", [0, 1]);

  let points: Points = { X: [], y: [] };
  let grid: Float32Array | null = null;
  let gridSize = 0;
  let ready = false;
  let state: TrainState = "idle";

  /** A number field's value, clamped to its limits (and rounded where it must be an integer). */
  const numberValue = (f: NumberField): number => {
    const el = input(f.id);
    let v = Number(el.value);
    if (!Number.isFinite(v)) v = f.value;
    v = Math.min(f.max, Math.max(f.min, f.integer ? Math.round(v) : v));
    if (String(v) !== el.value) el.value = String(v);
    return v;
  };
  const field = (id: string): number => {
    const f = NUMBER_FIELDS.find((x) => x.id === id);
    if (f === undefined) throw new Error(`train page: no field ${id}`);
    return numberValue(f);
  };
  const config = (): TrainConfig => ({
    dataset: dataset.value,
    points: field("points"),
    hidden: field("hidden"),
    layers: field("layers"),
    lr: field("lr"),
    epochs: field("epochs"),
    backend: backend.value,
    seed: SEED,
  });

  const worker = new Worker(new URL("./train_worker.ts", import.meta.url), { type: "module" });
  const send = (message: ToWorker): void => worker.postMessage(message);

  const updateButtons = (): void => {
    buttons.start.disabled = !ready || state === "training";
    buttons.pause.disabled = !ready || state !== "training";
    buttons.step.disabled = !ready || state === "training" || state === "done";
    buttons.reset.disabled = !ready;
  };
  const setState = (next: TrainState): void => {
    state = next;
    root.dataset.state = next;
    out("train-state").textContent = next;
    updateButtons();
  };
  const redraw = (): void => drawBoundary(canvas, grid, gridSize, points);

  /** Rebuilds the data and model in the worker; the charts start over. */
  const configure = (): void => {
    const cfg = config();
    try {
      points = mt.data.makeDataset(cfg.dataset, cfg.points, new mt.Random(cfg.seed));
    } catch (error) {
      errorBox.textContent = error instanceof Error ? error.message : String(error);
      return;
    }
    errorBox.textContent = "";
    ready = false;
    grid = null;
    lossChart.clear();
    accuracyChart.clear();
    out("epoch").textContent = "0";
    out("loss").textContent = "–";
    out("accuracy").textContent = "–";
    out("epoch-time").textContent = "–";
    setState("idle");
    redraw();
    hand.update();
    send({ type: "configure", config: cfg });
  };

  worker.addEventListener("message", (event: MessageEvent<FromWorker>) => {
    const m = event.data;
    switch (m.type) {
      case "ready":
        ready = true;
        errorBox.textContent = "";
        out("param-count").textContent = String(m.paramCount);
        updateButtons();
        break;
      case "progress": {
        const last = m.epochs.length - 1;
        out("epoch").textContent = String(m.epochs[last]);
        out("loss").textContent = m.losses[last].toFixed(4);
        out("accuracy").textContent = `${(100 * m.accuracies[last]).toFixed(1)}%`;
        out("epoch-time").textContent = m.epochMs.toFixed(2);
        for (let i = 0; i <= last; i++) {
          lossChart.push(m.epochs[i], m.losses[i]);
          accuracyChart.push(m.epochs[i], m.accuracies[i]);
        }
        break;
      }
      case "grid":
        grid = m.probabilities;
        gridSize = m.size;
        redraw();
        break;
      case "state":
        setState(m.state);
        break;
      case "error":
        errorBox.textContent = m.message;
        if (state === "training") setState("paused");
        break;
    }
  });
  worker.addEventListener("error", (event) => {
    errorBox.textContent = `training worker failed: ${event.message}`;
  });

  for (const el of [dataset, backend, input("points"), input("hidden"), input("layers")]) {
    el.addEventListener("change", configure);
  }
  for (const id of ["lr", "epochs"]) {
    input(id).addEventListener("change", () => {
      send({ type: "tune", lr: field("lr"), epochs: field("epochs") });
      if (state === "done" && field("epochs") > Number(out("epoch").textContent)) {
        setState("paused");
      }
    });
  }
  buttons.start.addEventListener("click", () => {
    if (state === "done") {
      // Start after a finished run begins a fresh one.
      configure();
      worker.addEventListener("message", function once(event: MessageEvent<FromWorker>) {
        if (event.data.type !== "ready") return;
        worker.removeEventListener("message", once);
        send({ type: "start" });
      });
      return;
    }
    send({ type: "start" });
  });
  buttons.pause.addEventListener("click", () => send({ type: "pause" }));
  buttons.step.addEventListener("click", () => send({ type: "step" }));
  buttons.reset.addEventListener("click", configure);

  const hand = handFit(root, () => points);
  configure();
}

/** The "Fit by hand" panel: three sliders, a live boundary and accuracy; returns its redraw. */
function handFit(root: HTMLElement, points: () => Points): { update(): void } {
  const slider = (id: string): HTMLInputElement => byId(root, id, HTMLInputElement);
  const canvas = byId(root, "hand-boundary", HTMLCanvasElement);
  const accuracy = byId(root, "hand-accuracy", HTMLElement);
  const loss = byId(root, "hand-loss", HTMLElement);
  const update = (): void => {
    const w1 = Number(slider("w1").value);
    const w2 = Number(slider("w2").value);
    const b = Number(slider("b").value);
    for (const [id, v] of [
      ["w1", w1],
      ["w2", w2],
      ["b", b],
    ] as const) {
      byId(root, `${id}-value`, HTMLOutputElement).textContent = v.toFixed(1);
    }
    const z = (x1: number, x2: number): number => w1 * x1 + w2 * x2 + b;
    const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
    const data = points();
    let correct = 0;
    let total = 0;
    for (let i = 0; i < data.X.length; i++) {
      const v = z(data.X[i][0], data.X[i][1]);
      if (v > 0 === (data.y[i] === 1)) correct++;
      // Stable BCE from the logit.
      total += Math.max(v, 0) - v * data.y[i] + Math.log1p(Math.exp(-Math.abs(v)));
    }
    const n = data.X.length;
    accuracy.textContent = n === 0 ? "–" : `${((100 * correct) / n).toFixed(1)}%`;
    loss.textContent = n === 0 ? "–" : (total / n).toFixed(4);
    const grid = probabilityGrid(HAND_GRID, (x1, x2) => sigmoid(z(x1, x2)));
    drawBoundary(canvas, grid, HAND_GRID, data, { w1, w2, b });
  };
  for (const id of ["w1", "w2", "b"]) slider(id).addEventListener("input", update);
  return { update };
}
