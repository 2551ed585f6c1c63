import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as mt from "../src/index.js";
import { loadedBackendNames, usable } from "./backends.js";

/**
 * mt.io: safetensors bytes and files. Interop is proven against files built here by hand — header
 * JSON text and little-endian float bytes written out literally, as PyTorch's `save_file` lays
 * them out — never with the code under test.
 */

const { decodeSafetensors, encodeSafetensors } = mt.io;

/** `text` as UTF-8 bytes. */
function utf8(text: string): number[] {
  return [...new TextEncoder().encode(text)];
}

/** The 8 little-endian bytes of `n`, written out one by one. */
function u64(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  for (let i = 0; i < 8; i++) {
    out.push(Number(v & 0xffn));
    v >>= 8n;
  }
  return out;
}

/**
 * A safetensors file: `header` JSON text padded with spaces to a multiple of 8 (unless `pad` is
 * false), its length (or `declared`), then `data`.
 */
function file(
  header: string,
  data: number[] = [],
  { pad = true, declared }: { pad?: boolean; declared?: number | bigint } = {},
): Uint8Array {
  let json = utf8(header);
  if (pad) while (json.length % 8 !== 0) json = [...json, 0x20];
  return new Uint8Array([...u64(declared ?? json.length), ...json, ...data]);
}

// Little-endian IEEE bytes of a few values, written out literally.
const F32 = {
  "0": [0x00, 0x00, 0x00, 0x00],
  "1": [0x00, 0x00, 0x80, 0x3f],
  "2": [0x00, 0x00, 0x00, 0x40],
  "3": [0x00, 0x00, 0x40, 0x40],
  "4": [0x00, 0x00, 0x80, 0x40],
  "5": [0x00, 0x00, 0xa0, 0x40],
  "1.5": [0x00, 0x00, 0xc0, 0x3f],
  "-2": [0x00, 0x00, 0x00, 0xc0],
};
const F64 = {
  "0.1": [0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f],
  "-3": [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0xc0],
};

/** Plain copies of a tensor's facts, for deep comparison (read with the read every backend has). */
async function facts(t: mt.Tensor): Promise<{ shape: number[]; dtype: string; values: number[] }> {
  return { shape: t.shape, dtype: t.dtype, values: [...(await t.data())] };
}

/** The DataError `fn` throws (fails the test if it throws anything else or nothing). */
function dataError(fn: () => unknown): mt.DataError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(mt.DataError);
    return error as mt.DataError;
  }
  throw new Error("expected a DataError, nothing was thrown");
}

