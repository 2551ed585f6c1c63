import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { referenceBackend } from "../src/backend/reference/reference_backend.js";
import * as mt from "../src/index.js";
import { fixed, scientific } from "../src/tensor/repr.js";

/**
 * Printing as PyTorch prints. Every expected string below is what PyTorch 1.13 printed, by
 * `repr(torch.tensor(...))` for the same values (float32 unless named; minitorch's int32 stands
 * for PyTorch's int64, so PyTorch's tensor was int64), checked with /usr/bin/python3. Where
 * minitorch differs on purpose it says so: `grad_fn` names minitorch's Function (`<Mul>` where
 * PyTorch says `<MulBackward0>`), and the backend suffixes are minitorch's.
 */

const cases: [string, () => mt.Tensor, string][] = [
  [
    'all-integer floats print as "1."',
    () =>
      mt.tensor([
        [1, 2],
        [3, 4],
      ]),
    "tensor([[1., 2.],\n        [3., 4.]])",
  ],
  [
    "4 decimals, ties to even as Python rounds",
    () => mt.tensor([0.03125, 1.5]),
    "tensor([0.0312, 1.5000])",
  ],
  [
    "a common number of decimals, right-aligned",
    () => mt.tensor([0.1234567, -12.5, 100.25]),
    "tensor([  0.1235, -12.5000, 100.2500])",
  ],
  [
    "scientific when a nonzero value is under 1e-4",
    () => mt.tensor([1e-5, 1, 1000.5]),
    "tensor([1.0000e-05, 1.0000e+00, 1.0005e+03])",
  ],
  [
    "scientific when max/min > 1000",
    () => mt.tensor([0.5, 600]),
    "tensor([5.0000e-01, 6.0000e+02])",
  ],
  [
    "integers in scientific when max > 1e8",
    () => mt.tensor([1e9, 1]),
    "tensor([1.0000e+09, 1.0000e+00])",
  ],
  [
    "integers in scientific when max/min > 1000",
    () => mt.tensor([1, 1001]),
    "tensor([1.0000e+00, 1.0010e+03])",
  ],
  ["scientific past 1e8", () => mt.tensor([123456789.5]), "tensor([1.2346e+08])"],
  [
    "negative numbers aligned",
    () =>
      mt.tensor([
        [-1.5, 2.25],
        [3, -4.125],
      ]),
    "tensor([[-1.5000,  2.2500],\n        [ 3.0000, -4.1250]])",
  ],
  ["all zeros", () => mt.zeros([2]), "tensor([0., 0.])"],
  ["negative zero keeps its sign", () => mt.tensor([-0, 1]), "tensor([-0., 1.])"],
  [
    "inf and nan",
    () => mt.tensor([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 1.5]),
    "tensor([   inf,   -inf,    nan, 1.5000])",
  ],
  [
    "inf and nan among integers get no dot",
    () => mt.tensor([1, Number.POSITIVE_INFINITY, Number.NaN]),
    "tensor([1., inf, nan])",
  ],
  [
    "nan in scientific mode",
    () => mt.tensor([1e-6, Number.NaN]),
    "tensor([1.0000e-06,        nan])",
  ],
  [
    "int32 (our int64): no dots, no dtype",
    () =>
      mt.tensor(
        [
          [1, -20],
          [300, 4],
        ],
        { dtype: "int32" },
      ),
    "tensor([[  1, -20],\n        [300,   4]])",
  ],
  [
    "bool as True/False",
    () => mt.tensor([1, 0, 1], { dtype: "bool" }),
    "tensor([ True, False,  True])",
  ],
  [
    "float64 names its dtype",
    () => mt.tensor([1.5, 0.25], { dtype: "float64" }),
    "tensor([1.5000, 0.2500], dtype=torch.float64)",
  ],
  [
    "float64 in scientific mode",
    () => mt.tensor([1e-10, 2.71], { dtype: "float64" }),
    "tensor([1.0000e-10, 2.7100e+00], dtype=torch.float64)",
  ],
  ["0-d", () => mt.tensor(3), "tensor(3.)"],
  ["0-d with decimals", () => mt.tensor(-0.5), "tensor(-0.5000)"],
  ["0-d int", () => mt.tensor(7, { dtype: "int32" }), "tensor(7)"],
  ["empty 1-d", () => mt.zeros([0]), "tensor([])"],
  ["empty names its size", () => mt.zeros([2, 0]), "tensor([], size=(2, 0))"],
  [
    "empty names a non-float32 dtype",
    () => mt.zeros([0], { dtype: "int32" }),
    "tensor([], dtype=torch.int32)",
  ],
  [
    "empty bool",
    () => mt.zeros([0, 3], { dtype: "bool" }),
    "tensor([], size=(0, 3), dtype=torch.bool)",
  ],
  [
    "3-d: blank lines between matrices",
    () => mt.arange(24).reshape(2, 3, 4).float(),
    "tensor([[[ 0.,  1.,  2.,  3.],\n         [ 4.,  5.,  6.,  7.],\n         [ 8.,  9., 10., 11.]],\n\n        [[12., 13., 14., 15.],\n         [16., 17., 18., 19.],\n         [20., 21., 22., 23.]]])",
  ],
  [
    "3-d int",
    () => mt.arange(24, { dtype: "int32" }).reshape(2, 3, 4).sub(10),
    "tensor([[[-10,  -9,  -8,  -7],\n         [ -6,  -5,  -4,  -3],\n         [ -2,  -1,   0,   1]],\n\n        [[  2,   3,   4,   5],\n         [  6,   7,   8,   9],\n         [ 10,  11,  12,  13]]])",
  ],
  [
    "4-d: two blank lines",
    () => mt.arange(16).reshape(2, 2, 2, 2).float().div(4),
    "tensor([[[[0.0000, 0.2500],\n          [0.5000, 0.7500]],\n\n         [[1.0000, 1.2500],\n          [1.5000, 1.7500]]],\n\n\n        [[[2.0000, 2.2500],\n          [2.5000, 2.7500]],\n\n         [[3.0000, 3.2500],\n          [3.5000, 3.7500]]]])",
  ],
  [
    "rows wrap at 80 columns",
    () => mt.arange(30).float().mul(1.5),
    "tensor([ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n        12.0000, 13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000,\n        24.0000, 25.5000, 27.0000, 28.5000, 30.0000, 31.5000, 33.0000, 34.5000,\n        36.0000, 37.5000, 39.0000, 40.5000, 42.0000, 43.5000])",
  ],
  [
    "wrapped rows inside a matrix",
    () => mt.arange(40).float().reshape(2, 20).div(3),
    "tensor([[ 0.0000,  0.3333,  0.6667,  1.0000,  1.3333,  1.6667,  2.0000,  2.3333,\n          2.6667,  3.0000,  3.3333,  3.6667,  4.0000,  4.3333,  4.6667,  5.0000,\n          5.3333,  5.6667,  6.0000,  6.3333],\n        [ 6.6667,  7.0000,  7.3333,  7.6667,  8.0000,  8.3333,  8.6667,  9.0000,\n          9.3333,  9.6667, 10.0000, 10.3333, 10.6667, 11.0000, 11.3333, 11.6667,\n         12.0000, 12.3333, 12.6667, 13.0000]])",
  ],
  [
    "over 1000 elements: 3 edge items and ...",
    () => mt.arange(2000).float(),
    "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])",
  ],
  [
    "summarised matrix",
    () => mt.arange(1100).reshape(100, 11).float().div(7),
    "tensor([[0.0000e+00, 1.4286e-01, 2.8571e-01,  ..., 1.1429e+00, 1.2857e+00,\n         1.4286e+00],\n        [1.5714e+00, 1.7143e+00, 1.8571e+00,  ..., 2.7143e+00, 2.8571e+00,\n         3.0000e+00],\n        [3.1429e+00, 3.2857e+00, 3.4286e+00,  ..., 4.2857e+00, 4.4286e+00,\n         4.5714e+00],\n        ...,\n        [1.5243e+02, 1.5257e+02, 1.5271e+02,  ..., 1.5357e+02, 1.5371e+02,\n         1.5386e+02],\n        [1.5400e+02, 1.5414e+02, 1.5429e+02,  ..., 1.5514e+02, 1.5529e+02,\n         1.5543e+02],\n        [1.5557e+02, 1.5571e+02, 1.5586e+02,  ..., 1.5671e+02, 1.5686e+02,\n         1.5700e+02]])",
  ],
  [
    "summarised 3-d",
    () => mt.arange(1200, { dtype: "int32" }).reshape(2, 3, 200),
    "tensor([[[   0,    1,    2,  ...,  197,  198,  199],\n         [ 200,  201,  202,  ...,  397,  398,  399],\n         [ 400,  401,  402,  ...,  597,  598,  599]],\n\n        [[ 600,  601,  602,  ...,  797,  798,  799],\n         [ 800,  801,  802,  ...,  997,  998,  999],\n         [1000, 1001, 1002,  ..., 1197, 1198, 1199]]])",
  ],
  [
    "summarised: only shown values pick the format",
    () => mt.arange(1001).float().mul(1e-3),
    "tensor([0.0000, 0.0010, 0.0020,  ..., 0.9980, 0.9990, 1.0000])",
  ],
  [
    "requires_grad=True on a leaf",
    () => mt.tensor([1, 2], { requiresGrad: true }),
    "tensor([1., 2.], requires_grad=True)",
  ],
  [
    "grad_fn names the Function that made it",
    () => mt.tensor([1, 2], { requiresGrad: true }).mul(2),
    "tensor([2., 4.], grad_fn=<Mul>)",
  ],
  [
    "sum ends in a View to 0-d",
    () => mt.tensor([1, 2], { requiresGrad: true }).sum(),
    "tensor(3., grad_fn=<View>)",
  ],
  [
    "a suffix past 80 columns goes on a new line",
    () =>
      (() => {
        const t = mt.arange(9, { dtype: "float64" }).div(3);
        t.requiresGrad = true;
        return t;
      })(),
    "tensor([0.0000, 0.3333, 0.6667, 1.0000, 1.3333, 1.6667, 2.0000, 2.3333, 2.6667],\n       dtype=torch.float64, requires_grad=True)",
  ],
];

