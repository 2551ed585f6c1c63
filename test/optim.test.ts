import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";
import { loadedBackendNames, usable } from "./backends.js";
import { expectClose, type Tolerance } from "./close.js";
import { product } from "./shape_oracles.js";

type Tensor = mt.Tensor;
type DType = mt.DType;
type Slot = mt.nn.Parameter<Tensor>;

/**
 * Every optimizer is run on small parameter tensors with hand-set gradients and compared, step
 * by step, with its update rule written here in plain float64 JS. float64 parameters must agree
 * to rounding; float32 ones to float32 precision. Runs on every backend that loads here, reading
 * with `await t.data()`; float64 only where the backend stores it (GPU backends: float32 only).
 */

const SHAPES: readonly (readonly number[])[] = [[2, 3], [4]];
const STEPS = 5;
/** |error| ≤ tol·max(1, |expected|): to rounding in float64, to float32 precision in float32. */
const TOLERANCE: Record<"float32" | "float64", Tolerance> = {
  float64: { relOrAbs: 1e-12 },
  float32: { relOrAbs: 2e-6 },
};

/** The starting value of element j of parameter i. */
const initial = (i: number, j: number) => 0.5 - 0.3 * j + 0.9 * i;

/** The hand-set gradient of element j of parameter i at step k (k = 0, 1, …): varied in sign and size. */
const gradient = (k: number, i: number, j: number) =>
  Math.sin(1.3 * k + 0.7 * j + 2.1 * i) * (1 + 0.5 * i) + 0.1 * k;

function makeSlots(backend: mt.BackendName, dtype: DType): Slot[] {
  return SHAPES.map((shape, i) => {
    const values = Array.from({ length: product(shape) }, (_, j) => initial(i, j));
    const t = mt.Tensor.fromValues(values, shape, dtype, backend);
    t.requiresGrad = true;
    return new mt.nn.Parameter(t, `p${i}`);
  });
}

/** Sets every slot's gradient to the hand-set one of step k (slots listed in `skip` get none). */
function setGradients(slots: readonly Slot[], k: number, skip: readonly number[] = []): void {
  for (const [i, slot] of slots.entries()) {
    const t = slot.value;
    t.grad = skip.includes(i)
      ? null
      : mt.Tensor.fromValues(
          Array.from({ length: t.numel() }, (_, j) => gradient(k, i, j)),
          t.shape,
          t.dtype,
          t.backend,
        );
  }
}

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

// --- the update rules, in plain JS --------------------------------------------------------------

