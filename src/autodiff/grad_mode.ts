import { DTypeError } from "../errors.js";

/** Whether new results record their history (true unless inside `noGrad`). */
let enabled = true;

/** True when operations record history for backpropagation. */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Run `fn` without recording history (evaluation, optimizer updates), as `torch.no_grad()`.
 * `fn` must be synchronous: the mode is restored as soon as it returns.
 */
export function noGrad<T>(fn: () => T): T {
  const previous = enabled;
  enabled = false;
  try {
    const result = fn();
    if (result instanceof Promise) {
      // Awaited work would run after the mode is restored and silently record history.
      throw new DTypeError("noGrad: the function returned a Promise; pass a synchronous function");
    }
    return result;
  } finally {
    enabled = previous;
  }
}
