/**
 * When the thread pool splits work, and how it cuts it into ranges: measured thresholds by the
 * workers' state, and range cutting that keeps every range on the kernels' own alignment, so a
 * split result is bit for bit the single-threaded one (sums of one long run excepted: partial
 * sums round differently).
 */

import { canShareMemory, hardwareThreads, nodeProcess } from "../../platform.js";

/** Most threads a pool runs (the caller included), whatever MINITORCH_THREADS says. */
export const MAX_THREADS = 64;
/** Default cap on the thread count, whatever the cores: the rest are left to the rest of the program. */
const DEFAULT_MAX_THREADS = 8;

/**
 * Smallest M·N·K split across threads, by whether the workers are still spinning after their last
 * task ("hot") or asleep in Atomics.wait ("cold": waking one costs 40–70 µs on the 2-core
 * development VM). Measured there with `node bench/matmul_threads.mjs --threshold` (Node 20, plain
 * SIMD kernels, 2 threads, three runs; the VM is noisy, so each crossover moved by a size step):
 * - hot, calls back to back: 2 threads beat 1 from 48³–64³ (0.8× at 32³; 1.1–1.8× at 64³, and at
 *   the skinny 256×32×32, 32×96×96, 128×64×32);
 * - cold, 2 ms of other work before each call: from 112³–160³ (0.7–0.9× at 2.1 M, 1.05–1.5× at
 *   4.1 M; skinny shapes of 4.2 M: 0.9–1.3×).
 * The thresholds sit at 64³ and about 146³; both need M ≥ 32 (two ranges of 16 rows).
 */
export interface SplitThresholds {
  hot: number;
  cold: number;
}
/** The matmul thresholds (M·N·K), measured as `SplitThresholds` says. */
export const SPLIT_MIN_WORK: Readonly<SplitThresholds> = { hot: 1 << 18, cold: 3 << 20 };
/** Fewest rows one thread takes: below it, each thread packing its own copy of B dominates. */
export const MIN_ROWS_PER_THREAD = 16;
/**
 * Row ranges start on multiples of the micro-kernel's 4-row tile, so every range is tiled exactly as
 * the single-threaded product is (full tiles, no edge-tile copies in mid-matrix).
 */
const ROW_ALIGN = 4;
/**
 * Elementwise ranges start on multiples of 16 elements (64 bytes: one iteration of the kernels'
 * unrolled loop), so each range runs the kernels' full-width loop and only the last has a tail.
 */
export const ELEMENT_ALIGN = 16;

/**
 * Smallest float32 element count split across threads, for same-shape and scalar zips (`zip`:
 * add, sub, mul, div) and for reductions (`reduce`: measured with `sum_f32` / `sum_rows_f32`), hot
 * and cold as for matmul. Measured on the 2-core development VM with `node
 * bench/elementwise_threads.mjs --threshold` (Node 20, plain SIMD kernels, 2 threads, every call
 * split, mean of three medians; one run, noisy by about a size step):
 * - add, hot: 2 threads beat 1 from 16 Ki elements (0.92× at 12 Ki, 1.25× at 16 Ki, 1.2–2.1× above);
 * - add, cold (2 ms of other work before each call): 1.0× at 384 Ki–512 Ki, 1.4× from 768 Ki;
 * - sum, hot: 0.9–1.1× at 24 Ki–48 Ki, 1.5× from 64 Ki;
 * - sum, cold: 0.88× at 1 Mi, 1.2× from 1.5 Mi.
 * A cold call pays 30–60 µs to wake a worker, which a sum (one read stream, ~70 µs per Mi
 * elements on one thread) earns back only over about a million elements.
 */
export interface ElementThresholds {
  zip: SplitThresholds;
  reduce: SplitThresholds;
}
/** The elementwise thresholds (element counts), measured as `ElementThresholds` says. */
export const SPLIT_MIN_ELEMENTS: Readonly<ElementThresholds> = {
  zip: { hot: 1 << 14, cold: 3 << 18 },
  reduce: { hot: 1 << 16, cold: 3 << 19 },
};

/** Workers count as hot this soon after the caller's last split task ended (margin for skew). */
const HOT_WINDOW_MS = 0.3;

/** A range [start, end) of rows or elements. */
export type Range = [number, number];

/**
 * Whether an M×K · K×N float32 product could be split at all (it may still run on one thread if
 * the workers are asleep): the caller's cue to start the pool.
 */
export function mightSplit(m: number, n: number, k: number): boolean {
  return m >= 2 * MIN_ROWS_PER_THREAD && m * n * k >= SPLIT_MIN_WORK.hot;
}

/** Whether an elementwise task of n float32 could be split at all: the caller's cue to start the pool. */
export function mightSplitElements(kind: keyof ElementThresholds, n: number): boolean {
  return n >= 2 * ELEMENT_ALIGN && n >= SPLIT_MIN_ELEMENTS[kind].hot;
}

/**
 * `count` items cut into up to `parts` ranges of whole `align`-item blocks, as even as can be
 * (earlier ranges take the extra blocks); the last range also takes the count mod align leftover.
 * Why ranges are aligned and who computes which: docs/04-parallel-cpu.md#threads.
 * @task 3.1
 */
