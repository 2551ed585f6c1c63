import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as mt from "../src/index.js";
import { loadedBackends, readsSyncInFloat64, skippedBackends } from "./backends.js";

/**
 * The cross-backend conformance suite: one `describe` per backend this build knows
 * (`mt.backendNames`), each running the same properties. Every tensor in a backend's block lives
 * on that backend, values are read with `await t.data()` (the one read that works everywhere), and
 * every expectation is computed here, in plain JS over row-major arrays, from the float32-rounded
 * inputs — never with minitorch itself. Inputs come in four layouts (contiguous, permuted,
 * expanded with stride 0, expanded then permuted), so every op is also checked on views.
 *
 * Gradients are checked twice: against derivative formulas written here, and numerically —
 * `mt.testing.gradcheck` (float64 central differences) where the backend reads synchronously and
 * stores float64, otherwise against the reference backend's gradients for the same values.
 */

type Tensor = mt.Tensor;
type Shape = readonly number[];

const RUNS = 40;
const GRADCHECK_RUNS = 10;

// --- which backends run -------------------------------------------------------------------------

interface BackendUnderTest {
  readonly name: mt.BackendName;
  /** The loaded implementation, or null when it cannot run here. */
  readonly impl: mt.Backend | null;
  /** Why it cannot run here ("" when it can). */
  readonly reason: string;
}

/**
 * Every backend this build knows, loaded once by test/backends.ts before the suites are
 * collected: one that cannot run here (no GPU adapter, a missing package) is known at collection
 * time and its describe is skipped, with the line test/backends.ts printed saying why, instead of
 * failing every test.
 */
const backends: BackendUnderTest[] = mt.backendNames.map((name) => ({
  name,
  impl: loadedBackends.find((b) => b.name === name)?.impl ?? null,
  reason: skippedBackends.find((b) => b.name === name)?.reason ?? "",
}));

// --- plain-JS model of row-major arrays (independent of src/tensor/shape.ts) --------------------

const f32 = Math.fround;

function sizeOf(shape: Shape): number {
  return shape.reduce((p, d) => p * d, 1);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Every multi-index of `shape` in row-major order (the last dim varies fastest). */
function allIndices(shape: Shape): number[][] {
  let out: number[][] = [[]];
  for (const d of shape) {
    const next: number[][] = [];
    for (const prefix of out) for (let i = 0; i < d; i++) next.push([...prefix, i]);
    out = next;
  }
  return out;
}

/** Row-major ordinal of `index` in `shape`. */
function ordinalOf(index: readonly number[], shape: Shape): number {
  return index.reduce((o, i, k) => o * shape[k] + i, 0);
}

/** NumPy broadcasting of two shapes (throws on a test bug: the generators only make valid pairs). */
function broadcastShapes(a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  return range(n).map((i) => {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`test bug: ${a} vs ${b}`);
    return da === 1 ? db : da;
  });
}

/** The index into `small` read at `index` of the broadcast shape: align right, size-1 dims → 0. */
function readBroadcast(index: readonly number[], small: Shape): number[] {
  const shift = index.length - small.length;
  return small.map((d, i) => (d === 1 ? 0 : index[i + shift]));
}

/** Row-major values as the nested arrays `mt.tensor` takes (a bare number for shape []). */
function nest(values: readonly number[], shape: Shape): mt.Nested {
  const build = (dim: number, start: number): mt.Nested => {
    if (dim === shape.length) return values[start];
    const step = sizeOf(shape.slice(dim + 1));
    return Array.from({ length: shape[dim] }, (_, i) => build(dim + 1, start + i * step));
  };
  return build(0, 0);
}

/** Deterministic, exactly representable upstream gradients: −0.75, −0.25, 0.25, 0.75, 1.25. */
function weights(n: number): number[] {
  return range(n).map((i) => ((i * 7) % 5) * 0.5 - 0.75);
}

// --- tolerances -----------------------------------------------------------------------------------

interface Tol {
  readonly rtol: number;
  readonly atol: number;
}
/** One or two float32 roundings. */
const EXACT: Tol = { rtol: 1e-5, atol: 1e-6 };
/** Transcendental functions (a fast backend may use approximations good to a few ulp). */
const LOOSE: Tol = { rtol: 1e-4, atol: 1e-5 };
/** Sums of many float32 terms: reductions, matmul, gradients summed over broadcasts. */
const SUMS: Tol = { rtol: 1e-4, atol: 5e-4 };

function expectClose(got: ArrayLike<number>, want: readonly number[], tol: Tol, what: string) {
  const bad: string[] = [];
  if (got.length !== want.length) bad.push(`${got.length} values, want ${want.length}`);
  else {
    for (let i = 0; i < want.length; i++) {
      const g = got[i];
      const w = want[i];
      const ok =
        Object.is(g, w) ||
        (Number.isNaN(g) && Number.isNaN(w)) ||
        Math.abs(g - w) <= tol.atol + tol.rtol * Math.abs(w);
      if (!ok) bad.push(`[${i}] got ${g}, want ${w}`);
    }
  }
  expect(bad, `${what}: ${bad.slice(0, 4).join("; ")}`).toEqual([]);
}

async function expectValues(
  t: Tensor,
  shape: Shape,
  want: readonly number[],
  tol: Tol,
  what: string,
) {
  expect(t.shape, `${what}: shape`).toEqual(shape);
  expectClose(await t.data(), want, tol, what);
}

async function expectGrad(leaf: Tensor, want: readonly number[], tol: Tol, what: string) {
  const g = leaf.grad;
  expect(g, `${what}: grad`).not.toBeNull();
  if (g === null) return;
  expect(g.shape, `${what}: grad shape`).toEqual(leaf.shape);
  expectClose(await g.data(), want, tol, `${what} (grad)`);
}

// --- operands: a logical tensor and the (possibly strided) view that holds it ----------------------

type LayoutKind = "contiguous" | "permuted" | "expanded" | "expanded+permuted";
const ALL_LAYOUTS: readonly LayoutKind[] = [
  "contiguous",
  "permuted",
  "expanded",
  "expanded+permuted",
];

/**
 * An input: a leaf tensor of `leafShape` holding `leafValues`, seen through
 * `leaf.expand(expandTo).permute(perm)` (each step optional) as a tensor of `shape`.
 * `source[i]` is the leaf element that logical element i reads.
 */
