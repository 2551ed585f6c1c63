import { chainRule } from "./function.js";
import { noGrad } from "./grad_mode.js";
import { topologicalSort } from "./topological_sort.js";
import type { Variable } from "./variable.js";

/**
 * Reverse-mode differentiation from `root` with seed derivative `dOut`: visits each variable once,
 * in topological order, so a variable's derivative is complete (all paths summed) before it is
 * passed to its inputs. Leaves (and variables that retain their derivative) accumulate theirs;
 * constants are never visited. Derivatives are plain values: nothing here records history.
 *
 * Unless `retainGraph`, each op's saved values and inputs are released once its derivative has
 * passed through it, as PyTorch frees a graph during backward: a second backward through it is an
 * AutogradError, and the graph's intermediate values are no longer kept alive by its result.
 */
export function backpropagate(root: Variable, dOut: unknown, retainGraph = false): void {
  noGrad(() => {
    const derivatives = new Map<number, unknown>([[root.uniqueId, dOut]]);
    for (const v of topologicalSort(root)) {
      const d = derivatives.get(v.uniqueId);
      if (d === undefined) continue;
      derivatives.delete(v.uniqueId);
      if (v.history === null || v.retainsDerivative) v.accumulateDerivative(d);
      if (v.history === null) continue;
      const pairs = chainRule(v.history, d);
      if (!retainGraph) {
        v.history.ctx.release();
        v.history.inputs = [];
      }
      for (const [input, g] of pairs) {
        const previous = derivatives.get(input.uniqueId);
        derivatives.set(
          input.uniqueId,
          previous === undefined ? g : input.kind.addDerivatives(previous, g),
        );
      }
    }
  });
}
