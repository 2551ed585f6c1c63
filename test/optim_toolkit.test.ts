import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";
import { loadedBackendNames, usable } from "./backends.js";
import { expectClose, type Tolerance } from "./close.js";

/**
 * Parameter groups, zeroGrad({setToNone}), RMSprop, Adagrad and OneCycleLR. Group semantics are
 * checked against plain-JS update rules over row-major arrays; RMSprop, Adagrad and OneCycleLR
 * against numbers torch 1.13 printed (the python snippet that made them is next to each). Runs on
 * every backend that loads here, in float64 where the backend stores it.
 */

const { lrScheduler } = mt.optim;
type Tensor = mt.Tensor;
type Slot = mt.nn.Parameter<Tensor>;

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** A trainable slot holding `xs` (a 1-d tensor). */
function slot(
  xs: readonly number[],
  backend: mt.BackendName,
  dtype: mt.DType,
  name?: string,
): Slot {
  const t = mt.Tensor.fromValues([...xs], [xs.length], dtype, backend);
  t.requiresGrad = true;
  return new mt.nn.Parameter(t, name);
}

/** Sets a slot's gradient to `g`. */
function setGrad(s: Slot, g: readonly number[]): void {
  s.value.grad = mt.Tensor.fromValues([...g], s.value.shape, s.value.dtype, s.value.backend);
}

/** θ after plain SGD steps (momentum μ, the first buffer the gradient) with rate lrs[k] at step k. */
function sgdSteps(theta0: number[], grads: number[][], lrs: number[], momentum = 0): number[] {
  let theta = [...theta0];
  let v: number[] = [];
  grads.forEach((g, k) => {
    v = k === 0 || momentum === 0 ? [...g] : v.map((vj, j) => momentum * vj + g[j]);
    theta = theta.map((t, j) => t - lrs[k] * v[j]);
  });
  return theta;
}

const TOL: Record<"float32" | "float64", Tolerance> = {
  float64: { relOrAbs: 1e-12 },
  float32: { relOrAbs: 2e-5 },
};

const G = (k: number, n: number) =>
  Array.from({ length: n }, (_, j) => Math.sin(k + 0.7 * j) + 0.2);

