import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";

const { lrScheduler } = mt.optim;

/** An SGD optimizer over one scalar parameter, at learning rate `lr`. */
function sgd(lr = 0.1): mt.optim.SGD {
  return new mt.optim.SGD([new mt.nn.Parameter(new mt.Scalar(1))], { lr });
}

/** The rates after construction and after each of `n` steps (optimizer step, then scheduler). */
function run(opt: mt.optim.SGD, s: { step(): void; getLastLr(): number[] }, n = 14): number[] {
  const out = [s.getLastLr()[0]];
  for (let i = 0; i < n; i++) {
    opt.step();
    s.step();
    expect(opt.lr).toBe(s.getLastLr()[0]);
    out.push(opt.lr);
  }
  return out;
}

/** f(0), …, f(n). */
const epochs = (n: number, f: (e: number) => number) =>
  Array.from({ length: n + 1 }, (_, e) => f(e));

function expectClose(actual: readonly number[], expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    expect(Math.abs(a - expected[i]), `epoch ${i}`).toBeLessThan(1e-15);
  });
}

describe("schedules against their closed forms (PyTorch's formulas)", () => {
  it("StepLR: base·γ^⌊e/stepSize⌋", () => {
    const opt = sgd();
    const rates = run(opt, new lrScheduler.StepLR(opt, { stepSize: 3, gamma: 0.5 }));
    expectClose(
      rates,
      epochs(14, (e) => 0.1 * 0.5 ** Math.floor(e / 3)),
    );
  });

  it("StepLR's gamma defaults to 0.1", () => {
    const opt = sgd(1);
    const rates = run(opt, new lrScheduler.StepLR(opt, { stepSize: 2 }), 5);
    expectClose(rates, [1, 1, 0.1, 0.1, 0.01, 0.01]);
  });

  it("MultiStepLR: one decay per milestone passed (a repeated milestone decays twice)", () => {
    const opt = sgd();
    const s = new lrScheduler.MultiStepLR(opt, { milestones: [5, 2, 5, 9], gamma: 0.5 });
    const passed = (e: number) => [2, 5, 5, 9].filter((m) => m <= e).length;
    expectClose(
      run(opt, s),
      epochs(14, (e) => 0.1 * 0.5 ** passed(e)),
    );
  });

  it("ExponentialLR: base·γ^e", () => {
    const opt = sgd();
    const rates = run(opt, new lrScheduler.ExponentialLR(opt, { gamma: 0.9 }));
    expectClose(
      rates,
      epochs(14, (e) => 0.1 * 0.9 ** e),
    );
  });

  it("CosineAnnealingLR: η_min + (base − η_min)(1 + cos(πe/T))/2, rising again after T", () => {
    const opt = sgd();
    const rates = run(opt, new lrScheduler.CosineAnnealingLR(opt, { tMax: 5, etaMin: 0.01 }));
    expectClose(
      rates,
      epochs(14, (e) => 0.01 + (0.09 * (1 + Math.cos((Math.PI * e) / 5))) / 2),
    );
    // torch 1.13's printed sequence (CosineAnnealingLR(SGD(lr=0.1), T_max=5, eta_min=0.01)),
    // checked here while writing the test (within an ulp or two: V8's Math.cos and glibc's cos
    // differ in the last bit at some angles).
    expectClose(
      rates.slice(0, 11),
      [
        0.1, 0.09140576474687263, 0.06890576474687263, 0.04109423525312736, 0.018594235253127367,
        0.01, 0.018594235253127367, 0.04109423525312739, 0.06890576474687267, 0.09140576474687269,
        0.10000000000000006,
      ],
    );
  });

  it("LinearLR: base·(s + (e − s)·min(epoch, T)/T), defaults 1/3 → 1 over 5", () => {
    const opt = sgd();
    const rates = run(opt, new lrScheduler.LinearLR(opt));
    expectClose(
      rates,
      epochs(14, (e) => 0.1 * (1 / 3 + ((2 / 3) * Math.min(5, e)) / 5)),
    );
    const opt2 = sgd(2);
    const down = new lrScheduler.LinearLR(opt2, { startFactor: 1, endFactor: 0.5, totalIters: 4 });
    expectClose(
      run(opt2, down, 12),
      epochs(12, (e) => 2 * (1 - (0.5 * Math.min(4, e)) / 4)),
    );
  });

  it("LambdaLR: base·λ(e)", () => {
    const opt = sgd();
    const s = new lrScheduler.LambdaLR(opt, { lrLambda: (e) => 1 / (e + 1) });
    expectClose(
      run(opt, s),
      epochs(14, (e) => 0.1 / (e + 1)),
    );
  });

  it("moves the rate SGD steps with", () => {
    const p = new mt.nn.Parameter(new mt.Scalar(0));
    const opt = new mt.optim.SGD([p], { lr: 1 });
    const s = new lrScheduler.StepLR(opt, { stepSize: 1, gamma: 0.5 });
    for (let i = 0; i < 3; i++) {
      p.value.mul(-1).backward(); // derivative −1: θ grows by lr
      opt.step();
      s.step();
    }
    expect(p.value.data).toBeCloseTo(1 + 0.5 + 0.25, 14);
  });

  it("schedules Adam's rate too", () => {
    const opt = new mt.optim.Adam([new mt.nn.Parameter(mt.zeros([2]))], { lr: 0.01 });
    const s = new lrScheduler.ExponentialLR(opt, { gamma: 0.5 });
    s.step();
    s.step();
    expect(opt.lr).toBeCloseTo(0.0025, 15);
    expect(s.lastEpoch).toBe(2);
  });
});

