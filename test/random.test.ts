import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DataError } from "../src/errors.js";
import {
  DEFAULT_SEED,
  defaultGenerator,
  manualSeed,
  Random,
  randn,
  random,
} from "../src/random.js";

function draws(rng: Random, k: number): number[] {
  return Array.from({ length: k }, () => rng.next());
}

describe("Random", () => {
  it("getState / setState continue the same stream of draws", () => {
    const a = new Random(5);
    draws(a, 7);
    const state = a.getState();
    const expected = draws(a, 10);
    const b = new Random(99);
    b.setState(state);
    expect(draws(b, 10)).toEqual(expected);
    expect(() => b.setState([1, 2, 3])).toThrow(DataError);
    expect(() => b.setState([1, 2, 3, -1])).toThrow(/four 32-bit unsigned integers/);
  });

  it("same seed gives the same sequence", () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        expect(draws(new Random(seed), 20)).toEqual(draws(new Random(seed), 20));
      }),
      { numRuns: 50 },
    );
  });

  it("different seeds give different sequences", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), (a, b) => {
        fc.pre(a !== b);
        expect(draws(new Random(a), 4)).not.toEqual(draws(new Random(b), 4));
      }),
      { numRuns: 50 },
    );
    // Seeds that differ only above bit 31 still differ.
    expect(draws(new Random(1), 4)).not.toEqual(draws(new Random(1 + 2 ** 32), 4));
    expect(draws(new Random(0), 4)).not.toEqual(draws(new Random(1), 4));
  });

  it("exposes its seed", () => {
    expect(new Random(1234).seed).toBe(1234);
  });

  it("next() lies in [0, 1) and looks uniform", () => {
    const rng = new Random(7);
    const xs = draws(rng, 20_000);
    expect(xs.filter((x) => !(x >= 0 && x < 1))).toEqual([]);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean).toBeCloseTo(0.5, 1);
  });

  it("uniform(lo, hi) lies in [lo, hi)", () => {
    const rng = new Random(3);
    for (let i = 0; i < 1000; i++) {
      const x = rng.uniform(-2, 5);
      expect(x).toBeGreaterThanOrEqual(-2);
      expect(x).toBeLessThan(5);
    }
  });

  it("int(n) stays in [0, n) and hits every value for small n", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 10 }), (seed, n) => {
        const rng = new Random(seed);
        const seen = new Set<number>();
        for (let i = 0; i < 50 * n; i++) {
          const k = rng.int(n);
          expect(Number.isInteger(k)).toBe(true);
          expect(k).toBeGreaterThanOrEqual(0);
          expect(k).toBeLessThan(n);
          seen.add(k);
        }
        expect(seen.size).toBe(n);
      }),
      { numRuns: 30 },
    );
  });

  it("int rejects a bad n", () => {
    const rng = new Random(0);
    for (const n of [0, -1, 1.5, Number.NaN, 2 ** 33]) {
      expect(() => rng.int(n)).toThrow(DataError);
    }
  });

  it("normal() has mean ≈ 0 and std ≈ 1; normal(mean, std) shifts and scales", () => {
    const rng = new Random(42);
    const k = 20_000;
    const xs = Array.from({ length: k }, () => rng.normal());
    expect(xs.every(Number.isFinite)).toBe(true);
    const mean = xs.reduce((a, b) => a + b, 0) / k;
    const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / k);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(std - 1)).toBeLessThan(0.05);

    const ys = Array.from({ length: k }, () => rng.normal(3, 0.5));
    const meanY = ys.reduce((a, b) => a + b, 0) / k;
    expect(Math.abs(meanY - 3)).toBeLessThan(0.05);
  });

  it("shuffle is an in-place permutation", () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(fc.integer(), { maxLength: 50 }), (seed, xs) => {
        const copy = [...xs];
        const out = new Random(seed).shuffle(copy);
        expect(out).toBe(copy);
        expect([...out].sort((a, b) => a - b)).toEqual([...xs].sort((a, b) => a - b));
      }),
      { numRuns: 100 },
    );
  });

  it("shuffle is deterministic per seed and actually moves things", () => {
    const base = Array.from({ length: 20 }, (_, i) => i);
    const a = new Random(5).shuffle([...base]);
    expect(new Random(5).shuffle([...base])).toEqual(a);
    expect(a).not.toEqual(base);
  });

  it("the constructor rejects a non-integer seed", () => {
    expect(() => new Random(0.5)).toThrow(DataError);
  });
});

describe("global generator", () => {
  it("manualSeed makes random()/randn() reproducible", () => {
    manualSeed(123);
    const a = [random(), randn(), random()];
    manualSeed(123);
    const b = [random(), randn(), random()];
    expect(a).toEqual(b);
    expect(defaultGenerator().seed).toBe(123);
  });

  it("manualSeed replaces the default generator with one of that seed", () => {
    manualSeed(99);
    const g = defaultGenerator();
    expect(draws(g, 5)).toEqual(draws(new Random(99), 5));
  });

  it("DEFAULT_SEED is a fixed integer", () => {
    expect(Number.isInteger(DEFAULT_SEED)).toBe(true);
  });

  it("manualSeed rejects NaN, 1.5 and infinities with a DataError naming the value", () => {
    expect(() => manualSeed(Number.NaN)).toThrow(DataError);
    expect(() => manualSeed(Number.NaN)).toThrow(/NaN/);
    expect(() => manualSeed(1.5)).toThrow(DataError);
    expect(() => manualSeed(1.5)).toThrow(/1\.5/);
    expect(() => manualSeed(Number.POSITIVE_INFINITY)).toThrow(DataError);
  });
});
