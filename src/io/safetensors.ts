/**
 * The `safetensors` format (Hugging Face's, what PyTorch saves state dicts in), as bytes in memory:
 * 8 bytes little-endian u64 N, N bytes of UTF-8 JSON header padded with spaces to a multiple of 8,
 * then the tensors' raw little-endian, row-major data, back to back. The header maps each name to
 * `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to the data) plus an optional
 * `__metadata__` of string → string. No Node imports: this part runs in browsers as well.
 */

import type { BackendName, DType, HostArray } from "../backend/backend.js";
import { dtypeInfo } from "../backend/dtypes.js";
import { DataError } from "../errors.js";
import { checkedWhereUsed, checkOptions, isBoolean, type OptionChecks } from "../options.js";
import { getBackend } from "../tensor/default_backend.js";
import { Tensor } from "../tensor/tensor.js";

/** Free-form string → string metadata stored under the header's `__metadata__` key. */
export type SafetensorsMetadata = Record<string, string>;

/** What `decodeSafetensors` returns: the tensors in file order, and the metadata if there was any. */
export interface DecodedSafetensors {
  tensors: Record<string, Tensor>;
  metadata: SafetensorsMetadata | undefined;
}

/** Options of `decodeSafetensors`. */
export interface DecodeOptions {
  /** Backend of the created tensors (default: the current default backend). */
  backend?: BackendName;
}

/** The backend's name is checked where the tensors are made. */
const decodeChecks: OptionChecks<DecodeOptions> = { backend: checkedWhereUsed };

/** The largest header accepted, as in the reference implementation (a guard against huge allocations). */
export const MAX_HEADER_BYTES = 100_000_000;

/** The reserved header key holding the metadata. */
const METADATA_KEY = "__metadata__";

/**
 * The file dtypes minitorch reads: each one's bytes per element, the dtype it becomes, and how one
 * element is read (little-endian) from a DataView. Halves become float32; every integer type becomes
 * int32 (minitorch's one integer storage type, see backend/dtypes.ts), and a value outside its range
 * is a DataError, never a silent wrap.
 */
const readable: Record<
  string,
  { size: number; dtype: DType; get: (v: DataView, at: number) => number }
> = {
  F64: { size: 8, dtype: "float64", get: (v, at) => v.getFloat64(at, true) },
  F32: { size: 4, dtype: "float32", get: (v, at) => v.getFloat32(at, true) },
  F16: { size: 2, dtype: "float32", get: (v, at) => halfToNumber(v.getUint16(at, true)) },
  BF16: { size: 2, dtype: "float32", get: (v, at) => bfloat16ToNumber(v.getUint16(at, true)) },
  I64: { size: 8, dtype: "int32", get: (v, at) => Number(v.getBigInt64(at, true)) },
  I32: { size: 4, dtype: "int32", get: (v, at) => v.getInt32(at, true) },
  I16: { size: 2, dtype: "int32", get: (v, at) => v.getInt16(at, true) },
  I8: { size: 1, dtype: "int32", get: (v, at) => v.getInt8(at) },
  U8: { size: 1, dtype: "int32", get: (v, at) => v.getUint8(at) },
  BOOL: { size: 1, dtype: "bool", get: (v, at) => (v.getUint8(at) !== 0 ? 1 : 0) },
};

/** The file dtypes minitorch writes. */
type WrittenDType = "F32" | "F64" | "I32" | "I64" | "BOOL";

/**
 * The file's name for each minitorch dtype: int32 is written as I32, which PyTorch loads as
 * int32, or as I64 with `{int64: true}`, which it loads as int64 (its dtype of labels and
 * indices, which minitorch's int32 stands for).
 */
function fileDType(dtype: DType, int64: boolean): WrittenDType {
  if (dtype === "int32") return int64 ? "I64" : "I32";
  return dtype === "float64" ? "F64" : dtype === "float32" ? "F32" : "BOOL";
}