interface SGDRule {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

/** θ after torch.optim.SGD's steps over the gradients `grads[k]`. */
function sgdReference(theta0: readonly number[], grads: readonly number[][], o: SGDRule): number[] {
  let theta = [...theta0];
  let v: number[] = [];
  for (const [k, g0] of grads.entries()) {
    const g = g0.map((gj, j) => gj + o.weightDecay * theta[j]);
    let d = g;
    if (o.momentum !== 0) {
      // The first step's buffer is the gradient itself (no dampening), as in PyTorch.
      v = k === 0 ? [...g] : v.map((vj, j) => o.momentum * vj + (1 - o.dampening) * g[j]);
      d = o.nesterov ? g.map((gj, j) => gj + o.momentum * v[j]) : v;
    }
    theta = theta.map((t, j) => t - o.lr * d[j]);
  }
  return theta;
}

interface AdamRule {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;
}

/** θ after torch.optim.Adam's (or AdamW's, when decoupled) steps over `grads[k]`. */
function adamReference(
  theta0: readonly number[],
  grads: readonly number[][],
  o: AdamRule,
): number[] {
  let theta = [...theta0];
  let m = theta.map(() => 0);
  let v = theta.map(() => 0);
  for (const [k, g0] of grads.entries()) {
    const t = k + 1;
    if (o.decoupled) theta = theta.map((x) => x - o.lr * o.weightDecay * x);
    const g = o.decoupled ? g0 : g0.map((gj, j) => gj + o.weightDecay * theta[j]);
    m = m.map((mj, j) => o.beta1 * mj + (1 - o.beta1) * g[j]);
    v = v.map((vj, j) => o.beta2 * vj + (1 - o.beta2) * g[j] * g[j]);
    const mHat = m.map((mj) => mj / (1 - o.beta1 ** t));
    const vHat = v.map((vj) => vj / (1 - o.beta2 ** t));
    theta = theta.map((x, j) => x - (o.lr * mHat[j]) / (Math.sqrt(vHat[j]) + o.eps));
  }
  return theta;
}

/** The gradients parameter i sees over `steps` steps. */
function gradientsOf(i: number, steps: number): number[][] {
  return Array.from({ length: steps }, (_, k) =>
    Array.from({ length: product(SHAPES[i]) }, (_, j) => gradient(k, i, j)),
  );
}

const initialOf = (i: number) =>
  Array.from({ length: product(SHAPES[i]) }, (_, j) => initial(i, j));

// --- the tests ----------------------------------------------------------------------------------

const sgdCases: [string, SGDRule][] = [
  ["plain", { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false }],
  ["momentum", { lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false }],
  [
    "momentum + dampening",
    { lr: 0.05, momentum: 0.8, dampening: 0.3, weightDecay: 0, nesterov: false },
  ],
  ["nesterov", { lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: true }],
  [
    "nesterov + weight decay",
    { lr: 0.05, momentum: 0.7, dampening: 0, weightDecay: 0.1, nesterov: true },
  ],
  ["weight decay", { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0.2, nesterov: false }],
];

const adamCases: [string, AdamRule][] = [
  ["Adam", { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false }],
  [
    "Adam, other betas and eps",
    { lr: 0.1, beta1: 0.5, beta2: 0.8, eps: 1e-3, weightDecay: 0, decoupled: false },
  ],
  [
    "Adam + L2 weight decay",
    { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.3, decoupled: false },
  ],
  ["AdamW", { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.3, decoupled: true }],
];

function makeAdam(slots: readonly Slot[], o: AdamRule): mt.optim.Adam {
  const options = {
    lr: o.lr,
    betas: [o.beta1, o.beta2] as const,
    eps: o.eps,
    weightDecay: o.weightDecay,
  };
  return o.decoupled ? new mt.optim.AdamW(slots, options) : new mt.optim.Adam(slots, options);
}

describe.each(loadedBackendNames)("optimizers on %s", (backend) => {
  const { impl } = usable(backend);
  const dtypes = (["float32", "float64"] as const).filter((d) => impl.dtypes.includes(d));
  /** The widest dtype the backend stores, for the tests of one dtype. */
  const wide: "float32" | "float64" = impl.dtypes.includes("float64") ? "float64" : "float32";
  /** `xs` as `wide` tensors hold them. */
  const stored = (xs: number[]) => (wide === "float32" ? xs.map(Math.fround) : xs);

  describe.each(dtypes)("%s", (dtype) => {
    it.each(sgdCases)("SGD (%s) follows torch.optim.SGD's rule", async (_, rule) => {
      const slots = makeSlots(backend, dtype);
      const opt = new mt.optim.SGD(slots, rule);
      for (let k = 0; k < STEPS; k++) {
        setGradients(slots, k);
        opt.step();
      }
      for (const [i, slot] of slots.entries()) {
        const expected = sgdReference(initialOf(i), gradientsOf(i, STEPS), rule);
        expectClose(await values(slot.value), expected, TOLERANCE[dtype]);
      }
    });

    it.each(adamCases)("%s follows torch.optim's rule", async (_, rule) => {
      const slots = makeSlots(backend, dtype);
      const before = slots.map((s) => s.value);
      const opt = makeAdam(slots, rule);
      for (let k = 0; k < STEPS; k++) {
        setGradients(slots, k);
        opt.step();
      }
      for (const [i, slot] of slots.entries()) {
        const expected = adamReference(initialOf(i), gradientsOf(i, STEPS), rule);
        expectClose(await values(slot.value), expected, TOLERANCE[dtype]);
        // Updated in place: the same leaf tensor, still trainable.
        expect(slot.value).toBe(before[i]);
        expect(slot.value.isLeaf && slot.value.requiresGrad).toBe(true);
      }
      expect(opt.stepCount).toBe(STEPS);
    });
  });

  it("Adam skips a parameter without a gradient, and its own step count starts when one arrives", async () => {
    const slots = makeSlots(backend, wide);
    const rule = adamCases[0][1];
    const opt = makeAdam(slots, rule);
    setGradients(slots, 0, [1]);
    opt.step();
    expect(await values(slots[1].value)).toEqual(stored(initialOf(1)));
    expect(Object.keys(opt.stateDict())).toEqual([
      "step",
      "0.exp_avg",
      "0.exp_avg_sq",
      "0.step",
      "paramGroups",
    ]);
    setGradients(slots, 1);
    opt.step();
    // Parameter 1's first update is bias-corrected with t = 1, from the step-1 gradient.
    const expected = adamReference(initialOf(1), [gradientsOf(1, 2)[1]], rule);
    expectClose(await values(slots[1].value), expected, TOLERANCE[wide]);
    const state = opt.stateDict();
    expect([state["0.step"], state["1.step"], state.step]).toEqual([2, 1, 2]);
  });

  it("SGD skips a parameter without a gradient", async () => {
    const slots = makeSlots(backend, "float32");
    const opt = new mt.optim.SGD(slots, { lr: 0.1, momentum: 0.9, nesterov: true });
    setGradients(slots, 0, [0]);
    opt.step();
    expect(await values(slots[0].value)).toEqual(initialOf(0).map(Math.fround));
    expect(Object.keys(opt.stateDict())).toEqual(["step", "1.momentum_buffer", "paramGroups"]);
  });

  it("AdamW decays θ directly; Adam's L2 term goes through the moments", async () => {
    // With zero gradients only the decay acts: AdamW shrinks θ by (1 − ηλ) per step and the
    // moments stay 0, while Adam's g = λθ is normalised into a step of about η.
    const [lr, weightDecay] = [0.01, 0.5];
    const adamSlots = makeSlots(backend, wide);
    const adamWSlots = makeSlots(backend, wide);
    const adam = new mt.optim.Adam(adamSlots, { lr, weightDecay });
    const adamW = new mt.optim.AdamW(adamWSlots, { lr, weightDecay });
    for (let k = 0; k < 3; k++) {
      for (const slots of [adamSlots, adamWSlots]) {
        for (const s of slots) s.value.grad = s.value.zerosLike();
      }
      adam.step();
      adamW.step();
    }
    const theta0 = initialOf(0);
    expectClose(
      await values(adamWSlots[0].value),
      theta0.map((x) => x * (1 - lr * weightDecay) ** 3),
      TOLERANCE[wide],
    );
    const zeros = Array.from({ length: 3 }, () => theta0.map(() => 0));
    const adamTheta = await values(adamSlots[0].value);
    expectClose(
      adamTheta,
      adamReference(theta0, zeros, {
        lr,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay,
        decoupled: false,
      }),
      TOLERANCE[wide],
    );
    // Each normalised L2 step moves θ by about η towards 0: far more than AdamW's shrinking.
    for (const [j, x] of theta0.entries()) {
      expect(Math.abs(adamTheta[j] - (x - 3 * lr * Math.sign(x)))).toBeLessThan(1e-3);
    }
    expect(new mt.optim.AdamW([]).weightDecay).toBe(1e-2);
    expect(new mt.optim.Adam([]).weightDecay).toBe(0);
  });

  describe("stateDict / loadStateDict", () => {
    const makers: [string, (slots: Slot[]) => mt.optim.Optimizer][] = [
      [
        "SGD nesterov",
        (s) => new mt.optim.SGD(s, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
      ],
      ["Adam", (s) => new mt.optim.Adam(s, { lr: 0.01, weightDecay: 0.1 })],
      ["AdamW", (s) => new mt.optim.AdamW(s, { lr: 0.01 })],
    ];

    it.each(makers)(
      "%s: 3 steps, save, load into a fresh one, 3 more = 6 steps, bit for bit",
      async (_, make) => {
        const straight = makeSlots(backend, "float32");
        const a = make(straight);
        for (let k = 0; k < 6; k++) {
          setGradients(straight, k);
          a.step();
        }

        const first = makeSlots(backend, "float32");
        const b = make(first);
        for (let k = 0; k < 3; k++) {
          setGradients(first, k);
          b.step();
        }
        // A checkpoint: the parameters' values and the optimizer's state, read back as plain data.
        const saved = b.stateDict();
        const fromFile: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(saved)) {
          fromFile[key] =
            value instanceof mt.Tensor
              ? mt.Tensor.fromValues(await value.data(), value.shape, value.dtype, value.backend)
              : JSON.parse(JSON.stringify(value));
        }
        const resumed = makeSlots(backend, "float32");
        for (const [i, slot] of resumed.entries()) {
          const t = mt.Tensor.fromValues(
            await first[i].value.data(),
            SHAPES[i],
            "float32",
            backend,
          );
          t.requiresGrad = true;
          slot.update(t);
        }
        const c = make(resumed);
        c.loadStateDict(fromFile);
        expect(c.stepCount).toBe(3);
        const snapshot = await Promise.all(
          Object.values(fromFile).map((v) => (v instanceof mt.Tensor ? values(v) : v)),
        );
        for (let k = 3; k < 6; k++) {
          setGradients(resumed, k);
          c.step();
        }
        for (const i of SHAPES.keys()) {
          expect(await values(resumed[i].value)).toEqual(await values(straight[i].value));
        }
        // The loaded dict's tensors were copied in, not stepped on.
        const after = await Promise.all(
          Object.values(fromFile).map((v) => (v instanceof mt.Tensor ? values(v) : v)),
        );
        expect(after).toEqual(snapshot);
        // And a dict taken earlier is a snapshot too.
        for (const [key, value] of Object.entries(saved)) {
          const loaded = fromFile[key];
          if (value instanceof mt.Tensor && loaded instanceof mt.Tensor) {
            expect(await values(value)).toEqual(await values(loaded));
          }
        }
      },
    );

    it("rejects a dict that does not fit, leaving the state unchanged", async () => {
      const slots = makeSlots(backend, "float32");
      const opt = new mt.optim.Adam(slots);
      setGradients(slots, 0);
      opt.step();
      const good = opt.stateDict();
      const m0 = good["0.exp_avg"];
      expect(m0).toBeInstanceOf(mt.Tensor);
      const wrongShape = { ...good, "0.exp_avg": mt.zeros([3, 2], { backend }) };
      expect(() => opt.loadStateDict(wrongShape)).toThrow(mt.ShapeError);
      expect(() => opt.loadStateDict(wrongShape)).toThrow(
        /"0.exp_avg" has shape \[3,2\] but its parameter has \[2,3\]/,
      );
      expect(() => opt.loadStateDict({ ...good, "0.momentum_buffer": m0 })).toThrow(
        /unexpected key "0.momentum_buffer"/,
      );
      expect(() => opt.loadStateDict({ ...good, "5.step": 1 })).toThrow(/unexpected key "5.step"/);
      expect(() => opt.loadStateDict({ ...good, step: -1 })).toThrow(
        /"step" must be a non-negative integer, got -1/,
      );
      expect(() => opt.loadStateDict({ ...good, "0.step": 1.5 })).toThrow(mt.DataError);
      expect(() => opt.loadStateDict({ ...good, "0.exp_avg": 3 })).toThrow(mt.DTypeError);
      const { "0.exp_avg_sq": _, ...partial } = good;
      expect(() => opt.loadStateDict(partial)).toThrow(/parameter 0 has .* but not exp_avg_sq/);
      expect(await values(opt.stateDict()["0.exp_avg"] as Tensor)).toEqual(
        await values(m0 as Tensor),
      );
      expect(opt.stateDict().step).toBe(1);
    });
  });

  it.each([
    ["Adam", (s: Slot[]) => new mt.optim.Adam(s, { lr: 1e-3, weightDecay: 0.01 })],
    ["AdamW", (s: Slot[]) => new mt.optim.AdamW(s, { lr: 1e-3 })],
    [
      "SGD nesterov",
      (s: Slot[]) =>
        new mt.optim.SGD(s, { lr: 1e-3, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
    ],
  ])("%s holds flat memory over 500 steps in tidy", (_, make) => {
    const slots = makeSlots(backend, "float32");
    const opt = make(slots);
    const x = mt.randn([2, 3], { backend, seed: 3 });
    const step = () =>
      mt.tidy(() => {
        opt.zeroGrad();
        const loss = slots[0].value.mul(x).sum().pow(2).add(slots[1].value.exp().sum());
        loss.backward();
        opt.step();
      });
    step(); // creates the state
    const start = mt.memory();
    for (let i = 0; i < 500; i++) step();
    expect(mt.memory()).toEqual(start);
  });

  it("Adam fits a linear regression (the loss drops by more than 10×)", async () => {
    const x = mt.randn([64, 4], { backend, seed: 11 });
    const wTrue = mt.tensor([[1.5], [-2], [0.5], [3]], { backend });
    const y = x.matmul(wTrue).add(0.7);
    const w = mt.zeros([4, 1], { backend, requiresGrad: true });
    const b = mt.zeros([1], { backend, requiresGrad: true });
    const opt = new mt.optim.Adam([new mt.nn.Parameter(w), new mt.nn.Parameter(b)], { lr: 0.05 });
    const lossNow = () => x.matmul(w).add(b).sub(y).pow(2).mean();
    const initialLoss = (await lossNow().data())[0];
    for (let i = 0; i < 300; i++) {
      mt.tidy(() => {
        opt.zeroGrad();
        lossNow().backward();
        opt.step();
      });
    }
    const finalLoss = (await lossNow().data())[0];
    expect(finalLoss).toBeLessThan(initialLoss / 10);
  });
});

describe("optimizer options", () => {
  const slot = () => new mt.nn.Parameter(mt.zeros([2], { requiresGrad: true }), "w");

  it("Adam and AdamW reject bad hyper-parameters, naming the value", () => {
    for (const Opt of [mt.optim.Adam, mt.optim.AdamW]) {
      const name = Opt === mt.optim.Adam ? "Adam" : "AdamW";
      expect(() => new Opt([], { lr: 0 })).toThrow(
        new RegExp(`${name}: lr must be a positive number, got 0`),
      );
      expect(() => new Opt([], { lr: Number.NaN })).toThrow(mt.DataError);
      expect(() => new Opt([], { betas: [1, 0.999] })).toThrow(
        /betas\[0\] must be in \[0, 1\), got 1/,
      );
      expect(() => new Opt([], { betas: [0.9, -0.1] })).toThrow(
        /betas\[1\] must be in \[0, 1\), got -0.1/,
      );
      expect(() => new Opt([], { eps: -1e-8 })).toThrow(/eps must be ≥ 0, got -1e-8/);
      expect(() => new Opt([], { weightDecay: -0.5 })).toThrow(/weightDecay must be ≥ 0, got -0.5/);
    }
    expect(() => new mt.optim.Adam([new mt.nn.Parameter(new mt.Scalar(1), "s")])).toThrow(
      /Adam: parameter 0 \(s\) holds .*, not a Tensor/,
    );
    const w = slot();
    expect(() => new mt.optim.Adam([w, w])).toThrow(/parameter 1 \(w\) appears more than once/);
  });

  it("SGD's nesterov needs momentum and no dampening", () => {
    expect(() => new mt.optim.SGD([slot()], { lr: 0.1, nesterov: true })).toThrow(
      /nesterov needs momentum > 0 and dampening 0, got momentum 0 and dampening 0/,
    );
    expect(
      () => new mt.optim.SGD([slot()], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }),
    ).toThrow(mt.DataError);
    expect(() => new mt.optim.SGD([slot()], { lr: 0.1, dampening: 2 })).toThrow(
      /dampening must be in \[0, 1\], got 2/,
    );
    expect(new mt.optim.SGD([slot()], { lr: 0.1, momentum: 0.9, nesterov: true }).nesterov).toBe(
      true,
    );
  });

  it("zeroGrad clears the gradients of every parameter", () => {
    const slots = [slot(), slot()];
    const opt = new mt.optim.AdamW(slots);
    for (const s of slots) s.value.sum().backward();
    opt.zeroGrad();
    expect(slots.map((s) => s.value.grad)).toEqual([null, null]);
  });
});
