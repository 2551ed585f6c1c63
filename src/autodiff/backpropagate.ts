import { chainRule } from "./function.js";
import { noGrad } from "./grad_mode.js";
import { topologicalSort } from "./topological_sort.js";
import type { Variable } from "./variable.js";

/**
 * Reverse-mode differentiation from `root` with seed derivative `dOut`: visits each variable once,
 * in topological order, so a variable's derivative is complete (all paths summed) before it is
 * passed to its inputs. Leaves (and variables that retain their derivative) accumulate theirs;
 * constants are never visited. Derivatives are plain values: nothing here records history.
 */
export function backpropagate(root: Variable, dOut: unknown): void {
  noGrad(() => {
    const derivatives = new Map<number, unknown>([[root.uniqueId, dOut]]);
    for (const v of topologicalSort(root)) {
      const d = derivatives.get(v.uniqueId);
      if (d === undefined) continue;
      derivatives.delete(v.uniqueId);
      if (v.history === null || v.retainsDerivative) v.accumulateDerivative(d);
      if (v.history === null) continue;
      for (const [input, g] of chainRule(v.history, d)) {
        const previous = derivatives.get(input.uniqueId);
        derivatives.set(
          input.uniqueId,
          previous === undefined ? g : input.kind.addDerivatives(previous, g),
        );
      }
    }
  });
}
