import fc from "fast-check";
import { expect, it } from "vitest";
import type * as mt from "../../src/index.js";
import { anyValue, EXACT, opsOf, SUMS } from "../op_cases.js";
import {
  allIndices,
  applyPartner,
  ordinalOf,
  partnerArb,
  product,
  range,
  readBroadcast,
} from "../shape_oracles.js";
import { describeEachBackend, GRADCHECK_RUNS, RUNS, weights } from "./harness.js";
import {
  ALL_LAYOUTS,
  allDims,
  arbAnyOperand,
  arbOperand,
  arbPerm,
  arbShape,
  build,
  each,
  type LayoutKind,
  type Operand,
  toLeaf,
} from "./operands.js";

/**
 * Views and layouts on every backend: reading any view, each view op (permute, transpose, view,
 * reshape, expand, unsqueeze, squeeze, contiguous) of any layout, and the gradients flowing back
 * through them to the elements shown.
 */

type Tensor = mt.Tensor;
type Shape = readonly number[];

type ViewSpec =
  | { readonly op: "permute"; readonly dims: number[] }
  | { readonly op: "transpose"; readonly dim0: number; readonly dim1: number }
  | { readonly op: "view" | "reshape"; readonly requested: number[]; readonly resolved: number[] }
  | { readonly op: "expand"; readonly requested: number[]; readonly resolved: number[] }
  | { readonly op: "unsqueeze"; readonly dim: number }
  | { readonly op: "squeeze"; readonly dim: number | null }
  | { readonly op: "contiguous" };

type ViewOp = ViewSpec["op"];

interface ViewCase {
  readonly input: Operand;
  readonly spec: ViewSpec;
}

function applyView(t: Tensor, spec: ViewSpec): Tensor {
  switch (spec.op) {
    case "permute":
      return t.permute(spec.dims);
    case "transpose":
      return t.transpose(spec.dim0, spec.dim1);
    case "view":
      return t.view(spec.requested);
    case "reshape":
      return t.reshape(spec.requested);
    case "expand":
      return t.expand(spec.requested);
    case "unsqueeze":
      return t.unsqueeze(spec.dim);
    case "squeeze":
      return spec.dim === null ? t.squeeze() : t.squeeze(spec.dim);
    case "contiguous":
      return t.contiguous();
  }
}

/** The result shape of a view op, and for each result element the input element it shows. */
function viewHost(inShape: Shape, spec: ViewSpec): { shape: number[]; src: number[] } {
  const rank = inShape.length;
  const norm = (d: number) => (d < 0 ? d + Math.max(rank, 1) : d);
  const same = (shape: number[]) => ({ shape, src: range(product(shape)) });
  switch (spec.op) {
    case "permute":
    case "transpose": {
      let order: number[];
      if (spec.op === "permute") order = spec.dims.map(norm);
      else {
        const [a, b] = [norm(spec.dim0), norm(spec.dim1)];
        order = range(rank).map((i) => (i === a ? b : i === b ? a : i));
      }
      const shape = order.map((d) => inShape[d]);
      const src = allIndices(shape).map((o) => {
        const i = new Array<number>(rank);
        order.forEach((d, k) => {
          i[d] = o[k];
        });
        return ordinalOf(i, inShape);
      });
      return { shape, src };
    }
    case "view":
    case "reshape":
      return same(spec.resolved);
    case "expand":
      return {
        shape: spec.resolved,
        src: allIndices(spec.resolved).map((o) => ordinalOf(readBroadcast(o, inShape), inShape)),
      };
    case "unsqueeze": {
      const shape = [...inShape];
      shape.splice(spec.dim < 0 ? spec.dim + rank + 1 : spec.dim, 0, 1);
      return same(shape);
    }
    case "squeeze": {
      if (spec.dim === null) return same(inShape.filter((d) => d !== 1));
      const d = norm(spec.dim);
      return same(rank > 0 && inShape[d] === 1 ? inShape.filter((_, i) => i !== d) : [...inShape]);
    }
    case "contiguous":
      return same([...inShape]);
  }
}

/** A shape with the same number of elements: dims shuffled, some merged, maybe a 1 and a −1. */
function arbTargetShape(shape: Shape): fc.Arbitrary<{ requested: number[]; resolved: number[] }> {
  const rank = shape.length;
  return fc
    .record({
      order: arbPerm(rank),
      merge: fc.array(fc.boolean(), { minLength: rank, maxLength: rank }),
      one: fc.option(fc.nat({ max: rank })),
      infer: fc.option(fc.nat({ max: 4 })),
    })
    .map(({ order, merge, one, infer }) => {
      const resolved: number[] = [];
      order.forEach((d, i) => {
        if (merge[i] && resolved.length > 0) resolved[resolved.length - 1] *= shape[d];
        else resolved.push(shape[d]);
      });
      if (one !== null) resolved.splice(Math.min(one, resolved.length), 0, 1);
      const requested = [...resolved];
      if (infer !== null && requested.length > 0) requested[infer % requested.length] = -1;
      return { requested, resolved };
    });
}

const viewValues = each(anyValue);

/** An input of `shape` (any layout) and the view op's arguments. */
type ViewArb = (shape: number[]) => fc.Arbitrary<ViewCase>;

