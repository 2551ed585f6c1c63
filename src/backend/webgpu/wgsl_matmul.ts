import { threadEntry } from "./wgsl_params.js";

/**
 * WGSL sources of the matmul kernels, generated from one template so that every tiling shares the
 * same logic (the configuration testable on a compatibility device covers the one a real GPU runs).
 *
 * The tiled kernel: each workgroup computes a `tileM × tileN` block of one batch's output. Per
 * step of `tileK` along k, its threads copy an A tile (tileM × tileK) and a B tile (tileK × tileN)
 * into workgroup memory, wait at a barrier, and each thread accumulates its own
 * `threadM × threadN` block of outputs in registers (register blocking: every value read from
 * workgroup memory feeds threadM or threadN multiply-adds). Both tiles are stored k-major as
 * vec4s over the row (A) or column (B) index, so the inner loop reads a thread's 4 rows or 4
 * columns with one load; a thread's rows and columns come in groups of 4 spaced by the thread grid,
 * so neighbouring threads read neighbouring vec4s (no bank conflicts).
 *
 * Sizes, strides and offsets are uniforms, never constants: one pipeline serves every shape of a
 * layout class. What does change the source is how each operand is loaded (`OperandMode`) and
 * whether the output can be stored as vec4s.
 */

/** A tiling of the output: tile sizes per workgroup and the block each thread computes. */
export interface MatmulTiling {
  /** Output rows per workgroup. */
  readonly tileM: number;
  /** Output columns per workgroup. */
  readonly tileN: number;
  /** Depth of each k step staged in workgroup memory (a multiple of 4). */
  readonly tileK: number;
  /** Output rows per thread (a multiple of 4). */
  readonly threadM: number;
  /** Output columns per thread (a multiple of 4). */
  readonly threadN: number;
}

/** 64×64 tiles, 128 threads of 4×8 outputs, 8 KiB of workgroup memory: fits compatibility devices. */
export const SMALL_TILING: MatmulTiling = {
  tileM: 64,
  tileN: 64,
  tileK: 16,
  threadM: 4,
  threadN: 8,
};

/** 128×128 tiles, 256 threads of 8×8 outputs, 16 KiB of workgroup memory: for real GPUs. */
export const BIG_TILING: MatmulTiling = {
  tileM: 128,
  tileN: 128,
  tileK: 16,
  threadM: 8,
  threadN: 8,
};

/** Threads per workgroup of a tiling. */
export function tilingThreads(t: MatmulTiling): number {
  return (t.tileM / t.threadM) * (t.tileN / t.threadN);
}

/** Bytes of workgroup memory a tiling stages (both tiles, float32). */
export function tilingStorageBytes(t: MatmulTiling): number {
  return 4 * t.tileK * (t.tileM + t.tileN);
}

/** The biggest tiling the device's limits allow. */
export function chooseTiling(limits: {
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeWorkgroupSizeY: number;
}): MatmulTiling {
  const fits = (t: MatmulTiling) =>
    tilingThreads(t) <= limits.maxComputeInvocationsPerWorkgroup &&
    t.tileN / t.threadN <= limits.maxComputeWorkgroupSizeX &&
    t.tileM / t.threadM <= limits.maxComputeWorkgroupSizeY &&
    tilingStorageBytes(t) <= limits.maxComputeWorkgroupStorageSize;
  return fits(BIG_TILING) ? BIG_TILING : SMALL_TILING;
}

/**
 * How an operand's tile is read from global memory, with x its non-k index (A's row, B's column):
 * `k4` / `x4` read vec4s along k / x (that dim contiguous, everything 16-byte aligned); `k1` /
 * `x1` read scalars with k / x varying fastest between neighbouring threads (the smaller stride,
 * so reads coalesce as well as the layout allows).
 */
export type OperandMode = "k4" | "x4" | "k1" | "x1";

/** Tile rows per band: workgroups walk a band of this many tile rows column by column (L2 reuse). */
const GROUP_ROWS = 8;

/** Largest number of batch dims (after merging) the kernels index. */
export const MAX_BATCH_RANK = 8;

/**
 * The uniform block shared by both matmul kernels (48 words). `x` strides are along an operand's
 * non-k dim, `k` strides along k; batch arrays hold the merged batch dims innermost first.
 */