describe("SequentialLR", () => {
  it("warms up linearly, then anneals along a cosine from the base rate", () => {
    const opt = sgd();
    const warmup = new lrScheduler.LinearLR(opt, { startFactor: 0.25, totalIters: 3 });
    const cosine = new lrScheduler.CosineAnnealingLR(opt, { tMax: 8 });
    const s = new lrScheduler.SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [3] });
    expect(s.lastEpoch).toBe(0);
    const rates = run(opt, s);
    const expected = epochs(14, (e) =>
      e < 3 ? 0.1 * (0.25 + (0.75 * e) / 3) : (0.1 * (1 + Math.cos((Math.PI * (e - 3)) / 8))) / 2,
    );
    expectClose(rates, expected);
    // torch 1.13's printed sequence for SequentialLR(SGD(lr=0.1), [LinearLR(start_factor=0.25,
    // total_iters=3), CosineAnnealingLR(T_max=8)], milestones=[3]), checked while writing this.
    expectClose(
      rates.slice(0, 8),
      [
        0.025, 0.05, 0.07500000000000001, 0.1, 0.09619397662556434, 0.08535533905932738,
        0.0691341716182545, 0.05,
      ],
    );
    expect(s.lastEpoch).toBe(14);
  });

  it("round-trips its state through a fresh optimizer", () => {
    const make = () => {
      const opt = sgd();
      const schedulers = [
        new lrScheduler.LinearLR(opt, { totalIters: 2 }),
        new lrScheduler.ExponentialLR(opt, { gamma: 0.5 }),
      ];
      return { opt, s: new lrScheduler.SequentialLR(opt, { schedulers, milestones: [2] }) };
    };
    const a = make();
    for (let i = 0; i < 4; i++) a.s.step();
    const state = JSON.parse(JSON.stringify(a.s.stateDict()));
    const b = make();
    b.s.loadStateDict(state);
    expect(b.opt.lr).toBe(a.opt.lr);
    expect(b.s.lastEpoch).toBe(4);
    for (let i = 0; i < 3; i++) {
      a.s.step();
      b.s.step();
      expect(b.opt.lr).toBe(a.opt.lr);
    }
  });

  it("refuses mismatched milestones and foreign schedulers", () => {
    const opt = sgd();
    const a = new lrScheduler.StepLR(opt, { stepSize: 1 });
    const other = new lrScheduler.StepLR(sgd(), { stepSize: 1 });
    expect(() => new lrScheduler.SequentialLR(opt, { schedulers: [a], milestones: [2] })).toThrow(
      mt.DataError,
    );
    expect(
      () => new lrScheduler.SequentialLR(opt, { schedulers: [a, other], milestones: [2] }),
    ).toThrow(/another optimizer/);
  });
});