/** How `encodeSafetensors` writes. */
export interface EncodeOptions {
  /** Write int32 tensors as I64 (PyTorch's int64) instead of I32 (default false). */
  int64?: boolean;
}

/** True on little-endian hosts (all current ones), where typed arrays can view file bytes directly. */
const hostLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One header entry, validated. */
interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Serializes tensors (any backend, any layout: each is read in row-major logical order) into a
 * safetensors file's bytes. Float64 tensors are laid out first, then float32 ones, each group in
 * key order, so every tensor starts aligned to its element size (as the reference writer does);
 * the header lists them in that order. Values that are not Tensors are a DataError naming the key.
 */
export async function encodeSafetensors(
  tensors: Record<string, unknown>,
  metadata?: SafetensorsMetadata,
  options: EncodeOptions = {},
): Promise<Uint8Array> {
  const { int64 = false } = checkOptions("safetensors", options, { int64: isBoolean });
  const entries: [string, Tensor][] = [];
  for (const [name, value] of Object.entries(tensors)) {
    if (name === METADATA_KEY) {
      throw new DataError(`safetensors: "${METADATA_KEY}" is reserved and cannot name a tensor`);
    }
    if (!(value instanceof Tensor)) {
      throw new DataError(
        `safetensors: "${name}" is ${describeValue(value)}, not a Tensor; safetensors stores tensors only`,
      );
    }
    entries.push([name, value]);
  }
  if (metadata !== undefined) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== "string") {
        throw new DataError(
          `safetensors: metadata "${key}" is a ${typeof value}; metadata values must be strings`,
        );
      }
    }
  }
  // A stable sort: wider elements first (float64 before float32 before bool), key order kept within
  // each, so every tensor's data starts aligned to its element size.
  entries.sort(([, a], [, b]) => itemSize(b.dtype, int64) - itemSize(a.dtype, int64));

  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header[METADATA_KEY] = { ...metadata };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    const file = fileDType(t.dtype, int64);
    const bytes = littleEndianBytes(await t.data(), t.dtype, file);
    header[name] = {
      dtype: file,
      shape: t.shape,
      data_offsets: [offset, offset + bytes.length],
    };
    chunks.push(bytes);
    offset += bytes.length;
  }
  // Defined with JSON.stringify's own key order (insertion), which is the layout order above.
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let at = 8 + padded;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** "a number", "an array", "a Scalar", "null": what a non-tensor value is, for messages. */
function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value !== "object") return `a ${typeof value}`;
  const name: unknown = Reflect.get(value, "constructor")?.name;
  return typeof name === "string" && name !== "Object" ? `a ${name}` : "an object";
}

/** Bytes per element of a minitorch dtype in the file. */
function itemSize(dtype: DType, int64: boolean): number {
  return readable[fileDType(dtype, int64)].size;
}

/** The values as little-endian bytes of `dtype`, written as `file` (a fresh copy). */
function littleEndianBytes(values: HostArray, dtype: DType, file: WrittenDType): Uint8Array {
  if (file === "I64") {
    const wide = new BigInt64Array(values.length);
    for (let i = 0; i < values.length; i++) wide[i] = BigInt(values[i]);
    if (hostLittleEndian) return new Uint8Array(wide.buffer);
    const out = new Uint8Array(wide.byteLength);
    const view = new DataView(out.buffer);
    for (let i = 0; i < wide.length; i++) view.setBigInt64(i * 8, wide[i], true);
    return out;
  }
  const typed = dtypeInfo[dtype].array(values.length);
  typed.set(values);
  if (hostLittleEndian) return new Uint8Array(typed.buffer);
  const out = new Uint8Array(typed.byteLength);
  const view = new DataView(out.buffer);
  const size = readable[file].size;
  for (let i = 0; i < typed.length; i++) {
    const at = i * size;
    if (dtype === "float64") view.setFloat64(at, typed[i], true);
    else if (dtype === "float32") view.setFloat32(at, typed[i], true);
    else if (dtype === "int32") view.setInt32(at, typed[i], true);
    else view.setUint8(at, typed[i]);
  }
  return out;
}