/** Generators of view cases, one per view op. */
const viewCases: Record<ViewOp, ViewArb> = {
  permute: (shape) => {
    const r = shape.length;
    return fc
      .record({
        input: arbOperand(shape, viewValues),
        perm: arbPerm(r),
        negative: fc.array(fc.boolean(), { minLength: r, maxLength: r }),
      })
      .map(({ input, perm, negative }) => ({
        input,
        spec: { op: "permute", dims: perm.map((d, k) => (negative[k] ? d - r : d)) },
      }));
  },
  transpose: (shape) => {
    const dims = fc.constantFrom(...allDims(shape.length));
    return fc
      .record({ input: arbOperand(shape, viewValues), dim0: dims, dim1: dims })
      .map(({ input, dim0, dim1 }) => ({ input, spec: { op: "transpose", dim0, dim1 } }));
  },
  view: (shape) =>
    fc
      .record({
        input: arbOperand(shape, viewValues, ["contiguous"]),
        target: arbTargetShape(shape),
      })
      .map(({ input, target }) => ({ input, spec: { op: "view", ...target } })),
  reshape: (shape) =>
    fc
      .record({ input: arbOperand(shape, viewValues, ALL_LAYOUTS), target: arbTargetShape(shape) })
      .map(({ input, target }) => ({ input, spec: { op: "reshape", ...target } })),
  expand: (big) =>
    fc
      .record({
        spec: partnerArb(big.length),
        minus: fc.array(fc.boolean(), { minLength: big.length, maxLength: big.length }),
      })
      .chain(({ spec, minus }) => {
        const small = applyPartner(big, spec);
        const shift = big.length - small.length;
        // −1 keeps a dim's size; PyTorch allows it only for dims the input has.
        const requested = big.map((d, i) =>
          i >= shift && small[i - shift] === d && minus[i] ? -1 : d,
        );
        return arbOperand(small, viewValues).map((input) => ({
          input,
          spec: { op: "expand", requested, resolved: big },
        }));
      }),
  // Any dim in [−(rank+1), rank], as PyTorch's unsqueeze takes.
  unsqueeze: (shape) =>
    fc
      .record({
        input: arbOperand(shape, viewValues),
        dim: fc.integer({ min: -(shape.length + 1), max: shape.length }),
      })
      .map(({ input, dim }) => ({ input, spec: { op: "unsqueeze", dim } })),
  squeeze: (shape) =>
    fc
      .record({
        input: arbOperand(shape, viewValues),
        dim: fc.option(fc.constantFrom(...allDims(shape.length))),
      })
      .map(({ input, dim }) => ({ input, spec: { op: "squeeze", dim } })),
  contiguous: (shape) =>
    arbOperand(shape, viewValues).map((input) => ({ input, spec: { op: "contiguous" } })),
};

const viewOps = opsOf(viewCases);

/** A case of view op `op` on an input of rank ≤ maxRank, dims ≤ maxDim. */
function arbViewCase(op: ViewOp, maxRank = 4, maxDim = 4): fc.Arbitrary<ViewCase> {
  return arbShape(0, maxRank, maxDim).chain(viewCases[op]);
}

describeEachBackend("views and layouts", (suite) => {
  const { opts, grad, host, numerically, checkNumerically, expectValues, expectGrad } = suite;

  it("data() of any view lists its elements in row-major logical order", async () => {
    await fc.assert(
      fc.asyncProperty(arbAnyOperand(each(anyValue)), async (o) => {
        const { view } = build(o, opts);
        await expectValues(view, o.shape, o.values, EXACT, `${o.layout} ${o.shape}`);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(viewOps)("%s of any layout shows the right elements", async (op) => {
    await fc.assert(
      fc.asyncProperty(arbViewCase(op), async ({ input, spec }) => {
        const { view } = build(input, opts);
        const out = applyView(view, spec);
        const want = viewHost(input.shape, spec);
        const x = input.values;
        const values = want.src.map((i) => x[i]);
        await expectValues(out, want.shape, values, EXACT, `${op} ${input.layout}`);
        if (spec.op === "contiguous") expect(out.isContiguous()).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it("contiguous() of a permuted or expanded view is a contiguous copy in logical order", async () => {
    const layouts: readonly LayoutKind[] = ["permuted", "expanded", "expanded+permuted"];
    await fc.assert(
      fc.asyncProperty(arbAnyOperand(each(anyValue), { layouts }), async (o) => {
        const { leaf, view } = build(o, opts);
        const c = view.contiguous();
        expect(c.isContiguous()).toBe(true);
        await expectValues(c, o.shape, o.values, EXACT, `contiguous of ${o.layout}`);
        // The source is untouched.
        await expectValues(leaf, o.leafShape, o.leafValues, EXACT, "leaf");
      }),
      { numRuns: RUNS },
    );
  });

  it("unsqueeze counts negative dims from the end of the result (a regression)", () => {
    const x = host([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(x.unsqueeze(-1).shape).toEqual([2, 3, 1]);
    expect(x.unsqueeze(-2).shape).toEqual([2, 1, 3]);
    expect(x.unsqueeze(-3).shape).toEqual([1, 2, 3]);
  });

  it.each(viewOps)("%s: the gradient flows back to the elements shown", async (op) => {
    await fc.assert(
      fc.asyncProperty(arbViewCase(op), async ({ input, spec }) => {
        const { leaf, view } = build(input, grad);
        const out = applyView(view, spec);
        const w = weights(out.numel());
        out.backward(host(w, out.shape));
        const { src } = viewHost(input.shape, spec);
        const g = new Array<number>(input.source.length).fill(0);
        src.forEach((i, k) => {
          g[i] += w[k];
        });
        await expectGrad(leaf, toLeaf(input, g), SUMS, `${op} of ${input.layout} ${input.shape}`);
      }),
      { numRuns: RUNS },
    );
  });

  it.each(viewOps)(`%s: the gradient matches ${numerically}`, async (op) => {
    await fc.assert(
      fc.asyncProperty(arbViewCase(op, 3, 3), async ({ input, spec }) => {
        const fn = (x: Tensor) => applyView(x, spec);
        await checkNumerically(fn, [input], `${op} of ${input.layout} ${input.shape}`);
      }),
      { numRuns: GRADCHECK_RUNS },
    );
  });
});
