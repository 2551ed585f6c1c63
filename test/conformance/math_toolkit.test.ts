import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { awayFromZero, EXACT, LOOSE } from "../op_cases.js";
import { nest } from "../shape_oracles.js";
import { describeEachBackend } from "./harness.js";
import { arbAnyOperand, arbOperand, contiguousOperand, each } from "./operands.js";

/**
 * The elementwise math at the Tensor level, on every backend: what the op table's rows
 * (test/op_cases.ts, test/conformance/elementwise.test.ts) do not reach — clamp's bounds (numbers,
 * broadcast tensors, one side only, options) and its gradient, maximum's and minimum's gradient at
 * ties, the activations' options (gelu's tanh form, leakyRelu's slope, elu's α, softplus's β and
 * threshold) in both forms, `x.f()` and `mt.nn.functional.f(x)`, and the `mt.f(x)` functions.
 * Expected values are PyTorch's (torch 1.13, float64, rounded to 8 decimals, pasted as literals);
 * gradients are also checked by central differences.
 */

type Tensor = mt.Tensor;
const F = mt.nn.functional;

/** Few runs where each case is a numerical gradient check (many backward passes each). */
const GRAD_RUNS = 5;

/** The inputs of the activation fixtures below. */
const xs = [-3, -1, -0.25, 0, 0.5, 1.5, 3];

/** An activation's two forms and PyTorch's values and gradients (of the sum) at `xs`. */
interface ActivationFixture {
  readonly method: (x: Tensor) => Tensor;
  readonly functional: (x: Tensor) => Tensor;
  readonly values: number[];
  readonly grads: number[];
  /** Where it has a kink (or a jump): checked numerically at least 0.25 from it. */
  readonly kink?: number;
}