interface Operand {
  readonly layout: LayoutKind;
  readonly shape: number[];
  readonly leafShape: number[];
  readonly leafValues: number[];
  readonly expandTo: number[] | null;
  readonly perm: number[] | null;
  readonly source: number[];
}

/** How a partner shape is derived: drop `drop` leading dims, set dims where `ones` to 1. */
interface PartnerSpec {
  readonly drop: number;
  readonly ones: readonly boolean[];
}

function applyPartner(shape: Shape, spec: PartnerSpec): number[] {
  return shape.map((d, i) => (spec.ones[i] ? 1 : d)).slice(spec.drop);
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
  values: (n: number) => number[],
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
  return {
    layout,
    shape,
    leafShape,
    leafValues: values(sizeOf(leafShape)),
    expandTo: expanded ? inner : null,
    perm: permuted ? perm : null,
    source,
  };
}

/** The logical (row-major) values of an operand. */
function logical(o: Operand): number[] {
  return o.source.map((j) => o.leafValues[j]);
}

/** A gradient with respect to the logical view, summed back onto the leaf. */
function toLeaf(o: Operand, g: readonly number[]): number[] {
  const out = new Array<number>(o.leafValues.length).fill(0);
  o.source.forEach((j, i) => {
    out[j] += g[i];
  });
  return out;
}

/** The operand's view of `leaf` (expand, then permute). */
function viewOf(leaf: Tensor, o: Operand): Tensor {
  let t = leaf;
  if (o.expandTo !== null) t = t.expand(o.expandTo);
  if (o.perm !== null) t = t.permute(o.perm);
  return t;
}

function build(o: Operand, options: mt.TensorOptions): { leaf: Tensor; view: Tensor } {
  const leaf = mt.tensor(nest(o.leafValues, o.leafShape), options);
  return { leaf, view: viewOf(leaf, o) };
}

// --- generators -----------------------------------------------------------------------------------

/** Values of n elements (rounded to float32, as the tensor will store them). */
type ValuesArb = (n: number) => fc.Arbitrary<number[]>;

const each =
  (value: fc.Arbitrary<number>): ValuesArb =>
  (n) =>
    fc.array(value, { minLength: n, maxLength: n }).map((xs) => xs.map(f32));

/** Pairwise distinct values at least 0.01 apart (max's gradient is not differentiable at ties). */
const distinct: ValuesArb = (n) =>
  fc
    .uniqueArray(fc.integer({ min: -300, max: 300 }), { minLength: n, maxLength: n })
    .map((xs) => xs.map((x) => f32(x / 100)));

const anyValue = fc.double({ min: -3, max: 3, noNaN: true });
const positive = fc.double({ min: 0.1, max: 4, noNaN: true });
const awayFromZero = fc
  .tuple(fc.double({ min: 0.25, max: 4, noNaN: true }), fc.boolean())
  .map(([m, negative]) => (negative ? -m : m));
const exponent = fc.double({ min: -2, max: 2, noNaN: true });
/** Multiples of 0.004: many ties and near-ties, each difference ≥ 0.002 from isClose's 1e-2. */
const grid = fc.integer({ min: -6, max: 6 }).map((k) => k * 0.004);
/** Few distinct values: ties for max and argmax. */
const smallInts = fc.integer({ min: -2, max: 2 });

function arbShape(minRank = 0, maxRank = 4, maxDim = 4): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxDim }), {
    minLength: minRank,
    maxLength: maxRank,
  });
}

function arbPerm(rank: number): fc.Arbitrary<number[]> {
  return fc.shuffledSubarray(range(rank), { minLength: rank, maxLength: rank });
}

function arbPartner(rank: number): fc.Arbitrary<PartnerSpec> {
  return fc.record({
    drop: fc.nat({ max: rank }),
    ones: fc.array(fc.boolean(), { minLength: rank, maxLength: rank }),
  });
}

function arbOperand(
  shape: number[],
  values: ValuesArb,
  layouts: readonly LayoutKind[] = ALL_LAYOUTS,
): fc.Arbitrary<Operand> {
  const rank = shape.length;
  return fc
    .record({
      layout: fc.constantFrom(...layouts),
      perm: arbPerm(rank),
      spec: arbPartner(rank),
    })
    .chain(({ layout, perm, spec }) => {
      const probe = makeOperand(layout, shape, perm, spec, (n) => new Array<number>(n).fill(0));
      return values(probe.leafValues.length).map((vs) =>
        makeOperand(layout, shape, perm, spec, () => vs),
      );
    });
}

/** An operand of any shape (rank 0–`maxRank`, dims 1–`maxDim`) and layout. */
function arbAnyOperand(
  values: ValuesArb,
  { minRank = 0, maxRank = 4, maxDim = 4, layouts = ALL_LAYOUTS } = {},
): fc.Arbitrary<Operand> {
  return arbShape(minRank, maxRank, maxDim).chain((s) => arbOperand(s, values, layouts));
}

/**
 * Two operands whose shapes broadcast: the second shape is the first with random dims set to 1
 * and leading dims dropped, and the pair is swapped half the time (so both orders are tested).
 */
function arbBroadcastPair(
  left: ValuesArb,
  right: ValuesArb,
  maxRank = 4,
  maxDim = 4,
): fc.Arbitrary<[Operand, Operand]> {
  return arbShape(0, maxRank, maxDim).chain((shape) =>
    fc.tuple(arbPartner(shape.length), fc.boolean()).chain(([spec, swap]) => {
      const other = applyPartner(shape, spec);
      const [sa, sb] = swap ? [other, shape] : [shape, other];
      return fc.tuple(arbOperand(sa, left), arbOperand(sb, right));
    }),
  );
}

// --- elementwise ops ------------------------------------------------------------------------------

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

interface UnaryCase {
  readonly name: string;
  readonly apply: (t: Tensor) => Tensor;
  readonly f: (x: number) => number;
  readonly df: (x: number) => number;
  readonly domain: fc.Arbitrary<number>;
  /** Where the function is smooth (for central differences); `domain` when omitted. */
  readonly smooth?: fc.Arbitrary<number>;
  readonly tol: Tol;
}

