import { chainRule } from "./function.js";
import { noGrad } from "./grad_mode.js";
import { topologicalSort } from "./topological_sort.js";
import type { History, Overwrite, Variable } from "./variable.js";

/**
 * Reverse-mode differentiation from `root` with seed derivative `dOut`: visits each variable once,
 * in topological order, so a variable's derivative is complete (all paths summed) before it is
 * passed to its inputs. Leaves (and variables that retain their derivative) accumulate theirs;
 * constants are never visited. Derivatives are plain values: nothing here records history.
 *
 * Unless `retainGraph`, each op's saved values and inputs are released once its derivative has
 * passed through it, as PyTorch frees a graph during backward: a second backward through it is an
 * AutogradError, and the graph's intermediate values are no longer kept alive by its result.
 * @task 1.4
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
      checkInPlaceWrites(v, v.history);
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

/**
 * Before `v`'s op backpropagates: refuse saved tensors written in place since they were saved
 * (`Context.checkVersions`), and give the op its inputs as they were when it was recorded — an
 * input overwritten in place since (see `Overwrite`) is replaced, in the history itself, by the
 * variable that stands for its earlier value. Where nothing was written in place this costs a
 * property read per input.
 */
function checkInPlaceWrites(v: Variable, history: History): void {
  history.ctx.checkVersions(history.fn.name);
  const inputs = history.inputs;
  let replaced: Variable[] | null = null;
  for (let i = 0; i < inputs.length; i++) {
    const h = inputs[i].history;
    if (h === null || h.overwrote === undefined) continue;
    const at = history.recordedAt ?? v.uniqueId;
    let input = inputs[i];
    let o: Overwrite | undefined = h.overwrote;
    while (o !== undefined && at < (input.history?.recordedAt ?? 0)) {
      o.check(v);
      input = o.previous;
      o = input.history?.overwrote;
    }
    if (input === inputs[i]) continue;
    replaced ??= [...inputs];
    replaced[i] = input;
  }
  if (replaced !== null) history.inputs = replaced;
}
