/**
 * Independent oracles for shapes, strides and broadcasting, shared by every test that needs them:
 * none of these call the code under test, so a test that compares against them can fail when
 * src/strided/shape.ts or tensor_data.ts (or a backend's index arithmetic) is wrong.
 */
import fc from "fast-check";

type Shape = readonly number[];

/** Shapes of rank 0–5 with dims in [minDim, maxDim]. */
export const shapeArb = (minDim = 1, maxDim = 5) =>
  fc.array(fc.integer({ min: minDim, max: maxDim }), { maxLength: 5 });

/** `[2,3]`, written out independently of `formatShape`. */
export const fmt = (s: Shape) => `[${s.join(",")}]`;

/** Product of the sizes (the number of elements of a shape), computed with reduce. */
export const product = (s: Shape) => s.reduce((a, b) => a * b, 1);

/** 0, 1, …, n − 1. */
export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Every multi-index of `shape` in row-major order (an odometer: the last dim moves fastest). */
export function allIndices(shape: Shape): number[][] {
  if (shape.some((d) => d === 0)) return [];
  const out: number[][] = [];
  const idx = shape.map(() => 0);
  for (;;) {
    out.push([...idx]);
    let k = shape.length - 1;
    while (k >= 0) {
      idx[k]++;
      if (idx[k] < shape[k]) break;
      idx[k] = 0;
      k--;
    }
    if (k < 0) return out;
  }
}

/** Pad on the left with 1s to length n. */
export const padLeft = (s: Shape, n: number) => [
  ...Array.from({ length: n - s.length }, () => 1),
  ...s,
];

/** Row-major ordinal of `index` in `shape` (Horner's rule over the dims). */
export function ordinalOf(index: readonly number[], shape: Shape): number {
  return index.reduce((o, i, k) => o * shape[k] + i, 0);
}

/** Row-major strides, computed directly as the product of the later sizes. */
export const rowMajor = (s: Shape) => s.map((_, i) => product(s.slice(i + 1)));

/** Storage position of `index`: offset + Σ index[k]·strides[k]. */
export function positionOf(index: readonly number[], strides: Shape, offset: number): number {
  return index.reduce((p, i, k) => p + i * strides[k], offset);
}

/** NumPy's rule, stated directly: the broadcast shape, or null when the shapes do not broadcast. */
export function numpyBroadcast(a: Shape, b: Shape): number[] | null {
  const n = Math.max(a.length, b.length);
  const pa = padLeft(a, n);
  const pb = padLeft(b, n);
  const r: number[] = [];
  for (let i = 0; i < n; i++) {
    if (pa[i] === pb[i]) r.push(pa[i]);
    else if (pa[i] === 1) r.push(pb[i]);
    else if (pb[i] === 1) r.push(pa[i]);
    else return null;
  }
  return r;
}

/** The broadcast shape of two shapes a test built to broadcast (throws on a test bug). */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const r = numpyBroadcast(a, b);
  if (r === null) throw new Error(`test bug: ${fmt(a)} and ${fmt(b)} do not broadcast`);
  return r;
}

/** The index into `small` read at `index` of the broadcast shape: align right, size-1 dims → 0. */
export function readBroadcast(index: readonly number[], small: Shape): number[] {
  const shift = index.length - small.length;
  return small.map((d, i) => (d === 1 ? 0 : index[i + shift]));
}

/** Explicit repetition of row-major `data` of shape `small` up to shape `big`. */
export function repeatTo(data: readonly number[], small: Shape, big: Shape): number[] {
  const p = padLeft(small, big.length);
  const strides = rowMajor(p);
  return allIndices(big).map(
    (bigIdx) => data[bigIdx.reduce((acc, i, k) => acc + (p[k] === 1 ? 0 : i) * strides[k], 0)],
  );
}

/** Nested arrays of numbers (the form `mt.tensor` takes). */
export type Nested = number | Nested[];

/** Row-major flat data → nested arrays (a bare number for shape []). */
export function nest(data: readonly number[], shape: Shape): Nested {
  if (shape.length === 0) return data[0];
  const inner = product(shape.slice(1));
  return Array.from({ length: shape[0] }, (_, i) =>
    nest(data.slice(i * inner, (i + 1) * inner), shape.slice(1)),
  );
}

/** How a smaller shape is made from a bigger one: drop `drop` leading dims, set dims where `ones`. */
export interface PartnerSpec {
  readonly drop: number;
  readonly ones: readonly boolean[];
}

/** A random way to shrink a shape of `rank` dims into one that broadcasts back to it. */
export function partnerArb(rank: number): fc.Arbitrary<PartnerSpec> {
  return fc.record({
    drop: fc.nat({ max: rank }),
    ones: fc.array(fc.boolean(), { minLength: rank, maxLength: rank }),
  });
}

/** `shape` with the dims where `spec.ones` set to 1, then its first `spec.drop` dims dropped. */
export function applyPartner(shape: Shape, spec: PartnerSpec): number[] {
  return shape.map((d, i) => (spec.ones[i] ? 1 : d)).slice(spec.drop);
}

/** A shape that broadcasts to `big`: some leading dims dropped, some dims set to 1. */
export function smallerShapeArb(big: Shape): fc.Arbitrary<number[]> {
  return partnerArb(big.length).map((spec) => applyPartner(big, spec));
}

/**
 * A conv2d problem's geometry: n images of c channels, h×w each, and a kernel of kh×kw moved by
 * a stride of sh×sw over the image padded by ph×pw zeros.
 */
export interface ConvProblem {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly ph: number;
  readonly pw: number;
}

/**
 * Random conv2d geometries with each field in [1, max] (padding in [0, max]), the kernel no larger
 * than the padded image. A max of 1 (padding 0) holds a dim fixed: h, kh, sh = 1 and ph = 0 make
 * the problem of a 1-D convolution.
 */
export function convProblemArb(max: ConvProblem): fc.Arbitrary<ConvProblem> {
  const upTo = (limit: number, min = 1) => fc.integer({ min, max: limit });
  return fc
    .record({
      n: upTo(max.n),
      c: upTo(max.c),
      h: upTo(max.h),
      w: upTo(max.w),
      kh: upTo(max.kh),
      kw: upTo(max.kw),
      sh: upTo(max.sh),
      sw: upTo(max.sw),
      ph: upTo(max.ph, 0),
      pw: upTo(max.pw, 0),
    })
    .filter((g) => g.kh <= g.h + 2 * g.ph && g.kw <= g.w + 2 * g.pw);
}

/** Output positions along one dim of a convolution: ⌊(size + 2·pad − kernel) / stride⌋ + 1. */
export const convOutSize = (size: number, kernel: number, stride: number, pad: number) =>
  Math.floor((size + 2 * pad - kernel) / stride) + 1;