describe.each(loadedBackendNames)("parameter groups on %s", (backend) => {
  const { impl } = usable(backend);
  const dtype: "float32" | "float64" = impl.dtypes.includes("float64") ? "float64" : "float32";
  const tol = TOL[dtype];

  it("each group steps with its own options, resolved over the defaults", async () => {
    const a = slot([1, 2, 3], backend, dtype);
    const b = slot([-1, 0.5], backend, dtype);
    const opt = new mt.optim.SGD([{ params: [a] }, { params: b, lr: 0.01, momentum: 0.9 }], {
      lr: 0.1,
    });
    expect(opt.paramGroups.map(({ params: _, ...o }) => o)).toEqual([
      { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
      { lr: 0.01, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false, maximize: false },
    ]);
    expect(opt.paramGroups[1].params).toEqual([b]);
    for (let k = 0; k < 3; k++) {
      setGrad(a, G(k, 3));
      setGrad(b, G(k, 2));
      opt.step();
    }
    const grads = (n: number) => [0, 1, 2].map((k) => G(k, n));
    expectClose(await values(a.value), sgdSteps([1, 2, 3], grads(3), [0.1, 0.1, 0.1]), tol);
    expectClose(await values(b.value), sgdSteps([-1, 0.5], grads(2), [0.01, 0.01, 0.01], 0.9), tol);
  });

  it("a rate changed in paramGroups between steps is the one the next step uses", async () => {
    const a = slot([1, 2], backend, dtype);
    const b = slot([3], backend, dtype);
    const opt = new mt.optim.SGD([{ params: [a] }, { params: [b], lr: 0.2 }], { lr: 0.1 });
    const lrsA = [0.1, 0.05, 0.3];
    const lrsB = [0.2, 0.01, 0.3];
    for (let k = 0; k < 3; k++) {
      if (k === 1) {
        opt.paramGroups[0].lr = 0.05;
        opt.paramGroups[1].lr = 0.01;
      }
      if (k === 2) opt.lr = 0.3; // the setter writes every group
      setGrad(a, G(k, 2));
      setGrad(b, G(k, 1));
      opt.step();
    }
    expect(opt.lr).toBe(0.3);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.3, 0.3]);
    const grads = (n: number) => [0, 1, 2].map((k) => G(k, n));
    expectClose(await values(a.value), sgdSteps([1, 2], grads(2), lrsA), tol);
    expectClose(await values(b.value), sgdSteps([3], grads(1), lrsB), tol);
  });

  it("AdamW groups: weight decay on one, none on the other (the common recipe)", async () => {
    const w = slot([1, -2], backend, dtype);
    const bias = slot([0.5], backend, dtype);
    const opt = new mt.optim.AdamW(
      [
        { params: [w], weightDecay: 0.1 },
        { params: [bias], weightDecay: 0 },
      ],
      { lr: 0.01 },
    );
    expect(opt.paramGroups.map((g) => [g.lr, g.weightDecay, g.betas])).toEqual([
      [0.01, 0.1, [0.9, 0.999]],
      [0.01, 0, [0.9, 0.999]],
    ]);
    // Zero gradients: only the decoupled decay moves θ, by (1 − ηλ) per step.
    for (let k = 0; k < 2; k++) {
      w.value.grad = w.value.zerosLike();
      bias.value.grad = bias.value.zerosLike();
      opt.step();
    }
    expectClose(
      await values(w.value),
      [1, -2].map((x) => x * (1 - 0.01 * 0.1) ** 2),
      tol,
    );
    expect(await values(bias.value)).toEqual([0.5]);
  });

  it("state dicts carry each group's options: a resumed run keeps the changed rates", async () => {
    const make = () => {
      const a = slot([1, 2], backend, "float32");
      const b = slot([3], backend, "float32");
      const opt = new mt.optim.Adam([{ params: [a] }, { params: [b], lr: 0.5 }], { lr: 0.1 });
      return { a, b, opt };
    };
    const first = make();
    setGrad(first.a, [1, 1]);
    setGrad(first.b, [1]);
    first.opt.step();
    first.opt.paramGroups[1].lr = 0.02;
    first.opt.paramGroups[0].betas = [0.8, 0.99];
    const saved = first.opt.stateDict();
    expect(saved.paramGroups).toEqual([
      {
        params: [0],
        lr: 0.1,
        betas: [0.8, 0.99],
        eps: 1e-8,
        weightDecay: 0,
        amsgrad: false,
        maximize: false,
      },
      {
        params: [1],
        lr: 0.02,
        betas: [0.9, 0.999],
        eps: 1e-8,
        weightDecay: 0,
        amsgrad: false,
        maximize: false,
      },
    ]);
    // A later change does not reach the saved dict.
    first.opt.paramGroups[0].betas = [0.5, 0.5];
    expect((saved.paramGroups as mt.optim.SavedParamGroup[])[0].betas).toEqual([0.8, 0.99]);
    const second = make();
    const fromFile: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(saved)) {
      fromFile[key] = value instanceof mt.Tensor ? value : JSON.parse(JSON.stringify(value));
    }
    second.opt.loadStateDict(fromFile);
    expect(second.opt.paramGroups.map((g) => [g.lr, g.betas])).toEqual([
      [0.1, [0.8, 0.99]],
      [0.02, [0.9, 0.999]],
    ]);
    // A dict without paramGroups (an older checkpoint) keeps the groups' options.
    const third = make();
    const { paramGroups: _, ...old } = saved;
    third.opt.loadStateDict(old);
    expect(third.opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.5]);
    expect(third.opt.stepCount).toBe(1);
  });
});