/**
 * Parses a safetensors file's bytes into tensors: F64, F32 as they are, F16 and BF16 as float32,
 * I64, I32, I16, I8 and U8 as int32 (an int64 outside int32's range is an error), BOOL as bool.
 * Everything is validated against the byte count before any tensor is allocated; any problem —
 * truncation, an oversized or malformed header, an unsupported dtype, offsets that do not tile
 * the data exactly — is a DataError naming `file` and the problem.
 */
export function decodeSafetensors(
  bytes: Uint8Array,
  file = "<bytes>",
  options: DecodeOptions = {},
): DecodedSafetensors {
  const { backend } = checkOptions("mt.io.decodeSafetensors", options, decodeChecks);
  // Options passed second (`decodeSafetensors(bytes, {backend})`) would otherwise be the file name.
  if (typeof file !== "string") {
    throw new DataError(
      `mt.io.decodeSafetensors: file must be a string naming the bytes, got ${describeValue(file)}; options come third: decodeSafetensors(bytes, "<bytes>", {backend})`,
    );
  }
  const fail = (problem: string): never => {
    throw new DataError(`${file}: not a valid safetensors file: ${problem}`);
  };
  if (bytes.length < 8) {
    fail(`${bytes.length} bytes is shorter than the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Compared as a BigInt: a u64 beyond 2^53 must not round to something that passes.
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length ${declared} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const headerLength = Number(declared);
  if (headerLength > bytes.length - 8) {
    fail(`header length ${headerLength} exceeds the ${bytes.length - 8} bytes after it`);
  }
  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail("the header is not valid UTF-8");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    fail(`the header is not valid JSON (${error instanceof Error ? error.message : error})`);
  }
  if (!isObject(parsed)) {
    fail(`the header is ${describe(parsed)}, not a JSON object`);
  }
  const header = parsed as Record<string, unknown>;

  let metadata: SafetensorsMetadata | undefined;
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      metadata = parseMetadata(value, fail);
      continue;
    }
    entries.push(parseEntry(name, value, fail));
  }

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  // The reference reader accepts entries in any order and requires them, sorted by offsets,
  // to tile the data exactly: from 0, no gap, no overlap, up to the last byte.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = 0;
  for (const entry of entries) {
    if (entry.begin > position) {
      fail(`"${entry.name}" starts at ${entry.begin}, leaving a gap after byte ${position}`);
    }
    if (entry.begin < position) {
      fail(`"${entry.name}" starts at ${entry.begin}, overlapping data that ends at ${position}`);
    }
    if (entry.end > dataLength) {
      fail(`"${entry.name}" ends at ${entry.end}, beyond the ${dataLength} bytes of data`);
    }
    const { size } = readable[entry.dtype];
    const elements = elementCount(entry.shape, Math.floor(Number.MAX_SAFE_INTEGER / size));
    if (elements === undefined || elements * size !== entry.end - entry.begin) {
      fail(
        `"${entry.name}" has ${entry.end - entry.begin} bytes but shape [${entry.shape.join(",")}] of ${entry.dtype} needs ${elements === undefined ? "more bytes than can exist" : elements * size}`,
      );
    }
    position = entry.end;
  }
  if (position !== dataLength) {
    fail(`the tensors cover ${position} of the ${dataLength} bytes of data`);
  }

  // Every value is read (and an out-of-range int64 reported) before any tensor is allocated.
  const values = entries.map((entry) =>
    readValues(bytes, dataStart + entry.begin, dataStart + entry.end, entry.dtype, (p) =>
      fail(`"${entry.name}": ${p}`),
    ),
  );
  const tensors: [string, Tensor][] = entries.map((entry, i) => {
    const { dtype } = readable[entry.dtype];
    return [entry.name, Tensor.fromValues(values[i], entry.shape, dtype, backend ?? getBackend())];
  });
  // fromEntries defines own properties, so even a tensor named "__proto__" stays an ordinary key.
  return { tensors: Object.fromEntries(tensors), metadata };
}

/** A plain JSON object (not an array, not null). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A short description of a JSON value for messages. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

/** A JSON value that is a non-negative integer JS can represent exactly. */
function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** `__metadata__`: an object of strings (null, as serde reads it, means none). */
function parseMetadata(
  value: unknown,
  fail: (problem: string) => never,
): SafetensorsMetadata | undefined {
  if (value === null) return undefined;
  if (!isObject(value)) return fail(`"${METADATA_KEY}" is ${describe(value)}, not an object`);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "string") {
      fail(`"${METADATA_KEY}" entry "${key}" is ${describe(item)}, not a string`);
    }
  }
  return Object.fromEntries(Object.entries(value)) as SafetensorsMetadata;
}

/** One tensor's header entry, checked for presence and types (offsets against the data later). */
function parseEntry(name: string, value: unknown, fail: (problem: string) => never): Entry {
  if (!isObject(value)) return fail(`entry "${name}" is ${describe(value)}, not an object`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== "string") {
    return fail(`entry "${name}" has ${dtype === undefined ? "no" : "a non-string"} "dtype"`);
  }
  if (!Object.hasOwn(readable, dtype)) {
    return fail(
      `"${name}" has dtype ${JSON.stringify(dtype)}, which minitorch does not read (it reads ${Object.keys(readable).join(", ")})`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    return fail(
      `entry "${name}" has ${shape === undefined ? "no" : "an invalid"} "shape" (expected an array of non-negative integers, got ${JSON.stringify(shape)})`,
    );
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    return fail(
      `entry "${name}" has ${offsets === undefined ? "no" : "invalid"} "data_offsets" (expected [begin, end], got ${JSON.stringify(offsets)})`,
    );
  }
  const [begin, end] = offsets as number[];
  if (end < begin) fail(`"${name}" has data_offsets [${begin},${end}] out of order`);
  return { name, dtype, shape: shape as number[], begin, end };
}

/**
 * The product of `shape`, or undefined once it exceeds `limit` (so an absurd shape cannot round
 * into a number that happens to match).
 */
function elementCount(shape: number[], limit: number): number | undefined {
  if (shape.includes(0)) return 0;
  let count = 1;
  for (const d of shape) {
    count *= d;
    if (count > limit) return undefined;
  }
  return count;
}

/**
 * The values stored in bytes [start, end) as the file dtype `dtype` (already validated to fit), in
 * a fresh array of the dtype it becomes; `fail` reports a 64-bit integer beyond int32.
 */
function readValues(
  bytes: Uint8Array,
  start: number,
  end: number,
  dtype: string,
  fail: (problem: string) => never,
): HostArray {
  const at = bytes.byteOffset + start;
  const length = end - start;
  const { size, dtype: into, get } = readable[dtype];
  if (hostLittleEndian && size === dtypeInfo[into].bytes && dtype !== "BOOL") {
    // A copy into a fresh (aligned) buffer: file data need not be aligned, and the result must
    // not alias the caller's bytes.
    return dtypeInfo[into].array(bytes.buffer.slice(at, at + length));
  }
  const view = new DataView(bytes.buffer, at, length);
  const out = dtypeInfo[into].array(length / size);
  for (let i = 0; i < out.length; i++) {
    const value = get(view, i * size);
    if (dtype === "I64" && (value < -(2 ** 31) || value >= 2 ** 31)) {
      fail(
        `element ${i} is ${value}, outside int32, minitorch's integer type (it stores int64 in 32 bits)`,
      );
    }
    out[i] = value;
  }
  return out;
}

/** IEEE 754 half precision (1 sign, 5 exponent, 10 fraction bits) to a number. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

// bfloat16 is the top half of a float32: widen it through a shared scratch word.
const scratch = new DataView(new ArrayBuffer(4));

/** bfloat16 (a float32's upper 16 bits) to a number. */
function bfloat16ToNumber(bits: number): number {
  scratch.setUint32(0, bits << 16);
  return scratch.getFloat32(0);
}
