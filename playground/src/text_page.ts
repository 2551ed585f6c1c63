/**
 * The Text page: load a GPT model file that `minitorch train gpt` wrote, or train a tiny one in
 * the page (in a worker, text_worker.ts, which hands back the same kind of file); type a prompt
 * and watch the characters stream; beside it, the attention weights of a chosen layer and head
 * over the prompt as a heat map. Generation runs on the page's thread on the cpu backend
 * (reference where WebAssembly cannot load): one token at a time is quick, and it streams.
 */
import * as mt from "../../src/index.js";
import { type FromTextWorker, TINY_GPT, type ToTextWorker } from "./text_protocol.js";
import "./text.css";

function byId<T extends HTMLElement>(root: HTMLElement, id: string, kind: new () => T): T {
  const el = root.querySelector(`#${id}`);
  if (!(el instanceof kind)) throw new Error(`text page: #${id} is missing`);
  return el;
}

function markup(): string {
  return `
    <h2 id="text-title">Text</h2>
    <div class="text-layout">
      <div class="text-controls">
        <label>A model file from <code>minitorch train gpt</code>
          <input id="gpt-file" type="file" accept=".safetensors" />
        </label>
        <p class="text-train">or
          <button id="gpt-train" type="button">Train a tiny one</button> here on WordNet's adverbs, for
          <input id="gpt-iters" type="number" value="${TINY_GPT.iters}" min="10" max="5000" step="10" aria-label="Training steps" /> steps
          <a id="gpt-download" hidden download="tiny-gpt.safetensors">download it</a>
        </p>
        <p id="gpt-error" class="error" role="alert"></p>
        <p id="gpt-status" aria-live="polite">No model yet: load a file, or train a tiny one.</p>
        <label>Prompt <input id="gpt-prompt" type="text" value="lantern:" /></label>
        <label>Characters <input id="gpt-tokens" type="number" value="200" min="1" max="2000" /></label>
        <label>Temperature <input id="gpt-temperature" type="number" value="0.8" min="0.1" max="2" step="0.1" /></label>
        <button id="gpt-generate" type="button" disabled>Generate</button>
      </div>
      <pre id="gpt-output" aria-live="polite"></pre>
      <figure class="text-attention">
        <label>Layer <select id="gpt-layer"></select></label>
        <label>Head <select id="gpt-head"></select></label>
        <canvas id="gpt-heatmap" width="320" height="320" aria-label="Attention weights of the prompt: row i, the weights character i gives characters 0 … i"></canvas>
        <figcaption id="gpt-heatmap-caption">Attention over the prompt</figcaption>
      </figure>
    </div>
  `;
}

/** Paints weights [T, T] in 0..1 as a heat map (dark: 0, bright: 1). */
function paintHeatmap(canvas: HTMLCanvasElement, weights: number[][]): void {
  const ctx = canvas.getContext("2d");
  if (ctx === null || weights.length === 0) return;
  const cell = canvas.width / weights.length;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  for (const [i, row] of weights.entries()) {
    for (const [j, w] of row.entries()) {
      ctx.fillStyle = `rgb(${Math.round(255 * w)}, ${Math.round(160 * w)}, 40)`;
      ctx.fillRect(j * cell, i * cell, cell, cell);
    }
  }
}

function disposeGpt(m: mt.models.GPT): void {
  for (const p of m.parameters()) if (p.value instanceof mt.Tensor) p.value.dispose();
}