describe("byte-exact interop with PyTorch's layout", () => {
  const oneF32 = () =>
    file('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', [...F32["1.5"], ...F32["-2"]]);

  it("writes exactly the bytes PyTorch writes for one float32 tensor", async () => {
    const bytes = await encodeSafetensors({ w: mt.tensor([1.5, -2]) });
    expect([...bytes]).toEqual([...oneF32()]);
    // The header is padded to 8 bytes with spaces: 55 bytes of JSON + 1 space.
    expect(bytes.slice(0, 8)).toEqual(new Uint8Array([56, 0, 0, 0, 0, 0, 0, 0]));
    expect(bytes[8 + 55]).toBe(0x20);
  });

  it("reads a hand-built float32 file", async () => {
    const { tensors, metadata } = decodeSafetensors(oneF32(), "w.safetensors");
    expect(Object.keys(tensors)).toEqual(["w"]);
    expect(await facts(tensors.w)).toEqual({ shape: [2], dtype: "float32", values: [1.5, -2] });
    expect(metadata).toBeUndefined();
  });

  it("matches the reference implementation's own test vector ([1,2,3] float32, 0..5)", async () => {
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(utf8(header).length).toBe(64); // already aligned: no padding
    const expected = file(header, [
      ...F32["0"],
      ...F32["1"],
      ...F32["2"],
      ...F32["3"],
      ...F32["4"],
      ...F32["5"],
    ]);
    const bytes = await encodeSafetensors({
      "attn.0": mt.tensor([
        [
          [0, 1, 2],
          [3, 4, 5],
        ],
      ]),
    });
    expect([...bytes]).toEqual([...expected]);
    const back = decodeSafetensors(expected).tensors["attn.0"];
    expect(back.toArray()).toEqual([
      [
        [0, 1, 2],
        [3, 4, 5],
      ],
    ]);
  });

  it("writes an empty dict and metadata as the reference does", async () => {
    expect([...(await encodeSafetensors({}))]).toEqual([...file("{}")]);
    expect(file("{}").length).toBe(16);
    const withMeta = await encodeSafetensors({}, { framework: "pt" });
    expect([...withMeta]).toEqual([...file('{"__metadata__":{"framework":"pt"}}')]);
    expect(decodeSafetensors(withMeta).metadata).toEqual({ framework: "pt" });
  });

  it("reads and writes float64 as F64", async () => {
    const built = file('{"d":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}', [
      ...F64["0.1"],
      ...F64["-3"],
    ]);
    const t = decodeSafetensors(built).tensors.d;
    expect(await facts(t)).toEqual({ shape: [2], dtype: "float64", values: [0.1, -3] });
    const bytes = await encodeSafetensors({ d: mt.tensor([0.1, -3], { dtype: "float64" }) });
    expect([...bytes]).toEqual([...built]);
  });

  it("accepts header entries in any order, as the reference reader does", () => {
    const built = file(
      '{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
      [...F32["1"], ...F32["2"]],
    );
    const { tensors } = decodeSafetensors(built);
    expect(tensors.a.toArray()).toEqual([1]);
    expect(tensors.b.toArray()).toEqual([2]);
  });

  it("reads F16 and BF16 as float32", async () => {
    // F16: 1 = 0x3c00, -2.5 = 0xc100, 65504 = 0x7bff, 2^-24 = 0x0001 (smallest subnormal).
    // BF16: 1 = 0x3f80, -2 = 0xc000, 0.5 = 0x3f00.
    const built = file(
      '{"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[3],"data_offsets":[8,14]}}',
      [0x00, 0x3c, 0x00, 0xc1, 0xff, 0x7b, 0x01, 0x00, 0x80, 0x3f, 0x00, 0xc0, 0x00, 0x3f],
    );
    const { tensors } = decodeSafetensors(built);
    expect(await facts(tensors.h)).toEqual({
      shape: [4],
      dtype: "float32",
      values: [1, -2.5, 65504, 2 ** -24],
    });
    expect(await facts(tensors.b)).toEqual({ shape: [3], dtype: "float32", values: [1, -2, 0.5] });
  });

  it("lays float64 tensors out before float32 ones so each is aligned", async () => {
    const bytes = await encodeSafetensors({
      a: mt.tensor([1], { dtype: "float32" }),
      b: mt.tensor([0.1], { dtype: "float64" }),
    });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
    expect(header.b.data_offsets).toEqual([0, 8]);
    expect(header.a.data_offsets).toEqual([8, 12]);
    expect([...bytes.subarray(8 + headerLength)]).toEqual([...F64["0.1"], ...F32["1"]]);
  });
});

