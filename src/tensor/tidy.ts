import { DTypeError } from "../errors.js";

/** What `tidy` needs of a tensor: to release it. */
interface Disposable {
  dispose(): void;
}

/** Open `tidy` scopes, innermost last: each holds the tensors created while it was innermost. */
const scopes: Set<Disposable>[] = [];
/** Tensors that `keep` exempted from every scope. */
const kept = new WeakSet<Disposable>();

/** Called by every new tensor: the innermost `tidy` scope, if any, will dispose it. */
export function track(t: Disposable): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Exempt `t` from the enclosing `tidy` scopes (optimizers keep the state they create). */
export function keep<T extends Disposable>(t: T): T {
  kept.add(t);
  for (const scope of scopes) scope.delete(t);
  return t;
}

/** The tensors inside a result: itself, or the members of an array or plain object. */
function returned(result: unknown, isTensor: (x: unknown) => x is Disposable): Set<Disposable> {
  const found = new Set<Disposable>();
  const visit = (x: unknown, depth: number): void => {
    if (isTensor(x)) found.add(x);
    else if (depth < 3 && Array.isArray(x)) for (const y of x) visit(y, depth + 1);
    else if (depth < 3 && typeof x === "object" && x !== null)
      for (const y of Object.values(x)) visit(y, depth + 1);
  };
  visit(result, 0);
  return found;
}

/**
 * Run `fn` and dispose every tensor it created, except those it returns (alone, or in an array
 * or object) and those passed to `keep`: a training step in `tidy` frees its intermediates and
 * gradients at once, instead of waiting for the garbage collector. Synchronous, like `noGrad`.
 */
export function runTidy<T>(fn: () => T, isTensor: (x: unknown) => x is Disposable): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise) {
    throw new DTypeError("tidy: the function returned a Promise; pass a synchronous function");
  }
  const survivors = returned(result, isTensor);
  for (const t of scope) {
    if (survivors.has(t) || kept.has(t)) continue;
    t.dispose();
  }
  // Returned tensors now belong to the enclosing scope, if there is one.
  for (const t of survivors) if (scope.has(t)) track(t);
  return result;
}
