import type { DType } from "../backend/backend.js";
import { getBackend } from "./default_backend.js";
import { readSync } from "./reading.js";
import type { Tensor } from "./tensor.js";

/**
 * A tensor as PyTorch prints it (`repr(t)`, which is also `str(t)`), after torch/_tensor_str.py:
 * `tensor([[1., 2.],\n        [3., 4.]], dtype=torch.float64, grad_fn=<Mul>)`. Floats share one
 * format: `1.` when every value is an integer, else 4 decimals, or scientific notation when the
 * nonzero magnitudes span more than 1000× or pass 1e8 (or, with decimals, go under 1e-4). Values
 * are right-aligned to a common width, rows wrap at 80 columns, and a tensor of more than 1000
 * elements shows 3 items at each end of every dim with `...` between.
 *
 * Suffixes name what differs from the defaults: the backend when it is not the default one
 * (`backend='reference'`, as PyTorch's `device='cuda:0'`), the dtype when it is not float32,
 * int32 (what `.long()` gives here: it stands for PyTorch's int64, which PyTorch omits) or bool,
 * and `grad_fn=<Mul>` (minitorch's Function name) or `requires_grad=True`. An empty tensor always
 * names a non-float32 dtype, and its size when it is not 1-d, as PyTorch does.
 *
 * A backend that cannot read synchronously (WebGPU) prints no values, only a note with the size,
 * dtype and backend: printing never throws.
 */

/** torch.set_printoptions' defaults. */
const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const LINE_WIDTH = 80;

/** PyTorch's dtype names; the ones it leaves out of a printout are the defaults. */
const torchName: Record<DType, string> = {
  float32: "torch.float32",
  float64: "torch.float64",
  int32: "torch.int32",
  bool: "torch.bool",
};
const defaultDTypes: readonly DType[] = ["float32", "int32", "bool"];

/** `t` as PyTorch's repr shows it. Never throws: what cannot be read is described instead. */
export function repr(t: Tensor): string {
  const prefix = "tensor(";
  const indent = prefix.length;
  const shape = t.layout.shape;
  const suffixes: string[] = [];
  let body: string;
  try {
    const unread = unreadable(t);
    if (unread !== null) throw new Unreadable(unread);
    if (t.backend !== getBackend()) suffixes.push(`backend='${t.backend}'`);
    if (shape.includes(0)) {
      if (shape.length !== 1) suffixes.push(`size=${pyTuple(shape)}`);
      if (t.dtype !== "float32") suffixes.push(`dtype=${torchName[t.dtype]}`);
      body = "[]";
    } else {
      if (!defaultDTypes.includes(t.dtype)) suffixes.push(`dtype=${torchName[t.dtype]}`);
      body = formatValues(readSync(t, "repr"), shape, t.dtype, indent);
    }
  } catch (error) {
    // No values: say why, and what the tensor is (as PyTorch prints a meta tensor's size).
    body = `<${error instanceof Unreadable ? error.message : `values not readable: ${error}`}>`;
    suffixes.length = 0;
    suffixes.push(
      `size=${pyTuple(shape)}`,
      `dtype=${torchName[t.dtype]}`,
      `backend='${t.backend}'`,
    );
  }
  if (t.history !== null) suffixes.push(`grad_fn=<${t.history.fn.name}>`);
  else if (t.requiresGrad) suffixes.push("requires_grad=True");
  return addSuffixes(prefix + body, suffixes, indent);
}

/** Why a tensor's values are not shown (a signal inside `repr`, never thrown out of it). */
class Unreadable extends Error {}

/** Why `t`'s values cannot be shown now, or null when they can. */
function unreadable(t: Tensor): string | null {
  if (t.storage.freed) return "disposed";
  if (!t.backendImpl.synchronousRead) return `values on ${t.backend}: read with await t.data()`;
  return null;
}

/** A shape as Python prints a tuple: `()`, `(3,)`, `(2, 0)`. */
function pyTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** PyTorch's `_add_suffixes`: `, suffix` on the last line, or a new line when it would pass 80. */
function addSuffixes(text: string, suffixes: string[], indent: number): string {
  let out = text;
  let lastLineLength = text.length - text.lastIndexOf("\n") + 1;
  for (const suffix of suffixes) {
    if (lastLineLength + suffix.length + 2 > LINE_WIDTH) {
      out += `,\n${" ".repeat(indent)}${suffix}`;
      lastLineLength = indent + suffix.length;
    } else {
      out += `, ${suffix}`;
      lastLineLength += suffix.length + 2;
    }
  }
  return `${out})`;
}