const unaryCases: readonly UnaryCase[] = [
  { name: "neg", apply: (t) => t.neg(), f: (x) => -x, df: () => -1, domain: anyValue, tol: EXACT },
  {
    name: "exp",
    apply: (t) => t.exp(),
    f: Math.exp,
    df: Math.exp,
    domain: anyValue,
    tol: LOOSE,
  },
  {
    name: "log",
    apply: (t) => t.log(),
    f: Math.log,
    df: (x) => 1 / x,
    domain: positive,
    tol: LOOSE,
  },
  {
    name: "sigmoid",
    apply: (t) => t.sigmoid(),
    f: sigmoid,
    df: (x) => sigmoid(x) * (1 - sigmoid(x)),
    domain: anyValue,
    tol: LOOSE,
  },
  {
    name: "relu",
    apply: (t) => t.relu(),
    f: (x) => Math.max(x, 0),
    df: (x) => (x > 0 ? 1 : 0),
    domain: fc.oneof(anyValue, smallInts),
    smooth: awayFromZero,
    tol: EXACT,
  },
  {
    name: "tanh",
    apply: (t) => t.tanh(),
    f: Math.tanh,
    df: (x) => 1 - Math.tanh(x) ** 2,
    domain: anyValue,
    tol: LOOSE,
  },
  {
    name: "reciprocal",
    apply: (t) => t.reciprocal(),
    f: (x) => 1 / x,
    df: (x) => -1 / (x * x),
    domain: awayFromZero,
    tol: LOOSE,
  },
];

interface BinaryCase {
  readonly name: string;
  readonly apply: (a: Tensor, b: mt.TensorLike) => Tensor;
  readonly f: (a: number, b: number) => number;
  readonly da: (a: number, b: number) => number;
  readonly db: (a: number, b: number) => number;
  readonly left: fc.Arbitrary<number>;
  readonly right: fc.Arbitrary<number>;
  readonly tol: Tol;
  /** Comparisons are piecewise constant: their gradient is 0 and central differences say nothing. */
  readonly smooth: boolean;
}

const zero = () => 0;
const comparison = (
  name: string,
  apply: (a: Tensor, b: mt.TensorLike) => Tensor,
  f: (a: number, b: number) => boolean,
): BinaryCase => ({
  name,
  apply,
  f: (a, b) => (f(a, b) ? 1 : 0),
  da: zero,
  db: zero,
  left: grid,
  right: grid,
  tol: EXACT,
  smooth: false,
});

const binaryCases: readonly BinaryCase[] = [
  {
    name: "add",
    apply: (a, b) => a.add(b),
    f: (a, b) => a + b,
    da: () => 1,
    db: () => 1,
    left: anyValue,
    right: anyValue,
    tol: EXACT,
    smooth: true,
  },
  {
    name: "sub",
    apply: (a, b) => a.sub(b),
    f: (a, b) => a - b,
    da: () => 1,
    db: () => -1,
    left: anyValue,
    right: anyValue,
    tol: EXACT,
    smooth: true,
  },
  {
    name: "mul",
    apply: (a, b) => a.mul(b),
    f: (a, b) => a * b,
    da: (_a, b) => b,
    db: (a) => a,
    left: anyValue,
    right: anyValue,
    tol: EXACT,
    smooth: true,
  },
  {
    name: "div",
    apply: (a, b) => a.div(b),
    f: (a, b) => a / b,
    da: (_a, b) => 1 / b,
    db: (a, b) => -a / (b * b),
    left: anyValue,
    right: awayFromZero,
    tol: EXACT,
    smooth: true,
  },
  {
    name: "pow",
    apply: (a, b) => a.pow(b),
    f: (a, b) => a ** b,
    da: (a, b) => b * a ** (b - 1),
    db: (a, b) => a ** b * Math.log(a),
    left: positive,
    right: exponent,
    tol: LOOSE,
    smooth: true,
  },
  comparison(
    "lt",
    (a, b) => a.lt(b),
    (a, b) => a < b,
  ),
  comparison(
    "gt",
    (a, b) => a.gt(b),
    (a, b) => a > b,
  ),
  comparison(
    "eq",
    (a, b) => a.eq(b),
    (a, b) => a === b,
  ),
  comparison(
    "isClose",
    (a, b) => a.isClose(b),
    (a, b) => Math.abs(a - b) < 1e-2,
  ),
];

/** op(a, b) with broadcasting, and the gradients of Σ w·op(a, b) for each logical input. */
function zipHost(c: BinaryCase, a: Operand, b: Operand, w: readonly number[] | null) {
  const shape = broadcastShapes(a.shape, b.shape);
  const av = logical(a);
  const bv = logical(b);
  const ga = new Array<number>(av.length).fill(0);
  const gb = new Array<number>(bv.length).fill(0);
  const values = allIndices(shape).map((index, i) => {
    const ia = ordinalOf(readBroadcast(index, a.shape), a.shape);
    const ib = ordinalOf(readBroadcast(index, b.shape), b.shape);
    if (w !== null) {
      ga[ia] += w[i] * c.da(av[ia], bv[ib]);
      gb[ib] += w[i] * c.db(av[ia], bv[ib]);
    }
    return c.f(av[ia], bv[ib]);
  });
  return { shape, values, ga, gb };
}

// --- reductions -----------------------------------------------------------------------------------

type ReduceName = "sum" | "mean" | "max";

function reduce(t: Tensor, name: ReduceName, dim: number | undefined, keepdim: boolean): Tensor {
  if (name === "sum") return t.sum(dim, keepdim);
  if (name === "mean") return t.mean(dim, keepdim);
  return t.max(dim, keepdim);
}

/**
 * A reduction over `dim` (all elements when undefined) by nested loops, and the gradient of
 * Σ w·result with respect to each input element (max: split evenly between ties).
 */
function reduceHost(
  name: ReduceName,
  values: readonly number[],
  shape: Shape,
  dim: number | undefined,
  keepdim: boolean,
  w: readonly number[] | null,
) {
  const rank = shape.length;
  // Reducing everything is reducing a flat view along its only dim.
  const flat = dim === undefined;
  const inShape = flat ? [values.length] : [...shape];
  const d = flat ? 0 : dim < 0 ? dim + Math.max(rank, 1) : dim;
  const kept = inShape.map((s, i) => (i === d ? 1 : s));
  const n = inShape[d] ?? 1;
  const groups = new Map<number, number[]>();
  allIndices(inShape).forEach((index, i) => {
    const o = ordinalOf(
      index.map((x, k) => (k === d ? 0 : x)),
      kept,
    );
    groups.set(o, [...(groups.get(o) ?? []), i]);
  });
  const outValues: number[] = [];
  const grad = new Array<number>(values.length).fill(0);
  for (let o = 0; o < sizeOf(kept); o++) {
    const members = groups.get(o) ?? [];
    const xs = members.map((i) => values[i]);
    const total = xs.reduce((p, x) => p + x, 0);
    const top = Math.max(...xs);
    const ties = xs.filter((x) => x === top).length;
    outValues.push(name === "sum" ? total : name === "mean" ? total / n : top);
    if (w !== null) {
      for (const i of members) {
        const local =
          name === "sum" ? 1 : name === "mean" ? 1 / n : values[i] === top ? 1 / ties : 0;
        grad[i] += w[o] * local;
      }
    }
  }
  let outShape: number[];
  if (flat) outShape = keepdim ? shape.map(() => 1) : [];
  else if (rank === 0) outShape = [];
  else outShape = keepdim ? kept : shape.filter((_, i) => i !== d);
  return { shape: outShape, values: outValues, grad };
}

