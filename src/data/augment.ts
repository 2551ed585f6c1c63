import { Random } from "../random.js";
import type { BatchTransform } from "./dataloader.js";

/**
 * Data augmentation for a DataLoader: moves each image by a random whole number of pixels, up
 * to `maxShift` in each direction, filling the uncovered border with 0 (the background of
 * MNIST-style images). A digit shifted by a pixel or two is the same digit, so the network sees
 * more varied examples than the dataset holds — against overfitting a small training set.
 *
 * Seeded: the shifts of a batch depend only on (seed, epoch, batch), so a resumed run draws the
 * same ones.
 */
export function randomShift(maxShift: number, seed = 0): BatchTransform {
  if (!Number.isInteger(maxShift) || maxShift < 0) {
    throw new RangeError(`randomShift: maxShift must be an integer ≥ 0, got ${maxShift}`);
  }
  return (pixels, { epoch, batch, count, rows, cols }) => {
    if (maxShift === 0) return;
    const rng = new Random(seed * 1_000_003 + epoch * 65_537 + batch);
    const image = new Float32Array(rows * cols);
    for (let k = 0; k < count; k++) {
      const dy = rng.int(2 * maxShift + 1) - maxShift;
      const dx = rng.int(2 * maxShift + 1) - maxShift;
      const at = k * rows * cols;
      image.set(pixels.subarray(at, at + rows * cols));
      pixels.fill(0, at, at + rows * cols);
      // Row y of the result is row y − dy of the original; columns likewise.
      for (let y = Math.max(0, dy); y < Math.min(rows, rows + dy); y++) {
        const from = (y - dy) * cols;
        const x0 = Math.max(0, dx);
        const x1 = Math.min(cols, cols + dx);
        pixels.set(image.subarray(from + x0 - dx, from + x1 - dx), at + y * cols + x0);
      }
    }
  };
}
