import type { Variable } from "./variable.js";

/**
 * The non-constant variables reachable from `root`, ordered so that every variable comes before
 * the inputs it was computed from (root first). Iterative depth-first search, so deep graphs (a
 * long chain of Scalar ops) cannot overflow the call stack.
 */
export function topologicalSort(root: Variable): Variable[] {
  const postOrder: Variable[] = [];
  const visited = new Set<number>();
  // Each stack frame: a variable and whether its inputs have already been pushed.
  const stack: [Variable, boolean][] = [[root, false]];
  while (stack.length > 0) {
    const [v, expanded] = stack.pop()!;
    if (expanded) {
      postOrder.push(v);
      continue;
    }
    if (visited.has(v.uniqueId) || !v.requiresGrad) continue;
    visited.add(v.uniqueId);
    stack.push([v, true]);
    for (const input of v.history?.inputs ?? []) {
      if (!visited.has(input.uniqueId) && input.requiresGrad) stack.push([input, false]);
    }
  }
  return postOrder.reverse();
}
