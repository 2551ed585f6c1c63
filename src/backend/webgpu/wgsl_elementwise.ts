import { wgslPrelude } from "../../strided/ops.js";
import { WORKGROUP_SIZE } from "./wgsl_layout.js";
import { dimAt, dimsFields, threadEntry } from "./wgsl_params.js";
import { converter, type WgslScalar } from "./wgsl_types.js";

/**
 * WGSL sources of the elementwise kernels (map, zip, copy), generated from an op's expression in
 * the op table. One source per op and layout class; sizes, offsets and strides are uniforms, so
 * the pipeline cache (keyed by source) compiles each class once.
 *
 * Paths:
 * - `flat4`: the out and every non-constant input walk the same dense memory order from offsets
 *   that are multiples of 4: each thread loads and stores one vec4 (4 elements).
 * - `flat`: the same with offsets not all multiples of 4: one element per thread.
 * - `strided`: anything else: each thread turns its element's ordinal into a multi-index over the
 *   (coalesced) shape and each operand's position from its own strides (0 along broadcast dims).
 * In the flat paths an input may also be a `scalar` (one element, read by every thread).
 *
 * Every operand has its own storage type (wgsl_types.ts): each input is loaded into the compute
 * type (`ld0`, `ld1`), the op runs there, and `st` converts its result to the out's type — so a
 * copy converts dtypes and a comparison of floats writes a bool.
 */

/** The layout class of an elementwise kernel. */
export type ElementwisePath = "flat4" | "flat" | "strided";

/** How a flat kernel reads one input: walking with the out, or one element for all. */
export type FlatAccess = "flat" | "scalar";

/** Everything that changes an elementwise kernel's source. */
export interface ElementwiseSpec {
  /** The op's WGSL expression in `a` (and `b` when there are two inputs), of type `compute`. */
  readonly expr: string;
  /**
   * Set when the op has no expression in i32: its f32 expression, which an i32 kernel applies
   * to its operands converted to f32, converting the result back (`expr` is then unused).
   */
  readonly viaF32?: string;
  /** The type the op computes in. */
  readonly compute: "f32" | "i32";
  /** The storage types of the out and of each input. */
  readonly out: WgslScalar;
  readonly inputs: readonly WgslScalar[];
  readonly path: ElementwisePath;
  /** Per input: how it is read (flat paths only; ignored by `strided`). */
  readonly access: readonly FlatAccess[];
  /**
   * Per input: whether it lies in the out's buffer. WebGPU forbids binding one buffer both
   * writable and read-only in a dispatch, so such an input is read through the out's binding.
   */
  readonly aliased: readonly boolean[];
}

/** The operand names the op table's expressions use. */
const NAMES = ["a", "b"];

/**
 * The uniform layout every elementwise kernel shares: dims arrays first (16-byte aligned), then
 * n (elements), rank, the out's offset `o` and each input's offset `o0`, `o1`. Offsets are in
 * elements, except that flat4 kernels take the out's and flat inputs' offsets in vec4s.
 */