export function mountText(root: HTMLElement): void {
  root.innerHTML = markup();
  const file = byId(root, "gpt-file", HTMLInputElement);
  const error = byId(root, "gpt-error", HTMLElement);
  const status = byId(root, "gpt-status", HTMLElement);
  const prompt = byId(root, "gpt-prompt", HTMLInputElement);
  const tokens = byId(root, "gpt-tokens", HTMLInputElement);
  const temperature = byId(root, "gpt-temperature", HTMLInputElement);
  const generate = byId(root, "gpt-generate", HTMLButtonElement);
  const output = byId(root, "gpt-output", HTMLElement);
  const layer = byId(root, "gpt-layer", HTMLSelectElement);
  const head = byId(root, "gpt-head", HTMLSelectElement);
  const heatmap = byId(root, "gpt-heatmap", HTMLCanvasElement);
  const trainButton = byId(root, "gpt-train", HTMLButtonElement);
  const iters = byId(root, "gpt-iters", HTMLInputElement);
  const download = byId(root, "gpt-download", HTMLAnchorElement);
  let model: mt.models.GPT | null = null;
  let worker: Worker | null = null;
  /** The model a Generate press is streaming from (freed only once it is done). */
  let generating: mt.models.GPT | null = null;
  const ready = mt.setBackend("cpu").catch(() => mt.setBackend("reference"));

  const options = (select: HTMLSelectElement, n: number) => {
    select.innerHTML = Array.from(
      { length: n },
      (_, i) => `<option value="${i}">${i}</option>`,
    ).join("");
  };

  async function showAttention(): Promise<void> {
    if (model === null) return;
    const text = prompt.value.slice(-model.config.blockSize);
    if (text === "") return;
    let ids: number[];
    try {
      ids = model.encode(text);
    } catch (e) {
      error.textContent = e instanceof Error ? e.message : String(e);
      return;
    }
    const idx = mt.tensor([ids], { dtype: "int32" });
    const weights = model.attentionWeights(idx);
    idx.dispose();
    const all = (await weights[Number(layer.value)].data()) as Float32Array;
    const t = ids.length;
    const h = Number(head.value);
    const rows = Array.from({ length: t }, (_, i) =>
      Array.from(all.subarray((h * t + i) * t, (h * t + i + 1) * t)),
    );
    for (const w of weights) w.dispose();
    paintHeatmap(heatmap, rows);
  }

  /** Uses a model file's bytes (loaded or trained here); an unusable one is shown, naming it. */
  async function useModel(bytes: Uint8Array, name: string): Promise<boolean> {
    error.textContent = "";
    await ready;
    let loaded: mt.models.GPT;
    try {
      loaded = mt.models.GPT.fromSafetensors(bytes);
      if (loaded.vocab === null) throw new Error(`${name} has no vocab metadata`);
    } catch (e) {
      error.textContent = `${name}: ${e instanceof Error ? e.message : String(e)}`;
      return false;
    }
    loaded.eval();
    const old = model;
    model = loaded;
    if (old !== null && old !== generating) disposeGpt(old);
    const c = loaded.config;
    status.textContent = `Loaded ${name}: ${c.nLayer} layers, ${c.nHead} heads, width ${c.nEmbd}, block ${c.blockSize}, ${loaded.vocab?.length} characters`;
    options(layer, c.nLayer);
    options(head, c.nHead);
    generate.disabled = false;
    await showAttention();
    return true;
  }

  file.addEventListener("change", async () => {
    const chosen = file.files?.[0];
    if (chosen === undefined) return;
    await useModel(new Uint8Array(await chosen.arrayBuffer()), chosen.name);
  });

  const setTraining = (on: boolean): void => {
    trainButton.disabled = on;
    file.disabled = on;
  };
  const onWorkerMessage = async (event: MessageEvent<FromTextWorker>): Promise<void> => {
    const m = event.data;
    switch (m.type) {
      case "status":
        status.textContent = m.text;
        return;
      case "trained": {
        const name = "tiny-gpt.safetensors";
        URL.revokeObjectURL(download.href);
        // A copy: Blob takes bytes backed by a plain ArrayBuffer, and `m.bytes` is handed to useModel.
        download.href = URL.createObjectURL(
          new Blob([m.bytes.slice()], { type: "application/octet-stream" }),
        );
        download.hidden = false;
        if (await useModel(m.bytes, name)) status.textContent = m.text;
        setTraining(false);
        return;
      }
      case "error":
        status.textContent = `Training failed: ${m.message}`;
        setTraining(false);
        return;
    }
  };
  trainButton.addEventListener("click", () => {
    if (worker === null) {
      worker = new Worker(new URL("./text_worker.ts", import.meta.url), { type: "module" });
      worker.addEventListener("message", (event) => void onWorkerMessage(event));
      worker.addEventListener("error", (event) => {
        status.textContent = `Training failed: ${event.message || "the worker could not start"}`;
        setTraining(false);
      });
    }
    const steps = Math.min(5000, Math.max(10, Math.round(Number(iters.value) || TINY_GPT.iters)));
    iters.value = String(steps);
    error.textContent = "";
    setTraining(true);
    const message: ToTextWorker = { type: "train", settings: { ...TINY_GPT, iters: steps } };
    worker.postMessage(message);
  });

  generate.addEventListener("click", async () => {
    const m = model;
    if (m === null) return;
    error.textContent = "";
    generate.disabled = true;
    generating = m;
    output.textContent = prompt.value;
    try {
      const stream = m.generate(m.encode(prompt.value === "" ? "\n" : prompt.value), {
        maxNewTokens: Number(tokens.value),
        temperature: Number(temperature.value),
        topK: 40,
      });
      for await (const token of stream) output.textContent += m.decode([token]);
      status.textContent = `Generated ${tokens.value} characters`;
    } catch (e) {
      // A character outside the vocabulary, a temperature of 0, …: the library's message.
      error.textContent = e instanceof Error ? e.message : String(e);
    } finally {
      generating = null;
      // A model trained or loaded meanwhile replaced this one: free it now that it is done.
      if (m !== model) disposeGpt(m);
      generate.disabled = model === null;
    }
  });

  prompt.addEventListener("input", () => void showAttention());
  for (const select of [layer, head]) select.addEventListener("change", () => void showAttention());
}