describe("parameter groups: construction and errors", () => {
  const p = (name?: string) => new mt.nn.Parameter(mt.zeros([2]), name);

  it("takes module.parameters(), any iterable, or groups; addParamGroup appends with the defaults", () => {
    const net = new mt.nn.Linear(3, 2);
    const opt = new mt.optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.5 });
    expect(opt.paramGroups).toHaveLength(1);
    expect(opt.parameters).toHaveLength(2);
    function* two() {
      yield p();
      yield p();
    }
    expect(new mt.optim.Adam(two()).parameters).toHaveLength(2);
    expect(new mt.optim.Adam(new Set([p()])).parameters).toHaveLength(1);
    const extra = p();
    opt.addParamGroup({ params: [extra], lr: 0.01 });
    expect(opt.paramGroups[1].lr).toBe(0.01);
    expect(opt.paramGroups[1].momentum).toBe(0.5);
    expect(opt.parameters).toHaveLength(3);
    expect(opt.defaults).toEqual({
      lr: 0.1,
      momentum: 0.5,
      dampening: 0,
      weightDecay: 0,
      nesterov: false,
      maximize: false,
    });
  });

  it("a parameter in two groups, unknown keys, and bad groups are errors", () => {
    const w = p("w");
    expect(() => new mt.optim.SGD([{ params: [w] }, { params: [w] }], { lr: 0.1 })).toThrow(
      /SGD \(parameter group 1\): parameter 1 \(w\) appears more than once \(a parameter may be in one group only\)/,
    );
    expect(() => new mt.optim.Adam([{ params: [p()], lrr: 0.1 } as never])).toThrow(
      /Adam \(parameter group 0\): unknown option lrr/,
    );
    expect(() => new mt.optim.Adam([p(), { params: [p()] }] as never)).toThrow(mt.DTypeError);
    expect(() => new mt.optim.Adam([{ lr: 0.1 }] as never)).toThrow(
      /parameter group 0 has no "params"/,
    );
    expect(() => new mt.optim.Adam([{ params: [3] }] as never)).toThrow(
      /params\[0\] is 3, not a Parameter/,
    );
    expect(() => new mt.optim.Adam(p() as never)).toThrow(/wrap it in an array/);
    expect(() => new mt.optim.SGD([{ params: [p()] }])).toThrow(
      /SGD \(parameter group 0\): lr must be a positive number, got undefined/,
    );
    expect(() => new mt.optim.Adam([{ params: [p()], betas: [1, 0.9] }])).toThrow(
      /betas\[0\] must be in \[0, 1\), got 1/,
    );
    const opt = new mt.optim.SGD([w], { lr: 0.1 });
    expect(() => opt.addParamGroup({ params: [w] })).toThrow(/appears more than once/);
    expect(() => opt.addParamGroup({ params: [p()], momentum: 2 })).toThrow(mt.DataError);
    expect(opt.paramGroups).toHaveLength(1);
    expect(opt.parameters).toHaveLength(1);
  });

  it("options changed to bad values are refused at the next step, moving nothing", async () => {
    const a = new mt.nn.Parameter(mt.tensor([1, 2], { requiresGrad: true }));
    const opt = new mt.optim.SGD([a], { lr: 0.1 });
    a.value.grad = mt.tensor([1, 1]);
    opt.paramGroups[0].lr = -1;
    expect(() => opt.step()).toThrow(/SGD.step: paramGroups\[0\]: lr must be ≥ 0, got -1/);
    opt.paramGroups[0].lr = 0.1;
    opt.paramGroups[0].nesterov = true; // without momentum
    expect(() => opt.step()).toThrow(/nesterov needs momentum > 0/);
    expect(await values(a.value)).toEqual([1, 2]);
    expect(opt.stepCount).toBe(0);
    expect(() => {
      opt.lr = Number.NaN;
    }).toThrow(/SGD: lr must be ≥ 0, got NaN/);
  });

  it("loadStateDict refuses groups that do not fit, changing nothing", () => {
    const opt = new mt.optim.SGD([{ params: [p()] }, { params: [p(), p()], lr: 0.2 }], { lr: 0.1 });
    const good = opt.stateDict();
    const groups = good.paramGroups as mt.optim.SavedParamGroup[];
    expect(() => opt.loadStateDict({ ...good, paramGroups: [groups[0]] })).toThrow(
      /"paramGroups" must hold 2 parameter groups/,
    );
    expect(() =>
      opt.loadStateDict({ ...good, paramGroups: [groups[0], { ...groups[1], params: [1] }] }),
    ).toThrow(/paramGroups\[1\] holds \[1\] but this optimizer's group 1 has 2 parameters/);
    expect(() =>
      opt.loadStateDict({ ...good, paramGroups: [{ ...groups[0], lr: -1 }, groups[1]] }),
    ).toThrow(/paramGroups\[0\]: lr must be ≥ 0/);
    expect(() =>
      opt.loadStateDict({ ...good, paramGroups: [{ ...groups[0], foo: 1 }, groups[1]] }),
    ).toThrow(/unknown option foo/);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.2]);
  });
});

