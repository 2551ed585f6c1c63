import { describe, expect, it } from "vitest";
import { randomShift } from "../src/data/augment.js";

/** A batch of `count` rows×cols images whose pixel (k, y, x) holds a value unique to it. */
function batch(count: number, rows: number, cols: number): Float32Array {
  return Float32Array.from({ length: count * rows * cols }, (_, i) => i + 1);
}

describe("randomShift", () => {
  const info = { epoch: 3, batch: 7, count: 16, rows: 6, cols: 5 };

  it("moves each image by whole pixels within the bound, filling the border with 0", () => {
    const original = batch(info.count, info.rows, info.cols);
    const shifted = original.slice();
    randomShift(2, 11)(shifted, info);
    const px = info.rows * info.cols;
    const seen = new Set<string>();
    for (let k = 0; k < info.count; k++) {
      // Find the shift that explains image k: every pixel is the original moved by (dy, dx), or 0.
      let found: [number, number] | null = null;
      for (let dy = -2; dy <= 2 && found === null; dy++) {
        for (let dx = -2; dx <= 2 && found === null; dx++) {
          let ok = true;
          for (let y = 0; y < info.rows && ok; y++) {
            for (let x = 0; x < info.cols && ok; x++) {
              const sy = y - dy;
              const sx = x - dx;
              const inside = sy >= 0 && sy < info.rows && sx >= 0 && sx < info.cols;
              const want = inside ? original[k * px + sy * info.cols + sx] : 0;
              ok = shifted[k * px + y * info.cols + x] === want;
            }
          }
          if (ok) found = [dy, dx];
        }
      }
      expect(found, `image ${k} is not a shift of its original`).not.toBeNull();
      seen.add(String(found));
    }
    // 16 images, 25 possible shifts: they are not all the same one.
    expect(seen.size).toBeGreaterThan(1);
  });

  it("draws the same shifts for the same (seed, epoch, batch) and others for another batch", () => {
    const a = batch(info.count, info.rows, info.cols);
    const b = a.slice();
    const c = a.slice();
    randomShift(2, 11)(a, info);
    randomShift(2, 11)(b, info);
    randomShift(2, 11)(c, { ...info, batch: 8 });
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(c)).not.toEqual(Array.from(a));
  });

  it("leaves images alone with maxShift 0 and rejects a bad bound", () => {
    const a = batch(2, 3, 3);
    randomShift(0)(a, { ...info, count: 2, rows: 3, cols: 3 });
    expect(Array.from(a)).toEqual(Array.from(batch(2, 3, 3)));
    expect(() => randomShift(-1)).toThrow(/maxShift must be an integer ≥ 0, got -1/);
    expect(() => randomShift(1.5)).toThrow(/got 1.5/);
  });
});
