import { AutogradError } from "../errors.js";

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
  if (!enabled) return checkSync(fn());
  const previous = enabled;
  enabled = false;
  try {
    return checkSync(fn());
  } finally {
    enabled = previous;
  }
}

function checkSync<T>(result: T): T {
  if (result instanceof Promise) {
    // Awaited work would run after the mode is restored and silently record history.
    throw new AutogradError("noGrad: the function returned a Promise; pass a synchronous function");
  }
  return result;
}
