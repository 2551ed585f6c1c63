import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classify } from "../src/backend/cpu/operand.js";
import { indexToPosition, shapeSize, toIndex } from "../src/strided/shape.js";
import {
  contiguousLayout,
  expandLayout,
  type Layout,
  permuteLayout,
} from "../src/strided/tensor_data.js";

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
