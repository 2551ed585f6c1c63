import type { Variable } from "./variable.js";

/**
 * The non-constant variables reachable from `root`, ordered so that every variable comes before
 * the inputs it was computed from (root first). Iterative depth-first search, so deep graphs (a
 * long chain of Scalar ops) cannot overflow the call stack.
 * @task 1.3
 */
export function topologicalSort(root: Variable): Variable[] {
  const postOrder: Variable[] = [];
  const visited = new Set<Variable>();
  // Two parallel stacks rather than a stack of [variable, flag] pairs: this runs once per node on
  // every backward pass, and the pairs were most of its allocation.
  const stack: Variable[] = [root];
  const expanded: boolean[] = [false];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (expanded.pop()) {
      postOrder.push(v);
      continue;
    }
    if (visited.has(v) || !v.requiresGrad) continue;
    visited.add(v);
    stack.push(v);
    expanded.push(true);
    const inputs = v.history?.inputs;
    if (inputs === undefined) continue;
    for (const input of inputs) {
      if (input.requiresGrad && !visited.has(input)) {
        stack.push(input);
        expanded.push(false);
      }
    }
  }
  return postOrder.reverse();
}