// From torch 1.13: torch.nn.functional.<f>(x, …) and x.grad of its sum, x = xs in float64.
const activations: Record<string, ActivationFixture> = {
  "gelu (exact)": {
    method: (x) => x.gelu(),
    functional: (x) => F.gelu(x),
    values: [-0.00404969, -0.15865525, -0.10032342, 0, 0.34573123, 1.3997892, 2.99595031],
    grads: [-0.01194565, -0.08331547, 0.30462665, 0.5, 0.86749512, 1.12746919, 1.01194565],
  },
  'gelu (approximate: "tanh")': {
    method: (x) => x.gelu({ approximate: "tanh" }),
    functional: (x) => F.gelu(x, { approximate: "tanh" }),
    values: [-0.00363739, -0.15880801, -0.10032465, 0, 0.34571401, 1.39957158, 2.99636261],
    grads: [-0.01158417, -0.08296408, 0.3046459, 0.5, 0.8673699, 1.12771079, 1.01158417],
  },
  silu: {
    method: (x) => x.silu(),
    functional: (x) => F.silu(x),
    values: [-0.14227762, -0.26894142, -0.10945587, 0, 0.31122967, 1.22636171, 2.85772238],
    grads: [-0.08810411, 0.07232949, 0.37628998, 0.5, 0.73996119, 1.04129415, 1.08810411],
  },
  softplus: {
    method: (x) => x.softplus(),
    functional: (x) => F.softplus(x),
    values: [0.04858735, 0.31326169, 0.57593942, Math.LN2, 0.97407698, 1.70141328, 3.04858735],
    grads: [0.04742587, 0.26894142, 0.4378235, 0.5, 0.62245933, 0.81757448, 0.95257413],
  },
  "softplus (beta: 2, threshold: 1)": {
    method: (x) => x.softplus({ beta: 2, threshold: 1 }),
    functional: (x) => F.softplus(x, { beta: 2, threshold: 1 }),
    values: [0.00123784, 0.06346401, 0.23703849, 0.34657359, 0.65663084, 1.5, 3],
    grads: [0.00247262, 0.11920292, 0.37754067, 0.5, 0.73105858, 1, 1],
    kink: 0.5, // βx = threshold: PyTorch's softplus jumps there
  },
  "softplus (beta: 0.5)": {
    method: (x) => x.softplus({ beta: 0.5 }),
    functional: (x) => F.softplus(x, { beta: 0.5 }),
    values: [0.40282656, 0.94815397, 1.26519807, 1.38629436, 1.65187884, 2.27374201, 3.40282656],
    grads: [0.18242552, 0.37754067, 0.46879063, 0.5, 0.5621765, 0.6791787, 0.81757448],
  },
  leakyRelu: {
    method: (x) => x.leakyRelu(),
    functional: (x) => F.leakyRelu(x),
    values: [-0.03, -0.01, -0.0025, 0, 0.5, 1.5, 3],
    grads: [0.01, 0.01, 0.01, 0.01, 1, 1, 1],
    kink: 0,
  },
  "leakyRelu (negativeSlope: 0.2)": {
    method: (x) => x.leakyRelu({ negativeSlope: 0.2 }),
    functional: (x) => F.leakyRelu(x, { negativeSlope: 0.2 }),
    values: [-0.6, -0.2, -0.05, 0, 0.5, 1.5, 3],
    grads: [0.2, 0.2, 0.2, 0.2, 1, 1, 1],
    kink: 0,
  },
  elu: {
    method: (x) => x.elu(),
    functional: (x) => F.elu(x),
    values: [-0.95021293, -0.63212056, -0.22119922, 0, 0.5, 1.5, 3],
    grads: [0.04978707, 0.36787944, 0.77880078, 1, 1, 1, 1],
  },
  "elu (alpha: 0.5)": {
    method: (x) => x.elu({ alpha: 0.5 }),
    functional: (x) => F.elu(x, { alpha: 0.5 }),
    values: [-0.47510647, -0.31606028, -0.11059961, 0, 0.5, 1.5, 3],
    grads: [0.02489353, 0.18393972, 0.38940039, 0.5, 1, 1, 1],
    kink: 0,
  },
  relu: {
    method: (x) => x.relu(),
    functional: (x) => F.relu(x),
    values: [0, 0, 0, 0, 0.5, 1.5, 3],
    grads: [0, 0, 0, 0, 1, 1, 1],
    kink: 0,
  },
  sigmoid: {
    method: (x) => x.sigmoid(),
    functional: (x) => F.sigmoid(x),
    values: xs.map((x) => 1 / (1 + Math.exp(-x))),
    grads: xs.map((x) => Math.exp(-x) / (1 + Math.exp(-x)) ** 2),
  },
  tanh: {
    method: (x) => x.tanh(),
    functional: (x) => F.tanh(x),
    values: xs.map(Math.tanh),
    grads: xs.map((x) => 1 - Math.tanh(x) ** 2),
  },
};

/** `mt.f(x)` and `x.f()` of every unary function of the toolkit. */
const unaryFunctions: [string, (x: Tensor) => Tensor, (x: Tensor) => Tensor][] = [
  ["sqrt", mt.sqrt, (x) => x.sqrt()],
  ["rsqrt", mt.rsqrt, (x) => x.rsqrt()],
  ["abs", mt.abs, (x) => x.abs()],
  ["sign", mt.sign, (x) => x.sign()],
  ["square", mt.square, (x) => x.square()],
  ["sin", mt.sin, (x) => x.sin()],
  ["cos", mt.cos, (x) => x.cos()],
  ["tan", mt.tan, (x) => x.tan()],
  ["log1p", mt.log1p, (x) => x.log1p()],
  ["expm1", mt.expm1, (x) => x.expm1()],
  ["log2", mt.log2, (x) => x.log2()],
  ["exp2", mt.exp2, (x) => x.exp2()],
  ["erf", mt.erf, (x) => x.erf()],
  ["floor", mt.floor, (x) => x.floor()],
  ["ceil", mt.ceil, (x) => x.ceil()],
  ["round", mt.round, (x) => x.round()],
  ["trunc", mt.trunc, (x) => x.trunc()],
  ["exp", mt.exp, (x) => x.exp()],
  ["log", mt.log, (x) => x.log()],
  ["neg", mt.neg, (x) => x.neg()],
  ["reciprocal", mt.reciprocal, (x) => x.reciprocal()],
  ["sigmoid", mt.sigmoid, (x) => x.sigmoid()],
  ["tanh", mt.tanh, (x) => x.tanh()],
  ["relu", mt.relu, (x) => x.relu()],
];

