/**
 * The one seedable pseudo-random number generator of minitorch. Everything random in the library
 * (initialisation, datasets, dropout, shuffling) draws from a `Random`, by default the global one,
 * so a run with the same seed is bit-for-bit identical across platforms.
 */
import { DataError } from "./errors.js";
import { describeValue, type OptionCheck } from "./options.js";

/** 2^32, the number of distinct 32-bit outputs. */
const TWO_POW_32 = 4294967296;

/** Seed of the global generator at start-up: minitorch is deterministic unless told otherwise. */
export const DEFAULT_SEED = 0;

function checkSeed(where: string, seed: number): void {
  if (typeof seed !== "number" || !Number.isInteger(seed)) {
    throw new DataError(`${where}: seed must be a finite integer, got ${String(seed)}`);
  }
}

/**
 * splitmix32: a bijective 32-bit hash with good avalanche, used only to spread a (possibly small,
 * possibly similar) user seed over the generator's 128 bits of state.
 */
function splitmix32(state: number): [next: number, out: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [next, z >>> 0];
}

/**
 * A seedable generator: sfc32 (Chris Doty-Humphrey's "Small Fast Chaotic" generator, 4 × 32-bit
 * words), seeded by splitmix32.
 *
 * Why sfc32: it uses only 32-bit adds, xors, shifts and rotates, so it is exact and fast in
 * JavaScript; it passes PractRand and BigCrush; and its counter word `d` guarantees a period of
 * at least 2^32 for every seed (expected ~2^127), unlike mulberry32, whose single 32-bit state
 * gives a period of exactly 2^32 and cannot emit every output.
 */
export class Random {
  /** The seed this generator was created with. */
  readonly seed: number;
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** Creates a generator; `seed` must be a finite integer (any magnitude or sign). */
  constructor(seed: number) {
    checkSeed("Random", seed);
    this.seed = seed;
    // Fold both 32-bit halves of the seed in, so seeds differing only above bit 31 differ.
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    let s = lo ^ Math.imul(hi, 0x27d4eb2f);
    let out: number;
    [s, out] = splitmix32(s);
    this.#a = out;
    [s, out] = splitmix32(s);
    this.#b = out;
    [s, out] = splitmix32(s);
    this.#c = out;
    this.#d = 1;
    // Discard the first outputs: sfc32's authors recommend a short warm-up to mix the state.
    for (let i = 0; i < 12; i++) this.#nextUint32();
  }

  /** One raw uniform 32-bit unsigned integer (one sfc32 step). */
  #nextUint32(): number {
    const a = this.#a;
    const b = this.#b;
    const c = this.#c;
    const d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    const r = (c << 21) | (c >>> 11);
    this.#c = (r + t) | 0;
    return t >>> 0;
  }

  /**
   * The generator's state, four 32-bit words (as `torch.Generator.get_state()`): saved with a
   * checkpoint, it lets `setState` continue the same stream of draws.
   */
  getState(): number[] {
    return [this.#a >>> 0, this.#b >>> 0, this.#c >>> 0, this.#d >>> 0];
  }

  /** Restores a state from `getState`; anything but four 32-bit unsigned integers is a DataError. */
  setState(state: readonly number[]): void {
    const valid =
      Array.isArray(state) &&
      state.length === 4 &&
      state.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32);
    if (!valid) {
      throw new DataError(
        `Random.setState: expected four 32-bit unsigned integers, got ${describeValue(state)}`,
      );
    }
    [this.#a, this.#b, this.#c, this.#d] = state.map((w) => w | 0);
  }

  /** A uniform float in [0, 1) with 32 bits of resolution: u32 / 2^32. */
  next(): number {
    return this.#nextUint32() / TWO_POW_32;
  }

  /** A uniform float in [lo, hi): lo + (hi − lo)·u. */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /**
   * A normal sample by Box–Muller: mean + std·√(−2 ln u₁)·cos(2π u₂), with u₁ ∈ (0, 1] so the
   * logarithm is never of 0.
   */
  normal(mean = 0, std = 1): number {
    const u1 = 1 - this.next();
    const u2 = this.next();
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** A uniform integer in [0, n), unbiased (rejection sampling); n is an integer in [1, 2^32]. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) {
      throw new DataError(`Random.int: n must be an integer in [1, 2^32], got ${String(n)}`);
    }
    // Accept only draws below the largest multiple of n, so every residue is equally likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.#nextUint32();
    while (x >= limit) x = this.#nextUint32();
    return x % n;
  }

  /** Shuffles `xs` in place (Fisher–Yates: every permutation equally likely) and returns it. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = xs[i];
      xs[i] = xs[j];
      xs[j] = tmp;
    }
    return xs;
  }
}

let globalGenerator = new Random(DEFAULT_SEED);

/** Reseeds the global generator (like `torch.manual_seed`); `seed` must be a finite integer. */
export function manualSeed(seed: number): void {
  checkSeed("manualSeed", seed);
  globalGenerator = new Random(seed);
}