/** Index of the first max along `dim` (of the flattened values when undefined). */
function argmaxHost(values: readonly number[], shape: Shape, dim: number | undefined) {
  // A 0-d tensor has one element: its argmax along dim 0 (or −1) is 0, with shape [].
  if (shape.length === 0 && dim !== undefined) return { kept: [], values: [0] };
  const flat = dim === undefined;
  const inShape = flat ? [values.length] : [...shape];
  const d = flat ? 0 : dim < 0 ? dim + inShape.length : dim;
  const kept = inShape.map((s, i) => (i === d ? 1 : s));
  const best = new Array<number>(sizeOf(kept)).fill(Number.NEGATIVE_INFINITY);
  const where = new Array<number>(sizeOf(kept)).fill(-1);
  allIndices(inShape).forEach((index, i) => {
    const o = ordinalOf(
      index.map((x, k) => (k === d ? 0 : x)),
      kept,
    );
    if (values[i] > best[o]) {
      best[o] = values[i];
      where[o] = index[d];
    }
  });
  return { kept, values: where };
}

/** Every dim a reduction accepts on a tensor of this rank (0-d tensors take 0 and −1). */
function allDims(rank: number): number[] {
  const r = Math.max(rank, 1);
  return range(2 * r).map((i) => i - r);
}

// --- views ----------------------------------------------------------------------------------------

type ViewSpec =
  | { readonly op: "permute"; readonly dims: number[] }
  | { readonly op: "transpose"; readonly dim0: number; readonly dim1: number }
  | { readonly op: "view" | "reshape"; readonly requested: number[]; readonly resolved: number[] }
  | { readonly op: "expand"; readonly requested: number[]; readonly resolved: number[] }
  | { readonly op: "unsqueeze"; readonly dim: number }
  | { readonly op: "squeeze"; readonly dim: number | null }
  | { readonly op: "contiguous" };

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
  const same = (shape: number[]) => ({ shape, src: range(sizeOf(shape)) });
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

/** Generators of view cases, by op. */
function arbViewCase(op: ViewSpec["op"], maxRank = 4, maxDim = 4): fc.Arbitrary<ViewCase> {
  const shapes = arbShape(0, maxRank, maxDim);
  switch (op) {
    case "permute":
      return shapes.chain((shape) => {
        const r = shape.length;
        return fc
          .record({
            input: arbOperand(shape, viewValues),
            perm: arbPerm(r),
            negative: fc.array(fc.boolean(), { minLength: r, maxLength: r }),
          })
          .map(({ input, perm, negative }) => ({
            input,
            spec: { op, dims: perm.map((d, k) => (negative[k] ? d - r : d)) },
          }));
      });
    case "transpose":
      return shapes.chain((shape) => {
        const dims = fc.constantFrom(...allDims(shape.length));
        return fc
          .record({ input: arbOperand(shape, viewValues), dim0: dims, dim1: dims })
          .map(({ input, dim0, dim1 }) => ({ input, spec: { op, dim0, dim1 } }));
      });
    case "view":
    case "reshape":
      return shapes.chain((shape) =>
        fc
          .record({
            input: arbOperand(shape, viewValues, op === "view" ? ["contiguous"] : ALL_LAYOUTS),
            target: arbTargetShape(shape),
          })
          .map(({ input, target }) => ({ input, spec: { op, ...target } })),
      );
    case "expand":
      return shapes.chain((big) =>
        fc
          .record({
            spec: arbPartner(big.length),
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
              spec: { op, requested, resolved: big },
            }));
          }),
      );
    case "unsqueeze":
      // Any dim in [−(rank+1), rank], as PyTorch's unsqueeze takes.
      return shapes.chain((shape) =>
        fc
          .record({
            input: arbOperand(shape, viewValues),
            dim: fc.integer({ min: -(shape.length + 1), max: shape.length }),
          })
          .map(({ input, dim }) => ({ input, spec: { op, dim } })),
      );
    case "squeeze":
      return shapes.chain((shape) =>
        fc
          .record({
            input: arbOperand(shape, viewValues),
            dim: fc.option(fc.constantFrom(...allDims(shape.length))),
          })
          .map(({ input, dim }) => ({ input, spec: { op, dim } })),
      );
    case "contiguous":
      return shapes.chain((shape) =>
        arbOperand(shape, viewValues).map((input) => ({ input, spec: { op } })),
      );
  }
}

const viewOps: readonly ViewSpec["op"][] = [
  "permute",
  "transpose",
  "view",
  "reshape",
  "expand",
  "unsqueeze",
  "squeeze",
  "contiguous",
];

// --- matmul ---------------------------------------------------------------------------------------

/** Operand ranks: 1-D vectors, 2-D matrices, or batched (2 + 1–2 broadcasting batch dims). */
type MatmulVariant =
  | "1-D·2-D"
  | "2-D·2-D"
  | "batched·batched"
  | "1-D·batched"
  | "batched·2-D"
  | "1-D·1-D"
  | "2-D·1-D"
  | "batched·1-D";

/** Every operand combination PyTorch's matmul accepts. */
const workingMatmuls: readonly MatmulVariant[] = [
  "1-D·2-D",
  "2-D·2-D",
  "batched·batched",
  "1-D·batched",
  "batched·2-D",
  "1-D·1-D",
  "2-D·1-D",
  "batched·1-D",
];