describe.each(loadedBackendNames)("zeroGrad on %s", (backend) => {
  it("drops gradients by default; {setToNone: false} writes zeros into them", async () => {
    const a = new mt.nn.Parameter(mt.tensor([1, 2, 3], { backend, requiresGrad: true }));
    const b = new mt.nn.Parameter(mt.tensor([4], { backend, requiresGrad: true }));
    const opt = new mt.optim.Adam([a, b]);
    a.value.mul(2).sum().backward();
    const grad = a.value.grad;
    opt.zeroGrad({ setToNone: false });
    expect(a.value.grad).toBe(grad);
    expect(await values(a.value.grad as Tensor)).toEqual([0, 0, 0]);
    expect(b.value.grad).toBeNull(); // had none: stays none
    // Accumulates onto the zeros as onto a fresh gradient.
    a.value.mul(3).sum().backward();
    expect(await values(a.value.grad as Tensor)).toEqual([3, 3, 3]);
    opt.zeroGrad();
    expect(a.value.grad).toBeNull();
    expect(() => opt.zeroGrad({ setToNone: 0 } as never)).toThrow(
      /option setToNone must be true or false/,
    );
  });
});

describe("zeroGrad on Scalars", () => {
  it("{setToNone: false} sets a derivative to 0", () => {
    const s = new mt.nn.Parameter(new mt.Scalar(2));
    const opt = new mt.optim.SGD([s], { lr: 0.1 });
    s.value.mul(3).backward();
    opt.zeroGrad({ setToNone: false });
    expect(s.value.derivative).toBe(0);
  });
});

// --- RMSprop and Adagrad against torch 1.13 ------------------------------------------------------

/*
 * The numbers below were printed by torch 1.13 (float64) with:
 *   def quad(make, n=5):
 *       th = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
 *       c = torch.tensor([1.0, 0.5, 2.0])
 *       opt = make([th])
 *       for i in range(n):
 *           opt.zero_grad(); (c * th * th).sum().backward(); opt.step()
 *       return th.detach().tolist()
 * and the `make` in each case's comment.
 */
const QUAD_C = [1, 0.5, 2];
const QUAD_THETA = [1, -2, 0.5];
const quadCases: [string, (p: Slot[]) => mt.optim.Optimizer, number[]][] = [
  // torch.optim.RMSprop(p)
  [
    "RMSprop defaults",
    (p) => new mt.optim.RMSprop(p),
    [0.6964657887382079, -1.6854815885030794, 0.2215709911085929],
  ],
  [
    // torch.optim.RMSprop(p, lr=0.05, alpha=0.9, eps=1e-3, weight_decay=0.1, momentum=0.5, centered=True)
    "RMSprop centered, momentum, weight decay",
    (p) =>
      new mt.optim.RMSprop(p, {
        lr: 0.05,
        alpha: 0.9,
        eps: 1e-3,
        weightDecay: 0.1,
        momentum: 0.5,
        centered: true,
      }),
    [0.1722699184829922, -1.0644528594564524, -0.07805218195179245],
  ],
  [
    // torch.optim.RMSprop(p, lr=0.02, momentum=0.9)
    "RMSprop momentum",
    (p) => new mt.optim.RMSprop(p, { lr: 0.02, momentum: 0.9 }),
    [-0.46042789866727, -0.2838850154287887, -0.4331954616732156],
  ],
  // torch.optim.Adagrad(p)
  [
    "Adagrad defaults",
    (p) => new mt.optim.Adagrad(p),
    [0.9678738726492232, -1.9677780920297243, 0.4680684046984475],
  ],
  [
    // torch.optim.Adagrad(p, lr=0.1, lr_decay=0.05, weight_decay=0.2, initial_accumulator_value=0.3, eps=1e-6)
    "Adagrad lrDecay, weight decay, initial accumulator",
    (p) =>
      new mt.optim.Adagrad(p, {
        lr: 0.1,
        lrDecay: 0.05,
        weightDecay: 0.2,
        initialAccumulatorValue: 0.3,
        eps: 1e-6,
      }),
    [0.7218873586053158, -1.7120245807691834, 0.24286340903158657],
  ],
];

