/** One epoch's numbers, as the MNIST trainer records them. */
export interface EpochMetrics {
  epoch: number;
  /** Mean training loss over the epoch's batches. */
  trainLoss: number;
  /** Fraction of training examples classified correctly during the epoch. */
  trainAccuracy: number;
  /** Fraction of the validation examples classified correctly after the epoch. */
  validationAccuracy: number;
  /** Seconds the epoch took. */
  seconds: number;
}

const WIDTH = 640;
const PANEL_HEIGHT = 220;
const MARGIN = { left: 56, right: 120, top: 28, bottom: 36 };

/** x, y pairs scaled into a panel, as an SVG polyline's points. */
function points(
  values: readonly number[],
  lo: number,
  hi: number,
  top: number,
  epochs: number,
): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  return values
    .map((v, i) => {
      const x = MARGIN.left + (epochs <= 1 ? plotW / 2 : (i / (epochs - 1)) * plotW);
      const y = top + MARGIN.top + plotH - ((v - lo) / (hi - lo || 1)) * plotH;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(" ");
}

interface Series {
  name: string;
  values: number[];
  color: string;
}

/** One panel: a title, a y axis from lo to hi with three ticks, and its series with a legend. */
function panel(
  title: string,
  series: Series[],
  lo: number,
  hi: number,
  top: number,
  epochs: number,
  format: (v: number) => string,
): string {
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const right = WIDTH - MARGIN.right;
  const parts = [
    `<text x="${MARGIN.left}" y="${top + 18}" font-weight="bold">${title}</text>`,
    `<rect x="${MARGIN.left}" y="${top + MARGIN.top}" width="${right - MARGIN.left}" height="${plotH}" fill="none" stroke="#bbb"/>`,
  ];
  for (const f of [0, 0.5, 1]) {
    const y = top + MARGIN.top + plotH - f * plotH;
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${format(lo + f * (hi - lo))}</text>`,
    );
  }
  series.forEach((s, i) => {
    parts.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points(s.values, lo, hi, top, epochs)}"/>`,
      `<text x="${right + 10}" y="${top + MARGIN.top + 14 + 18 * i}" fill="${s.color}">${s.name}</text>`,
    );
  });
  parts.push(
    `<text x="${(MARGIN.left + right) / 2}" y="${top + PANEL_HEIGHT - 8}" text-anchor="middle">epoch (1–${epochs})</text>`,
  );
  return parts.join("\n");
}

/**
 * The training curves as a standalone SVG: training loss per epoch on top, training and
 * validation accuracy below. Plain SVG text, so any browser or image viewer shows it.
 */
export function metricsSvg(history: readonly EpochMetrics[], title: string): string {
  const epochs = history.length;
  const losses = history.map((m) => m.trainLoss);
  const maxLoss = Math.max(...losses, 1e-9);
  const accuracies = history.flatMap((m) => [m.trainAccuracy, m.validationAccuracy]);
  const lowAcc = Math.min(0.9, Math.floor(Math.min(...accuracies, 1) * 10) / 10);
  const height = 2 * PANEL_HEIGHT + 30;
  const escapeXml = (s: string): string =>
    s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
    panel(
      "loss",
      [{ name: "train loss", values: losses, color: "#d62728" }],
      0,
      maxLoss,
      24,
      epochs,
      (v) => v.toFixed(2),
    ),
    panel(
      "accuracy",
      [
        { name: "train", values: history.map((m) => m.trainAccuracy), color: "#1f77b4" },
        { name: "validation", values: history.map((m) => m.validationAccuracy), color: "#2ca02c" },
      ],
      lowAcc,
      1,
      24 + PANEL_HEIGHT,
      epochs,
      (v) => `${(100 * v).toFixed(0)}%`,
    ),
    "</svg>",
    "",
  ].join("\n");
}
