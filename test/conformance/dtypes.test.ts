import { describe, expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { promoteTypes, resultType } from "../../src/tensor/promotion.js";
import { describeEachBackend } from "./harness.js";

/**
 * Integer and bool tensors: creation (PyTorch's int64 stored in 32 bits, with an error on
 * overflow), conversions, PyTorch's type promotion in mixed arithmetic, and gradients only for
 * float dtypes — on every backend that stores them; a backend that does not says so.
 */

const ORDER: mt.DType[] = ["bool", "int32", "float32", "float64"];

// torch.promote_types and torch.result_type (a dimensioned tensor beside a 0-d one), printed by
// PyTorch 1.13 for every pair (int64 in PyTorch is int32 here).
const PROMOTED = [
  ["bool", "int32", "float32", "float64"],
  ["int32", "int32", "float32", "float64"],
  ["float32", "float32", "float32", "float64"],
  ["float64", "float64", "float64", "float64"],
];
const WITH_ZERO_DIM = [
  ["bool", "int32", "float32", "float64"],
  ["int32", "int32", "float32", "float64"],
  ["float32", "float32", "float32", "float32"],
  ["float64", "float64", "float64", "float64"],
];

describe("type promotion", () => {
  it("promotes every pair of dtypes as torch.promote_types", () => {
    ORDER.forEach((a, i) => {
      ORDER.forEach((b, j) => {
        expect(promoteTypes(a, b), `${a} with ${b}`).toBe(PROMOTED[i][j]);
      });
    });
  });

  it("lets a dimensioned tensor decide over a 0-d one of the same kind, as torch.result_type", () => {
    ORDER.forEach((a, i) => {
      ORDER.forEach((b, j) => {
        const got = resultType({ dtype: a, ndim: 1 }, { dtype: b, ndim: 0 });
        expect(got, `${a}[2] with ${b}[]`).toBe(WITH_ZERO_DIM[i][j]);
      });
    });
  });
});

describeEachBackend("integer and bool dtypes", (suite) => {
  const stores = suite.backend.dtypes.includes("int32") && suite.backend.dtypes.includes("bool");
  const on = { backend: suite.name };
  const values = (t: mt.Tensor) => t.data().then((d) => Array.from(d));

  it.skipIf(stores)("says it does not store int32 or bool, naming what it stores", () => {
    for (const dtype of ["int64", "bool"] as const) {
      expect(() => mt.tensor([1, 2], { ...on, dtype })).toThrow(mt.DTypeError);
      expect(() => mt.tensor([1, 2], { ...on, dtype })).toThrow(/does not store (int32|bool)/);
    }
  });

  it.skipIf(!stores)("stores PyTorch's int64 as int32 and rejects values beyond it", async () => {
    for (const dtype of ["int64", "long", "int", "int32"] as const) {
      const t = mt.tensor(
        [
          [1, -2],
          [2147483647, -2147483648],
        ],
        { ...on, dtype },
      );
      expect(t.dtype).toBe("int32");
      expect(await values(t)).toEqual([1, -2, 2147483647, -2147483648]);
    }
    expect(() => mt.tensor([2 ** 31], { ...on, dtype: "int64" })).toThrow(/2147483648.*32 bits/);
    expect(() => mt.tensor([Number.NaN], { ...on, dtype: "int64" })).toThrow(mt.DTypeError);
    expect(() => mt.tensor([1], { ...on, dtype: "int8" as "int32" })).toThrow(
      /unknown dtype "int8"/,
    );
  });

  it.skipIf(!stores)(
    "converts as PyTorch: truncation to int, x ≠ 0 to bool (NaN is true)",
    async () => {
      const f = mt.tensor([1.7, -1.7, 0, -0.5, Number.NaN], on);
      const toLong = mt.tensor([1.7, -1.7, 0, -0.5], on).long();
      expect(toLong.dtype).toBe("int32");
      expect(await values(toLong)).toEqual([1, -1, 0, 0]);
      const mask = f.bool();
      expect(mask.dtype).toBe("bool");
      expect(await values(mask)).toEqual([1, 1, 0, 1, 1]);
      expect(f.to("int64").dtype).toBe("int32");
      expect(mask.float().dtype).toBe("float32");
      if (suite.backend.dtypes.includes("float64")) {
        expect(await values(mask.double())).toEqual([1, 1, 0, 1, 1]);
      }
      const i = mt.tensor([3, 4], { ...on, dtype: "int32" });
      expect(i.int()).toBe(i); // already int32: the tensor itself, as PyTorch's .int()
    },
  );

  it.skipIf(!stores)(
    "makes a bool tensor from JS booleans, as torch.tensor([True, False])",
    async () => {
      const m = mt.tensor(
        [
          [true, false],
          [false, true],
        ],
        on,
      );
      expect([m.dtype, m.shape]).toEqual(["bool", [2, 2]]);
      expect(await values(m)).toEqual([1, 0, 0, 1]);
      expect(mt.tensor(true, on).dtype).toBe("bool");
      // Asked for another dtype, a boolean is 1 or 0; mixed with numbers, it is an error.
      expect(await values(mt.tensor([true, false], { ...on, dtype: "int32" }))).toEqual([1, 0]);
      expect(() => mt.tensor([true, 2.5] as unknown as number[], on)).toThrow(
        /expected booleans or arrays of them, got number at \[1\]/,
      );
      expect(() => mt.tensor(["1"] as unknown as number[], on)).toThrow(mt.DTypeError);
    },
  );

  it.skipIf(!stores)("computes mixed arithmetic in PyTorch's result dtype", async () => {
    const i = mt.tensor([1, 2, 3], { ...on, dtype: "int64" });
    const f = mt.tensor([0.5, 1.5, -2.5], on);
    const b = mt.tensor([1, 0, 1], { ...on, dtype: "bool" });
    const cases: [string, mt.Tensor, mt.DType, number[]][] = [
      ["int + number", i.add(1), "int32", [2, 3, 4]],
      ["int · fraction", i.mul(2.5), "float32", [2.5, 5, 7.5]],
      ["int + float", i.add(f), "float32", [1.5, 3.5, 0.5]],
      ["int / number (true division)", i.div(2), "float32", [0.5, 1, 1.5]],
      ["int − int", i.sub(i), "int32", [0, 0, 0]],
      ["sum of int", i.sum(), "int32", [6]],
      ["sum of bool", b.sum(), "int32", [2]],
      ["exp of int", i.exp(), "float32", [Math.E, Math.E ** 2, Math.E ** 3]],
      ["neg of int", i.neg(), "int32", [-1, -2, -3]],
      ["bool + number", b.add(2), "int32", [3, 2, 3]],
      ["bool · bool (logical and)", b.mul(b), "bool", [1, 0, 1]],
      [
        "bool + bool (logical or)",
        b.add(mt.tensor([0, 1, 1], { ...on, dtype: "bool" })),
        "bool",
        [1, 1, 1],
      ],
      ["bool + float", b.add(f), "float32", [1.5, 1.5, -1.5]],
    ];
    for (const [what, t, dtype, want] of cases) {
      expect(t.dtype, what).toBe(dtype);
      const got = await values(t);
      want.forEach((w, k) => {
        expect(got[k], `${what} [${k}]`).toBeCloseTo(w, 5);
      });
    }
    expect(() => b.sub(b)).toThrow(/subtracting two bool tensors/);
  });

  it.skipIf(!stores)("lets only float tensors require gradients", () => {
    const i = mt.tensor([1, 2], { ...on, dtype: "int64" });
    expect(() => {
      i.requiresGrad = true;
    }).toThrow(/only tensors of a float dtype can require gradients, got int32/);
    expect(() => mt.tensor([1], { ...on, dtype: "bool", requiresGrad: true })).toThrow(
      mt.DTypeError,
    );
    expect(() => i.matmul(i.view([2, 1]))).toThrow(/matmul: expected float tensors, got int32/);
  });

  it.skipIf(!stores)(
    "sends the gradient through a conversion between float dtypes, converted back",
    async () => {
      const wide = suite.backend.dtypes.includes("float64");
      const x = mt.tensor([1, 2, 3], suite.grad);
      const y = wide ? x.double().mul(mt.tensor([2, 3, 4], { ...on, dtype: "float64" })) : x.mul(x);
      y.sum().backward();
      expect(x.grad?.dtype).toBe("float32");
      expect(await values(x.grad as mt.Tensor)).toEqual(wide ? [2, 3, 4] : [2, 4, 6]);
      const truncated = x.long();
      expect(truncated.requiresGrad).toBe(false);
    },
  );

  it.skipIf(!stores)("round-trips int32 and bool tensors through safetensors", async () => {
    const i = mt.tensor(
      [
        [-7, 0],
        [5, 2147483647],
      ],
      { ...on, dtype: "int64" },
    );
    const b = mt.tensor([1, 0, 1], { ...on, dtype: "bool" });
    const back = mt.io.decodeSafetensors(
      await mt.io.encodeSafetensors({ i, b }),
      "i.st",
      on,
    ).tensors;
    expect([back.i.dtype, back.b.dtype]).toEqual(["int32", "bool"]);
    expect(back.i.shape).toEqual([2, 2]);
    expect(await values(back.i)).toEqual([-7, 0, 5, 2147483647]);
    expect(await values(back.b)).toEqual([1, 0, 1]);
    // {int64: true} writes PyTorch's int64 (I64), 8 bytes each, aligned, and reads back the same.
    const wide = await mt.io.encodeSafetensors({ b, i }, undefined, { int64: true });
    const headerLength = Number(new DataView(wide.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(wide.slice(8, 8 + headerLength)));
    expect([header.i.dtype, header.i.data_offsets]).toEqual(["I64", [0, 32]]);
    const again = mt.io.decodeSafetensors(wide, "i64.st", on).tensors;
    expect([again.i.dtype, await values(again.i)]).toEqual(["int32", [-7, 0, 5, 2147483647]]);
    await expect(
      mt.io.encodeSafetensors({ i }, undefined, { int64: 1 as unknown as boolean }),
    ).rejects.toThrow(/int64/);
  });

  it.skipIf(!stores)(
    "reads PyTorch's I64 and U8 as int32, and an int64 beyond int32 as an error",
    async () => {
      const file = (dtype: string, data: bigint[] | number[]): Uint8Array => {
        const size = dtype === "I64" ? 8 : 1;
        const json = JSON.stringify({
          x: { dtype, shape: [data.length], data_offsets: [0, data.length * size] },
        });
        const header = new TextEncoder().encode(json.padEnd(Math.ceil(json.length / 8) * 8, " "));
        const out = new Uint8Array(8 + header.length + data.length * size);
        const view = new DataView(out.buffer);
        view.setBigUint64(0, BigInt(header.length), true);
        out.set(header, 8);
        data.forEach((v, k) => {
          const at = 8 + header.length + k * size;
          if (typeof v === "bigint") view.setBigInt64(at, v, true);
          else view.setUint8(at, v);
        });
        return out;
      };
      const long = mt.io.decodeSafetensors(file("I64", [-3n, 7n]), "long.st", on).tensors.x;
      expect([long.dtype, await values(long)]).toEqual(["int32", [-3, 7]]);
      const bytes = mt.io.decodeSafetensors(file("U8", [0, 255]), "u8.st", on).tensors.x;
      expect([bytes.dtype, await values(bytes)]).toEqual(["int32", [0, 255]]);
      expect(() => mt.io.decodeSafetensors(file("I64", [1n, 2n ** 40n]), "big.st", on)).toThrow(
        /big\.st.*"x": element 1 is 1099511627776, outside int32/,
      );
    },
  );
});