describe.each(loadedBackendNames)("RMSprop and Adagrad on %s", (backend) => {
  const { impl } = usable(backend);
  const dtype: "float32" | "float64" = impl.dtypes.includes("float64") ? "float64" : "float32";

  /** Five steps on Σ c·θ² from QUAD_THETA, through autograd. */
  function quad(
    make: (p: Slot[]) => mt.optim.Optimizer,
    steps = 5,
  ): { theta: Slot; opt: mt.optim.Optimizer } {
    const theta = slot(QUAD_THETA, backend, dtype);
    const c = mt.Tensor.fromValues(QUAD_C, [3], dtype, backend);
    const opt = make([theta]);
    for (let k = 0; k < steps; k++) {
      opt.zeroGrad();
      c.mul(theta.value).mul(theta.value).sum().backward();
      opt.step();
    }
    return { theta, opt };
  }

  it.each(quadCases)("%s: five steps on a quadratic as torch 1.13", async (_, make, expected) => {
    const { theta } = quad(make);
    expectClose(await values(theta.value), expected, TOL[dtype]);
  });

  it.each(quadCases)(
    "%s: save after 2 steps, resume, 3 more = 5 steps, bit for bit",
    async (_, make) => {
      const straight = quad(make);
      const first = quad(make, 2);
      const saved = first.opt.stateDict();
      const theta = slot(await values(first.theta.value), backend, dtype);
      const c = mt.Tensor.fromValues(QUAD_C, [3], dtype, backend);
      const opt = make([theta]);
      // As read back from a checkpoint: tensors re-made from their values, the rest through JSON.
      const fromFile: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(saved)) {
        fromFile[key] =
          value instanceof mt.Tensor
            ? mt.Tensor.fromValues(await value.data(), value.shape, value.dtype, value.backend)
            : JSON.parse(JSON.stringify(value));
      }
      opt.loadStateDict(fromFile);
      for (let k = 2; k < 5; k++) {
        opt.zeroGrad();
        c.mul(theta.value).mul(theta.value).sum().backward();
        opt.step();
      }
      expect(await values(theta.value)).toEqual(await values(straight.theta.value));
    },
  );
});

describe("RMSprop and Adagrad options", () => {
  const p = () => new mt.nn.Parameter(mt.zeros([2]));
  it("have PyTorch's defaults and refuse bad values", () => {
    expect(new mt.optim.RMSprop([p()]).defaults).toEqual({
      lr: 0.01,
      alpha: 0.99,
      eps: 1e-8,
      weightDecay: 0,
      momentum: 0,
      centered: false,
      maximize: false,
    });
    expect(new mt.optim.Adagrad([p()]).defaults).toEqual({
      lr: 0.01,
      lrDecay: 0,
      weightDecay: 0,
      initialAccumulatorValue: 0,
      eps: 1e-10,
      maximize: false,
    });
    expect(() => new mt.optim.RMSprop([p()], { alpha: -1 })).toThrow(
      /RMSprop: alpha must be ≥ 0, got -1/,
    );
    expect(() => new mt.optim.RMSprop([p()], { momentum: -0.1 })).toThrow(mt.DataError);
    expect(() => new mt.optim.RMSprop([p()], { centered: 1 } as never)).toThrow(
      /centered must be true or false/,
    );
    expect(() => new mt.optim.RMSprop([p()], { foreach: true } as never)).toThrow(
      /unknown option foreach/,
    );
    expect(() => new mt.optim.Adagrad([p()], { lrDecay: -1 })).toThrow(
      /Adagrad: lrDecay must be ≥ 0/,
    );
    expect(() => new mt.optim.Adagrad([p()], { lr: 0 })).toThrow(/lr must be a positive number/);
    expect(() => new mt.optim.Adagrad([p()], { maximize: true } as never)).toThrow(
      /not supported yet/,
    );
    expect(() => new mt.optim.Adagrad([new mt.nn.Parameter(new mt.Scalar(1), "s")])).toThrow(
      mt.DTypeError,
    );
  });

  it("RMSprop's momentum buffer appears only when momentum is on", () => {
    const a = new mt.nn.Parameter(mt.tensor([1, 2], { requiresGrad: true }));
    const opt = new mt.optim.RMSprop([a]);
    a.value.grad = mt.tensor([1, 1]);
    opt.step();
    expect(Object.keys(opt.stateDict())).toEqual(["step", "0.square_avg", "0.step", "paramGroups"]);
    opt.paramGroups[0].momentum = 0.9;
    opt.paramGroups[0].centered = true;
    opt.step();
    expect(Object.keys(opt.stateDict())).toEqual([
      "step",
      "0.grad_avg",
      "0.momentum_buffer",
      "0.square_avg",
      "0.step",
      "paramGroups",
    ]);
  });
});

// --- schedulers over groups, OneCycleLR -----------------------------------------------------------

