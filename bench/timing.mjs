// Timing helpers shared by the benchmarks.

/**
 * Best seconds per call of `run` over at least `minRuns` timed calls lasting ≥ 0.3 s in all, after
 * `warmup` untimed calls (V8 optimises a function only once it is hot).
 */
export function bestSeconds(run, { warmup = 1, minRuns = 3 } = {}) {
  for (let i = 0; i < warmup; i++) run();
  let best = Number.POSITIVE_INFINITY;
  let total = 0;
  for (let i = 0; i < minRuns || total < 0.3; i++) {
    const t = performance.now();
    run();
    const s = (performance.now() - t) / 1000;
    best = Math.min(best, s);
    total += s;
  }
  return best;
}

/** Busy-waits `ms` (the calling thread busy, worker threads left to fall asleep). */
export function busy(ms) {
  const until = performance.now() + ms;
  while (performance.now() < until) {}
}

/**
 * Median µs per call of `run`, each call timed alone, `gapMs` of busy work before each (0: calls
 * back to back, so worker threads are still spinning when the next one comes); at least 31 calls,
 * more until `budgetMs` of timed work or 301 calls.
 */
export function medianMicros(run, gapMs, budgetMs = 30) {
  const times = [];
  let total = 0;
  while (times.length < 31 || (total < budgetMs && times.length < 301)) {
    if (gapMs > 0) busy(gapMs);
    const t = performance.now();
    run();
    const dt = performance.now() - t;
    times.push(dt * 1000);
    total += dt;
  }
  times.sort((x, y) => x - y);
  return times[times.length >> 1];
}
