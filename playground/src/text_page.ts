/**
 * The Text page (work in progress, issue 15): load a GPT model file that `minitorch train gpt`
 * wrote, type a prompt, and watch the characters stream; beside it, the attention weights of a
 * chosen layer and head over the prompt as a heat map. Runs on the page's thread on the cpu
 * backend (reference where WebAssembly cannot load); training a tiny model in a worker is still
 * to come.
 */
import * as mt from "../../src/index.js";
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
        <p id="gpt-error" class="error" role="alert"></p>
        <p id="gpt-status" aria-live="polite">No model yet: load a file.</p>
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
  let model: mt.models.GPT | null = null;
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

  file.addEventListener("change", async () => {
    const chosen = file.files?.[0];
    if (chosen === undefined) return;
    error.textContent = "";
    await ready;
    try {
      model = mt.models.GPT.fromSafetensors(new Uint8Array(await chosen.arrayBuffer()));
      model.eval();
      if (model.vocab === null) throw new Error(`${chosen.name} has no vocab metadata`);
    } catch (e) {
      model = null;
      generate.disabled = true;
      error.textContent = `${chosen.name}: ${e instanceof Error ? e.message : String(e)}`;
      return;
    }
    const c = model.config;
    status.textContent = `Loaded ${chosen.name}: ${c.nLayer} layers, ${c.nHead} heads, width ${c.nEmbd}, block ${c.blockSize}, ${model.vocab?.length} characters`;
    options(layer, c.nLayer);
    options(head, c.nHead);
    generate.disabled = false;
    await showAttention();
  });

  generate.addEventListener("click", async () => {
    if (model === null) return;
    error.textContent = "";
    let ids: number[];
    try {
      ids = model.encode(prompt.value === "" ? "\n" : prompt.value);
    } catch (e) {
      error.textContent = e instanceof Error ? e.message : String(e);
      return;
    }
    generate.disabled = true;
    output.textContent = prompt.value;
    const stream = model.generate(ids, {
      maxNewTokens: Number(tokens.value),
      temperature: Number(temperature.value),
      topK: 40,
    });
    for await (const token of stream) output.textContent += model.decode([token]);
    generate.disabled = false;
    status.textContent = `Generated ${tokens.value} characters`;
  });

  prompt.addEventListener("input", () => void showAttention());
  for (const select of [layer, head]) select.addEventListener("change", () => void showAttention());
}
