/** A small live line chart (one series against epoch) on top of uPlot. */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

/** A uPlot line chart that grows one point at a time and follows its container's width. */
export class LineChart {
  readonly #plot: uPlot;
  readonly #xs: number[] = [];
  readonly #ys: number[] = [];
  #pending = false;

  /** A chart of `label` in `container`; `yRange` pins the y axis (e.g. [0, 1] for accuracy). */
  constructor(container: HTMLElement, label: string, color: string, yRange?: [number, number]) {
    const options: uPlot.Options = {
      width: Math.max(200, container.clientWidth || 320),
      height: 180,
      legend: { show: false },
      cursor: { show: false },
      scales: {
        x: { time: false },
        y: yRange === undefined ? { auto: true } : { auto: false, range: yRange },
      },
      axes: [{ label: "epoch" }, { label }],
      series: [{}, { label, stroke: color, width: 2, points: { show: false } }],
    };
    this.#plot = new uPlot(options, [[], []], container);
    new ResizeObserver(() => {
      const width = Math.max(200, container.clientWidth);
      if (width !== this.#plot.width) this.#plot.setSize({ width, height: 180 });
    }).observe(container);
  }

  /** Appends (x, y) and redraws on the next frame (many points per frame cost one redraw). */
  push(x: number, y: number): void {
    // A point at or before the last x (a restart) replaces the tail, so x stays increasing.
    while (this.#xs.length > 0 && this.#xs[this.#xs.length - 1] >= x) {
      this.#xs.pop();
      this.#ys.pop();
    }
    this.#xs.push(x);
    this.#ys.push(y);
    this.#schedule();
  }

  /** Removes every point. */
  clear(): void {
    this.#xs.length = 0;
    this.#ys.length = 0;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#pending) return;
    this.#pending = true;
    requestAnimationFrame(() => {
      this.#pending = false;
      this.#plot.setData([this.#xs, this.#ys]);
    });
  }
}
