import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classify, columnOperand } from "../src/backend/cpu/operand.js";
import { copyStrided } from "../src/backend/cpu/strided_copy.js";
import * as mt from "../src/index.js";
import { indexToPosition, shapeSize, toIndex } from "../src/strided/shape.js";
import {
  contiguousLayout,
  expandLayout,
  type Layout,
  permuteLayout,
} from "../src/strided/tensor_data.js";
import { loadedBackendNames } from "./backends.js";

/** The storage position each output element reads, by plain strided indexing after broadcast. */
function positions(v: Layout, out: number[]): number[] {
  const shift = out.length - v.shape.length;
  const index = new Array<number>(out.length).fill(0);
  return Array.from({ length: shapeSize(out) }, (_, i) => {
    toIndex(i, out, index);
    const own = v.shape.map((d, k) => (d === 1 ? 0 : index[k + shift]));
    return indexToPosition(own, v.strides, v.offset);
  });
}

const shapeArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 4 });

/** An operand layout that broadcasts to `out`: some dims set to 1 or dropped, maybe expanded or permuted. */
const caseArb = shapeArb.chain((out) =>
  fc
    .record({
      ones: fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
      drop: fc.integer({ min: 0, max: out.length }),
      expand: fc.boolean(),
      permute: fc.boolean(),
      offset: fc.integer({ min: 0, max: 5 }),
    })
    .map(({ ones, drop, expand, permute, offset }) => {
      const own = out.map((d, i) => (ones[i] ? 1 : d)).slice(drop);
      let layout: Layout = { ...contiguousLayout(own), offset };
      if (permute && own.length > 1) {
        const order = own.map((_, i) => own.length - 1 - i);
        layout = permuteLayout(permuteLayout(layout, order), order);
        layout = permuteLayout(layout, order);
        // Read the permuted view as an operand of the permuted output shape.
        return { out: order.map((d) => own[d]), layout };
      }
      if (expand) return { out, layout: expandLayout(layout, out) };
      return { out, layout };
    }),
);

describe("classify (cpu operand fast paths)", () => {
  it("whenever it names a pattern, the pattern reads exactly the strided positions", () => {
    fc.assert(
      fc.property(caseArb, ({ out, layout }) => {
        const operand = classify(layout, out);
        if (operand === null) return;
        const want = positions(layout, out);
        const got = want.map((_, i) =>
          operand.kind === "full"
            ? operand.start + i
            : operand.kind === "scalar"
              ? operand.start
              : operand.start + (i % operand.row),
        );
        expect(got).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it("recognises the common layouts", () => {
    expect(classify(contiguousLayout([2, 3]), [2, 3])).toEqual({ kind: "full", start: 0 });
    expect(classify(contiguousLayout([3]), [4, 3])).toEqual({ kind: "row", start: 0, row: 3 });
    expect(classify(contiguousLayout([1]), [4, 3])).toEqual({ kind: "scalar", start: 0 });
    expect(classify(expandLayout(contiguousLayout([]), [5, 2]), [5, 2])?.kind).toBe("scalar");
    // A column repeated along the last dim is not one of the patterns.
    expect(classify(contiguousLayout([4, 1]), [4, 3])).toBeNull();
    expect(classify(permuteLayout(contiguousLayout([2, 3]), [1, 0]), [3, 2])).toBeNull();
  });
});

describe("columnOperand (a keepdim reduction against its rows)", () => {
  it("whenever it names a column, the column reads exactly the strided positions", () => {
    fc.assert(
      fc.property(caseArb, ({ out, layout }) => {
        const column = columnOperand(layout, out);
        if (column === null) return;
        const want = positions(layout, out);
        expect(want.map((_, i) => column.start + Math.floor(i / column.repeat))).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it("recognises [R, 1] and [B, R, 1] against [.., R, C], and nothing else", () => {
    expect(columnOperand(contiguousLayout([4, 1]), [4, 3])).toEqual({ start: 0, repeat: 3 });
    expect(columnOperand(contiguousLayout([2, 4, 1, 1]), [2, 4, 3, 5])).toEqual({
      start: 0,
      repeat: 15,
    });
    expect(columnOperand(contiguousLayout([4, 3]), [4, 3])).toBeNull();
    expect(columnOperand(contiguousLayout([1, 3]), [4, 3])).toBeNull();
    // A repeated leading dim is not a column of contiguous rows.
    expect(columnOperand(contiguousLayout([4, 1]), [2, 4, 3])).toBeNull();
  });

  it.runIf(loadedBackendNames.includes("cpu"))(
    "gives the cpu backend's column zips the reference backend's results, both operand orders",
    () => {
      for (const dtype of ["float32", "float64"] as const) {
        const rows = mt.randn([3, 5, 7], { seed: 1, dtype, backend: "cpu" });
        const col = mt.randn([3, 5, 1], { seed: 2, dtype, backend: "cpu" });
        const ref = (t: mt.Tensor) =>
          mt.tensor(t.toArray() as number[][][], { dtype, backend: "reference" });
        for (const op of ["sub", "div", "mul", "add"] as const) {
          const want = ref(rows)[op](ref(col)).toArray();
          const flipped = ref(col)[op](ref(rows)).toArray();
          expect(rows[op](col).toArray()).toEqual(want);
          expect(col[op](rows).toArray()).toEqual(flipped);
        }
      }
    },
  );
});

describe("copyStrided (the cpu backend's copy of any layout)", () => {
  it("reads every element where strided indexing says, into a contiguous or a strided output", () => {
    fc.assert(
      fc.property(caseArb, fc.boolean(), ({ out, layout }, transposedOut) => {
        const source = Float64Array.from({ length: 300 }, (_, i) => i + 0.5); // past any case's last position
        const want = positions(layout, out).map((p) => source[p]);
        // The output: contiguous, or the transpose of a contiguous buffer (a strided view).
        let target: Layout = contiguousLayout(out);
        if (transposedOut && out.length > 1) {
          const order = out.map((_, i) => out.length - 1 - i);
          const base = contiguousLayout(order.map((d) => out[d]));
          target = permuteLayout(base, order);
        }
        const written = new Float64Array(Math.max(1, shapeSize(out)));
        copyStrided(written, target, source, layout);
        expect(positions(target, out).map((p) => written[p])).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});
