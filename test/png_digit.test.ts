import { describe, expect, it } from "vitest";
import { digitFromPixels, digitFromPng } from "../src/data/png_digit.js";
import { DataError } from "../src/errors.js";

/**
 * digitFromPng on PNGs made here with pngjs: every expectation (where the ink lands, how big it
 * is, where its centre of mass is) is computed from the synthetic picture's geometry.
 */

/** What the tests use of pngjs (it ships no types). */
interface PngWriter {
  PNG: {
    sync: {
      write(
        image: { width: number; height: number; data: Uint8Array },
        options?: { colorType?: number; inputColorType?: number; inputHasAlpha?: boolean },
      ): Uint8Array;
    };
  };
}

async function importPngjs(): Promise<PngWriter | null> {
  const id = "pngjs"; // through a variable: pngjs has no type declarations
  try {
    const loaded: unknown = await import(id);
    const png: unknown =
      typeof loaded === "object" && loaded !== null ? Reflect.get(loaded, "PNG") : undefined;
    return png === undefined ? null : (loaded as PngWriter);
  } catch {
    return null;
  }
}

const pngjs = await importPngjs();
if (pngjs === null) console.log("png_digit tests skipped: install pngjs (npm install pngjs)");

/** An RGBA image whose pixel (x, y) is `colour(x, y)` = [r, g, b, a]. */
function rgba(
  width: number,
  height: number,
  colour: (x: number, y: number) => [number, number, number, number],
): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(colour(x, y), (y * width + x) * 4);
  }
  return data;
}

/** A PNG of a grey picture: `level(x, y)` in 0..255, opaque. `colorType` 0 writes it as grey. */
function greyPng(
  width: number,
  height: number,
  level: (x: number, y: number) => number,
  colorType = 6,
): Uint8Array {
  const data = rgba(width, height, (x, y) => {
    const v = level(x, y);
    return [v, v, v, 255];
  });
  // A plain copy: pngjs returns a Buffer, whose slice() is a view and whose memory may be pooled.
  return new Uint8Array(pngjs!.PNG.sync.write({ width, height, data }, { colorType }));
}

/** Rows and columns holding ink, the total ink, and its centre of mass (pixel centres at +0.5). */
function measure(digit: Float32Array): {
  rows: number[];
  cols: number[];
  mass: number;
  cx: number;
  cy: number;
} {
  const rows = new Set<number>();
  const cols = new Set<number>();
  let mass = 0;
  let cx = 0;
  let cy = 0;
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const v = digit[y * 28 + x];
      if (v > 0) {
        rows.add(y);
        cols.add(x);
      }
      mass += v;
      cx += v * (x + 0.5);
      cy += v * (y + 0.5);
    }
  }
  const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return { rows: sorted(rows), cols: sorted(cols), mass, cx: cx / mass, cy: cy / mass };
}

/** a..b inclusive. */
function range(a: number, b: number): number[] {
  return Array.from({ length: b - a + 1 }, (_, i) => a + i);
}

// A 4-wide, 30-tall bar in a 40×40 picture: scaled by 20/30 it is 20 tall and round(4·2/3) = 3
// wide, every pixel fully inked; centred at 14, its rows are 4..23.
const inBar = (x: number, y: number) => x >= 5 && x <= 8 && y >= 2 && y <= 31;

