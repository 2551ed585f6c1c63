import fc from "fast-check";
import * as mt from "../../src/index.js";
import {
  allIndices,
  applyPartner,
  nest,
  ordinalOf,
  type PartnerSpec,
  partnerArb,
  product,
  range,
  readBroadcast,
} from "../shape_oracles.js";

/**
 * The conformance suite's inputs: a logical tensor and the (possibly strided) view that holds it,
 * in four layouts — contiguous, permuted, expanded with stride 0, expanded then permuted — so every
 * op is also checked on views; and the fast-check generators of shapes, values and operands.
 */

type Tensor = mt.Tensor;
type Shape = readonly number[];

export type LayoutKind = "contiguous" | "permuted" | "expanded" | "expanded+permuted";
export const ALL_LAYOUTS: readonly LayoutKind[] = [
  "contiguous",
  "permuted",
  "expanded",
  "expanded+permuted",
];

/**
 * An input: a logical tensor of `shape` holding `values` (row-major), held by a leaf tensor of
 * `leafShape` holding `leafValues`, seen through `leaf.expand(expandTo).permute(perm)` (each step
 * optional). `source[i]` is the leaf element that logical element i reads.
 */
export interface Operand {
  readonly layout: LayoutKind;
  readonly shape: number[];
  readonly values: number[];
  readonly leafShape: number[];
  readonly leafValues: number[];
  readonly expandTo: number[] | null;
  readonly perm: number[] | null;
  readonly source: number[];
}

/** The shape Q with Q.permute(perm) = shape, i.e. Q[perm[k]] = shape[k]. */
function unpermuteShape(shape: Shape, perm: readonly number[]): number[] {
  const q = new Array<number>(shape.length);
  perm.forEach((p, k) => {
    q[p] = shape[k];
  });
  return q;
}

function makeOperand(
  layout: LayoutKind,
  shape: number[],
  perm: number[],
  spec: PartnerSpec,
  valuesOf: (n: number) => number[],
): Operand {
  const permuted = layout === "permuted" || layout === "expanded+permuted";
  const expanded = layout === "expanded" || layout === "expanded+permuted";
  const inner = permuted ? unpermuteShape(shape, perm) : [...shape];
  const leafShape = expanded ? applyPartner(inner, spec) : inner;
  const source = allIndices(shape).map((i) => {
    let q = i;
    if (permuted) {
      q = new Array<number>(i.length);
      perm.forEach((p, k) => {
        q[p] = i[k];
      });
    }
    if (expanded) q = readBroadcast(q, leafShape);
    return ordinalOf(q, leafShape);
  });
  const leafValues = valuesOf(product(leafShape));
  return {
    layout,
    shape,
    values: source.map((j) => leafValues[j]),
    leafShape,
    leafValues,
    expandTo: expanded ? inner : null,
    perm: permuted ? perm : null,
    source,
  };
}

/** A contiguous operand holding `values` in `shape`: a fixed input in the suite's form. */
export function contiguousOperand(values: number[], shape: number[]): Operand {
  return {
    layout: "contiguous",
    shape,
    values,
    leafShape: shape,
    leafValues: values,
    expandTo: null,
    perm: null,
    source: range(values.length),
  };
}

/** A gradient with respect to the logical view, summed back onto the leaf. */
export function toLeaf(o: Operand, g: readonly number[]): number[] {
  const out = new Array<number>(o.leafValues.length).fill(0);
  o.source.forEach((j, i) => {
    out[j] += g[i];
  });
  return out;
}

/** The operand's view of `leaf` (expand, then permute). */
export function viewOf(leaf: Tensor, o: Operand): Tensor {
  let t = leaf;
  if (o.expandTo !== null) t = t.expand(o.expandTo);
  if (o.perm !== null) t = t.permute(o.perm);
  return t;
}

/** The operand's leaf tensor, made with `options`, and its view. */
export function build(o: Operand, options: mt.TensorOptions): { leaf: Tensor; view: Tensor } {
  const leaf = mt.tensor(nest(o.leafValues, o.leafShape), options);
  return { leaf, view: viewOf(leaf, o) };
}

// --- generators -----------------------------------------------------------------------------------

/** Values of n elements (rounded to float32, as the tensor will store them). */
export type ValuesArb = (n: number) => fc.Arbitrary<number[]>;

export const each =
  (value: fc.Arbitrary<number>): ValuesArb =>
  (n) =>
    fc.array(value, { minLength: n, maxLength: n }).map((xs) => xs.map(Math.fround));

/** Pairwise distinct values at least 0.01 apart (max's gradient is not differentiable at ties). */
export const distinct: ValuesArb = (n) =>
  fc
    .uniqueArray(fc.integer({ min: -300, max: 300 }), { minLength: n, maxLength: n })
    .map((xs) => xs.map((x) => Math.fround(x / 100)));

export function arbShape(minRank = 0, maxRank = 4, maxDim = 4): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxDim }), {
    minLength: minRank,
    maxLength: maxRank,
  });
}

export function arbPerm(rank: number): fc.Arbitrary<number[]> {
  return fc.shuffledSubarray(range(rank), { minLength: rank, maxLength: rank });
}

export function arbOperand(
  shape: number[],
  values: ValuesArb,
  layouts: readonly LayoutKind[] = ALL_LAYOUTS,
): fc.Arbitrary<Operand> {
  const rank = shape.length;
  return fc
    .record({
      layout: fc.constantFrom(...layouts),
      perm: arbPerm(rank),
      spec: partnerArb(rank),
    })
    .chain(({ layout, perm, spec }) => {
      const probe = makeOperand(layout, shape, perm, spec, (n) => new Array<number>(n).fill(0));
      return values(probe.leafValues.length).map((vs) =>
        makeOperand(layout, shape, perm, spec, () => vs),
      );
    });
}

/** An operand of any shape (rank 0–`maxRank`, dims 1–`maxDim`) and layout. */
export function arbAnyOperand(
  values: ValuesArb,
  { minRank = 0, maxRank = 4, maxDim = 4, layouts = ALL_LAYOUTS } = {},
): fc.Arbitrary<Operand> {
  return arbShape(minRank, maxRank, maxDim).chain((s) => arbOperand(s, values, layouts));
}

/**
 * Two operands whose shapes broadcast: the second shape is the first with random dims set to 1
 * and leading dims dropped, and the pair is swapped half the time (so both orders are tested).
 * `shapes` turns the two broadcasting shapes into the operands' (matmul appends its matrix dims).
 */
export function arbBroadcastPair(
  left: ValuesArb,
  right: ValuesArb,
  { maxRank = 4, maxDim = 4, minRank = 0 } = {},
  shapes: (a: number[], b: number[]) => [number[], number[]] = (a, b) => [a, b],
): fc.Arbitrary<[Operand, Operand]> {
  return arbShape(minRank, maxRank, maxDim).chain((shape) =>
    fc.tuple(partnerArb(shape.length), fc.boolean()).chain(([spec, swap]) => {
      const other = applyPartner(shape, spec);
      const [first, second] = swap ? [other, shape] : [shape, other];
      const [sa, sb] = shapes(first, second);
      return fc.tuple(arbOperand(sa, left), arbOperand(sb, right));
    }),
  );
}

/** Every dim a reduction accepts on a tensor of this rank (0-d tensors take 0 and −1). */
export function allDims(rank: number): number[] {
  const r = Math.max(rank, 1);
  return range(2 * r).map((i) => i - r);
}