describe("repr", () => {
  it.each(cases)("%s", (_what, make, expected) => {
    const t = make();
    expect(String(t)).toBe(expected);
    expect(inspect(t)).toBe(expected);
  });

  it("console.log and util.inspect show the repr, inside objects too", () => {
    const t = mt.tensor([1.5, -2]);
    expect(inspect({ t })).toContain("t: tensor([ 1.5000, -2.0000])");
    expect(inspect([t])).toContain("tensor([ 1.5000, -2.0000])");
  });

  it("names a backend that is not the default one", () => {
    const t = mt.tensor([1, 2], { backend: "reference" });
    expect(String(t)).toBe("tensor([1., 2.], backend='reference')");
    expect(String(mt.tensor([1, 2]))).toBe("tensor([1., 2.])");
  });

  it("shows size, dtype and backend, never values, where they cannot be read now", () => {
    // A backend that reads asynchronously only (as WebGPU): printing must not read, nor throw.
    const asyncOnly = Object.create(referenceBackend, {
      name: { value: "webgpu" },
      synchronousRead: { value: false },
    });
    const t = mt.Tensor.fromValues([1, 2, 3, 4, 5, 6], [2, 3], "float32", asyncOnly);
    expect(String(t)).toBe(
      "tensor(<values on webgpu: read with await t.data()>, size=(2, 3),\n       dtype=torch.float32, backend='webgpu')",
    );
    t.requiresGrad = true;
    expect(inspect(t)).toContain("requires_grad=True");
    const failing = Object.create(referenceBackend, {
      downloadSync: {
        value: () => {
          throw new Error("device lost");
        },
      },
    });
    expect(String(mt.Tensor.fromValues([1], [1], "float32", failing))).toBe(
      "tensor(<values not readable: Error: device lost>, size=(1,),\n       dtype=torch.float32, backend='reference')",
    );
    const disposed = mt.tensor([1, 2], { dtype: "float64" });
    disposed.dispose();
    expect(String(disposed)).toBe(
      "tensor(<disposed>, size=(2,), dtype=torch.float64, backend='cpu')",
    );
  });

  it("rounds as Python's format does: the exact binary value, ties to even", () => {
    // Python: "{:.4f}".format(x), "{:.0f}".format(x), "{:.4e}".format(x).
    const table: [number, string, string, string][] = [
      [0.03125, "0.0312", "0", "3.1250e-02"],
      [1.03125, "1.0312", "1", "1.0312e+00"],
      [2.5, "2.5000", "2", "2.5000e+00"],
      [3.5, "3.5000", "4", "3.5000e+00"],
      [-0.5, "-0.5000", "-0", "-5.0000e-01"],
      [1e21, "1000000000000000000000.0000", "1000000000000000000000", "1.0000e+21"],
      [5e-324, "0.0000", "0", "4.9407e-324"],
      [123456.78125, "123456.7812", "123457", "1.2346e+05"],
      [9.99995, "10.0000", "10", "1.0000e+01"],
      [999999.5, "999999.5000", "1000000", "1.0000e+06"],
      [1e-5, "0.0000", "0", "1.0000e-05"],
      [-0, "-0.0000", "-0", "-0.0000e+00"],
      [1 / 3, "0.3333", "0", "3.3333e-01"],
    ];
    for (const [x, f4, f0, e4] of table) {
      expect([fixed(x, 4), fixed(x, 0), scientific(x, 4)], `${x}`).toEqual([f4, f0, e4]);
    }
  });
});