(pngjs === null ? describe.skip : describe)("digitFromPng", () => {
  it("a white vertical bar on black becomes a centred 3×20 bar of ones", async () => {
    const digit = await digitFromPng(greyPng(40, 40, (x, y) => (inBar(x, y) ? 255 : 0)));
    expect(digit).toBeInstanceOf(Float32Array);
    expect(digit.length).toBe(784);
    const m = measure(digit);
    expect(m.rows).toEqual(range(4, 23));
    expect(m.cols.length).toBe(3);
    expect(m.cols[2] - m.cols[0]).toBe(2);
    expect(m.mass).toBeCloseTo(60, 4);
    expect([...digit].every((v) => v === 0 || Math.abs(v - 1) < 1e-6)).toBe(true);
    expect(Math.abs(m.cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(m.cy - 14)).toBeLessThanOrEqual(0.5);
  });

  it("a dark digit on white is inverted to the same bright-on-dark digit", async () => {
    const bright = await digitFromPng(greyPng(40, 40, (x, y) => (inBar(x, y) ? 255 : 0)));
    const dark = await digitFromPng(greyPng(40, 40, (x, y) => (inBar(x, y) ? 0 : 255)));
    expect([...dark]).toEqual([...bright]);
  });

  it("a grey background is subtracted and faint ink stretched to 1", async () => {
    const bright = await digitFromPng(greyPng(40, 40, (x, y) => (inBar(x, y) ? 255 : 0)));
    const dim = await digitFromPng(greyPng(40, 40, (x, y) => (inBar(x, y) ? 160 : 40)));
    expect([...dim].map((v) => Math.round(v * 1e5))).toEqual(
      [...bright].map((v) => Math.round(v * 1e5)),
    );
  });

  it("reads grey (colour type 0) PNGs like RGBA ones", async () => {
    const level = (x: number, y: number) => (inBar(x, y) ? 255 : 0);
    expect([...(await digitFromPng(greyPng(40, 40, level, 0)))]).toEqual([
      ...(await digitFromPng(greyPng(40, 40, level, 6))),
    ]);
  });

  it("composites transparency: black strokes on a transparent background read as ink", async () => {
    const data = rgba(40, 40, (x, y) => (inBar(x, y) ? [0, 0, 0, 255] : [0, 0, 0, 0]));
    const png = pngjs!.PNG.sync.write({ width: 40, height: 40, data });
    const bright = await digitFromPng(greyPng(40, 40, (x, y) => (inBar(x, y) ? 255 : 0)));
    expect([...(await digitFromPng(png))]).toEqual([...bright]);
  });

  it("a 200×100 picture of a disk gives a 20-px disk centred in 28×28", async () => {
    // Disk of radius 30 around (60.5, 40.5): its bounding box is 60×60 → 20×20.
    const inDisk = (x: number, y: number) => (x - 60) ** 2 + (y - 40) ** 2 <= 30 ** 2;
    const digit = await digitFromPng(greyPng(200, 100, (x, y) => (inDisk(x, y) ? 255 : 0)));
    expect(digit.length).toBe(784);
    expect([...digit].every((v) => v >= 0 && v <= 1)).toBe(true);
    const m = measure(digit);
    expect(m.rows.length).toBe(20);
    expect(m.cols.length).toBe(20);
    expect(Math.abs(m.cx - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(m.cy - 14)).toBeLessThanOrEqual(0.5);
    // Area-averaged: the centre is solid, the rim partly covered.
    expect(digit[14 * 28 + 14]).toBeCloseTo(1, 6);
    expect([...digit].some((v) => v > 0.05 && v < 0.95)).toBe(true);
  });

  it("keeps the aspect ratio: a 60×30 block becomes 20×10", async () => {
    const inBlock = (x: number, y: number) => x >= 10 && x < 70 && y >= 20 && y < 50;
    const m = measure(await digitFromPng(greyPng(100, 80, (x, y) => (inBlock(x, y) ? 255 : 0))));
    expect(m.cols).toEqual(range(4, 23));
    expect(m.rows).toEqual(range(9, 18));
    expect(m.mass).toBeCloseTo(200, 4);
  });

  it("scales a small digit up to the 20-px box", async () => {
    // A 2×4 block in an 8×8 picture → 10×20.
    const inBlock = (x: number, y: number) => x >= 3 && x < 5 && y >= 1 && y < 5;
    const m = measure(await digitFromPng(greyPng(8, 8, (x, y) => (inBlock(x, y) ? 255 : 0))));
    expect(m.rows).toEqual(range(4, 23));
    expect(m.cols).toEqual(range(9, 18));
  });

  it("a blank picture gives 784 zeros", async () => {
    const digit = await digitFromPng(greyPng(30, 30, () => 255));
    expect([...digit]).toEqual(new Array(784).fill(0));
  });

  it("malformed bytes are a DataError naming the file", async () => {
    const good = greyPng(40, 40, (x, y) => (inBar(x, y) ? 255 : 0));
    await expect(digitFromPng(new Uint8Array([1, 2, 3]), "three.png")).rejects.toThrow(
      new DataError("three.png: not a PNG image (no PNG signature)"),
    );
    const truncated = good.slice(0, 40);
    await expect(digitFromPng(truncated, "cut.png")).rejects.toThrow(DataError);
    await expect(digitFromPng(truncated, "cut.png")).rejects.toThrow(/^cut\.png: /);
    const corrupt = good.slice();
    corrupt.fill(0xab, 40, corrupt.length - 12); // the compressed pixels, past the IHDR chunk
    await expect(digitFromPng(corrupt, "corrupt.png")).rejects.toThrow(/^corrupt\.png: /);
    // A header claiming a gigantic image is refused before any decoding.
    const huge = good.slice();
    new DataView(huge.buffer).setUint32(16, 100_000);
    new DataView(huge.buffer).setUint32(20, 100_000);
    await expect(digitFromPng(huge, "huge.png")).rejects.toThrow(
      /huge\.png: a 100000×100000 image/,
    );
  });
});

describe("digitFromPixels", () => {
  it("rejects pixel arrays that do not fit the size", () => {
    expect(() => digitFromPixels(new Uint8Array(10), 2, 2, "canvas")).toThrow(
      new DataError("canvas: 10 RGBA values do not fill a 2×2 image (16 expected)"),
    );
    expect(() => digitFromPixels(new Uint8Array(0), 0, 0)).toThrow(DataError);
  });

  it("takes a canvas's RGBA directly", () => {
    const data = rgba(40, 40, (x, y) => (inBar(x, y) ? [255, 255, 255, 255] : [0, 0, 0, 255]));
    const m = measure(digitFromPixels(data, 40, 40));
    expect(m.rows).toEqual(range(4, 23));
    expect(m.mass).toBeCloseTo(60, 4);
  });
});