function paramsStruct(inputs: number, strided: boolean): string {
  const dims = strided
    ? `${dimsFields(["shape", "sdst", ...range(inputs).map((k) => `s${k}`)])}\n`
    : "";
  const offsets = range(inputs)
    .map((k) => `o${k}: u32,`)
    .join(" ");
  return `struct Params {\n${dims}  n: u32, rank: u32, o: u32, ${offsets}\n}`;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The bindings: the out (read_write) and each input not aliased to it, in order. */
function bindings(spec: ElementwiseSpec, element: (k: number) => string, out: string): string {
  const lines = [
    "@group(0) @binding(0) var<uniform> p: Params;",
    `@group(0) @binding(1) var<storage, read_write> dst: array<${out}>;`,
  ];
  let binding = 2;
  spec.access.forEach((_, k) => {
    if (spec.aliased[k]) return;
    lines.push(`@group(0) @binding(${binding}) var<storage, read> src${k}: array<${element(k)}>;`);
    binding += 1;
  });
  return lines.join("\n");
}

/**
 * The op as a WGSL function of the compute type, so vector paths can apply it per component, and
 * the conversions around it: `ld{k}` from input k's storage type, `st` to the out's.
 */
function opFunctions(spec: ElementwiseSpec): string {
  const inputs = range(spec.inputs.length);
  const args = (type: string) => inputs.map((k) => `${NAMES[k]}: ${type}`).join(", ");
  const c = spec.compute;
  const lines = inputs.map((k) => converter(`ld${k}`, spec.inputs[k], c));
  lines.push(converter("st", c, spec.out));
  if (spec.viaF32 !== undefined) {
    lines.push(`fn opf(${args("f32")}) -> f32 {\n  return ${spec.viaF32};\n}`);
    const call = inputs.map((k) => `f32(${NAMES[k]})`).join(", ");
    lines.push(`fn op(${args(c)}) -> ${c} {\n  return ${c}(opf(${call}));\n}`);
  } else {
    lines.push(`fn op(${args(c)}) -> ${c} {\n  return ${spec.expr};\n}`);
  }
  return lines.join("\n");
}

/** The op applied to the loaded inputs `args[k]` (each of input k's storage type), stored. */
function applied(args: readonly string[]): string {
  return `st(op(${args.map((x, k) => `ld${k}(${x})`).join(", ")}))`;
}

function flat4Body(spec: ElementwiseSpec): string {
  const loads = spec.access.map((access, k) => {
    const array = spec.aliased[k] ? "dst" : `src${k}`;
    if (access === "flat") return `let x${k} = ${array}[p.o${k} + i];`;
    // A scalar is read as one element (its offset in elements), even through a vec4 binding.
    const one = spec.aliased[k] ? `dst[p.o${k} >> 2u][p.o${k} & 3u]` : `src${k}[p.o${k}]`;
    return `let x${k} = vec4<${spec.inputs[k]}>(${one});`;
  });
  const component = (c: string) => applied(spec.access.map((_, k) => `x${k}.${c}`));
  return `  let e = i * 4u;
  if (e >= p.n) { return; }
  ${loads.join("\n  ")}
  let r = vec4<${spec.out}>(${["x", "y", "z", "w"].map(component).join(", ")});
  if (e + 4u <= p.n) {
    dst[p.o + i] = r;
    return;
  }
  // The last, partial vector: keep the elements past the view's end as they were.
  var v = dst[p.o + i];
  for (var c = 0u; c < 4u; c++) {
    if (e + c < p.n) { v[c] = r[c]; }
  }
  dst[p.o + i] = v;`;
}

function flatBody(spec: ElementwiseSpec): string {
  const args = spec.access.map((access, k) => {
    const array = spec.aliased[k] ? "dst" : `src${k}`;
    return access === "flat" ? `${array}[p.o${k} + i]` : `${array}[p.o${k}]`;
  });
  return `  if (i >= p.n) { return; }
  dst[p.o + i] = ${applied(args)};`;
}

function stridedBody(spec: ElementwiseSpec): string {
  const inputs = range(spec.access.length);
  const positions = inputs.map((k) => `var q${k} = p.o${k};`).join(" ");
  const steps = inputs.map((k) => `q${k} += j * ${dimAt(`s${k}`, "d")};`).join(" ");
  const args = inputs.map((k) => `${spec.aliased[k] ? "dst" : `src${k}`}[q${k}]`);
  return `  if (i >= p.n) { return; }
  // Peel the multi-index off the ordinal, innermost dim first, stepping every operand.
  var rest = i;
  var q = p.o; ${positions}
  for (var d = p.rank; d > 0u;) {
    d -= 1u;
    let size = ${dimAt("shape", "d")};
    let j = rest % size;
    rest /= size;
    q += j * ${dimAt("sdst", "d")}; ${steps}
  }
  dst[q] = ${applied(args)};`;
}

/** The WGSL source of an elementwise kernel (see the paths above). */
export function elementwiseSource(spec: ElementwiseSpec): string {
  const inputs = spec.access.length;
  const vector = spec.path === "flat4";
  const element = (k: number) =>
    vector && spec.access[k] === "flat" ? `vec4<${spec.inputs[k]}>` : spec.inputs[k];
  const body =
    spec.path === "flat4"
      ? flat4Body(spec)
      : spec.path === "flat"
        ? flatBody(spec)
        : stridedBody(spec);
  return [
    paramsStruct(inputs, spec.path === "strided"),
    bindings(spec, element, vector ? `vec4<${spec.out}>` : spec.out),
    wgslPrelude,
    opFunctions(spec),
    `${threadEntry(WORKGROUP_SIZE, "i")}\n${body}\n}\n`,
  ].join("\n");
}
