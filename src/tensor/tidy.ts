import { DTypeError } from "../errors.js";
import type { Release } from "./storage.js";
// A cycle (tensor.ts imports `track`), safe because neither module uses the other while it loads:
// `Tensor` is read only when `tidy` runs, `track` only when a tensor is made.
import { Tensor } from "./tensor.js";

/** Open `tidy` scopes, innermost last: each holds the tensors created while it was innermost. */
const scopes: Set<Tensor>[] = [];
/** Tensors that `keep` exempted from every scope. */
const kept = new WeakSet<Tensor>();

/** Called by every new tensor: the innermost `tidy` scope, if any, will dispose it. */
export function track(t: Tensor): void {
  scopes[scopes.length - 1]?.add(t);
}

/**
 * Exempt a tensor created inside `tidy` from being disposed by it, and by every enclosing scope
 * (optimizers keep the state they create).
 */
export function keep(t: Tensor): Tensor {
  kept.add(t);
  for (const scope of scopes) scope.delete(t);
  return t;
}

/** The tensors inside a result: itself, or the members of an array or plain object. */
function returned(result: unknown): Set<Tensor> {
  const found = new Set<Tensor>();
  const visit = (x: unknown, depth: number): void => {
    if (x instanceof Tensor) found.add(x);
    else if (depth < 3 && Array.isArray(x)) for (const y of x) visit(y, depth + 1);
    else if (depth < 3 && typeof x === "object" && x !== null)
      for (const y of Object.values(x)) visit(y, depth + 1);
  };
  visit(result, 0);
  return found;
}

/**
 * Run `fn` and dispose every tensor it created, except those it returns (alone, or in an array
 * or object) and those passed to `keep` — as tf.tidy: a training step in `tidy` frees its
 * intermediates and gradients at once, instead of waiting for the garbage collector. Synchronous,
 * like `noGrad`.
 */
export function tidy<T>(fn: () => T): T {
  return scoped(fn, "tidy");
}

/**
 * `tidy`, saying who disposes (`backward` and each Function's forward run in one of these scopes
 * too): a later use of a disposed tensor is told which, and how to keep one. `adopt` names, from
 * the tensors `fn` made, those that survive besides the returned ones (what a forward saved).
 */
export function scoped<T>(
  fn: () => T,
  by: Release,
  adopt?: (made: ReadonlySet<Tensor>, result: T) => Iterable<Tensor>,
): T {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise) {
    throw new DTypeError(`${by}: the function returned a Promise; pass a synchronous function`);
  }
  // The common case of a Function's forward: it made nothing but its result (or nothing at all).
  if (scope.size === 0 || (scope.size === 1 && scope.has(result as Tensor))) {
    for (const t of scope) track(t);
    return result;
  }
  const survivors = returned(result);
  if (adopt !== undefined) for (const t of adopt(scope, result)) survivors.add(t);
  for (const t of scope) {
    if (survivors.has(t) || kept.has(t)) continue;
    t.dispose(by);
  }
  // Returned tensors now belong to the enclosing scope, if there is one.
  for (const t of survivors) if (scope.has(t)) track(t);
  return result;
}