function matmulShapes(
  variant: MatmulVariant,
  n: number,
  k: number,
  m: number,
  ba: number[],
  bb: number[],
): [number[], number[]] {
  const vector = [k];
  const left = [n, k];
  const right = [k, m];
  switch (variant) {
    case "1-D·1-D":
      return [vector, vector];
    case "1-D·2-D":
      return [vector, right];
    case "2-D·1-D":
      return [left, vector];
    case "2-D·2-D":
      return [left, right];
    case "batched·batched":
      return [
        [...ba, n, k],
        [...bb, k, m],
      ];
    case "1-D·batched":
      return [vector, [...bb, k, m]];
    case "batched·2-D":
      return [[...ba, n, k], right];
    case "batched·1-D":
      return [[...ba, n, k], vector];
  }
}

function arbMatmul(
  variant: MatmulVariant,
  values: ValuesArb,
  maxDim = 4,
): fc.Arbitrary<[Operand, Operand]> {
  const d = fc.integer({ min: 1, max: maxDim });
  return fc.record({ n: d, k: d, m: d, batch: arbShape(1, 2, 3) }).chain(({ n, k, m, batch }) =>
    fc.tuple(arbPartner(batch.length), fc.boolean()).chain(([spec, swap]) => {
      const other = applyPartner(batch, spec);
      const [ba, bb] = swap ? [other, batch] : [batch, other];
      const [sa, sb] = matmulShapes(variant, n, k, m, ba, bb);
      return fc.tuple(arbOperand(sa, values), arbOperand(sb, values));
    }),
  );
}

/**
 * PyTorch's matmul by loops: 1-D operands become [1, k] / [k, 1] and the added dim is removed
 * from the result; batch dims broadcast. Also the gradients of Σ w·(a @ b).
 */
function matmulHost(
  aShape: Shape,
  av: readonly number[],
  bShape: Shape,
  bv: readonly number[],
  w: readonly number[] | null,
) {
  const a2 = aShape.length === 1 ? [1, aShape[0]] : [...aShape];
  const b2 = bShape.length === 1 ? [bShape[0], 1] : [...bShape];
  const [n, k] = a2.slice(-2);
  const m = b2[b2.length - 1];
  const batchA = a2.slice(0, -2);
  const batchB = b2.slice(0, -2);
  const batch = broadcastShapes(batchA, batchB);
  const ga = new Array<number>(av.length).fill(0);
  const gb = new Array<number>(bv.length).fill(0);
  const values = allIndices([...batch, n, m]).map((o, oi) => {
    const bi = o.slice(0, -2);
    const [r, c] = o.slice(-2);
    const ia = readBroadcast(bi, batchA);
    const ib = readBroadcast(bi, batchB);
    let acc = 0;
    for (let j = 0; j < k; j++) {
      const pa = ordinalOf([...ia, r, j], a2);
      const pb = ordinalOf([...ib, j, c], b2);
      acc += av[pa] * bv[pb];
      if (w !== null) {
        ga[pa] += w[oi] * bv[pb];
        gb[pb] += w[oi] * av[pa];
      }
    }
    return acc;
  });
  const shape = [...batch];
  if (aShape.length > 1) shape.push(n);
  if (bShape.length > 1) shape.push(m);
  return { shape, values, ga, gb };
}

// --- the suite ------------------------------------------------------------------------------------

