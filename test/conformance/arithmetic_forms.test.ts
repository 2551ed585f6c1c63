import fc from "fast-check";
import { expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { anyValue, awayFromZero, EXACT, SUMS } from "../op_cases.js";
import { broadcastShapes, nest } from "../shape_oracles.js";
import { describeEachBackend, GRADCHECK_RUNS, RUNS, weights } from "./harness.js";
import {
  arbAnyOperand,
  arbBroadcastPair,
  build,
  contiguousOperand,
  each,
  type Operand,
  toLeaf,
} from "./operands.js";

/**
 * The arithmetic in both of PyTorch's forms, `mt.f(a, …)` and `a.f(…)`, with its keyword options,
 * on every backend: add and sub with `{alpha}`, div with `{roundingMode}` (and floorDivide),
 * round with `{decimals}`, lerp, addmm with `{beta, alpha}`, and mul, pow, detach as functions.
 * Values are checked against plain-JS formulas (float32 and int32; float64 where the backend
 * stores it) and PyTorch's answers (torch 1.13, pasted as literals), gradients against their
 * formulas and numerically, and options against their checks: an unknown or wrong-typed option
 * is an error naming the op and the key, never ignored.
 */

type Tensor = mt.Tensor;
const inf = Number.POSITIVE_INFINITY;

/** Few runs where each case is a numerical gradient check (many backward passes each). */
const GRAD_RUNS = GRADCHECK_RUNS;
/** Multipliers of add's and sub's second operand. */
const alphas = fc.constantFrom(2, -1, 0.5, 0, -2.5);

describeEachBackend("arithmetic in both forms, with options", (suite) => {
  const { opts, grad, host, numerically, checkNumerically, expectValues, expectGrad } = suite;
  const has = (dtype: mt.DType) => suite.backend.dtypes.includes(dtype);
  const ints = (values: number[]) => mt.tensor(values, { ...opts, dtype: "int32" });

  // --- add and sub with alpha -----------------------------------------------------------------

  /** Each op: its name, its method and mt.* forms, and the formula with alpha. */
  const addSub: [
    "add" | "sub",
    (a: Tensor, b: mt.TensorLike, options: mt.AddOptions) => Tensor,
    (a: mt.TensorLike, b: mt.TensorLike, options: mt.AddOptions) => Tensor,
    (a: number, b: number, alpha: number) => number,
  ][] = [
    ["add", (a, b, o) => a.add(b, o), mt.add, (a, b, alpha) => a + alpha * b],
    ["sub", (a, b, o) => a.sub(b, o), mt.sub, (a, b, alpha) => a - alpha * b],
  ];

  it.each(addSub)(
    "%s(a, b, {alpha}) of broadcasting tensors, in both forms",
    async (op, method, fn, f) => {
      await fc.assert(
        fc.asyncProperty(
          arbBroadcastPair(each(anyValue), each(anyValue)),
          alphas,
          async ([a, b], alpha) => {
            const [ta, tb] = [build(a, opts).view, build(b, opts).view];
            const shape = broadcastShapes(a.shape, b.shape);
            const want = pairwise(a, b, shape, (x, y) => f(x, y, alpha));
            await expectValues(
              method(ta, tb, { alpha }),
              shape,
              want,
              EXACT,
              `${op} alpha ${alpha}`,
            );
            await expectValues(
              fn(ta, tb, { alpha }),
              shape,
              want,
              EXACT,
              `mt.${op} alpha ${alpha}`,
            );
          },
        ),
        { numRuns: RUNS },
      );
    },
  );

  it.each(addSub)(
    "%s with alpha: values against a + alpha·b in plain JS",
    async (op, method, fn, f) => {
      const a = [1.5, -2, 0.25, 3];
      const b = [0.5, 4, -1, 2];
      for (const alpha of [2, -0.5, 0]) {
        const want = a.map((x, i) => f(x, b[i], alpha));
        await expectValues(fn(host(a, [4]), host(b, [4]), { alpha }), [4], want, EXACT, op);
        // A number operand, and the number first.
        await expectValues(
          method(host(a, [4]), 3, { alpha }),
          [4],
          a.map((x) => f(x, 3, alpha)),
          EXACT,
          `${op} 3`,
        );
        await expectValues(
          fn(3, host(b, [4]), { alpha }),
          [4],
          b.map((y) => f(3, y, alpha)),
          EXACT,
          `${op} of 3`,
        );
      }
    },
  );

  it.each(addSub)(
    "%s with alpha of int32 tensors stays int32; a float alpha is refused",
    async (op, method, fn, f) => {
      const a = [7, -7, 5, -5];
      const b = [2, 2, -3, -3];
      const got = method(ints(a), ints(b), { alpha: 3 });
      expect(got.dtype).toBe("int32");
      await expectValues(
        got,
        [4],
        a.map((x, i) => f(x, b[i], 3)),
        EXACT,
        `${op} int32`,
      );
      expect(() => method(ints(a), ints(b), { alpha: 1.5 })).toThrow(mt.DTypeError);
      expect(() => fn(ints(a), 2, { alpha: 0.5 })).toThrow(/alpha must be an integer/);
      // A float result takes a float alpha (PyTorch: int + float tensor, alpha 0.5).
      const mixed = fn(ints(a), host([1, 2, 3, 4], [4]), { alpha: 0.5 });
      expect(mixed.dtype).toBe("float32");
      await expectValues(
        mixed,
        [4],
        a.map((x, i) => f(x, i + 1, 0.5)),
        EXACT,
        `${op} int and float`,
      );
      // torch.add(int, 2.5, alpha=2) is float: 7 + 5.
      await expectValues(
        mt.add(ints(a), 2.5, { alpha: 2 }),
        [4],
        a.map((x) => x + 5),
        EXACT,
        "add 2.5",
      );
    },
  );

  it("add with alpha of bool tensors is bool, alpha taken as true or false (PyTorch's)", async () => {
    const a = mt.tensor([true, false, false], opts);
    const b = mt.tensor([true, true, false], opts);
    const two = a.add(b, { alpha: 2 });
    expect(two.dtype).toBe("bool");
    await expectValues(two, [3], [1, 1, 0], EXACT, "alpha 2");
    await expectValues(mt.add(a, b, { alpha: 0 }), [3], [1, 0, 0], EXACT, "alpha 0");
  });

  it.each(addSub)(
    "%s with alpha: gradients are g and ±alpha·g, summed back",
    async (op, method) => {
      await fc.assert(
        fc.asyncProperty(
          arbBroadcastPair(each(anyValue), each(anyValue)),
          alphas,
          async ([a, b], alpha) => {
            const ta = build(a, grad);
            const tb = build(b, grad);
            const z = method(ta.view, tb.view, { alpha });
            const w = weights(z.numel());
            z.mul(host(w, z.shape)).sum().backward();
            const sign = op === "add" ? alpha : -alpha;
            const ga = leafSums(a, z.shape, w, 1);
            const gb = leafSums(b, z.shape, w, sign);
            await expectGrad(ta.leaf, ga, SUMS, `${op} first`);
            await expectGrad(tb.leaf, gb, SUMS, `${op} second`);
          },
        ),
        { numRuns: RUNS },
      );
    },
  );

  it.each(addSub)(`%s with alpha: the gradients match ${numerically}`, async (op, _method, fn) => {
    await fc.assert(
      fc.asyncProperty(
        arbBroadcastPair(each(anyValue), each(anyValue), { maxRank: 3, maxDim: 3 }),
        alphas,
        async ([a, b], alpha) => {
          await checkNumerically((x, y) => fn(x, y, { alpha }), [a, b], `${op} ${alpha}`);
        },
      ),
      { numRuns: GRAD_RUNS },
    );
  });

  // --- div with roundingMode, floorDivide ------------------------------------------------------

  const roundings = [
    ["trunc", Math.trunc],
    ["floor", Math.floor],
  ] as const;

  it.each(roundings)("div {roundingMode: %s} of int32 stays int32 and exact", async (mode, q) => {
    const a = [7, -7, 5, -5, 0, 9, -9, 2147483647, -2147483647];
    const b = [2, 2, -3, -3, 4, 3, 3, 3, 10];
    const want = a.map((x, i) => q(x / b[i]));
    const got = ints(a).div(ints(b), { roundingMode: mode });
    expect(got.dtype).toBe("int32");
    await expectValues(got, [a.length], want, EXACT, mode);
    await expectValues(
      mt.div(ints(a), ints(b), { roundingMode: mode }),
      [a.length],
      want,
      EXACT,
      `mt.div ${mode}`,
    );
    // A number divisor; an integer one keeps int32.
    const by2 = ints(a).div(2, { roundingMode: mode });
    expect(by2.dtype).toBe("int32");
    await expectValues(
      by2,
      [a.length],
      a.map((x) => q(x / 2)),
      EXACT,
      `${mode} by 2`,
    );
    // An int tensor by a fraction is float, as in PyTorch.
    await expectValues(
      ints([7, -7]).div(2.5, { roundingMode: mode }),
      [2],
      [q(2.8), q(-2.8)],
      EXACT,
      `${mode} 2.5`,
    );
  });

  it.each(roundings)(
    "div {roundingMode: %s} of broadcasting float tensors, both forms",
    async (mode, q) => {
      const divisor = fc.oneof(awayFromZero, fc.constantFrom(-2, -1, -0.5, 0.5, 1, 2));
      const dividend = fc.oneof(
        anyValue,
        fc.integer({ min: -6, max: 6 }).map((k) => k / 2),
      );
      await fc.assert(
        fc.asyncProperty(arbBroadcastPair(each(dividend), each(divisor)), async ([a, b]) => {
          const [ta, tb] = [build(a, opts).view, build(b, opts).view];
          const shape = broadcastShapes(a.shape, b.shape);
          const want = pairwise(a, b, shape, (x, y) => q(x / y));
          await expectValues(ta.div(tb, { roundingMode: mode }), shape, want, EXACT, mode);
          await expectValues(
            mt.div(ta, tb, { roundingMode: mode }),
            shape,
            want,
            EXACT,
            `mt ${mode}`,
          );
          if (mode === "floor") {
            await expectValues(ta.floorDivide(tb), shape, want, EXACT, "floorDivide");
            await expectValues(mt.floorDivide(ta, tb), shape, want, EXACT, "mt.floorDivide");
          }
        }),
        { numRuns: RUNS },
      );
    },
  );

  it("div's rounding at PyTorch's special values (torch 1.13)", async () => {
    const a = [-1, 1, 1, inf, Number.NaN, -0, 0, -7.5, 7.5, 1, -1, 0, 6, -6];
    const b = [inf, -inf, inf, 2, 2, 1, -1, 2, -2, 0, 0, 0, 3, 0.75];
    // torch.div(a, b, rounding_mode="floor") and "trunc", float32.
    const floor = [-1, -1, 0, Number.NaN, Number.NaN, -0, -0, -4, -4, inf, -inf, Number.NaN, 2, -8];
    const trunc = [-0, -0, 0, inf, Number.NaN, -0, -0, -3, -3, inf, -inf, Number.NaN, 2, -8];
    const n = a.length;
    await expectValues(
      host(a, [n]).div(host(b, [n]), { roundingMode: "floor" }),
      [n],
      floor,
      EXACT,
      "floor",
    );
    await expectValues(
      host(a, [n]).div(host(b, [n]), { roundingMode: "trunc" }),
      [n],
      trunc,
      EXACT,
      "trunc",
    );
    if (!has("float64")) return; // the CPU backends, whose float32 division is correctly rounded
    // 1 // 0.1 is 9 (as Python's), where ⌊1 / 0.1⌋ would be 10; trunc rounds the float32 quotient
    // first (1 / 0.1 is 10 in float32), as PyTorch does.
    const x = host([1, 5, -5], [3]);
    await expectValues(
      x.div(0.1, { roundingMode: "floor" }),
      [3],
      [9, 49, -50],
      EXACT,
      "floor 0.1",
    );
    await expectValues(
      x.div(0.1, { roundingMode: "trunc" }),
      [3],
      [10, 50, -50],
      EXACT,
      "trunc 0.1",
    );
    const x64 = mt.tensor([1, 5, -5], { ...opts, dtype: "float64" });
    const y64 = mt.tensor([0.1, 0.1, 0.1], { ...opts, dtype: "float64" });
    const floor64 = x64.div(y64, { roundingMode: "floor" });
    expect(floor64.dtype).toBe("float64");
    await expectValues(floor64, [3], [9, 49, -50], EXACT, "floor float64");
    await expectValues(
      x64.div(y64, { roundingMode: "trunc" }),
      [3],
      [10, 50, -50],
      EXACT,
      "trunc float64",
    );
  });

  it("div without roundingMode (or null) is true division; of bool, rounding is refused", async () => {
    const a = ints([7, -7]);
    for (const options of [{}, { roundingMode: null }, { roundingMode: undefined }]) {
      const got = a.div(ints([2, 2]), options);
      expect(got.dtype).toBe("float32");
      await expectValues(got, [2], [3.5, -3.5], EXACT, JSON.stringify(options));
    }
    const b = mt.tensor([true, false], opts);
    expect(() => b.div(b, { roundingMode: "floor" })).toThrow(mt.DTypeError);
    expect(() => mt.floorDivide(b, b)).toThrow(/bool/);
  });

  it.each(roundings)(
    "div {roundingMode: %s} has gradient 0 for both operands (PyTorch's)",
    async (mode) => {
      const x = mt.tensor([[1.5], [2.7]], grad);
      const y = mt.tensor([0.7, 1.1, -0.3], grad);
      x.div(y, { roundingMode: mode }).sum().backward();
      await expectGrad(x, [0, 0], EXACT, `${mode} x`);
      await expectGrad(y, [0, 0, 0], EXACT, `${mode} y`);
    },
  );

  // --- round with decimals ---------------------------------------------------------------------

  it("round {decimals} as PyTorch: to places, to tens and hundreds, halves to even", async () => {
    const x = [1234.5678, 0.125, 0.135, 2.5, -0.5, 15, 25, 35];
    // torch.round(torch.tensor(x), decimals=2), decimals=-1 and decimals=-2 (float32).
    const cases: [number, number[]][] = [
      [2, [1234.57, 0.12, 0.14, 2.5, -0.5, 15, 25, 35]],
      [-1, [1230, 0, 0, 0, -0, 20, 20, 40]],
      [-2, [1200, 0, 0, 0, -0, 0, 0, 0]],
      [0, [1235, 0, 0, 2, -0, 15, 25, 35]],
    ];
    for (const [decimals, want] of cases) {
      const t = host(x, [x.length]);
      await expectValues(t.round({ decimals }), [x.length], want, EXACT, `decimals ${decimals}`);
      await expectValues(
        mt.round(t, { decimals }),
        [x.length],
        want,
        EXACT,
        `mt.round ${decimals}`,
      );
    }
    const tens = host([15, 25, 35, 150, 250, 1250, 1350, -2500], [8]);
    await expectValues(
      tens.round({ decimals: -1 }),
      [8],
      [20, 20, 40, 150, 250, 1250, 1350, -2500],
      EXACT,
      "tens",
    );
    await expectValues(
      tens.round({ decimals: -2 }),
      [8],
      [0, 0, 0, 200, 200, 1200, 1400, -2500],
      EXACT,
      "hundreds",
    );
  });

  it("round {decimals} has gradient 0; of integers only decimals 0 is accepted", async () => {
    const x = mt.tensor([1.234, 5.678], grad);
    x.round({ decimals: 1 }).sum().backward();
    await expectGrad(x, [0, 0], EXACT, "round decimals");
    await expectValues(ints([5, 15]).round({ decimals: 0 }), [2], [5, 15], EXACT, "int decimals 0");
    expect(() => ints([5, 15]).round({ decimals: -1 })).toThrow(mt.DTypeError);
    expect(() => x.round({ decimals: 1.5 })).toThrow(/round: option decimals must be an integer/);
  });

  // --- lerp ------------------------------------------------------------------------------------

  it("lerp(start, end, weight) with a number weight, both forms, against the formula", async () => {
    await fc.assert(
      fc.asyncProperty(
        arbBroadcastPair(each(anyValue), each(anyValue)),
        fc.constantFrom(0, 0.25, 0.5, 0.75, 1, -0.5, 2),
        async ([s, e], w) => {
          const [ts, te] = [build(s, opts).view, build(e, opts).view];
          const shape = broadcastShapes(s.shape, e.shape);
          const want = pairwise(s, e, shape, (x, y) => x + w * (y - x));
          await expectValues(ts.lerp(te, w), shape, want, EXACT, `lerp ${w}`);
          await expectValues(mt.lerp(ts, te, w), shape, want, EXACT, `mt.lerp ${w}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("lerp with a tensor weight broadcasts all three; weight 1 gives end exactly", async () => {
    const start = host([0, 10], [2, 1]);
    const end = host([1, 2, 3], [3]);
    const w = host([0.1, 0.9], [2, 1]);
    const want = [0, 1].flatMap((i) =>
      [1, 2, 3].map((y) => [0, 10][i] + [0.1, 0.9][i] * (y - [0, 10][i])),
    );
    await expectValues(mt.lerp(start, end, w), [2, 3], want, EXACT, "broadcast");
    // 0.1 + 1·(0.7 − 0.1) rounds off 0.7 in float32; PyTorch's second form lands on it.
    const exact = host([0.1, -3.3], [2]).lerp(host([0.7, 1e-3], [2]), 1);
    await expectValues(
      exact,
      [2],
      [Math.fround(0.7), Math.fround(1e-3)],
      { rel: 0, abs: 0 },
      "w = 1",
    );
  });

  it("lerp's gradients: 1 − w to start, w to end, end − start to weight", async () => {
    const s = mt.tensor([1, 2], grad);
    const e = mt.tensor([3, -2], grad);
    const w = mt.tensor([0.25, 0.75], grad);
    s.lerp(e, w).sum().backward();
    // torch.lerp(s, e, w).sum().backward()
    await expectGrad(s, [0.75, 0.25], EXACT, "start");
    await expectGrad(e, [0.25, 0.75], EXACT, "end");
    await expectGrad(w, [2, -4], EXACT, "weight");
  });

  it(`lerp's gradients match ${numerically}, with a tensor and a number weight`, async () => {
    const shapeArb = fc.constantFrom<number[]>([3], [2, 3], [2, 1]);
    await fc.assert(
      fc.asyncProperty(
        arbAnyOperand(each(anyValue), { maxRank: 2, maxDim: 3 }),
        shapeArb,
        fc.array(fc.double({ min: -1, max: 2, noNaN: true }), { minLength: 6, maxLength: 6 }),
        async (s, wShape, wv) => {
          const n = wShape.reduce((p, d) => p * d, 1);
          const weight = contiguousOperand(wv.slice(0, n).map(Math.fround), wShape);
          const end = contiguousOperand(
            s.values.map((v) => Math.fround(v * 0.5 - 1)),
            s.shape,
          );
          try {
            broadcastShapes(broadcastShapes(s.shape, end.shape), wShape);
          } catch {
            return;
          }
          await checkNumerically((a, b, c) => mt.lerp(a, b, c), [s, end, weight], "lerp tensor");
          await checkNumerically((a, b) => a.lerp(b, 0.3), [s, end], "lerp 0.3");
        },
      ),
      { numRuns: GRAD_RUNS },
    );
  });

  it("lerp refuses integer tensors and mixed float dtypes (as PyTorch)", () => {
    expect(() => ints([1, 2]).lerp(ints([3, 4]), 0.5)).toThrow(mt.DTypeError);
    if (has("float64")) {
      const d = mt.tensor([3, 4], { ...opts, dtype: "float64" });
      expect(() => host([1, 2], [2]).lerp(d, 0.5)).toThrow(/lerp: expected end of dtype float32/);
      expect(() =>
        mt.lerp(
          host([1, 2], [2]),
          host([3, 4], [2]),
          mt.tensor(0.5, { ...opts, dtype: "float64" }),
        ),
      ).toThrow(/weight/);
    }
  });

  // --- addmm -----------------------------------------------------------------------------------

  /** beta·input + alpha·(m1 @ m2) in plain JS, input broadcast to [n, p] from its shape. */
  function addmmHost(
    input: number[],
    inShape: number[],
    m1: number[],
    m2: number[],
    n: number,
    k: number,
    p: number,
    beta: number,
    alpha: number,
  ) {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < p; j++) {
        let acc = 0;
        for (let l = 0; l < k; l++) acc += m1[i * k + l] * m2[l * p + j];
        const ii = inShape.length === 2 && inShape[0] === n ? i : 0;
        const jj = inShape[inShape.length - 1] === p ? j : 0;
        const v = input[(inShape.length === 2 ? ii * inShape[1] : 0) + jj];
        out.push((beta === 0 ? 0 : beta * v) + alpha * acc);
      }
    }
    return out;
  }

  it("addmm(input, m1, m2, {beta, alpha}) with input broadcast, both forms", async () => {
    const [n, k, p] = [2, 3, 4];
    const m1 = [1, -2, 0.5, 3, 0.25, -1];
    const m2 = [0.5, 1, -1, 2, 0, 3, 1, -0.5, 2, -2, 0.25, 1];
    for (const inShape of [[n, p], [p], [n, 1], [1]]) {
      const size = inShape.reduce((a, b) => a * b, 1);
      const input = Array.from({ length: size }, (_, i) => i - 1.5);
      for (const [beta, alpha] of [
        [1, 1],
        [0.5, 2],
        [-1, 0.25],
      ]) {
        const want = addmmHost(input, inShape, m1, m2, n, k, p, beta, alpha);
        const [ti, a, b] = [host(input, inShape), host(m1, [n, k]), host(m2, [k, p])];
        await expectValues(
          ti.addmm(a, b, { beta, alpha }),
          [n, p],
          want,
          SUMS,
          `${inShape} ${beta} ${alpha}`,
        );
        await expectValues(mt.addmm(ti, a, b, { beta, alpha }), [n, p], want, SUMS, "mt.addmm");
      }
    }
    // beta 0 ignores input, NaN included; its gradient is 0.
    const nan = mt.tensor([Number.NaN, inf, 1, 2], grad);
    const m = mt.tensor(nest(m1, [n, k]), grad);
    const got = mt.addmm(nan, m, host(m2, [k, p]), { beta: 0 });
    await expectValues(
      got,
      [n, p],
      addmmHost([0, 0, 0, 0], [p], m1, m2, n, k, p, 0, 1),
      SUMS,
      "beta 0",
    );
    got.sum().backward();
    await expectGrad(nan, [0, 0, 0, 0], EXACT, "beta 0 input");
  });

  it(`addmm's gradients match ${numerically}`, async () => {
    const vals = (n: number) =>
      Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i + 1) * 2));
    for (const [beta, alpha] of [
      [1, 1],
      [0.5, -2],
    ]) {
      const operands = [
        contiguousOperand(vals(3), [3]),
        contiguousOperand(vals(8), [2, 4]),
        contiguousOperand(vals(12), [4, 3]),
      ];
      await checkNumerically(
        (i, a, b) => i.addmm(a, b, { beta, alpha }),
        operands,
        `addmm ${beta} ${alpha}`,
      );
    }
    // The formulas: ∂/∂input = beta·Σ g over the broadcast rows, ∂/∂m1 = alpha·g m2ᵀ.
    const input = mt.tensor([1, 2], grad);
    const m1 = mt.tensor(
      [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      grad,
    );
    mt.addmm(input, m1, host([1, 0, 0, 1], [2, 2]), { beta: 3, alpha: 2 })
      .sum()
      .backward();
    await expectGrad(input, [9, 9], EXACT, "input");
    await expectGrad(m1, [2, 2, 2, 2, 2, 2], EXACT, "m1");
  });

  it("addmm checks its matrices and input as PyTorch", () => {
    const m1 = host([1, 2, 3, 4, 5, 6], [2, 3]);
    const m2 = host([1, 2, 3, 4, 5, 6], [3, 2]);
    expect(() => mt.addmm(host([1], [1]), host([1, 2, 3], [3]), m2)).toThrow(
      /mat1 must be a matrix/,
    );
    expect(() => mt.addmm(host([1], [1]), m1, m1)).toThrow(mt.ShapeError);
    expect(() => mt.addmm(mt.zeros([2, 2, 2], opts), m1, m2)).toThrow(/does not broadcast/);
    expect(() => mt.addmm(ints([1]), m1, m2)).toThrow(mt.DTypeError);
    expect(() => mt.addmm(host([1], [1]), m1, m2, { gamma: 1 } as never)).toThrow(
      /addmm: unknown option gamma/,
    );
  });

  // --- the other functions, and option checks --------------------------------------------------

  it("mt.mul, mt.pow, mt.sub of a number, mt.detach equal their methods", async () => {
    const a = host([1, 2, -3], [3]);
    const b = host([2, 0.5, 2], [3]);
    await expectValues(mt.mul(a, b), [3], [2, 1, -6], EXACT, "mul");
    await expectValues(mt.pow(a, b), [3], [1, Math.SQRT2, 9], EXACT, "pow");
    await expectValues(mt.pow(2, a), [3], [2, 4, 0.125], EXACT, "pow of 2");
    await expectValues(mt.sub(2, a), [3], [1, 0, 5], EXACT, "2 − a");
    await expectValues(mt.div(1, b), [3], [0.5, 2, 0.5], EXACT, "1 / b");
    const x = mt.tensor([1, 2], grad);
    const d = mt.detach(x.mul(2));
    expect([d.requiresGrad, d.history]).toEqual([false, null]);
    await expectValues(d, [2], [2, 4], EXACT, "detach");
    expect(() => mt.add(2 as never, 3)).toThrow(mt.DTypeError);
    expect(() => mt.detach([1, 2] as never)).toThrow(mt.DTypeError);
  });

  it("an unknown option, a wrong-typed one or a non-object is an error naming the op and key", () => {
    const a = host([1, 2], [2]);
    const cases: [() => unknown, RegExp][] = [
      [() => a.add(a, { alpah: 2 } as never), /add: unknown option alpah/],
      [() => mt.add(a, a, { beta: 2 } as never), /add: unknown option beta/],
      [() => a.sub(a, { alpha: "2" } as never), /sub: option alpha must be a number/],
      [() => a.add(a, 2 as never), /add: expected an options object, got 2/],
      [
        () => a.div(a, { roundingMode: "round" } as never),
        /div: option roundingMode must be "trunc", "floor" or null/,
      ],
      [
        () => mt.div(a, a, { rounding_mode: "floor" } as never),
        /div: unknown option rounding_mode/,
      ],
      [() => a.div(a, "floor" as never), /div: expected an options object/],
      [() => a.round({ digits: 2 } as never), /round: unknown option digits/],
      [() => mt.round(a, 2 as never), /round: expected an options object/],
      [() => a.addmm(a, a, { alpha: "x" } as never), /addmm: option alpha must be a number/],
    ];
    for (const [run, message] of cases) {
      expect(run, String(message)).toThrow(mt.DataError);
      expect(run).toThrow(message);
    }
  });

  it("with no options, add, sub, div and round record the plain Functions", () => {
    const a = mt.tensor([1, 2], grad);
    const names = [a.add(1), a.sub(1), a.div(2), a.round(), mt.add(a, 1)].map(
      (t) => t.history?.fn.name,
    );
    expect(names).toEqual(["Add", "Sub", "Div", "Round", "Add"]);
  });
});

/** f(a, b) over the broadcast shape, reading each operand's logical values. */
function pairwise(
  a: Pick<Operand, "shape" | "values">,
  b: Pick<Operand, "shape" | "values">,
  shape: number[],
  f: (x: number, y: number) => number,
): number[] {
  const size = shape.reduce((p, d) => p * d, 1);
  const out: number[] = [];
  for (let i = 0; i < size; i++) {
    out.push(f(a.values[sourceIndex(i, shape, a.shape)], b.values[sourceIndex(i, shape, b.shape)]));
  }
  return out;
}

/** The row-major index into `from` that element i of the broadcast `shape` reads. */
function sourceIndex(i: number, shape: number[], from: number[]): number {
  let rest = i;
  let index = 0;
  let stride = 1;
  for (let d = shape.length - 1, e = from.length - 1; d >= 0; d--, e--) {
    const coordinate = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
    if (e >= 0) {
      index += (from[e] === 1 ? 0 : coordinate) * stride;
      stride *= from[e];
    }
  }
  return index;
}

/**
 * Σ over the broadcast `shape` of factor·w onto each logical element of `o`, then onto its leaf:
 * the gradient of Σ w·(a ± alpha·b) with respect to an operand.
 */
function leafSums(o: Operand, shape: number[], w: readonly number[], factor: number): number[] {
  const g = new Array<number>(o.values.length).fill(0);
  w.forEach((wi, i) => {
    g[sourceIndex(i, shape, o.shape)] += factor * wi;
  });
  return toLeaf(o, g);
}