function alignedRanges(count: number, parts: number, align: number): Range[] {
  const blocks = Math.floor(count / align);
  const ranges: Range[] = [];
  let start = 0;
  for (let p = 0; p < parts; p++) {
    const q = Math.floor(blocks / parts) + (p < blocks % parts ? 1 : 0);
    const end = p === parts - 1 ? count : start + q * align;
    ranges.push([start, end]);
    start = end;
  }
  return ranges;
}

/**
 * Element ranges [start, end) of n for up to `threads` threads: as even as the 16-element
 * alignment allows, each starting on a multiple of 16 (the last also takes the n mod 16 leftover).
 * One range [0, n) when n < 32.
 */
export function elementRanges(n: number, threads: number): Range[] {
  const parts = Math.max(1, Math.min(threads, Math.floor(n / ELEMENT_ALIGN)));
  return alignedRanges(n, parts, ELEMENT_ALIGN);
}

/**
 * Row ranges [start, end) of M rows for up to `threads` threads: as even as the 4-row alignment
 * allows, every range ≥ MIN_ROWS_PER_THREAD rows and starting on a multiple of 4 (the last range
 * also takes the M mod 4 leftover rows). Fewer ranges than threads when M is small; one range
 * [0, M) when it cannot be split.
 */
export function rowRanges(rows: number, threads: number): Range[] {
  const parts = Math.max(1, Math.min(threads, Math.floor(rows / MIN_ROWS_PER_THREAD)));
  return alignedRanges(rows, parts, ROW_ALIGN);
}

/** Row ranges for a row reduction: as even as can be, one row at least each, up to `threads`. */
export function reduceRowRanges(rows: number, threads: number): Range[] {
  return alignedRanges(rows, Math.max(1, Math.min(threads, rows)), 1);
}

/**
 * Threads to use, the caller's included: MINITORCH_THREADS (Node) when it is a positive integer (1:
 * no workers), else the machine's logical cores capped at 8; 1 where memory cannot be shared (a
 * browser page that is not cross-origin isolated).
 */
export function defaultThreadCount(): number {
  if (!canShareMemory()) return 1;
  const setting = nodeProcess()?.env.MINITORCH_THREADS;
  if (setting !== undefined && setting.trim() !== "") {
    const n = Number(setting);
    if (Number.isInteger(n) && n >= 1) return Math.min(n, MAX_THREADS);
    console.warn(
      `minitorch cpu backend: ignoring MINITORCH_THREADS=${JSON.stringify(setting)} (want a positive integer)`,
    );
  }
  return Math.max(1, Math.min(hardwareThreads(), DEFAULT_MAX_THREADS));
}

/**
 * A pool's split decisions: the ranges each task is cut into now, by the thresholds for the
 * workers' state (spinning right after a split task, else asleep). Fewer than two ranges: run it
 * on the calling thread alone.
 */
export class SplitPolicy {
  readonly #threads: number;
  readonly #minWork: SplitThresholds;
  readonly #minElements: ElementThresholds;
  /** performance.now() when the last split task ended (the workers spin for a while after). */
  #lastSplitEnd = Number.NEGATIVE_INFINITY;

  /** Thresholds default to the measured ones; 0 splits whatever the sizes allow. */
  constructor(
    threads: number,
    minWork: SplitThresholds = SPLIT_MIN_WORK,
    minElements: ElementThresholds = SPLIT_MIN_ELEMENTS,
  ) {
    this.#threads = threads;
    this.#minWork = minWork;
    this.#minElements = minElements;
  }

  /** Notes that a split task just ended: its workers are hot for a while. */
  splitEnded(): void {
    this.#lastSplitEnd = performance.now();
  }

  /** The threshold of `t` that applies now. */
  #min(t: SplitThresholds): number {
    return performance.now() - this.#lastSplitEnd < HOT_WINDOW_MS ? t.hot : t.cold;
  }

  /**
   * Whether this product is split now: enough rows for two ranges, and M·N·K over the threshold
   * for the workers' state.
   */
  worthSplitting(m: number, n: number, k: number): boolean {
    return m >= 2 * MIN_ROWS_PER_THREAD && m * n * k >= this.#min(this.#minWork);
  }

  /**
   * Whether an elementwise task of n float32 is split now: n over the `kind`'s threshold for the
   * workers' state, and at least two 16-element blocks.
   */
  worthSplittingElements(kind: keyof ElementThresholds, n: number): boolean {
    return n >= 2 * ELEMENT_ALIGN && n >= this.#min(this.#minElements[kind]);
  }

  /** Row ranges of an M×K · K×N product (`rowRanges`), or none. */
  matmulRanges(m: number, n: number, k: number): Range[] {
    return this.worthSplitting(m, n, k) ? rowRanges(m, this.#threads) : [];
  }

  /** Element ranges of an elementwise task of n float32 (`elementRanges`), or none. */
  elementRanges(kind: keyof ElementThresholds, n: number): Range[] {
    return this.worthSplittingElements(kind, n) ? elementRanges(n, this.#threads) : [];
  }

  /** Row ranges of a reduction of each row of rows×cols (`reduceRowRanges`), or none. */
  reduceRowRanges(rows: number, cols: number): Range[] {
    const split = this.worthSplittingElements("reduce", rows * cols);
    return split ? reduceRowRanges(rows, this.#threads) : [];
  }
}
