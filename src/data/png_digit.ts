/**
 * Any picture of a digit → the 28×28 grey input an MNIST network expects, by MNIST's own recipe:
 * grey, bright ink on a dark background, cropped to the ink, the longer side scaled to 20 px
 * (aspect kept, area-averaged), and placed in a 28×28 field so its centre of mass is at the centre.
 */

import { DataError } from "../errors.js";

/** Side of the output field. */
const FIELD = 28;
/** Side of the box the digit is scaled into, as MNIST's 20×20 inside 28×28. */
const BOX = 20;
/** Pixels at least this bright (relative to the brightest ink) count when cropping. */
const INK = 0.1;
/** Images over this many pixels are refused before decoding (a 16-bit RGBA one is 8 bytes each). */
const MAX_PIXELS = 40_000_000;

/** What this file uses of pngjs (which ships no types). */
interface PngImage {
  width: number;
  height: number;
  /** RGBA, 8 bits per channel, row-major (pngjs converts every colour type and depth to this). */
  data: ArrayLike<number>;
}
interface PngModule {
  PNG: { sync: { read(buffer: Uint8Array): PngImage } };
}

/** Whether `value` looks like pngjs's module (its exports, or a default export holding them). */
function isPngModule(value: unknown): value is PngModule {
  if (typeof value !== "object" || value === null) return false;
  const png: unknown = Reflect.get(value, "PNG");
  if (typeof png !== "function" && (typeof png !== "object" || png === null)) return false;
  const sync: unknown = Reflect.get(png, "sync");
  return (
    typeof sync === "object" && sync !== null && typeof Reflect.get(sync, "read") === "function"
  );
}

let pngModule: Promise<PngModule> | undefined;

/**
 * pngjs, imported on first use: a dynamic import through a variable, so the library loads (and
 * typechecks) where pngjs is absent, and only reading a PNG needs it.
 */
function loadPng(): Promise<PngModule> {
  pngModule ??= (async () => {
    const id = "pngjs";
    let loaded: unknown;
    try {
      loaded = await import(id);
    } catch (error) {
      pngModule = undefined; // let a later call retry once the package is installed
      throw new DataError(
        `digitFromPng: reading PNGs needs the pngjs package (npm install pngjs): ${error instanceof Error ? error.message : error}`,
      );
    }
    const module = isPngModule(loaded)
      ? loaded
      : typeof loaded === "object" && loaded !== null
        ? Reflect.get(loaded, "default")
        : undefined;
    if (!isPngModule(module)) throw new DataError("digitFromPng: pngjs has no PNG.sync.read");
    return module;
  })();
  return pngModule;
}

/** Width and height from a PNG's IHDR chunk, or undefined when the bytes do not start like a PNG. */
function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 24 || signature.some((b, i) => bytes[i] !== b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Decodes a PNG (any size, colour type or bit depth) and returns the digit in it as 784 values in
 * [0, 1], row-major 28×28, white ink on black as in MNIST (see `digitFromPixels` for the recipe).
 * Bytes that are not a readable PNG are a DataError naming `file`. Async because pngjs is loaded
 * on first use.
 */
export async function digitFromPng(bytes: Uint8Array, file = "<bytes>"): Promise<Float32Array> {
  const size = pngSize(bytes);
  if (size === undefined) throw new DataError(`${file}: not a PNG image (no PNG signature)`);
  if (size.width * size.height > MAX_PIXELS) {
    throw new DataError(
      `${file}: a ${size.width}×${size.height} image is over the ${MAX_PIXELS}-pixel limit`,
    );
  }
  const { PNG } = await loadPng();
  let image: PngImage;
  try {
    // pngjs reads with Buffer methods: hand it a Buffer over the same bytes where there is one.
    const buffer = globalThis.Buffer?.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    image = PNG.sync.read(buffer ?? bytes);
  } catch (error) {
    throw new DataError(
      `${file}: not a readable PNG image (${error instanceof Error ? error.message : error})`,
    );
  }
  return digitFromPixels(image.data, image.width, image.height, file);
}

/**
 * The MNIST recipe on raw 8-bit RGBA pixels (a PNG's, or a canvas's `ImageData.data`):
 * 1. grey = 0.299 R + 0.587 G + 0.114 B; transparent pixels are composited on the colour that
 *    contrasts with the opaque ones (white behind dark strokes, black behind light ones);
 * 2. polarity: MNIST digits are bright on dark, so when the background — the median grey, the
 *    digit being assumed to cover less than half the picture — is bright, the image is inverted;
 * 3. the background level is subtracted and the brightest ink scaled to 1;
 * 4. cropped to the bounding box of the ink (pixels ≥ 10% of the brightest), its longer side
 *    scaled to 20 px keeping the aspect ratio (each output pixel the area-average of the source
 *    pixels it covers);
 * 5. placed in a 28×28 black field with its centre of mass at the centre.
 * A blank image gives 784 zeros. Returns 784 values in [0, 1], row-major.
 */
export function digitFromPixels(
  rgba: ArrayLike<number>,
  width: number,
  height: number,
  source = "<pixels>",
): Float32Array {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
    throw new DataError(`${source}: image size ${width}×${height} is not positive integers`);
  }
  const n = width * height;
  if (rgba.length !== n * 4) {
    throw new DataError(
      `${source}: ${rgba.length} RGBA values do not fill a ${width}×${height} image (${n * 4} expected)`,
    );
  }
  const out = new Float32Array(FIELD * FIELD);
  const grey = greyscale(rgba, n);
  if (grey === undefined) return out; // fully transparent

  const background = median(grey);
  const invert = background > 0.5;
  const level = invert ? 1 - background : background;
  let brightest = 0;
  for (let i = 0; i < n; i++) {
    const v = invert ? 1 - grey[i] : grey[i];
    grey[i] = v;
    if (v > brightest) brightest = v;
  }
  const range = brightest - level;
  if (range < 1 / 255) return out; // blank: nothing brighter than the background
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const v = Math.min(1, Math.max(0, (grey[i] - level) / range));
      grey[i] = v;
      if (v >= INK) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }

  const cropW = x1 - x0 + 1;
  const cropH = y1 - y0 + 1;
  const scale = BOX / Math.max(cropW, cropH);
  const w = Math.max(1, Math.min(BOX, Math.round(cropW * scale)));
  const h = Math.max(1, Math.min(BOX, Math.round(cropH * scale)));
  const digit = resample(grey, width, x0, y0, cropW, cropH, w, h);

  let mass = 0;
  let mx = 0;
  let my = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = digit[y * w + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  // Pixel centres are at +0.5, so the field's centre is at 14 in both directions.
  const left = clamp(Math.round(FIELD / 2 - mx / mass), 0, FIELD - w);
  const top = clamp(Math.round(FIELD / 2 - my / mass), 0, FIELD - h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) out[(top + y) * FIELD + left + x] = digit[y * w + x];
  }
  return out;
}