const PARAMS = `struct Params {
  n: u32, m: u32, k: u32, rank: u32,
  aOff: u32, aSx: u32, aSk: u32, tilesX: u32,
  bOff: u32, bSx: u32, bSk: u32, tilesY: u32,
  oOff: u32, oSr: u32, oSc: u32, total: u32,
  shape: array<vec4<u32>, 2>,
  aBatch: array<vec4<u32>, 2>,
  bBatch: array<vec4<u32>, 2>,
  oBatch: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> p: Params;

// The storage offsets (a, b, out) of batch z: strides are u32, a negative one wraps and the sum
// still lands right (integer arithmetic is modulo 2^32).
fn batchBases(z: u32) -> vec3<u32> {
  var rest = z;
  var base = vec3<u32>(p.aOff, p.bOff, p.oOff);
  for (var d = 0u; d < p.rank; d++) {
    let q = d / 4u;
    let r = d % 4u;
    let size = p.shape[q][r];
    let i = rest % size;
    rest = rest / size;
    base += i * vec3<u32>(p.aBatch[q][r], p.bBatch[q][r], p.oBatch[q][r]);
  }
  return base;
}
`;

/** Words in the matmul uniform block. */
export const MATMUL_PARAM_WORDS = 48;

/** Word offset of the batch sizes in the uniform block; a's, b's and out's strides follow, 8 words each. */
export const PARAM_SHAPE = 16;

function vecType(vec4: boolean): string {
  return vec4 ? "vec4<f32>" : "f32";
}

/**
 * The code that moves one operand's tiles, in three parts: `setup` (before the k loop: each
 * thread's fixed place in the tile and the storage position of its row or column, which do not
 * depend on k), `fetch` (global memory → registers for the k step at `k0`, 0 outside the matrix)
 * and `put` (registers → workgroup memory). The kernel fetches step s + 1 while it computes step s,
 * so global latency hides behind the multiply-adds.
 */
interface TileLoader {
  setup: string[];
  fetch: string[];
  put: string[];
}

function tileLoader(
  t: MatmulTiling,
  operand: "a" | "b",
  mode: OperandMode,
  threads: number,
): TileLoader {
  const x = operand === "a" ? t.tileM : t.tileN;
  const x4 = x / 4;
  const tk = t.tileK;
  const tile = operand === "a" ? "As" : "Bs";
  const extent = operand === "a" ? "p.n" : "p.m";
  const origin = operand === "a" ? "row0" : "col0";
  const base = operand === "a" ? "bases.x" : "bases.y";
  const sx = operand === "a" ? "p.aSx" : "p.bSx";
  const sk = operand === "a" ? "p.aSk" : "p.bSk";
  const vec = mode === "k4" || mode === "x4";
  const count = vec ? (x * tk) / 4 : x * tk;
  const loader: TileLoader = { setup: [], fetch: [], put: [] };
  for (let round = 0; round * threads < count; round++) {
    const id = `${operand}${round}`;
    const e = `(li + ${round * threads}u)`;
    // Threads past the tile in a last, partial round load and store nothing.
    const partial = (round + 1) * threads > count;
    const live = partial ? `${e} < ${count}u && ` : "";
    const reg = `${id}r`;
    loader.setup.push(`var ${reg} = ${vec ? "vec4<f32>(0.0)" : "0.0"};`);
    if (mode === "k4") {
      // A vec4 along k: tile row xi, k offset kq·4.
      loader.setup.push(
        `let ${id}x = ${e} / ${tk / 4}u;`,
        `let ${id}k = (${e} % ${tk / 4}u) * 4u;`,
      );
      loader.setup.push(`let ${id}in = ${live}${origin} + ${id}x < ${extent};`);
      loader.setup.push(`let ${id}g = ${base} + (${origin} + ${id}x) * ${sx};`);
      loader.fetch.push(
        `if (${id}in && k0 + ${id}k < p.k) { ${reg} = ${operand}[(${id}g + k0 + ${id}k) / 4u]; } else { ${reg} = vec4<f32>(0.0); }`,
      );
      const at = `${id}k * ${x4}u + ${id}x / 4u`;
      const puts = [0, 1, 2, 3].map(
        (c) => `${tile}[${at} + ${c * x4}u][${id}x % 4u] = ${reg}[${c}];`,
      );
      loader.put.push(partial ? `if (${e} < ${count}u) { ${puts.join(" ")} }` : puts.join(" "));
    } else if (mode === "x4") {
      // A vec4 along x: tile columns xq·4 … xq·4 + 3 at k offset kk.
      loader.setup.push(`let ${id}x = (${e} % ${x4}u) * 4u;`, `let ${id}k = ${e} / ${x4}u;`);
      loader.setup.push(`let ${id}in = ${live}${origin} + ${id}x < ${extent};`);
      loader.setup.push(`let ${id}g = ${base} + ${origin} + ${id}x;`);
      loader.fetch.push(
        `if (${id}in && k0 + ${id}k < p.k) { ${reg} = ${operand}[(${id}g + (k0 + ${id}k) * ${sk}) / 4u]; } else { ${reg} = vec4<f32>(0.0); }`,
      );
      const put = `${tile}[${id}k * ${x4}u + ${id}x / 4u] = ${reg};`;
      loader.put.push(partial ? `if (${e} < ${count}u) { ${put} }` : put);
    } else {
      if (mode === "k1") {
        loader.setup.push(`let ${id}x = ${e} / ${tk}u;`, `let ${id}k = ${e} % ${tk}u;`);
      } else {
        loader.setup.push(`let ${id}x = ${e} % ${x}u;`, `let ${id}k = ${e} / ${x}u;`);
      }
      loader.setup.push(`let ${id}in = ${live}${origin} + ${id}x < ${extent};`);
      loader.setup.push(`let ${id}g = ${base} + (${origin} + ${id}x) * ${sx};`);
      loader.fetch.push(
        `if (${id}in && k0 + ${id}k < p.k) { ${reg} = ${operand}[${id}g + (k0 + ${id}k) * ${sk}]; } else { ${reg} = 0.0; }`,
      );
      const put = `${tile}[${id}k * ${x4}u + ${id}x / 4u][${id}x % 4u] = ${reg};`;
      loader.put.push(partial ? `if (${e} < ${count}u) { ${put} }` : put);
    }
  }
  return loader;
}

