import { describe, expect, it } from "vitest";
import {
  circle,
  datasetNames,
  datasets,
  diag,
  type Graph,
  makeDataset,
  simple,
  spiral,
  split,
  xor,
} from "../src/data/datasets.js";
import { DataError } from "../src/errors.js";
import { Random } from "../src/random.js";

type Rule = (x1: number, x2: number) => boolean;

const rules: [string, (n: number, rng?: Random) => Graph, Rule][] = [
  ["simple", simple, (x1) => x1 < 0.5],
  ["diag", diag, (x1, x2) => x1 + x2 < 0.5],
  ["split", split, (x1) => x1 < 0.2 || x1 > 0.8],
  ["xor", xor, (x1, x2) => (x1 < 0.5 && x2 > 0.5) || (x1 > 0.5 && x2 < 0.5)],
  ["circle", circle, (x1, x2) => (x1 - 0.5) ** 2 + (x2 - 0.5) ** 2 > 0.1],
];

function checkShape(g: Graph, n: number): void {
  expect(g.n).toBe(n);
  expect(g.X.length).toBe(n);
  expect(g.y.length).toBe(n);
  const inUnit = (v: number) => v >= 0 && v <= 1;
  expect(g.X.filter(([x1, x2]) => !(inUnit(x1) && inUnit(x2)))).toEqual([]);
  expect(g.y.filter((label) => label !== 0 && label !== 1)).toEqual([]);
}

describe("random toy datasets", () => {
  for (const [name, make, rule] of rules) {
    describe(name, () => {
      it("has n points in [0,1]² with 0/1 labels that follow the rule", () => {
        for (const n of [1, 7, 100]) {
          const g = make(n, new Random(n));
          checkShape(g, n);
          g.X.forEach(([x1, x2], i) => {
            expect(g.y[i]).toBe(rule(x1, x2) ? 1 : 0);
          });
        }
      });

      it("has both classes for n = 100", () => {
        const g = make(100, new Random(1));
        expect(new Set(g.y)).toEqual(new Set([0, 1]));
      });

      it("is identical for the same seed and differs for another", () => {
        expect(make(50, new Random(11))).toEqual(make(50, new Random(11)));
        expect(make(50, new Random(11)).X).not.toEqual(make(50, new Random(12)).X);
      });

      it("is registered under its name", () => {
        expect(datasets[name as keyof typeof datasets]).toBe(make);
        expect(makeDataset(name, 30, new Random(4))).toEqual(make(30, new Random(4)));
      });
    });
  }
});

describe("spiral", () => {
  it("has h zeros then h ones, n = X.length, inside [0,1]² for every n", () => {
    for (let n = 1; n <= 300; n++) {
      const g = spiral(n);
      const h = Math.floor(n / 2);
      checkShape(g, 2 * h);
      expect(g.y).toEqual([...Array(h).fill(0), ...Array(h).fill(1)]);
    }
  });

  it("has both classes for n = 100", () => {
    expect(new Set(spiral(100).y)).toEqual(new Set([0, 1]));
  });

  it("is deterministic and ignores the generator", () => {
    expect(spiral(100, new Random(1))).toEqual(spiral(100, new Random(2)));
  });

  it("matches the course's formula exactly when that fits in the unit square", () => {
    const n = 200;
    const h = n / 2;
    const f = (t: number) => (t * Math.cos(t)) / 20;
    const g = (t: number) => (t * Math.sin(t)) / 20;
    const d = spiral(n);
    for (let k = 0; k < h; k++) {
      const t = (10 * (k + 5)) / h;
      expect(d.X[k][0]).toBeCloseTo(f(t) + 0.5, 12);
      expect(d.X[k][1]).toBeCloseTo(g(t) + 0.5, 12);
      expect(d.X[h + k][0]).toBeCloseTo(g(-t) + 0.5, 12);
      expect(d.X[h + k][1]).toBeCloseTo(f(-t) + 0.5, 12);
    }
  });

  it("class 1 is class 0 rotated by −90° about the centre", () => {
    const d = spiral(60);
    for (let k = 0; k < 30; k++) {
      const [a1, a2] = d.X[k];
      const [b1, b2] = d.X[30 + k];
      expect(b1 - 0.5).toBeCloseTo(a2 - 0.5, 12);
      expect(b2 - 0.5).toBeCloseTo(-(a1 - 0.5), 12);
    }
  });
});

describe("makeDataset", () => {
  it("lists the names in the course's order", () => {
    expect(datasetNames).toEqual(["simple", "diag", "split", "xor", "circle", "spiral"]);
    expect([...datasetNames].sort()).toEqual(Object.keys(datasets).sort());
  });

  it("rejects an unknown name, listing the valid ones", () => {
    expect(() => makeDataset("foo", 10)).toThrow(DataError);
    expect(() => makeDataset("foo", 10)).toThrow(
      'unknown dataset "foo"; choose one of simple, diag, split, xor, circle, spiral',
    );
    expect(() => makeDataset("toString", 10)).toThrow(DataError);
  });

  it("rejects an n that is not a positive integer, naming it", () => {
    for (const n of [0, -3, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => makeDataset("xor", n)).toThrow(DataError);
      expect(() => makeDataset("xor", n)).toThrow(String(n));
    }
    expect(() => xor(0)).toThrow(DataError);
    expect(() => spiral(1.5)).toThrow(DataError);
  });

  it("uses the global generator by default", () => {
    expect(makeDataset("spiral", 10).n).toBe(10);
    expect(makeDataset("simple", 10).n).toBe(10);
  });
});
