import { formatNumber } from "../format_number.js";
import type { Shape } from "../strided/shape.js";

/** Nested arrays of numbers, as `tensor()` takes and `toArray()` returns. */
export type Nested = number | Nested[];

/** Row-major values → nested arrays of `shape` (a 0-d shape gives the bare number). */
export function nest(values: ArrayLike<number>, shape: Shape): Nested {
  const build = (dim: number, start: number): Nested => {
    if (dim === shape.length) return values[start];
    const step = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: shape[dim] }, (_, i) => build(dim + 1, start + i * step));
  };
  return build(0, 0);
}

/**
 * Values as nested brackets, `[[1, 2], [3, 4]]`; with `limit`, each dim shows at most that many
 * entries and an ellipsis (for graph nodes and long tensors).
 */
export function formatTensor(values: ArrayLike<number>, shape: Shape, limit = 6): string {
  const build = (dim: number, start: number): string => {
    if (dim === shape.length) return formatNumber(values[start]);
    const step = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    const shown = Math.min(shape[dim], limit);
    const parts = Array.from({ length: shown }, (_, i) => build(dim + 1, start + i * step));
    if (shape[dim] > shown) parts.push("…");
    return `[${parts.join(", ")}]`;
  };
  return build(0, 0);
}