/**
 * The tiled kernel for one tiling and layout class: `aMode`/`bMode` say how A and B tiles are
 * read, `out4` whether the output is stored as vec4s (contiguous rows, 16-byte aligned).
 */
export function tiledMatmulSource(
  t: MatmulTiling,
  aMode: OperandMode,
  bMode: OperandMode,
  out4: boolean,
): string {
  // Generating is ~100× the cost of a lookup, and a training step asks for the same few sources.
  const key = `${t.tileM},${t.tileN},${t.tileK},${t.threadM},${t.threadN},${aMode},${bMode},${out4}`;
  let source = sources.get(key);
  if (source === undefined) {
    source = generateTiled(t, aMode, bMode, out4);
    sources.set(key, source);
  }
  return source;
}

const sources = new Map<string, string>();

function generateTiled(
  t: MatmulTiling,
  aMode: OperandMode,
  bMode: OperandMode,
  out4: boolean,
): string {
  const threads = tilingThreads(t);
  const tx = t.tileN / t.threadN; // threads along a row of the tile
  const ty = t.tileM / t.threadM;
  const rowGroups = t.threadM / 4;
  const colGroups = t.threadN / 4;
  const m4 = t.tileM / 4;
  const n4 = t.tileN / 4;
  const acc = (r: number, g: number) => `acc_${r}_${g}`;
  const lines: string[] = [];
  lines.push(PARAMS);
  lines.push(`@group(0) @binding(1) var<storage, read_write> res: array<${vecType(out4)}>;`);
  lines.push(`@group(0) @binding(2) var<storage, read> a: array<${vecType(aMode.endsWith("4"))}>;`);
  lines.push(`@group(0) @binding(3) var<storage, read> b: array<${vecType(bMode.endsWith("4"))}>;`);
  lines.push(`var<workgroup> As: array<vec4<f32>, ${(t.tileK * t.tileM) / 4}>;`);
  lines.push(`var<workgroup> Bs: array<vec4<f32>, ${(t.tileK * t.tileN) / 4}>;`);
  lines.push("");
  // Stores 4 outputs of one row starting at column `col` (bounds-checked).
  lines.push("fn storeRow(base: u32, row: u32, col: u32, v: vec4<f32>) {");
  lines.push("  if (row >= p.n || col >= p.m) { return; }");
  if (out4) {
    lines.push("  res[(base + row * p.oSr + col) / 4u] = v;");
  } else {
    lines.push("  let o = base + row * p.oSr;");
    lines.push("  for (var c = 0u; c < 4u; c++) {");
    lines.push("    if (col + c < p.m) { res[o + (col + c) * p.oSc] = v[c]; }");
    lines.push("  }");
  }
  lines.push("}");
  lines.push("");
  // Two-dimensional so that limits on workgroup size X (128 on compatibility devices) allow 256.
  lines.push(`@compute @workgroup_size(${tx}, ${ty})`);
  lines.push(
    "fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) li: u32) {",
  );
  const body: string[] = [];
  body.push("let wg = wid.x + wid.y * nwg.x;");
  body.push("if (wg >= p.total) { return; }");
  body.push("let perBatch = p.tilesX * p.tilesY;");
  body.push("let z = wg / perBatch;");
  body.push("let t = wg % perBatch;");
  // Bands of GROUP_ROWS tile rows, walked column by column: workgroups that run at the same time
  // share A rows and B columns in cache.
  body.push(`let band = t / (${GROUP_ROWS}u * p.tilesX);`);
  body.push(`let firstRow = band * ${GROUP_ROWS}u;`);
  body.push(`let bandRows = min(p.tilesY - firstRow, ${GROUP_ROWS}u);`);
  body.push(`let inBand = t % (${GROUP_ROWS}u * p.tilesX);`);
  body.push(`let row0 = (firstRow + inBand % bandRows) * ${t.tileM}u;`);
  body.push(`let col0 = (inBand / bandRows) * ${t.tileN}u;`);
  body.push("let bases = batchBases(z);");
  body.push(`let tx = li % ${tx}u;`);
  body.push(`let ty = li / ${tx}u;`);
  for (let r = 0; r < t.threadM; r++) {
    for (let g = 0; g < colGroups; g++) body.push(`var ${acc(r, g)} = vec4<f32>(0.0);`);
  }
  const loadA = tileLoader(t, "a", aMode, threads);
  const loadB = tileLoader(t, "b", bMode, threads);
  body.push(...loadA.setup, ...loadB.setup);
  body.push("var k0 = 0u;", ...loadA.fetch, ...loadB.fetch);
  body.push(`for (; k0 < p.k; k0 += ${t.tileK}u) {`);
  const step: string[] = [];
  step.push(...loadA.put, ...loadB.put);
  step.push("workgroupBarrier();");
  // The next step's tiles, fetched now so the loads overlap this step's arithmetic.
  step.push(`let k1 = k0 + ${t.tileK}u;`, "{", `  let k0 = k1;`);
  step.push(...[...loadA.fetch, ...loadB.fetch].map((s) => `  ${s}`), "}");
  for (let kk = 0; kk < t.tileK; kk++) {
    const inner: string[] = [];
    for (let g = 0; g < rowGroups; g++) {
      inner.push(`let a${g} = As[${kk * m4}u + ${g * ty}u + ty];`);
    }
    for (let g = 0; g < colGroups; g++) {
      inner.push(`let b${g} = Bs[${kk * n4}u + ${g * tx}u + tx];`);
    }
    for (let r = 0; r < t.threadM; r++) {
      const av = `a${Math.floor(r / 4)}[${r % 4}]`;
      for (let g = 0; g < colGroups; g++) {
        inner.push(`${acc(r, g)} = fma(vec4<f32>(${av}), b${g}, ${acc(r, g)});`);
      }
    }
    step.push("{", ...inner.map((s) => `  ${s}`), "}");
  }
  step.push("workgroupBarrier();");
  body.push(...step.map((s) => `  ${s}`), "}");
  for (let r = 0; r < t.threadM; r++) {
    const row = `row0 + (${Math.floor(r / 4) * ty}u + ty) * 4u + ${r % 4}u`;
    for (let g = 0; g < colGroups; g++) {
      body.push(`storeRow(bases.z, ${row}, col0 + (${g * tx}u + tx) * 4u, ${acc(r, g)});`);
    }
  }
  lines.push(...body.map((s) => `  ${s}`), "}");
  return lines.join("\n");
}

/** Threads per workgroup of the one-thread-per-output kernel. */
export const SIMPLE_THREADS = 64;

/**
 * One thread per output element, a plain dot product over k: for products too thin to fill a
 * tile (a vector times a matrix, tiny batched products), where the tiled kernel would mostly
 * compute padding.
 */
export const simpleMatmulSource = `${PARAMS}
@group(0) @binding(1) var<storage, read_write> res: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;

${threadEntry(SIMPLE_THREADS, "i")}
  if (i >= p.total) { return; }
  let col = i % p.m;
  let rest = i / p.m;
  let row = rest % p.n;
  let bases = batchBases(rest / p.n);
  var ia = bases.x + row * p.aSx;
  var ib = bases.y + col * p.bSx;
  var acc = 0.0;
  for (var kk = 0u; kk < p.k; kk++) {
    acc = fma(a[ia], b[ib], acc);
    ia += p.aSk;
    ib += p.bSk;
  }
  res[bases.z + row * p.oSr + col * p.oSc] = acc;
}
`;