describe("state dicts", () => {
  it("a reloaded scheduler continues the sequence exactly", () => {
    const a = sgd();
    const s = new lrScheduler.CosineAnnealingLR(a, { tMax: 6, etaMin: 0.001 });
    for (let i = 0; i < 4; i++) s.step();
    const state = s.stateDict();
    expect(state).toEqual({ lastEpoch: 4, baseLrs: [0.1], lastLr: [a.lr] });
    const b = sgd();
    const t = new lrScheduler.CosineAnnealingLR(b, { tMax: 6, etaMin: 0.001 });
    t.loadStateDict(JSON.parse(JSON.stringify(state)));
    expect(b.lr).toBe(a.lr);
    expect(t.lastEpoch).toBe(4);
    for (let i = 0; i < 8; i++) {
      s.step();
      t.step();
      expect(t.getLastLr()).toEqual(s.getLastLr());
    }
  });

  it("a bad state dict is refused and changes nothing", () => {
    const opt = sgd();
    const s = new lrScheduler.ExponentialLR(opt, { gamma: 0.5 });
    s.step();
    expect(() => s.loadStateDict({ lastEpoch: 3, baseLrs: [0.1], lastLr: [0.1], x: 1 })).toThrow(
      /unexpected key "x"/,
    );
    expect(() => s.loadStateDict({ lastEpoch: 1.5, baseLrs: [0.1], lastLr: [0.1] })).toThrow(
      mt.DataError,
    );
    expect(() => s.loadStateDict({ lastEpoch: 1, baseLrs: 0.1, lastLr: [0.1] })).toThrow(/baseLrs/);
    expect(s.lastEpoch).toBe(1);
    expect(opt.lr).toBe(0.05);
  });
});

describe("errors", () => {
  it("unknown, missing and out-of-range options are DataErrors", () => {
    const opt = sgd();
    expect(() => new lrScheduler.StepLR(opt, { stepSize: 2, gama: 0.5 } as never)).toThrow(
      /unknown option gama/,
    );
    expect(() => new lrScheduler.StepLR(opt, {} as never)).toThrow(/stepSize is required/);
    expect(() => new lrScheduler.StepLR(opt, { stepSize: 0 })).toThrow(mt.DataError);
    expect(() => new lrScheduler.MultiStepLR(opt, { milestones: [1, -2] })).toThrow(mt.DataError);
    expect(() => new lrScheduler.ExponentialLR(opt, {} as never)).toThrow(/gamma is required/);
    expect(() => new lrScheduler.CosineAnnealingLR(opt, { tMax: -1 })).toThrow(mt.DataError);
    expect(() => new lrScheduler.LinearLR(opt, { startFactor: 0 })).toThrow(mt.DataError);
    expect(() => new lrScheduler.LinearLR(opt, { endFactor: 1.5 })).toThrow(mt.DataError);
    expect(() => new lrScheduler.LambdaLR(opt, { lrLambda: 2 } as never)).toThrow(mt.DataError);
    expect(() => new lrScheduler.LambdaLR(opt, { lrLambda: () => Number.NaN })).toThrow(
      /finite number/,
    );
  });

  it("needs an optimizer", () => {
    expect(() => new lrScheduler.StepLR({ lr: 1 } as never, { stepSize: 1 })).toThrow(
      mt.DTypeError,
    );
  });
});