/** The current global generator (replaced by each `manualSeed` call; seeded `DEFAULT_SEED` at start). */
export function defaultGenerator(): Random {
  return globalGenerator;
}

/** A uniform float in [0, 1) from the global generator. */
export function random(): number {
  return globalGenerator.next();
}

/** A standard normal sample (mean 0, std 1) from the global generator. */
export function randn(): number {
  return globalGenerator.normal();
}

/** PyTorch's seed of a fresh `torch.Generator()`: a new Generator draws the same way every run. */
export const GENERATOR_DEFAULT_SEED = 67280421310721;

/**
 * A pseudo-random number generator object, as `torch.Generator`: pass it as `{generator}` to a
 * random function to draw from it instead of the global generator. It wraps a `Random` (so its
 * draws are the same as `new Random(seed)`'s) and, unlike a `Random`, can be reseeded in place,
 * so code that holds it sees the new seed.
 */
export class Generator {
  #initialSeed = GENERATOR_DEFAULT_SEED;
  #random = new Random(GENERATOR_DEFAULT_SEED);

  /** Reseeds this generator (`torch.Generator.manual_seed`) and returns it, for chaining. */
  manualSeed(seed: number): this {
    checkSeed("Generator.manualSeed", seed);
    this.#initialSeed = seed;
    this.#random = new Random(seed);
    return this;
  }

  /** Reseeds from a non-deterministic source and returns the new seed (`Generator.seed()`). */
  seed(): number {
    // Two Math.random draws make a 53-bit integer: any safe integer is a valid seed.
    const seed =
      Math.floor(Math.random() * 2 ** 21) * TWO_POW_32 + Math.floor(Math.random() * TWO_POW_32);
    this.manualSeed(seed);
    return seed;
  }

  /** The seed this generator was last seeded with (`Generator.initial_seed()`). */
  initialSeed(): number {
    return this.#initialSeed;
  }

  /** A uniform float in [0, 1) (as `Random.next`). */
  next(): number {
    return this.#random.next();
  }
  /** A uniform float in [lo, hi) (as `Random.uniform`). */
  uniform(lo: number, hi: number): number {
    return this.#random.uniform(lo, hi);
  }
  /** A normal sample (as `Random.normal`). */
  normal(mean = 0, std = 1): number {
    return this.#random.normal(mean, std);
  }
  /** A uniform integer in [0, n) (as `Random.int`). */
  int(n: number): number {
    return this.#random.int(n);
  }
  /** Shuffles `xs` in place (as `Random.shuffle`). */
  shuffle<T>(xs: T[]): T[] {
    return this.#random.shuffle(xs);
  }
}

/** What a random function draws from: a `Generator`, or a `Random` (minitorch's own generators). */
export type RandomSource = Random | Generator;

/** The options every random function takes: PyTorch's `generator`, and minitorch's `seed`. */
export interface GeneratorOptions {
  /** Draw from this generator instead of the global one (`torch.Generator`; a `Random` works too). */
  generator?: RandomSource;
  /** Draw from a fresh `new Random(seed)` instead of the global generator. */
  seed?: number;
}

/** The option check of `generator`: a Generator or a Random. */
export const isGenerator: OptionCheck = (v) =>
  v instanceof Generator || v instanceof Random ? null : "must be a Generator (or a Random)";

/**
 * The source `op` draws from: `options.generator`, a fresh `Random(options.seed)`, or the global
 * generator; both given is a DataError (two sources for one draw is ambiguous).
 */
export function sourceOf(op: string, options: GeneratorOptions): RandomSource {
  const { generator, seed } = options;
  if (generator !== undefined && seed !== undefined) {
    throw new DataError(
      `${op}: pass either generator or seed, not both (got a generator and seed ${describeValue(seed)})`,
    );
  }
  if (generator !== undefined) return generator;
  if (seed === undefined) return globalGenerator;
  checkSeed(op, seed);
  return new Random(seed);
}