/** |a − e| < 1e-15 element by element (V8's Math.cos and glibc's may differ in the last bit). */
function expectRates(actual: readonly number[], expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    expect(Math.abs(a - expected[i]), `entry ${i}: ${a} vs ${expected[i]}`).toBeLessThan(1e-15);
  });
}

/** Two groups of scalar SGD at rates 0.1 and 0.01. */
function twoGroups(extra: Partial<mt.optim.SGDOptions> = {}): mt.optim.SGD {
  const s = () => new mt.nn.Parameter(new mt.Scalar(1));
  return new mt.optim.SGD([{ params: [s()] }, { params: [s()], lr: 0.01 }], { lr: 0.1, ...extra });
}

describe("schedulers over parameter groups", () => {
  it("scale each group from its own base rate, one rate per group", () => {
    const opt = twoGroups();
    const s = new lrScheduler.StepLR(opt, { stepSize: 2, gamma: 0.5 });
    expect(s.baseLrs).toEqual([0.1, 0.01]);
    const seen: number[][] = [s.getLastLr()];
    for (let e = 1; e <= 4; e++) {
      opt.step();
      s.step();
      seen.push(s.getLastLr());
      expect(opt.paramGroups.map((g) => g.lr)).toEqual(s.getLastLr());
    }
    seen.forEach((lrs, e) => {
      expectRates(
        lrs,
        [0.1, 0.01].map((b) => b * 0.5 ** Math.floor(e / 2)),
      );
    });
    expect(s.stateDict()).toEqual({ lastEpoch: 4, baseLrs: [0.1, 0.01], lastLr: seen[4] });
  });

  it("LambdaLR takes one function per group; a second scheduler shares the initial rates", () => {
    const opt = twoGroups();
    const s = new lrScheduler.LambdaLR(opt, { lrLambda: [(e) => 1 / (e + 1), (e) => 0.9 ** e] });
    s.step();
    s.step();
    expectRates(s.getLastLr(), [0.1 / 3, 0.01 * 0.81]);
    const t = new lrScheduler.ExponentialLR(opt, { gamma: 0.5 });
    expect(t.baseLrs).toEqual([0.1, 0.01]);
    expect(() => new lrScheduler.LambdaLR(opt, { lrLambda: [(e) => e] })).toThrow(
      /expected 2 lrLambda functions \(one per parameter group\), got 1/,
    );
  });

  it("SequentialLR and state dicts carry every group", () => {
    const make = () => {
      const opt = twoGroups();
      const schedulers = [
        new lrScheduler.LinearLR(opt, { startFactor: 0.5, totalIters: 2 }),
        new lrScheduler.CosineAnnealingLR(opt, { tMax: 4 }),
      ];
      return { opt, s: new lrScheduler.SequentialLR(opt, { schedulers, milestones: [2] }) };
    };
    const a = make();
    expectRates(a.s.getLastLr(), [0.05, 0.005]);
    for (let i = 0; i < 3; i++) a.s.step();
    // Epoch 3: one step into the cosine from each base rate.
    expectRates(
      a.s.getLastLr(),
      [0.1, 0.01].map((b) => (b * (1 + Math.cos(Math.PI / 4))) / 2),
    );
    const b = make();
    b.s.loadStateDict(JSON.parse(JSON.stringify(a.s.stateDict())));
    expect(b.opt.paramGroups.map((g) => g.lr)).toEqual(a.s.getLastLr());
    a.s.step();
    b.s.step();
    expect(b.s.getLastLr()).toEqual(a.s.getLastLr());
    const single = new lrScheduler.StepLR(twoGroups(), { stepSize: 1 });
    expect(() => single.loadStateDict({ lastEpoch: 1, baseLrs: [0.1], lastLr: [0.1] })).toThrow(
      /"lastLr" must be an array of 2 numbers \(one per parameter group\)/,
    );
  });
});