/** `v` limited to [lo, hi]. */
function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/**
 * Grey levels in [0, 1], transparency composited on the colour contrasting with the opaque
 * content; undefined when every pixel is fully transparent.
 */
function greyscale(rgba: ArrayLike<number>, n: number): Float64Array | undefined {
  const grey = new Float64Array(n);
  const alpha = new Float64Array(n);
  let opaque = true;
  let coverage = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    const l = (0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2]) / 255;
    const a = rgba[4 * i + 3] / 255;
    grey[i] = l;
    alpha[i] = a;
    if (a < 1) opaque = false;
    coverage += a;
    weighted += a * l;
  }
  if (opaque) return grey;
  if (coverage === 0) return undefined;
  const behind = weighted / coverage < 0.5 ? 1 : 0;
  for (let i = 0; i < n; i++) grey[i] = alpha[i] * grey[i] + (1 - alpha[i]) * behind;
  return grey;
}

/** The median of values in [0, 1], to 1/4096, from a histogram (no sort of a large image). */
function median(values: Float64Array): number {
  const bins = 4096;
  const counts = new Uint32Array(bins);
  for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor(v * bins)))]++;
  const half = values.length / 2;
  let seen = 0;
  for (let b = 0; b < bins; b++) {
    seen += counts[b];
    // The bin's nearer edge to the extremes, so a pure black or white background reads as 0 or 1.
    if (seen >= half) return b === bins - 1 ? 1 : b / bins;
  }
  return 1;
}

/** For each of `m` output cells over `n` source cells: the source indices it covers and weights. */
function areaWeights(n: number, m: number): [number, number][][] {
  const step = n / m;
  const taps: [number, number][][] = [];
  for (let j = 0; j < m; j++) {
    const lo = j * step;
    const hi = Math.min(n, (j + 1) * step);
    const cell: [number, number][] = [];
    for (let i = Math.floor(lo); i < Math.min(n, Math.ceil(hi)); i++) {
      const overlap = Math.min(hi, i + 1) - Math.max(lo, i);
      if (overlap > 0) cell.push([i, overlap / step]);
    }
    taps.push(cell);
  }
  return taps;
}

/**
 * The crop [x0, x0+cropW) × [y0, y0+cropH) of a `width`-wide image resampled to w × h, each output
 * pixel the average of the source area it covers (separably: rows, then columns).
 */
function resample(
  image: Float64Array,
  width: number,
  x0: number,
  y0: number,
  cropW: number,
  cropH: number,
  w: number,
  h: number,
): Float64Array {
  const across = areaWeights(cropW, w);
  const down = areaWeights(cropH, h);
  const rows = new Float64Array(cropH * w);
  for (let y = 0; y < cropH; y++) {
    const base = (y0 + y) * width + x0;
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (const [i, weight] of across[x]) sum += weight * image[base + i];
      rows[y * w + x] = sum;
    }
  }
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (const [i, weight] of down[y]) sum += weight * rows[i * w + x];
      out[y * w + x] = sum;
    }
  }
  return out;
}