/** The nested brackets of a non-empty tensor's row-major `values` (`_tensor_str`). */
function formatValues(
  values: ArrayLike<number>,
  shape: readonly number[],
  dtype: DType,
  indent: number,
): string {
  const summarize = values.length > THRESHOLD;
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  /** The indices of dim `d` that are shown: all, or the edge items at each end (`tail`). */
  const split = (d: number): { head: number[]; tail: number[] | null } => {
    const n = shape[d];
    const range = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => from + i);
    if (!summarize || n <= 2 * EDGE_ITEMS) return { head: range(0, n), tail: null };
    return { head: range(0, EDGE_ITEMS), tail: range(n - EDGE_ITEMS, n) };
  };
  // The formatter sees only the values that are shown, as PyTorch's get_summarized_data.
  const seen: number[] = [];
  const collect = (d: number, start: number): void => {
    if (d === shape.length) {
      seen.push(values[start]);
      return;
    }
    const { head, tail } = split(d);
    for (const i of [...head, ...(tail ?? [])]) collect(d + 1, start + i * strides[d]);
  };
  collect(0, 0);
  const format = formatter(seen, dtype);

  const build = (d: number, start: number, at: number): string => {
    if (d === shape.length) return format.format(values[start]);
    const { head, tail } = split(d);
    const item = (i: number) => build(d + 1, start + i * strides[d], at + 1);
    if (d === shape.length - 1) {
      const items = [...head.map(item), ...(tail === null ? [] : [" ...", ...tail.map(item)])];
      const perLine = Math.max(1, Math.floor((LINE_WIDTH - at) / (format.width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += perLine) {
        lines.push(items.slice(i, i + perLine).join(", "));
      }
      return `[${lines.join(`,\n${" ".repeat(at + 1)}`)}]`;
    }
    const slices = [...head.map(item), ...(tail === null ? [] : ["...", ...tail.map(item)])];
    const rest = shape.length - d;
    return `[${slices.join(`,${"\n".repeat(rest - 1)}${" ".repeat(at + 1)}`)}]`;
  };
  return build(0, 0, indent);
}

/** How every shown value of one tensor is written: one format and one width (`_Formatter`). */
interface Formatter {
  readonly width: number;
  format(x: number): string;
}

/** PyTorch's `_Formatter` for the values `seen` of a tensor of `dtype`. */
function formatter(seen: number[], dtype: DType): Formatter {
  const pad = (width: number, s: string) => s.padStart(width);
  if (dtype === "bool" || dtype === "int32") {
    const text = (x: number) => (dtype === "bool" ? (x !== 0 ? "True" : "False") : String(x));
    const width = Math.max(1, ...seen.map((x) => text(x).length));
    return { width, format: (x) => pad(width, text(x)) };
  }
  const finite = seen.filter((x) => Number.isFinite(x) && x !== 0);
  let intMode = true;
  let sciMode = false;
  let width = 1;
  if (finite.length > 0) {
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    for (const x of finite) {
      min = Math.min(min, Math.abs(x));
      max = Math.max(max, Math.abs(x));
    }
    intMode = finite.every((x) => x === Math.ceil(x));
    sciMode = max / min > 1000 || max > 1e8 || (!intMode && min < 1e-4);
    const length = (x: number) =>
      sciMode
        ? scientific(x, PRECISION).length
        : intMode
          ? fixed(x, 0).length + 1
          : fixed(x, PRECISION).length;
    for (const x of finite) width = Math.max(width, length(x));
  }
  const text = (x: number): string => {
    if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
    if (sciMode) return scientific(x, PRECISION);
    return intMode ? `${fixed(x, 0)}.` : fixed(x, PRECISION);
  };
  return { width, format: (x) => pad(width, text(x)) };
}

/**
 * Python's `f"{x:.{digits}f}"` for a finite x, exactly: the decimal nearest the double's exact
 * value, ties to even (JavaScript's toFixed rounds ties up: 0.03125 → "0.0313", Python "0.0312").
 */
export function fixed(x: number, digits: number): string {
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const text = roundHalfEven(...scaled(Math.abs(x), digits))
    .toString()
    .padStart(digits + 1, "0");
  if (digits === 0) return sign + text;
  return `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** Python's `f"{x:.{digits}e}"` for a finite x, exactly: `1.2346e-05`, `-3.0000e+08`. */
export function scientific(x: number, digits: number): string {
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const ax = Math.abs(x);
  if (ax === 0) return `${sign}${fixed(0, digits)}e+00`;
  const low = 10n ** BigInt(digits);
  const high = low * 10n;
  // ax·10^(digits − e) lies in [10^digits, 10^(digits+1)); log10 finds e up to one either way.
  let e = Math.floor(Math.log10(ax));
  let [num, den] = scaled(ax, digits - e);
  if (num / den >= high) [num, den] = scaled(ax, digits - ++e);
  else if (num / den < low) [num, den] = scaled(ax, digits - --e);
  let mantissa = roundHalfEven(num, den);
  if (mantissa === high) {
    mantissa = low;
    e += 1;
  }
  const m = mantissa.toString();
  const head = digits === 0 ? m : `${m[0]}.${m.slice(1)}`;
  return `${sign}${head}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}

/** `ax`·10^k (ax ≥ 0 finite) as an exact fraction [numerator, denominator]. */
function scaled(ax: number, k: number): [bigint, bigint] {
  const bits = new DataView(new ArrayBuffer(8));
  bits.setFloat64(0, ax);
  const word = bits.getBigUint64(0);
  const biased = Number(word >> 52n);
  const fraction = word & ((1n << 52n) - 1n);
  // ax = mantissa · 2^exponent exactly (subnormals have no implicit leading bit).
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = biased === 0 ? -1074 : biased - 1075;
  let num = exponent >= 0 ? mantissa << BigInt(exponent) : mantissa;
  let den = exponent >= 0 ? 1n : 1n << BigInt(-exponent);
  if (k >= 0) num *= 10n ** BigInt(k);
  else den *= 10n ** BigInt(-k);
  return [num, den];
}

/** num/den rounded to the nearest integer, ties to even (num ≥ 0, den > 0). */
function roundHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const twice = 2n * (num - q * den);
  return twice > den || (twice === den && q % 2n === 1n) ? q + 1n : q;
}