describe.each(loadedBackendNames)("round trips on the %s backend", (backend) => {
  const { impl } = usable(backend);
  // float64 entries only where the backend stores float64 (GPU backends store float32 only).
  const wide = impl.dtypes.includes("float64");
  const stateDict = (): Record<string, mt.Tensor> => ({
    "layer.weight": mt.randn([3, 4], { seed: 1, backend }),
    "layer.bias": mt.randn([4], { seed: 2, backend }),
    scalar32: mt.tensor(2.5, { backend }),
    empty: mt.zeros([0], { backend }),
    ...(wide
      ? {
          double: mt.randn([2, 2, 2], { seed: 3, dtype: "float64", backend }),
          scalar64: mt.tensor(-1 / 3, { dtype: "float64", backend }),
          emptyRows: mt.zeros([2, 0], { dtype: "float64", backend }),
        }
      : { emptyRows: mt.zeros([2, 0], { backend }) }),
  });

  it("through bytes: same names, shapes, dtypes and values", async () => {
    const original = stateDict();
    const bytes = await encodeSafetensors(original, { note: "hello", "": "empty key" });
    const { tensors, metadata } = decodeSafetensors(bytes, "dict", { backend });
    expect(metadata).toEqual({ note: "hello", "": "empty key" });
    expect(new Set(Object.keys(tensors))).toEqual(new Set(Object.keys(original)));
    for (const [name, t] of Object.entries(original)) {
      expect(tensors[name].backend).toBe(backend);
      expect(await facts(tensors[name])).toEqual(await facts(t));
    }
  });

  it("writes views in row-major logical order", async () => {
    const t = mt
      .tensor(
        [
          [1, 2, 3],
          [4, 5, 6],
        ],
        { backend },
      )
      .transpose(0, 1);
    const back = decodeSafetensors(await encodeSafetensors({ t }), "t", { backend }).tensors.t;
    expect(back.shape).toEqual([3, 2]);
    expect(back.backend).toBe(backend);
    expect([...(await back.data())]).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe("files", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "minitorch-io-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("save then load gives the same state dict, with metadata", async () => {
    const path = join(dir, "dict.safetensors");
    const original = {
      w: mt.randn([5, 3], { seed: 7 }),
      d: mt.randn([4], { seed: 8, dtype: "float64" }),
      s: mt.tensor(3),
    };
    await mt.io.save(original, path, { metadata: { format: "pt" } });
    const loaded = await mt.io.load(path);
    expect(Object.keys(loaded).sort()).toEqual(["d", "s", "w"]);
    for (const [name, t] of Object.entries(original))
      expect(await facts(loaded[name])).toEqual(await facts(t));
    const { metadata } = await mt.io.readSafetensors(path, { backend: "reference" });
    expect(metadata).toEqual({ format: "pt" });
    // The file on disk is exactly what encodeSafetensors produces.
    expect([...(await readFile(path))]).toEqual([
      ...(await encodeSafetensors(original, { format: "pt" })),
    ]);
  });

  it("reads a file written by hand as PyTorch would", async () => {
    const path = join(dir, "torch.safetensors");
    await writeFile(
      path,
      file(
        '{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}',
        [...F32["1.5"], ...F32["-2"]],
      ),
    );
    const loaded = await mt.io.load(path, { backend: "reference" });
    expect(loaded.w.backend).toBe("reference");
    expect(await facts(loaded.w)).toEqual({ shape: [2], dtype: "float32", values: [1.5, -2] });
  });

  it("round-trips a module: a loaded Linear computes what the saved one did", async () => {
    const path = join(dir, "linear.safetensors");
    const a = new mt.nn.Linear(3, 2, { rng: new mt.Random(1) });
    const b = new mt.nn.Linear(3, 2, { rng: new mt.Random(2) });
    await mt.io.save(a.stateDict(), path);
    b.loadStateDict(await mt.io.load(path));
    const x = mt.randn([4, 3], { seed: 5 });
    expect(b.forward(x).toArray()).toEqual(a.forward(x).toArray());
  });

  it("overwrites an existing file, leaving no temporary file behind", async () => {
    const sub = await mkdtemp(join(dir, "over-"));
    const path = join(sub, "m.safetensors");
    await mt.io.save({ x: mt.tensor([1]) }, path);
    await mt.io.save({ x: mt.tensor([2]) }, path);
    expect((await mt.io.load(path)).x.toArray()).toEqual([2]);
    expect(await readdir(sub)).toEqual(["m.safetensors"]);
  });

  it("a failed write leaves nothing at the path and no temporary file", async () => {
    const sub = await mkdtemp(join(dir, "fail-"));
    // The target is a directory: the temporary file is written, then the rename fails.
    const target = join(sub, "is-a-dir");
    await mt.io.save({ x: mt.tensor([1]) }, join(sub, "keep.safetensors"));
    await (await import("node:fs/promises")).mkdir(target);
    await expect(mt.io.save({ x: mt.tensor([1]) }, target)).rejects.toThrow(mt.DataError);
    expect((await readdir(sub)).sort()).toEqual(["is-a-dir", "keep.safetensors"]);
    expect(await readdir(target)).toEqual([]);
    // A state dict that cannot be encoded: the old file is untouched, nothing else appears.
    const keep = join(sub, "keep.safetensors");
    const before = await readFile(keep);
    await expect(mt.io.save({ x: 1 }, keep)).rejects.toThrow(/"x" is a number, not a Tensor/);
    expect([...(await readFile(keep))]).toEqual([...before]);
    expect((await readdir(sub)).sort()).toEqual(["is-a-dir", "keep.safetensors"]);
  });

  it("a missing directory is a DataError naming it, and is not created", async () => {
    const missing = join(dir, "no-such-dir");
    await expect(mt.io.save({ x: mt.tensor([1]) }, join(missing, "m.safetensors"))).rejects.toThrow(
      new RegExp(`directory ${missing.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&")} does not exist`),
    );
    await expect(readdir(missing)).rejects.toThrow();
  });

  it("loading a missing file, a directory, or a malformed file is a DataError naming it", async () => {
    const missing = join(dir, "missing.safetensors");
    await expect(mt.io.load(missing)).rejects.toThrow(mt.DataError);
    await expect(mt.io.load(missing)).rejects.toThrow(missing);
    await expect(mt.io.load(dir)).rejects.toThrow(/not a regular file/);
    const short = join(dir, "short.safetensors");
    await writeFile(short, new Uint8Array([1, 2, 3]));
    await expect(mt.io.load(short)).rejects.toThrow(`${short}: not a valid safetensors file`);
  });
});

describe("encoding rejects what safetensors cannot hold", () => {
  it("non-tensor values, the reserved name, non-string metadata", async () => {
    await expect(encodeSafetensors({ w: [1, 2] })).rejects.toThrow(/"w" is an array, not a Tensor/);
    await expect(encodeSafetensors({ w: null })).rejects.toThrow(mt.DataError);
    await expect(encodeSafetensors({ __metadata__: mt.tensor([1]) })).rejects.toThrow(/reserved/);
    const bad = { n: 3 } as unknown as Record<string, string>;
    await expect(encodeSafetensors({}, bad)).rejects.toThrow(/metadata "n" is a number/);
  });
});

describe("malformed files are DataErrors naming the file and the problem", () => {
  const entry = (dtype: string, shape: unknown, offsets: unknown) =>
    JSON.stringify({ dtype, shape, data_offsets: offsets });
  const eight = [...F32["1"], ...F32["2"]];

  const cases: [string, Uint8Array, RegExp][] = [
    ["empty", new Uint8Array(0), /0 bytes is shorter than the 8-byte header length/],
    ["7 bytes", new Uint8Array(7), /7 bytes is shorter/],
    ["header over the cap", new Uint8Array(u64(100_000_001)), /exceeds the 100000000-byte limit/],
    ["header length 2^64-1", new Uint8Array(u64(2n ** 64n - 1n)), /18446744073709551615 exceeds/],
    ["header past the end", file("{}", [], { declared: 9 }), /header length 9 exceeds the 8 bytes/],
    ["invalid UTF-8", new Uint8Array([...u64(2), 0xff, 0xfe]), /not valid UTF-8/],
    ["not JSON", file("{oops"), /not valid JSON/],
    ["JSON array", file("[1,2]"), /the header is an array, not a JSON object/],
    ["JSON null", file("null"), /the header is null/],
    ["entry not an object", file('{"w":5}'), /entry "w" is a number/],
    ["no dtype", file(`{"w":{"shape":[2],"data_offsets":[0,8]}}`, eight), /"w" has no "dtype"/],
    [
      "dtype not a string",
      file(`{"w":${entry("F32", [2], [0, 8]).replace('"F32"', "32")}}`, eight),
      /non-string "dtype"/,
    ],
    [
      "unsupported dtype",
      file(`{"step":${entry("U16", [4], [0, 8])}}`, eight),
      /"step" has dtype "U16", which minitorch does not read \(it reads F64, F32, F16, BF16, I64, I32/,
    ],
    ["unknown dtype", file(`{"w":${entry("F128", [1], [0, 16])}}`), /dtype "F128"/],
    ["no shape", file(`{"w":{"dtype":"F32","data_offsets":[0,8]}}`, eight), /"w" has no "shape"/],
    ["negative dim", file(`{"w":${entry("F32", [-2], [0, 8])}}`, eight), /invalid "shape"/],
    ["fractional dim", file(`{"w":${entry("F32", [1.5], [0, 8])}}`, eight), /invalid "shape"/],
    ["shape not an array", file(`{"w":${entry("F32", "2", [0, 8])}}`, eight), /invalid "shape"/],
    ["no offsets", file(`{"w":{"dtype":"F32","shape":[2]}}`, eight), /no "data_offsets"/],
    [
      "three offsets",
      file(`{"w":${entry("F32", [2], [0, 4, 8])}}`, eight),
      /invalid "data_offsets"/,
    ],
    [
      "string offsets",
      file(`{"w":${entry("F32", [2], ["0", "8"])}}`, eight),
      /invalid "data_offsets"/,
    ],
    ["offsets reversed", file(`{"w":${entry("F32", [2], [8, 0])}}`, eight), /\[8,0\] out of order/],
    [
      "offset beyond the data",
      file(`{"w":${entry("F32", [4], [0, 16])}}`, eight),
      /ends at 16, beyond the 8 bytes/,
    ],
    [
      "size ≠ shape × itemsize",
      file(`{"w":${entry("F32", [3], [0, 8])}}`, eight),
      /has 8 bytes but shape \[3\] of F32 needs 12/,
    ],
    [
      "huge shape",
      file(`{"w":${entry("F32", [2 ** 40, 2 ** 40], [0, 8])}}`, eight),
      /needs more bytes than can exist/,
    ],
    [
      "gap at the start",
      file(`{"w":${entry("F32", [1], [4, 8])}}`, eight),
      /starts at 4, leaving a gap after byte 0/,
    ],
    [
      "gap between tensors",
      file(`{"a":${entry("F32", [1], [0, 4])},"b":${entry("F32", [0], [8, 8])}}`, eight),
      /"b" starts at 8, leaving a gap after byte 4/,
    ],
    [
      "overlap",
      file(`{"a":${entry("F32", [2], [0, 8])},"b":${entry("F32", [1], [4, 8])}}`, eight),
      /"b" starts at 4, overlapping data that ends at 8/,
    ],
    ["trailing bytes", file(`{"w":${entry("F32", [1], [0, 4])}}`, eight), /cover 4 of the 8 bytes/],
    ["metadata not an object", file('{"__metadata__":[1]}'), /"__metadata__" is an array/],
    [
      "metadata value not a string",
      file('{"__metadata__":{"epoch":3}}'),
      /entry "epoch" is a number/,
    ],
  ];

  it.each(cases)("%s", (_, bytes, problem) => {
    const error = dataError(() => decodeSafetensors(bytes, "bad.safetensors"));
    expect(error.message).toMatch(/^bad\.safetensors: not a valid safetensors file: /);
    expect(error.message).toMatch(problem);
  });

  it("a huge declared header length fails at once, without allocating it", () => {
    const start = performance.now();
    dataError(() => decodeSafetensors(new Uint8Array(u64(2n ** 62n)), "big"));
    expect(performance.now() - start).toBeLessThan(100);
  });
});