/** `mt.f(a, b)` and `a.f(b)` of every binary function of the toolkit. */
const binaryFunctions: [string, (a: Tensor, b: mt.TensorLike) => Tensor, typeof mt.maximum][] = [
  ["maximum", mt.maximum, (a, b) => a.maximum(b)],
  ["minimum", mt.minimum, (a, b) => a.minimum(b)],
  ["fmod", mt.fmod, (a, b) => a.fmod(b)],
  ["remainder", mt.remainder, (a, b) => a.remainder(b)],
  ["atan2", mt.atan2, (a, b) => a.atan2(b)],
];

/** Values at least 0.05 from clamp's bounds below, so central differences see no kink. */
const offBounds = fc.oneof(
  fc.double({ min: -3, max: -1.05, noNaN: true }),
  fc.double({ min: -0.95, max: 0.95, noNaN: true }),
  fc.double({ min: 1.05, max: 3, noNaN: true }),
);

describeEachBackend("the math toolkit", (suite) => {
  const { opts, grad, host, numerically, checkNumerically, expectValues, expectGrad } = suite;
  const vec = (values: number[]) => host(values, [values.length]);
  const leaf = (values: number[], shape = [values.length]) => mt.tensor(nest(values, shape), grad);

  describe("clamp", () => {
    it("limits to [min, max] given as numbers; the gradient passes where min ≤ x ≤ max", async () => {
      // torch 1.13: x.clamp(-1, 1), backward with gradient [1, …, 7].
      const x = leaf([-2, -1, -0.5, 0, 0.5, 1, 2]);
      const y = x.clamp(-1, 1);
      await expectValues(y, [7], [-1, -1, -0.5, 0, 0.5, 1, 1], EXACT, "clamp");
      y.backward(vec([1, 2, 3, 4, 5, 6, 7]));
      await expectGrad(x, [0, 2, 3, 4, 5, 6, 0], EXACT, "clamp");
    });

    it("takes tensor bounds that broadcast, and sends them their gradients", async () => {
      // torch 1.13: torch.clamp(x, lo, hi) with lo [3] and hi [2, 1]; (y · w).sum().backward().
      const x = leaf([-3, 0.5, 2, 1, -1, 4], [2, 3]);
      const lo = leaf([-1, 0, 1]);
      const hi = leaf([0.5, 3], [2, 1]);
      const y = mt.clamp(x, lo, hi);
      await expectValues(y, [2, 3], [-1, 0.5, 0.5, 1, 0, 3], EXACT, "clamp");
      y.mul(host([1, 2, 3, 4, 5, 6], [2, 3]))
        .sum()
        .backward();
      await expectGrad(x, [0, 2, 0, 4, 0, 0], EXACT, "x");
      await expectGrad(lo, [1, 5, 0], EXACT, "min");
      await expectGrad(hi, [3, 6], EXACT, "max");
    });

    it("gives max where min > max, as torch.clamp", async () => {
      await expectValues(vec([0, 5, 10]).clamp(6, 4), [3], [4, 4, 4], EXACT, "clamp(6, 4)");
    });

    it("takes only min or only max, positionally, as options, or as clampMin/clampMax", async () => {
      const x = () => leaf([-2, 0, 2]);
      // torch 1.13: x.clamp(min=0) and x.clamp(max=0), and the gradients of their sums.
      const lower: [string, (t: Tensor) => Tensor][] = [
        ["clamp(0)", (t) => t.clamp(0)],
        ["clamp(0, null)", (t) => t.clamp(0, null)],
        ["clamp({ min: 0 })", (t) => t.clamp({ min: 0 })],
        ["clampMin(0)", (t) => t.clampMin(0)],
        ["mt.clampMin", (t) => mt.clampMin(t, 0)],
        ["clip({ min: 0 })", (t) => t.clip({ min: 0 })],
      ];
      for (const [what, f] of lower) {
        const t = x();
        const y = f(t);
        await expectValues(y, [3], [0, 0, 2], EXACT, what);
        y.sum().backward();
        await expectGrad(t, [0, 1, 1], EXACT, what);
      }
      const upper: [string, (t: Tensor) => Tensor][] = [
        ["clamp(null, 0)", (t) => t.clamp(null, 0)],
        ["clamp(undefined, 0)", (t) => t.clamp(undefined, 0)],
        ["clamp({ max: 0 })", (t) => t.clamp({ max: 0 })],
        ["clampMax(0)", (t) => t.clampMax(0)],
        ["mt.clip", (t) => mt.clip(t, null, 0)],
      ];
      for (const [what, f] of upper) {
        const t = x();
        const y = f(t);
        await expectValues(y, [3], [-2, 0, 0], EXACT, what);
        y.sum().backward();
        await expectGrad(t, [1, 1, 0], EXACT, what);
      }
    });

    it("is NaN where x is NaN", async () => {
      await expectValues(vec([Number.NaN, 3]).clamp(0, 1), [2], [Number.NaN, 1], EXACT, "NaN");
    });

    it("refuses no bounds, unknown options, bad bounds, and options with a max", () => {
      const x = vec([1, 2]);
      expect(() => x.clamp()).toThrow(mt.DataError);
      expect(() => x.clamp()).toThrow(/clamp: at least one of min and max/);
      expect(() => x.clamp({ min: 0, mx: 1 } as mt.ClampOptions)).toThrow(/unknown option mx/);
      const text: unknown = "0";
      expect(() => x.clamp(text as number)).toThrow(/option min must be a number/);
      expect(() => x.clamp({ min: 0 }, 1)).toThrow(/not both/);
    });

    it("of 0-d, empty and non-contiguous tensors", async () => {
      await expectValues(host([5], []).clamp(0, 1), [], [1], EXACT, "0-d");
      await expectValues(mt.zeros([0, 3], opts).clamp(vec([0, 1, 2])), [0, 3], [], EXACT, "empty");
      const t = host([-2, 0.5, 3, -1, 2, 0], [2, 3]).t(); // [3, 2], strides [1, 3]
      await expectValues(t.clamp(-1, 1), [3, 2], [-1, -1, 0.5, 1, 1, 0], EXACT, "transposed");
    });

    it(`with tensor bounds, on any layout: the gradients match ${numerically}`, async () => {
      await fc.assert(
        fc.asyncProperty(arbOperand([2, 3], each(offBounds)), async (o) => {
          await checkNumerically(
            (x, lo, hi) => mt.clamp(x, lo, hi),
            [o, contiguousOperand([-1, -1, -1], [3]), contiguousOperand([1, 1], [2, 1])],
            `clamp ${o.layout}`,
          );
        }),
        { numRuns: GRAD_RUNS },
      );
    });
  });

  describe("maximum and minimum", () => {
    it("split the gradient in halves at a tie, as PyTorch", async () => {
      // torch 1.13: torch.maximum(a, b).backward(ones), then torch.minimum.
      const a = leaf([1, 2, 3]);
      const b = leaf([2, 2, 1]);
      const hi = mt.maximum(a, b);
      await expectValues(hi, [3], [2, 2, 3], EXACT, "maximum");
      hi.sum().backward();
      await expectGrad(a, [0, 0.5, 1], EXACT, "maximum, a");
      await expectGrad(b, [1, 0.5, 0], EXACT, "maximum, b");
      const a2 = leaf([1, 2, 3]);
      const b2 = leaf([2, 2, 1]);
      a2.minimum(b2).sum().backward();
      await expectGrad(a2, [1, 0.5, 0], EXACT, "minimum, a");
      await expectGrad(b2, [0, 0.5, 1], EXACT, "minimum, b");
    });

    it(`at ties, through broadcasting: the gradients match ${numerically}`, async () => {
      // Central differences at a tie are ½ too, the split PyTorch makes.
      const a = contiguousOperand([1, 2, 3, 2, 2, 0], [2, 3]);
      const b = contiguousOperand([2, 2, 1], [3]);
      await checkNumerically((x, y) => x.maximum(y), [a, b], "maximum");
      await checkNumerically((x, y) => x.minimum(y), [a, b], "minimum");
    });

    it("send the whole gradient to both operands where NaN leaves them unordered", async () => {
      // torch 1.13: torch.maximum(a, b).sum().backward() with a NaN on either side, and clamp's.
      const nan = Number.NaN;
      const a = leaf([nan, 1, 2]);
      const b = leaf([0, nan, 2]);
      a.maximum(b).sum().backward();
      await expectGrad(a, [1, 1, 0.5], EXACT, "maximum, a");
      await expectGrad(b, [1, 1, 0.5], EXACT, "maximum, b");
      const x = leaf([nan, 1, 2]);
      const lo = leaf([0, nan, 2]);
      mt.clamp(x, lo).sum().backward();
      await expectGrad(x, [0, 0, 1], EXACT, "clamp, x");
      await expectGrad(lo, [0, 0, 0], EXACT, "clamp, min");
    });

    it("propagate NaN, and take a number", async () => {
      const nan = Number.NaN;
      await expectValues(vec([nan, 1]).maximum(vec([0, nan])), [2], [nan, nan], EXACT, "NaN");
      await expectValues(vec([nan, 1]).minimum(vec([0, nan])), [2], [nan, nan], EXACT, "NaN");
      await expectValues(vec([-1, 0.5, 2]).maximum(0), [3], [0, 0.5, 2], EXACT, "number");
      await expectValues(vec([-1, 0.5, 2]).minimum(0), [3], [-1, 0, 0], EXACT, "number");
    });
  });

  describe("fmod, remainder, atan2, round, sign", () => {
    // torch 1.13: torch.fmod(a, b), torch.remainder(a, b), torch.atan2(y, x), torch.round.
    const a = [-3, 3, -3, 3, 5.5, -5.5, 0, -0];
    const b = [2, -2, -2, 2, 1.5, 1.5, 2, 2];

    it("fmod takes the dividend's sign, remainder the divisor's", async () => {
      const fmod = [-1, 1, -1, 1, 1, -1, 0, -0];
      const remainder = [1, -1, -1, 1, 1, 0.5, 0, -0];
      await expectValues(vec(a).fmod(vec(b)), [8], fmod, EXACT, "fmod");
      await expectValues(vec(a).remainder(vec(b)), [8], remainder, EXACT, "remainder");
      await expectValues(vec([-3, 3]).remainder(2), [2], [1, 1], EXACT, "remainder by a number");
    });

    it("atan2 gives the angle in every quadrant and on the axes", async () => {
      const y = vec([1, 1, -1, -1, 0, 0, -0]);
      const x = vec([1, -1, 1, -1, 1, -1, -1]);
      const want = [0.78539819, 2.3561945, -0.78539819, -2.3561945, 0, 3.14159274, -3.14159274];
      await expectValues(y.atan2(x), [7], want, LOOSE, "atan2");
    });

    it("round sends halves to the even integer; sign is 0 at 0 and NaN", async () => {
      const halves = vec([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.4999]);
      await expectValues(halves.round(), [7], [-2, -2, -0, 0, 2, 2, 0], EXACT, "round");
      const signs = vec([-2, 0, 3, Number.NaN]).sign();
      await expectValues(signs, [4], [-1, 0, 1, 0], EXACT, "sign");
    });

    it(`fmod's and remainder's gradients in both operands match ${numerically}`, async () => {
      const dividend = contiguousOperand([-3.3, 3.3, -2.9, 2.9, 5.6, -5.6], [2, 3]);
      const divisor = contiguousOperand([2, -2, 1.5], [3]);
      await checkNumerically((p, q) => p.fmod(q), [dividend, divisor], "fmod");
      await checkNumerically((p, q) => p.remainder(q), [dividend, divisor], "remainder");
    });
  });

  describe("activations", () => {
    it.each(Object.entries(activations))(
      "%s: PyTorch's values and gradients, as a method and in mt.nn.functional",
      async (what, c) => {
        for (const [form, f] of [
          ["method", c.method],
          ["functional", c.functional],
        ] as const) {
          const x = leaf(xs);
          const y = f(x);
          await expectValues(y, [xs.length], c.values, LOOSE, `${what} ${form}`);
          y.sum().backward();
          await expectGrad(x, c.grads, LOOSE, `${what} ${form}`);
        }
      },
    );

    it.each(Object.entries(activations))(
      `%s of any layout: the gradient matches ${numerically}`,
      async (what, c) => {
        const { kink } = c;
        const values =
          kink === undefined
            ? fc.double({ min: -4, max: 4, noNaN: true })
            : awayFromZero.map((v) => v + kink);
        await fc.assert(
          fc.asyncProperty(arbAnyOperand(each(values), { maxRank: 3, maxDim: 3 }), async (o) => {
            await checkNumerically(c.method, [o], `${what} ${o.layout}`);
          }),
          { numRuns: GRAD_RUNS },
        );
      },
    );

    it("of 0-d, empty and non-contiguous tensors", async () => {
      await expectValues(host([0.5], []).gelu(), [], [0.34573123], LOOSE, "0-d gelu");
      await expectValues(F.elu(mt.zeros([0, 2], opts)), [0, 2], [], EXACT, "empty elu");
      const t = host([-3, -1, -0.25, 0, 0.5, 1.5], [2, 3]).t();
      const want = [-0.03, 0, -0.01, 0.5, -0.0025, 1.5];
      await expectValues(F.leakyRelu(t), [3, 2], want, LOOSE, "transposed leakyRelu");
    });

    it("refuses unknown options and values it does not support, naming them", () => {
      const x = vec([1, 2]);
      const sigmoid: string = "sigmoid";
      const refusals: [string, () => Tensor, RegExp][] = [
        ["gelu", () => x.gelu({ approximate: sigmoid as "tanh" }), /gelu: option approximate/],
        ["gelu", () => F.gelu(x, { approx: "tanh" } as mt.nn.functional.GeluOptions), /approx/],
        ["softplus", () => F.softplus(x, { beta: 0 }), /softplus: option beta/],
        ["leakyRelu", () => F.leakyRelu(x, { inplace: true }), /inplace is not supported/],
        [
          "leakyRelu",
          () => x.leakyRelu({ slope: 0.1 } as mt.nn.functional.LeakyReluOptions),
          /slope/,
        ],
        ["elu", () => F.elu(x, { alpha: Number.NaN }), /elu: option alpha/],
        ["silu", () => F.silu(x, { inplace: true }), /silu: option inplace/],
        ["relu", () => F.relu(x, { inplace: true }), /relu: option inplace/],
      ];
      for (const [what, f, message] of refusals) {
        expect(f, what).toThrow(mt.DataError);
        expect(f, what).toThrow(message);
      }
    });
  });

  describe("mt.f(x) and x.f()", () => {
    const values = [0.25, 0.5, 1.5, 2.5];

    it.each(unaryFunctions)("mt.%s(x) is the method", async (name, free, method) => {
      const x = mt.tensor(values, opts);
      const want = Array.from(await method(x).data());
      await expectValues(free(x), [values.length], want, EXACT, name);
    });

    it.each(binaryFunctions)(
      "mt.%s(a, b) is the method, with a tensor or a number",
      async (name, free, method) => {
        const a = mt.tensor(values, opts);
        const b = mt.tensor([0.75, -0.5, 1, 2], opts);
        const want = Array.from(await method(a, b).data());
        await expectValues(free(a, b), [values.length], want, EXACT, name);
        await expectValues(
          free(a, 2),
          [values.length],
          Array.from(await method(a, 2).data()),
          EXACT,
          name,
        );
      },
    );
  });
});
