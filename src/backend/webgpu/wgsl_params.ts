import { MAX_RANK } from "./wgsl_layout.js";

/**
 * The uniform words of a kernel's `Params` struct, written in declaration order. WGSL lays out a
 * uniform `array<vec4<u32>, 2>` at 16-byte alignment with 16-byte elements (a plain array<u32>
 * would need 16 bytes per element in a uniform), so shapes and strides go first, as vec4s, and
 * the u32 scalars after them.
 */
export class ParamWords {
  readonly #words: number[] = [];

  /** Appends an `array<vec4<u32>, 2>` holding `values` (≤ 8), zero-padded. */
  dims(values: readonly number[]): this {
    // The dims come first, so every array starts on a 16-byte boundary.
    for (let i = 0; i < MAX_RANK; i++) this.#words.push(values[i] ?? 0);
    return this;
  }

  /**
   * Appends a u32. Negative values (a negative stride) wrap modulo 2³²; the kernels use wrapping
   * u32 arithmetic, so position sums come out right as long as the final position is in range.
   */
  u32(value: number): this {
    this.#words.push(value >>> 0);
    return this;
  }

  /** The words, ready for `GpuContext.dispatch`. */
  finish(): Uint32Array {
    return Uint32Array.from(this.#words);
  }
}

/** WGSL declaration of the dims arrays `names` (each `array<vec4<u32>, 2>`), one per line. */
export function dimsFields(names: readonly string[]): string {
  return names.map((n) => `  ${n}: array<vec4<u32>, 2>,`).join("\n");
}

/** WGSL reading entry `k` (a u32 expression) of the dims array `field` of the uniform `p`. */
export function dimAt(field: string, k: string): string {
  return `p.${field}[${k} >> 2u][${k} & 3u]`;
}

/**
 * The head of a kernel run as one thread per item: `main` over workgroups of `threads` threads, up
 * to the line `let <index> = …` that gives the thread's linear index over the (possibly 2-D) grid
 * `workgroupsFor` dispatches. The body follows (it returns when the index is past the end) and
 * closes the brace.
 */
export function threadEntry(threads: number, index: string): string {
  return `@compute @workgroup_size(${threads})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let ${index} = gid.x + gid.y * (nwg.x * ${threads}u);`;
}
