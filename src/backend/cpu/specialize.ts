/**
 * Specialised loops. V8 inlines the op's function into a loop only while that loop's call site
 * has seen one function; a loop shared by every op goes megamorphic and runs ~5× slower
 * (measured here: 1.2 vs 6.9 GB/s for a float32 add). So each op gets its own compiled copy of
 * each loop: `new Function` with the op's name in the source gives V8 a distinct function (and
 * feedback) per op. Where `new Function` is forbidden (a strict Content-Security-Policy), the
 * shared closure is used: slower, still correct.
 */

/** The host arrays of every dtype (bool as 0/1 bytes; a float result stored in int32 truncates). */
type Numbers = Float32Array | Float64Array | Int32Array | Uint8Array;

/** out[o + i] = fn(a[x + i]) for i < n. */
export type DenseMap = (
  fn: (a: number) => number,
  a: Numbers,
  x: number,
  out: Numbers,
  o: number,
  n: number,
) => void;

/** out[o + i] = fn(a[x + i], b[y + i]) for i < n; `bStep` 0 repeats b[y] (a scalar operand), and `aStep` 0 repeats a[x]. */
export type DenseZip = (
  fn: (a: number, b: number) => number,
  a: Numbers,
  x: number,
  aStep: number,
  b: Numbers,
  y: number,
  bStep: number,
  out: Numbers,
  o: number,
  n: number,
) => void;

/**
 * acc[i] = fn(acc[i], a[x + j·inner + i]) for j < length, i < inner: one block of a reduction
 * along a dim that is not the last, row by row so every read is sequential.
 */
export type DenseFold = (
  fn: (acc: number, a: number) => number,
  a: Numbers,
  x: number,
  length: number,
  inner: number,
  acc: Float64Array,
) => void;

const mapBody = "for (let i = 0; i < n; i++) out[o + i] = fn(a[x + i]);";
const zipBody = "for (let i = 0; i < n; i++) out[o + i] = fn(a[x + i * aStep], b[y + i * bStep]);";

const foldBody = `for (let j = 0; j < length; j++) {
  const base = x + j * inner;
  for (let i = 0; i < inner; i++) acc[i] = fn(acc[i], a[base + i]);
}`;

function compile<F>(name: string, params: string[], body: string, fallback: F): F {
  try {
    // The sourceURL names the loop in profiles and stack traces ("minitorch/zip add").
    const source = `"use strict";\n${body}\n//# sourceURL=minitorch/${name}`;
    return new Function(...params, source) as F;
  } catch {
    return fallback;
  }
}

const sharedMap: DenseMap = (fn, a, x, out, o, n) => {
  for (let i = 0; i < n; i++) out[o + i] = fn(a[x + i]);
};
const sharedZip: DenseZip = (fn, a, x, aStep, b, y, bStep, out, o, n) => {
  for (let i = 0; i < n; i++) out[o + i] = fn(a[x + i * aStep], b[y + i * bStep]);
};

const sharedFold: DenseFold = (fn, a, x, length, inner, acc) => {
  for (let j = 0; j < length; j++) {
    const base = x + j * inner;
    for (let i = 0; i < inner; i++) acc[i] = fn(acc[i], a[base + i]);
  }
};

const maps = new Map<string, DenseMap>();
const folds = new Map<string, DenseFold>();
const zips = new Map<string, DenseZip>();

/** The dense map loop compiled for op `name`. */
export function denseMap(name: string): DenseMap {
  let loop = maps.get(name);
  if (loop === undefined) {
    loop = compile(`map ${name}`, ["fn", "a", "x", "out", "o", "n"], mapBody, sharedMap);
    maps.set(name, loop);
  }
  return loop;
}

/** The dense zip loop compiled for op `name`. */
export function denseZip(name: string): DenseZip {
  let loop = zips.get(name);
  if (loop === undefined) {
    loop = compile(
      `zip ${name}`,
      ["fn", "a", "x", "aStep", "b", "y", "bStep", "out", "o", "n"],
      zipBody,
      sharedZip,
    );
    zips.set(name, loop);
  }
  return loop;
}

/** The reduction loop compiled for op `name`. */
export function denseFold(name: string): DenseFold {
  let loop = folds.get(name);
  if (loop === undefined) {
    loop = compile(
      `fold ${name}`,
      ["fn", "a", "x", "length", "inner", "acc"],
      foldBody,
      sharedFold,
    );
    folds.set(name, loop);
  }
  return loop;
}
