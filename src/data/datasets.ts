/**
 * The MiniTorch course's toy 2-D binary classification datasets. Every point lies in [0, 1]²
 * and every label is 0 or 1; the random ones draw each point as (x₁, x₂) = (u, u') from `rng`, so
 * the same seed gives the same dataset.
 */
import { DataError } from "../errors.js";
import { defaultGenerator, type Random } from "../random.js";

/** A labelled 2-D point set: `X[i]` has label `y[i]` ∈ {0, 1}; `n` = `X.length` = `y.length`. */
export interface Graph {
  readonly n: number;
  readonly X: readonly (readonly [number, number])[];
  readonly y: readonly number[];
}

function checkN(where: string, n: number): void {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
    throw new DataError(`${where}: n must be a positive integer, got ${String(n)}`);
  }
}

/** n points uniform in [0, 1]², labelled by `rule`. */
function labelled(
  where: string,
  n: number,
  rng: Random,
  rule: (x1: number, x2: number) => boolean,
): Graph {
  checkN(where, n);
  const X: (readonly [number, number])[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const x1 = rng.next();
    const x2 = rng.next();
    X.push([x1, x2]);
    y.push(rule(x1, x2) ? 1 : 0);
  }
  return { n, X, y };
}

/** Left half is class 1: y = 1 iff x₁ < 0.5. */
export function simple(n: number, rng: Random = defaultGenerator()): Graph {
  return labelled("simple", n, rng, (x1) => x1 < 0.5);
}

/** Lower-left corner is class 1: y = 1 iff x₁ + x₂ < 0.5. */
export function diag(n: number, rng: Random = defaultGenerator()): Graph {
  return labelled("diag", n, rng, (x1, x2) => x1 + x2 < 0.5);
}

/** Two outer bands are class 1: y = 1 iff x₁ < 0.2 or x₁ > 0.8. */
export function split(n: number, rng: Random = defaultGenerator()): Graph {
  return labelled("split", n, rng, (x1) => x1 < 0.2 || x1 > 0.8);
}

/** Off-diagonal quadrants are class 1: y = 1 iff (x₁ < 0.5 and x₂ > 0.5) or (x₁ > 0.5 and x₂ < 0.5). */
export function xor(n: number, rng: Random = defaultGenerator()): Graph {
  return labelled("xor", n, rng, (x1, x2) => (x1 < 0.5 && x2 > 0.5) || (x1 > 0.5 && x2 < 0.5));
}

/** Outside a centred circle is class 1: y = 1 iff (x₁ − ½)² + (x₂ − ½)² > 0.1. */
export function circle(n: number, rng: Random = defaultGenerator()): Graph {
  return labelled("circle", n, rng, (x1, x2) => (x1 - 0.5) ** 2 + (x2 - 0.5) ** 2 > 0.1);
}

/**
 * Two interleaved spiral arms (deterministic; `rng` is accepted for a uniform signature and
 * unused). With h = ⌊n/2⌋ and tᵢ = 10·i/h for i = 5 … h+4: class 0 is
 * (t·cos t, t·sin t)/s + ½ and class 1 is (t·sin t, −t·cos t)/s + ½ (the course's
 * (g(−t), f(−t))), h points each, zeros first. An odd n gives n − 1 points (`Graph.n` says so).
 *
 * The course uses s = 20, but then the arms leave [0, 1]² for n ≲ 120 (down to −0.03 at n = 100,
 * far more for tiny n); so s = max(20, 2·m) with m the largest |t·cos t|, |t·sin t| used. This is
 * exactly the course's spiral whenever that fits in the unit square, and otherwise shrinks it just
 * enough to fit.
 */
export function spiral(n: number, _rng: Random = defaultGenerator()): Graph {
  checkN("spiral", n);
  const h = Math.floor(n / 2);
  const arms: [c: number, s: number][] = [];
  let m = 0;
  for (let i = 5; i < 5 + h; i++) {
    const t = (10 * i) / h;
    const c = t * Math.cos(t);
    const s = t * Math.sin(t);
    arms.push([c, s]);
    m = Math.max(m, Math.abs(c), Math.abs(s));
  }
  const scale = Math.max(20, 2 * m);
  const X: (readonly [number, number])[] = [];
  for (const [c, s] of arms) X.push([c / scale + 0.5, s / scale + 0.5]);
  for (const [c, s] of arms) X.push([s / scale + 0.5, -c / scale + 0.5]);
  const y = [...new Array<number>(h).fill(0), ...new Array<number>(h).fill(1)];
  return { n: 2 * h, X, y };
}

/** Every toy dataset by name. */
export const datasets = { simple, diag, split, xor, circle, spiral } as const;

/** The name of a toy dataset. */
export type DatasetName = keyof typeof datasets;

/** The toy dataset names, in the course's order. */
export const datasetNames: readonly DatasetName[] = [
  "simple",
  "diag",
  "split",
  "xor",
  "circle",
  "spiral",
];

function isDatasetName(name: string): name is DatasetName {
  return Object.hasOwn(datasets, name);
}

/** Builds the dataset called `name` with `n` points; throws `DataError` for an unknown name or bad n. */
export function makeDataset(name: string, n: number, rng: Random = defaultGenerator()): Graph {
  if (!isDatasetName(name)) {
    throw new DataError(`unknown dataset "${name}"; choose one of ${datasetNames.join(", ")}`);
  }
  checkN(`makeDataset("${name}")`, n);
  return datasets[name](n, rng);
}
