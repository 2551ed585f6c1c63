/**
 * Draws a 2-D binary classifier on a canvas: its predicted probability as a heat map over
 * [0, 1]², with the labelled points on top (x₁ to the right, x₂ upwards).
 */

/** A labelled point set in [0, 1]², as the library's toy datasets give it. */
export interface Points {
  readonly X: readonly (readonly [number, number])[];
  readonly y: readonly number[];
}

/** Point colours: class 0 and class 1. */
const POINT = ["#2b6cb0", "#dd6b20"] as const;
/** Heat-map colours at p = 0, ½ and 1 (pale versions of the point colours, white between). */
const LOW: readonly [number, number, number] = [178, 206, 236];
const MID: readonly [number, number, number] = [255, 255, 255];
const HIGH: readonly [number, number, number] = [250, 200, 160];

function mix(
  a: readonly [number, number, number],
  b: readonly [number, number, number],
  t: number,
): [number, number, number] {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** The heat-map colour of probability p. */
function heat(p: number): [number, number, number] {
  const q = Number.isFinite(p) ? Math.min(1, Math.max(0, p)) : 0.5;
  return q < 0.5 ? mix(LOW, MID, q * 2) : mix(MID, HIGH, (q - 0.5) * 2);
}

/** P(label = 1) on a size × size grid of cell centres, row-major with row 0 at x₂ ≈ 0. */
export function probabilityGrid(size: number, p: (x1: number, x2: number) => number): Float32Array {
  const out = new Float32Array(size * size);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      out[row * size + col] = p((col + 0.5) / size, (row + 0.5) / size);
    }
  }
  return out;
}

/**
 * Paints `grid` (size × size probabilities, row 0 at the bottom; null for a blank background)
 * scaled to the whole canvas, then the points, then an optional straight line (for the linear
 * classifier: w1·x₁ + w2·x₂ + b = 0).
 */
export function drawBoundary(
  canvas: HTMLCanvasElement,
  grid: Float32Array | null,
  size: number,
  points: Points,
  line?: { w1: number; w2: number; b: number },
): void {
  const ctx = canvas.getContext("2d");
  if (ctx === null) return;
  const { width, height } = canvas;
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, height);
  if (grid !== null && grid.length === size * size) {
    const image = new ImageData(size, size);
    for (let row = 0; row < size; row++) {
      // Canvas rows run downwards; grid row 0 is x₂ ≈ 0, the bottom.
      const imageRow = size - 1 - row;
      for (let col = 0; col < size; col++) {
        const [r, g, b] = heat(grid[row * size + col]);
        const k = (imageRow * size + col) * 4;
        image.data[k] = r;
        image.data[k + 1] = g;
        image.data[k + 2] = b;
        image.data[k + 3] = 255;
      }
    }
    const small = document.createElement("canvas");
    small.width = size;
    small.height = size;
    small.getContext("2d")?.putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(small, 0, 0, width, height);
  }
  if (line !== undefined) drawLine(ctx, width, height, line);
  const radius = Math.max(2.5, Math.min(width, height) / 110);
  ctx.lineWidth = 1;
  ctx.strokeStyle = "#fff";
  for (let i = 0; i < points.X.length; i++) {
    const [x1, x2] = points.X[i];
    ctx.fillStyle = POINT[points.y[i] === 1 ? 1 : 0];
    ctx.beginPath();
    ctx.arc(x1 * width, (1 - x2) * height, radius, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
}

/** The line w1·x₁ + w2·x₂ + b = 0 across the unit square (nothing when w1 = w2 = 0). */
function drawLine(
  ctx: CanvasRenderingContext2D,
  width: number,
  height: number,
  { w1, w2, b }: { w1: number; w2: number; b: number },
): void {
  let ends: [number, number][];
  if (Math.abs(w2) > Math.abs(w1)) {
    ends = [
      [0, -b / w2],
      [1, -(w1 + b) / w2],
    ];
  } else if (w1 !== 0) {
    ends = [
      [-b / w1, 0],
      [-(w2 + b) / w1, 1],
    ];
  } else {
    return;
  }
  ctx.strokeStyle = "#333";
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(ends[0][0] * width, (1 - ends[0][1]) * height);
  ctx.lineTo(ends[1][0] * width, (1 - ends[1][1]) * height);
  ctx.stroke();
}
