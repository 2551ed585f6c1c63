import { wgslPrelude } from "../../strided/ops.js";
import { WORKGROUP_SIZE } from "./wgsl_layout.js";
import { dimAt, dimsFields, threadEntry } from "./wgsl_params.js";
import type { WgslScalar } from "./wgsl_types.js";

/**
 * WGSL sources of the reduction kernels, generated from a reduce row of the op table
 * (`acc ← expr(acc, x)` from `identity`). An output element is the fold of one "row": the
 * input's elements along the reduced dim, `len` of them, `step` apart. A row may be cut into
 * `chunks` pieces of `chunk` elements, each folded by its own thread or workgroup into a partial
 * result that a second pass folds (see reduce.ts); unit of work w is chunk w / m of output w % m,
 * so neighbouring units are neighbouring outputs.
 *
 * - `thread`: one thread per unit folds it alone: best for short rows, and on a GPU for column
 *   reductions (rows not contiguous, neighbouring outputs neighbours in memory), where
 *   neighbouring threads then read neighbouring elements.
 * - `group`: one workgroup per unit: each thread folds every 64th element, then the 64 partial
 *   results are folded pairwise in workgroup memory, halving the active threads each round with a
 *   barrier between rounds.
 */

/** Which reduction kernel. */
export type ReducePath = "thread" | "group";

/** Everything that changes a reduction kernel's source. */
export interface ReduceSpec {
  /** The reduce row's WGSL expression in `acc` and `x`, of type `type`. */
  readonly expr: string;
  /** The identity as a WGSL expression of type `type`. */
  readonly identity: string;
  /** The element type of the input, the out and the fold (a reduction keeps its dtype). */
  readonly type: WgslScalar;
  readonly path: ReducePath;
  /** Whether the input lies in the out's buffer (then it is read through the out's binding). */
  readonly aliased: boolean;
}

/**
 * The uniform layout both kernels share: the outputs' (coalesced) shape, the out's and the
 * input's strides along it; n (units of work), m (outputs), rank, offsets, the row's length and
 * step, the chunk length, and the out's stride from one chunk's result to the next.
 */
const PARAMS = `struct Params {
${dimsFields(["shape", "sdst", "s0"])}
  n: u32, m: u32, rank: u32, o: u32, o0: u32,
  len: u32, step: u32, chunk: u32, cstep: u32,
}`;

function bindings(spec: ReduceSpec): string {
  const lines = [
    "@group(0) @binding(0) var<uniform> p: Params;",
    `@group(0) @binding(1) var<storage, read_write> dst: array<${spec.type}>;`,
  ];
  if (!spec.aliased) {
    lines.push(`@group(0) @binding(2) var<storage, read> src0: array<${spec.type}>;`);
  }
  return lines.join("\n");
}

/**
 * Unit `w` → output `o`, chunk `g` and its range [start, end) of the row; positions `q` (out) and
 * `q0` (input row start) of output `o`, from its multi-index.
 */
const POSITIONS = `let o = w % p.m;
  let g = w / p.m;
  let start = g * p.chunk;
  let end = min(p.len, start + p.chunk);
  var rest = o;
  var q = p.o;
  var q0 = p.o0;
  for (var d = p.rank; d > 0u;) {
    d -= 1u;
    let size = ${dimAt("shape", "d")};
    let j = rest % size;
    rest /= size;
    q += j * ${dimAt("sdst", "d")};
    q0 += j * ${dimAt("s0", "d")};
  }`;

/**
 * The `thread` kernel: thread w folds unit w alone, from the identity over its chunk's range, and
 * stores the result at q + g·cstep. `threadEntry` opens `main` up to the line giving w; the body
 * returns when w is past p.n, and closes the brace.
 * @task 3.3
 */
function threadBody(spec: ReduceSpec, input: string): string {
  return `${threadEntry(WORKGROUP_SIZE, "w")}
  if (w >= p.n) { return; }
  ${POSITIONS}
  var acc: ${spec.type} = ${spec.identity};
  for (var k = start; k < end; k++) {
    let x = ${input}[q0 + k * p.step];
    acc = ${spec.expr};
  }
  dst[q + g * p.cstep] = acc;
}`;
}

/**
 * The `group` kernel: workgroup w folds unit w. Each of its WORKGROUP_SIZE threads folds every
 * WORKGROUP_SIZE-th element of the chunk, writes its partial result to workgroup memory, and the
 * partials are folded pairwise, half the threads fewer each round, a barrier after every round.
 * @task 3.3
 */
function groupBody(spec: ReduceSpec, input: string): string {
  return `var<workgroup> part: array<${spec.type}, ${WORKGROUP_SIZE}>;

@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) t: u32,
) {
  // The same for the whole workgroup, so returning early keeps the barriers below uniform.
  let w = wid.x + wid.y * nwg.x;
  if (w >= p.n) { return; }
  ${POSITIONS}
  var acc: ${spec.type} = ${spec.identity};
  for (var k = start + t; k < end; k += ${WORKGROUP_SIZE}u) {
    let x = ${input}[q0 + k * p.step];
    acc = ${spec.expr};
  }
  part[t] = acc;
  workgroupBarrier();
  for (var half = ${WORKGROUP_SIZE / 2}u; half > 0u; half >>= 1u) {
    if (t < half) {
      let acc = part[t];
      let x = part[t + half];
      part[t] = ${spec.expr};
    }
    workgroupBarrier();
  }
  if (t == 0u) { dst[q + g * p.cstep] = part[0]; }
}`;
}

/** The WGSL source of a reduction kernel (see the paths above). */
export function reduceSource(spec: ReduceSpec): string {
  const input = spec.aliased ? "dst" : "src0";
  const body = spec.path === "thread" ? threadBody(spec, input) : groupBody(spec, input);
  return [PARAMS, bindings(spec), wgslPrelude, body, ""].join("\n");
}