describe.each(backends)("conformance on the $name backend", ({ name, impl, reason }) => {
  if (impl === null) {
    it.skip(`${name} cannot run here: ${reason}`, () => {});
    return;
  }
  const backend: mt.Backend = impl;
  const opts: mt.TensorOptions = { backend: name };
  /** A constant tensor on this backend. */
  const host = (values: readonly number[], shape: Shape) =>
    mt.tensor(nest(values, shape), { backend: name });
  const grad = { backend: name, requiresGrad: true };
  /** float64 central differences need float64 storage and synchronous reads. */
  const canGradcheck = readsSyncInFloat64(backend);

  /** Leaf gradients of Σ w·fn(leaves) on backend `on`, for leaves holding the operands' values. */
  async function gradsOn(
    on: mt.BackendName,
    fn: (...leaves: Tensor[]) => Tensor,
    operands: readonly Operand[],
  ): Promise<number[][]> {
    const leaves = operands.map((o) =>
      mt.tensor(nest(o.leafValues, o.leafShape), { backend: on, requiresGrad: true }),
    );
    const y = fn(...leaves);
    const w = mt.tensor(nest(weights(y.size), y.shape), { backend: on });
    y.mul(w).sum().backward();
    return Promise.all(
      leaves.map(async (l) => (l.grad === null ? [] : Array.from(await l.grad.data()))),
    );
  }

  /**
   * Check fn's gradients numerically at the operands' leaf values: gradcheck in float64 where
   * this backend can, else against the reference backend's gradients for the same values.
   */
  async function checkNumerically(
    fn: (...leaves: Tensor[]) => Tensor,
    operands: readonly Operand[],
    what: string,
  ) {
    if (canGradcheck) {
      const inputs = operands.map((o) =>
        mt.tensor(nest(o.leafValues, o.leafShape), { ...grad, dtype: "float64" }),
      );
      expect(mt.testing.gradcheck(fn, inputs), what).toBe(true);
      return;
    }
    const ours = await gradsOn(name, fn, operands);
    const theirs = await gradsOn("reference", fn, operands);
    ours.forEach((g, i) => {
      expectClose(g, theirs[i], SUMS, `${what}, input ${i} vs reference`);
    });
  }

  describe("reading values", () => {
    it("data() of any view lists its elements in row-major logical order", async () => {
      await fc.assert(
        fc.asyncProperty(arbAnyOperand(each(anyValue)), async (o) => {
          const { view } = build(o, opts);
          expect(view.backend).toBe(name);
          await expectValues(view, o.shape, logical(o), EXACT, `${o.layout} ${o.shape}`);
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe("elementwise values", () => {
    it.each(unaryCases)("$name of any layout applies $name to each element", async (c) => {
      await fc.assert(
        fc.asyncProperty(arbAnyOperand(each(c.domain)), async (o) => {
          const { view } = build(o, opts);
          const want = logical(o).map(c.f);
          await expectValues(c.apply(view), o.shape, want, c.tol, `${c.name} ${o.layout}`);
        }),
        { numRuns: RUNS },
      );
    });

    it.each(binaryCases)("$name of two broadcasting tensors, in either order", async (c) => {
      await fc.assert(
        fc.asyncProperty(arbBroadcastPair(each(c.left), each(c.right)), async ([a, b]) => {
          const z = c.apply(build(a, opts).view, build(b, opts).view);
          const want = zipHost(c, a, b, null);
          await expectValues(z, want.shape, want.values, c.tol, `${a.shape} ${c.name} ${b.shape}`);
        }),
        { numRuns: RUNS },
      );
    });

    it.each(binaryCases)("$name of a tensor and a number", async (c) => {
      await fc.assert(
        fc.asyncProperty(arbAnyOperand(each(c.left)), c.right, async (a, x) => {
          // A number operand takes the tensor's dtype, so it is rounded to float32 first.
          const want = logical(a).map((v) => c.f(v, f32(x)));
          await expectValues(c.apply(build(a, opts).view, x), a.shape, want, c.tol, c.name);
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe("reduction values", () => {
    it.each(["sum", "mean", "max"] as const)(
      "%s over every dim (negative too), with and without keepdim, and over all elements",
      async (r) => {
        const values = r === "max" ? each(fc.oneof(anyValue, smallInts)) : each(anyValue);
        await fc.assert(
          fc.asyncProperty(arbAnyOperand(values), async (o) => {
            const { view } = build(o, opts);
            const x = logical(o);
            for (const dim of [undefined, ...allDims(o.shape.length)]) {
              for (const keepdim of [false, true]) {
                const want = reduceHost(r, x, o.shape, dim, keepdim, null);
                const what = `${r}(${dim}, ${keepdim}) of ${o.shape}`;
                await expectValues(
                  reduce(view, r, dim, keepdim),
                  want.shape,
                  want.values,
                  SUMS,
                  what,
                );
              }
            }
          }),
          { numRuns: RUNS },
        );
      },
    );

    it("argmax along every dim picks the first max on ties", async () => {
      await fc.assert(
        fc.asyncProperty(arbAnyOperand(each(smallInts)), async (o) => {
          const { view } = build(o, opts);
          for (const dim of allDims(o.shape.length)) {
            const want = argmaxHost(logical(o), o.shape, dim);
            const d = dim < 0 ? dim + o.shape.length : dim;
            const dropped = o.shape.filter((_, i) => i !== d);
            await expectValues(view.argmax(dim), dropped, want.values, EXACT, `argmax(${dim})`);
            await expectValues(view.argmax(dim, true), want.kept, want.values, EXACT, "keepdim");
          }
        }),
        { numRuns: RUNS },
      );
    });

    it("argmax over all elements indexes the flattened tensor, first max on ties", async () => {
      await fc.assert(
        fc.asyncProperty(arbAnyOperand(each(smallInts)), async (o) => {
          const { view } = build(o, opts);
          const want = argmaxHost(logical(o), o.shape, undefined);
          await expectValues(view.argmax(), [], want.values, EXACT, "argmax()");
          const ones = o.shape.map(() => 1);
          await expectValues(view.argmax(undefined, true), ones, want.values, EXACT, "keepdim");
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe("view values", () => {
    it.each(viewOps)("%s of any layout shows the right elements", async (op) => {
      await fc.assert(
        fc.asyncProperty(arbViewCase(op), async ({ input, spec }) => {
          const { view } = build(input, opts);
          const out = applyView(view, spec);
          const want = viewHost(input.shape, spec);
          const x = logical(input);
          await expectValues(
            out,
            want.shape,
            want.src.map((i) => x[i]),
            EXACT,
            `${op} ${input.layout}`,
          );
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
          await expectValues(c, o.shape, logical(o), EXACT, `contiguous of ${o.layout}`);
          // The source is untouched.
          await expectValues(leaf, o.leafShape, o.leafValues, EXACT, "leaf");
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe("matmul values", () => {
    it.each(workingMatmuls)("%s", async (variant) => {
      await fc.assert(
        fc.asyncProperty(arbMatmul(variant, each(anyValue)), async ([a, b]) => {
          const out = build(a, opts).view.matmul(build(b, opts).view);
          const want = matmulHost(a.shape, logical(a), b.shape, logical(b), null);
          await expectValues(out, want.shape, want.values, SUMS, `${a.shape} @ ${b.shape}`);
        }),
        { numRuns: RUNS },
      );
    });
  });

  describe("gradients against formulas", () => {
    it.each(unaryCases)(
      "$name: d Σ w·$name(x) / dx = w·$name'(x), through any layout",
      async (c) => {
        await fc.assert(
          // The whole domain: relu's gradient at exactly 0 is the subgradient 0, as in PyTorch.
          fc.asyncProperty(arbAnyOperand(each(c.domain)), async (o) => {
            const { leaf, view } = build(o, grad);
            const y = c.apply(view);
            const w = weights(y.size);
            y.backward(host(w, y.shape)); // a non-scalar backward with an explicit gradient
            const want = toLeaf(
              o,
              logical(o).map((x, i) => w[i] * c.df(x)),
            );
            await expectGrad(leaf, want, SUMS, `${c.name} ${o.layout} ${o.shape}`);
          }),
          { numRuns: RUNS },
        );
      },
    );

    it.each(binaryCases)(
      "$name of broadcasting tensors: gradients are summed back to each input's shape",
      async (c) => {
        await fc.assert(
          fc.asyncProperty(arbBroadcastPair(each(c.left), each(c.right)), async ([a, b]) => {
            const ta = build(a, grad);
            const tb = build(b, grad);
            const z = c.apply(ta.view, tb.view);
            const w = weights(z.size);
            z.mul(host(w, z.shape)).sum().backward();
            const want = zipHost(c, a, b, w);
            const what = `${a.layout} ${a.shape} ${c.name} ${b.layout} ${b.shape}`;
            await expectGrad(ta.leaf, toLeaf(a, want.ga), SUMS, `${what}, first`);
            await expectGrad(tb.leaf, toLeaf(b, want.gb), SUMS, `${what}, second`);
          }),
          { numRuns: RUNS },
        );
      },
    );

    it.each(binaryCases)("$name of a tensor and a number", async (c) => {
      await fc.assert(
        fc.asyncProperty(arbAnyOperand(each(c.left)), c.right, async (a, x) => {
          const ta = build(a, grad);
          const z = c.apply(ta.view, x);
          const w = weights(z.size);
          z.mul(host(w, z.shape)).sum().backward();
          const want = toLeaf(
            a,
            logical(a).map((v, i) => w[i] * c.da(v, f32(x))),
          );
          await expectGrad(ta.leaf, want, SUMS, `${c.name} ${a.layout} ${a.shape} with ${x}`);
        }),
        { numRuns: RUNS },
      );
    });

    it("d Σ(a·b) / da = b summed over the dims a was broadcast along", async () => {
      const a = mt.tensor([[1], [2]], grad); // [2,1] broadcasts along dim 1
      const b = mt.tensor([10, 20, 30], grad); // [3] broadcasts along dim 0
      a.mul(b).sum().backward();
      await expectGrad(a, [60, 60], EXACT, "a");
      await expectGrad(b, [3, 3, 3], EXACT, "b");
    });

    it.each(["sum", "mean", "max"] as const)(
      "%s over a random dim or all elements (max: split evenly between ties)",
      async (r) => {
        const values = r === "max" ? each(fc.oneof(smallInts, anyValue)) : each(anyValue);
        const arb = arbAnyOperand(values).chain((o) =>
          fc.record({
            o: fc.constant(o),
            dim: fc.option(fc.constantFrom(...allDims(o.shape.length)), { nil: undefined }),
            keepdim: fc.boolean(),
          }),
        );
        await fc.assert(
          fc.asyncProperty(arb, async ({ o, dim, keepdim }) => {
            const { leaf, view } = build(o, grad);
            const y = reduce(view, r, dim, keepdim);
            const w = weights(y.size);
            y.backward(host(w, y.shape));
            const want = reduceHost(r, logical(o), o.shape, dim, keepdim, w);
            const what = `${r}(${dim}, ${keepdim}) of ${o.layout} ${o.shape}`;
            await expectGrad(leaf, toLeaf(o, want.grad), SUMS, what);
          }),
          { numRuns: RUNS },
        );
      },
    );

    it.each(viewOps)("%s: the gradient flows back to the elements shown", async (op) => {
      await fc.assert(
        fc.asyncProperty(arbViewCase(op), async ({ input, spec }) => {
          const { leaf, view } = build(input, grad);
          const out = applyView(view, spec);
          const w = weights(out.size);
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

    it.each(workingMatmuls)(
      "matmul %s: dA = G·Bᵀ, dB = Aᵀ·G (batch dims summed back)",
      async (variant) => {
        await fc.assert(
          fc.asyncProperty(arbMatmul(variant, each(anyValue)), async ([a, b]) => {
            const ta = build(a, grad);
            const tb = build(b, grad);
            const out = ta.view.matmul(tb.view);
            const w = weights(out.size);
            out.mul(host(w, out.shape)).sum().backward();
            const want = matmulHost(a.shape, logical(a), b.shape, logical(b), w);
            const what = `${a.layout} ${a.shape} @ ${b.layout} ${b.shape}`;
            await expectGrad(ta.leaf, toLeaf(a, want.ga), SUMS, `${what}, first`);
            await expectGrad(tb.leaf, toLeaf(b, want.gb), SUMS, `${what}, second`);
          }),
          { numRuns: RUNS },
        );
      },
    );
  });

  describe(
    canGradcheck
      ? "gradients against float64 central differences (gradcheck)"
      : "gradients against the reference backend's",
    () => {
      const small = { maxRank: 3, maxDim: 3 };
      const runs = { numRuns: GRADCHECK_RUNS };

      it.each(unaryCases)("$name", async (c) => {
        await fc.assert(
          fc.asyncProperty(arbAnyOperand(each(c.smooth ?? c.domain), small), async (o) => {
            await checkNumerically((x) => c.apply(viewOf(x, o)), [o], `${c.name} ${o.layout}`);
          }),
          runs,
        );
      });

      const smooth = binaryCases.filter((c) => c.smooth);
      it.each(smooth)("$name of broadcasting tensors of any layout", async (c) => {
        await fc.assert(
          fc.asyncProperty(arbBroadcastPair(each(c.left), each(c.right), 3, 3), async ([a, b]) => {
            const fn = (x: Tensor, y: Tensor) => c.apply(viewOf(x, a), viewOf(y, b));
            await checkNumerically(fn, [a, b], `${a.shape} ${c.name} ${b.shape}`);
          }),
          runs,
        );
      });

      it.each(smooth)("$name of a tensor and a number", async (c) => {
        await fc.assert(
          fc.asyncProperty(arbAnyOperand(each(c.left), small), c.right, async (a, x) => {
            await checkNumerically((t) => c.apply(viewOf(t, a), x), [a], `${c.name} ${x}`);
          }),
          runs,
        );
      });

      it.each(["sum", "mean", "max"] as const)(
        "%s over a random dim or all elements",
        async (r) => {
          const arb = arbAnyOperand(distinct, small).chain((o) =>
            fc.record({
              o: fc.constant(o),
              dim: fc.option(fc.constantFrom(...allDims(o.shape.length)), { nil: undefined }),
              keepdim: fc.boolean(),
            }),
          );
          await fc.assert(
            fc.asyncProperty(arb, async ({ o, dim, keepdim }) => {
              const fn = (x: Tensor) => reduce(viewOf(x, o), r, dim, keepdim);
              await checkNumerically(fn, [o], `${r}(${dim}) of ${o.layout} ${o.shape}`);
            }),
            runs,
          );
        },
      );

      it.each(viewOps)("%s", async (op) => {
        await fc.assert(
          fc.asyncProperty(arbViewCase(op, 3, 3), async ({ input, spec }) => {
            const fn = (x: Tensor) => applyView(viewOf(x, input), spec);
            await checkNumerically(fn, [input], `${op} of ${input.layout} ${input.shape}`);
          }),
          runs,
        );
      });

      it.each(workingMatmuls)("matmul %s", async (variant) => {
        await fc.assert(
          fc.asyncProperty(arbMatmul(variant, each(anyValue), 3), async ([a, b]) => {
            const fn = (x: Tensor, y: Tensor) => viewOf(x, a).matmul(viewOf(y, b));
            await checkNumerically(fn, [a, b], `${a.shape} @ ${b.shape}`);
          }),
          runs,
        );
      });

      it("a composite: an input used on several paths, broadcast, permuted and reduced", async () => {
        await fc.assert(
          fc.asyncProperty(
            arbBroadcastPair(each(anyValue), each(positive), 3, 3),
            async ([a, b]) => {
              const fn = (x: Tensor, y: Tensor) => {
                const u = viewOf(x, a);
                const v = viewOf(y, b);
                return u.mul(v.log()).add(u.tanh().mul(u)).sigmoid().sum(-1).mul(u.exp().mean());
              };
              await checkNumerically(fn, [a, b], `${a.shape}, ${b.shape}`);
            },
          ),
          runs,
        );
      });
    },
  );

  describe("autograd semantics", () => {
    it("gradients accumulate over two backward calls, and zeroGrad clears them", async () => {
      const x = mt.tensor([1, -2, 3], grad);
      const w = host([0.5, 2, -1], [3]);
      x.mul(w).sum().backward();
      x.mul(w).sum().backward();
      await expectGrad(x, [1, 4, -2], EXACT, "twice");
      x.zeroGrad();
      expect(x.grad).toBeNull();
      x.mul(w).sum().backward();
      await expectGrad(x, [0.5, 2, -1], EXACT, "after zeroGrad");
    });

    it("detach cuts the graph: no gradient flows through the detached value", async () => {
      const x = mt.tensor([1, 2, 3], grad);
      const d = x.mul(2).detach();
      expect(d.requiresGrad).toBe(false);
      expect(d.isLeaf).toBe(true);
      await expectValues(d, [3], [2, 4, 6], EXACT, "detached values");
      // d(Σ d·x)/dx = d (as if d were a constant), not 4x.
      d.mul(x).sum().backward();
      await expectGrad(x, [2, 4, 6], EXACT, "x");
      expect(d.grad).toBeNull();
    });

    it("noGrad records no history, and recording resumes after it", async () => {
      const x = mt.tensor([1, 2], grad);
      const y = mt.noGrad(() => x.mul(3).exp());
      expect(y.requiresGrad).toBe(false);
      expect(y.history).toBeNull();
      expect(() => y.sum().backward()).toThrow(mt.DTypeError);
      const z = x.mul(3);
      expect(z.requiresGrad).toBe(true);
      expect(z.history).not.toBeNull();
    });

    it("an input used twice gets the sum of both gradients", async () => {
      const x = mt.tensor([0.5, -1, 2], grad);
      x.mul(x).sum().backward(); // 2x
      await expectGrad(x, [1, -2, 4], EXACT, "x·x");
      const y = mt.tensor([0.5, -1], grad);
      const e = y.exp();
      e.mul(y).add(e).sum().backward(); // d(eʸ·y + eʸ)/dy = eʸ·y + 2eʸ
      await expectGrad(
        y,
        [0.5, -1].map((v) => Math.exp(v) * (v + 2)),
        LOOSE,
        "eʸ·y + eʸ",
      );
      const z = mt.tensor([[1, 2, 3]], grad);
      z.add(z.transpose(0, 1)).sum().backward(); // each element appears in 3 + 3 sums
      await expectGrad(z, [6, 6, 6], EXACT, "z + zᵀ");
    });

    it("backward on a non-scalar needs a gradient of its shape", async () => {
      const x = mt.tensor(
        [
          [1, 2],
          [3, 4],
        ],
        grad,
      );
      const y = x.mul(x);
      expect(() => y.backward()).toThrow(mt.ShapeError);
      expect(() => y.backward()).toThrow(/\[2,2\]/);
      expect(() => y.backward(host([1, 1], [2]))).toThrow(mt.ShapeError);
      expect(x.grad).toBeNull();
      y.backward(host([1, 0, -1, 2], [2, 2]));
      await expectGrad(x, [2, 0, -6, 16], EXACT, "explicit gradient");
      // A one-element tensor of any rank needs no explicit gradient.
      const s = mt.tensor([[3]], grad);
      s.mul(s).backward();
      await expectGrad(s, [6], EXACT, "[1,1]");
    });

    it("retainGrad keeps the gradient of an intermediate result", async () => {
      const x = mt.tensor([1, 2], grad);
      const m = x.mul(3).retainGrad();
      const unretained = m.exp();
      m.mul(host([1, -1], [2]))
        .sum()
        .add(unretained.sum().mul(0))
        .backward();
      await expectGrad(m, [1, -1], EXACT, "m");
      expect(unretained.grad).toBeNull();
      await expectGrad(x, [3, -3], EXACT, "x");
    });

    it("comparisons pass no gradient", async () => {
      const x = mt.tensor([1, 2, 3], grad);
      x.lt(2).add(x.gt(1)).add(x.eq(2)).add(x.isClose(3)).sum().backward();
      await expectGrad(x, [0, 0, 0], EXACT, "x");
    });

    it.skipIf(!backend.dtypes.includes("float64"))(
      "float64 keeps its precision, and a cast passes gradients back in the input's dtype",
      async () => {
        const x = mt.tensor([1 + 2 ** -40, 0.1], { ...grad, dtype: "float64" });
        expect(Array.from(await x.add(0).data())).toEqual([1 + 2 ** -40, 0.1]);
        x.float()
          .mul(host([2, 3], [2]))
          .sum()
          .backward();
        expect(x.grad?.dtype).toBe("float64");
        await expectGrad(x, [2, 3], EXACT, "cast");
      },
    );
  });

  // Regressions: bugs this suite found once.
  describe("regressions", () => {
    it("unsqueeze counts negative dims from the end of the result", async () => {
      const x = host([1, 2, 3, 4, 5, 6], [2, 3]);
      expect(x.unsqueeze(-1).shape).toEqual([2, 3, 1]);
      expect(x.unsqueeze(-2).shape).toEqual([2, 1, 3]);
      expect(x.unsqueeze(-3).shape).toEqual([1, 2, 3]);
    });

    it("matmul with a 1-D second operand ([2,3]@[3], [3]@[3], [2,2,3]@[3])", async () => {
      const a = host([1, 2, 3, 4, 5, 6], [2, 3]);
      const v = host([1, -1, 2], [3]);
      await expectValues(a.matmul(v), [2], [5, 11], EXACT, "[2,3]@[3]");
      await expectValues(v.matmul(v), [], [6], EXACT, "[3]@[3]");
      const batched = host([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6], [2, 2, 3]);
      await expectValues(batched.matmul(v), [2, 2], [5, 11, 5, 11], EXACT, "[2,2,3]@[3]");
    });

    it("argmax(0) of a 0-d tensor has shape []", async () => {
      const s = host([5], []);
      await expectValues(s.argmax(0), [], [0], EXACT, "argmax(0)");
      await expectValues(s.argmax(-1, true), [], [0], EXACT, "argmax(-1, true)");
    });
  });
});