describe("OneCycleLR as torch 1.13", () => {
  /** [lrs of every group, momenta (or β1) of every group] after construction and each step. */
  function trace(opt: mt.optim.Optimizer, s: mt.optim.lrScheduler.OneCycleLR, steps: number) {
    const momentum = (g: object) => {
      const betas: unknown = Reflect.get(g, "betas");
      return Array.isArray(betas) ? Number(betas[0]) : Number(Reflect.get(g, "momentum"));
    };
    const out: [number[], number[]][] = [];
    for (let i = 0; i <= steps; i++) {
      if (i > 0) s.step();
      out.push([opt.paramGroups.map((g) => g.lr), opt.paramGroups.map(momentum)]);
    }
    return out;
  }

  function expectTrace(actual: [number[], number[]][], expected: number[][][]): void {
    expect(actual.length).toBe(expected.length);
    actual.forEach(([lrs, ms], i) => {
      expectRates(lrs, expected[i][0]);
      expectRates(ms, expected[i][1]);
    });
  }

  it("cosine, two phases, SGD momentum cycled; a step past totalSteps is an error", () => {
    // p = [torch.zeros(2, requires_grad=True)]
    // opt = torch.optim.SGD(p, lr=0.1, momentum=0.9)
    // s = OneCycleLR(opt, max_lr=1.0, total_steps=10)
    // record [[g['lr']], [g['momentum']]] after construction, then after each of 10 s.step()
    const opt = new mt.optim.SGD([new mt.nn.Parameter(new mt.Scalar(1))], {
      lr: 0.1,
      momentum: 0.9,
    });
    const s = new lrScheduler.OneCycleLR(opt, { maxLr: 1, totalSteps: 10 });
    expectTrace(trace(opt, s, 10), [
      [[0.040000000000000036], [0.95]],
      [[0.52], [0.8999999999999999]],
      [[1.0], [0.85]],
      [[0.9504846320134737], [0.854951556604879]],
      [[0.8117456539497631], [0.8688255099070633]],
      [[0.6112620219362893], [0.8888739533021842]],
      [[0.38874197806371075], [0.9111260466978157]],
      [[0.18825834605023697], [0.9311744900929366]],
      [[0.049519367986526286], [0.945048443395121]],
      [[4e-6], [0.95]],
      [[0.04951936798652623], [0.945048443395121]],
    ]);
    // torch: ValueError "Tried to step 12 times. The specified number of total steps is 10"
    expect(() => s.step()).toThrow(mt.DataError);
    expect(() => s.step()).toThrow(
      /tried to step 12 times; the specified number of total steps is 10/,
    );
    expect(s.lastEpoch).toBe(10);
  });

  it("linear, three phases, two groups of Adam with β1 cycled", () => {
    // q = [torch.zeros(2, requires_grad=True)]
    // opt = torch.optim.Adam([{'params': p}, {'params': q, 'lr': 0.5}], lr=0.1)
    // s = OneCycleLR(opt, max_lr=[0.1, 0.01], total_steps=12, pct_start=0.25,
    //                anneal_strategy='linear', three_phase=True, base_momentum=0.8, max_momentum=0.9)
    const t = () => new mt.nn.Parameter(mt.zeros([2]));
    const opt = new mt.optim.Adam([{ params: [t()] }, { params: [t()], lr: 0.5 }], { lr: 0.1 });
    const s = new lrScheduler.OneCycleLR(opt, {
      maxLr: [0.1, 0.01],
      totalSteps: 12,
      pctStart: 0.25,
      annealStrategy: "linear",
      threePhase: true,
      baseMomentum: 0.8,
      maxMomentum: 0.9,
    });
    const m = 0.8500000000000001;
    expectTrace(trace(opt, s, 12), [
      [
        [0.004, 0.0004],
        [0.9, 0.9],
      ],
      [
        [0.052000000000000005, 0.005200000000000001],
        [m, m],
      ],
      [
        [0.1, 0.01],
        [0.8, 0.8],
      ],
      [
        [0.052000000000000005, 0.0052],
        [m, m],
      ],
      [
        [0.0040000000000000036, 0.0003999999999999993],
        [0.9, 0.9],
      ],
      [
        [0.0034286285714285715, 0.00034286285714285716],
        [0.9, 0.9],
      ],
      [
        [0.002857257142857143, 0.0002857257142857143],
        [0.9, 0.9],
      ],
      [
        [0.0022858857142857144, 0.00022858857142857143],
        [0.9, 0.9],
      ],
      [
        [0.0017145142857142859, 0.00017145142857142857],
        [0.9, 0.9],
      ],
      [
        [0.0011431428571428573, 0.00011431428571428569],
        [0.9, 0.9],
      ],
      [
        [0.0005717714285714288, 5.7177142857142834e-5],
        [0.9, 0.9],
      ],
      [
        [4.0000000000022656e-7, 3.999999999997929e-8],
        [0.9, 0.9],
      ],
      [
        [-0.0005709714285714283, -5.7097142857142876e-5],
        [0.9, 0.9],
      ],
    ]);
    expect(opt.paramGroups[1].betas[1]).toBe(0.999); // β2 untouched
    expect(s.baseLrs).toEqual([0.004, 0.0004]);
  });

  it("epochs × stepsPerEpoch, other div factors, momentum left alone when not cycled", () => {
    // opt = torch.optim.SGD(p, lr=0.1)
    // s = OneCycleLR(opt, max_lr=0.2, epochs=2, steps_per_epoch=3, div_factor=10,
    //                final_div_factor=100, cycle_momentum=False)
    // [(opt.step(), s.step(), opt.param_groups[0]['lr'])[2] for i in range(6)]
    const opt = new mt.optim.SGD([new mt.nn.Parameter(new mt.Scalar(1))], { lr: 0.1 });
    const s = new lrScheduler.OneCycleLR(opt, {
      maxLr: 0.2,
      epochs: 2,
      stepsPerEpoch: 3,
      divFactor: 10,
      finalDivFactor: 100,
      cycleMomentum: false,
    });
    const rates: number[] = [];
    for (let i = 0; i < 6; i++) {
      opt.step();
      s.step();
      rates.push(opt.lr);
    }
    expectRates(
      rates,
      [
        0.19888419953989034, 0.16238663120568747, 0.09263446365071623, 0.02686811800420037, 0.0002,
        0.02686811800420036,
      ],
    );
    expect(opt.paramGroups[0].momentum).toBe(0);
    expect(s.totalSteps).toBe(6);
  });

  it("refuses an optimizer without momentum when cycling it, and bad options", () => {
    const t = () => new mt.nn.Parameter(mt.zeros([2]));
    // torch: ValueError "optimizer must support momentum with `cycle_momentum` option enabled"
    expect(
      () => new lrScheduler.OneCycleLR(new mt.optim.Adagrad([t()]), { maxLr: 0.1, totalSteps: 5 }),
    ).toThrow(/optimizer must support momentum with the cycleMomentum option enabled/);
    const ok = new lrScheduler.OneCycleLR(new mt.optim.Adagrad([t()]), {
      maxLr: 0.1,
      totalSteps: 5,
      cycleMomentum: false,
    });
    expectRates(ok.getLastLr(), [0.004]);
    const opt = new mt.optim.RMSprop([t()]);
    expect(() => new lrScheduler.OneCycleLR(opt, { maxLr: 0.1 })).toThrow(
      /either totalSteps OR \(epochs AND stepsPerEpoch\)/,
    );
    expect(() => new lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 0 })).toThrow(
      mt.DataError,
    );
    expect(
      () => new lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 5, pctStart: 1.5 }),
    ).toThrow(/pctStart must be in \[0, 1\]/);
    expect(
      () =>
        new lrScheduler.OneCycleLR(opt, {
          maxLr: 0.1,
          totalSteps: 5,
          annealStrategy: "exp" as never,
        }),
    ).toThrow(/must be "cos" or "linear"/);
    expect(() => new lrScheduler.OneCycleLR(opt, { maxLr: [0.1, 0.2], totalSteps: 5 })).toThrow(
      /expected 1 values for maxLr/,
    );
    expect(() => new lrScheduler.OneCycleLR(opt, { totalSteps: 5 } as never)).toThrow(
      /maxLr is required/,
    );
    // RMSprop has momentum: it is cycled.
    new lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 5 });
    expect(opt.paramGroups[0].momentum).toBe(0.95);
  });

  it("a reloaded OneCycleLR continues the rates and momenta", () => {
    const make = () => {
      const opt = new mt.optim.SGD([new mt.nn.Parameter(new mt.Scalar(1))], {
        lr: 0.1,
        momentum: 0.9,
      });
      return { opt, s: new lrScheduler.OneCycleLR(opt, { maxLr: 1, totalSteps: 10 }) };
    };
    const a = make();
    for (let i = 0; i < 4; i++) a.s.step();
    const b = make();
    b.s.loadStateDict(JSON.parse(JSON.stringify(a.s.stateDict())));
    expect(b.opt.paramGroups[0].lr).toBe(a.opt.paramGroups[0].lr);
    expect(b.opt.paramGroups[0].momentum).toBe(a.opt.paramGroups[0].momentum);
    a.s.step();
    b.s.step();
    expect(b.s.getLastLr()).toEqual(a.s.getLastLr());
    expect(b.opt.paramGroups[0].momentum).toBe(a.opt.paramGroups[0].momentum);
  });
});
