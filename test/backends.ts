import { loadBackend } from "../src/backend/registry.js";
import * as mt from "../src/index.js";

/**
 * Which backends the test files can run on here. Every backend this build knows is loaded once,
 * when a test file imports this module (top-level await, before its suites are collected): one
 * that cannot load here (no GPU adapter, a missing package) is left out with a single console
 * line saying why, instead of failing every test. GPU backends read only asynchronously
 * (`await t.data()`) and store float32 only, so a test that reads synchronously (`toArray`,
 * `item`, `dataSync`) or makes float64 tensors iterates `syncBackends`; a test written with
 * `await t.data()` and float32 iterates `loadedBackends`.
 */

/** A backend that loaded here. */
export interface UsableBackend {
  readonly name: mt.BackendName;
  readonly impl: mt.Backend;
  /** Whether it reads synchronously and stores float64 (what `gradcheck` needs). */
  readonly sync: boolean;
}

/** A backend that did not load here, and the loader's message saying why. */
export interface SkippedBackend {
  readonly name: mt.BackendName;
  readonly reason: string;
}

/** Whether `impl` reads synchronously and stores float64. */
export function readsSyncInFloat64(impl: mt.Backend): boolean {
  return impl.synchronousRead && impl.dtypes.includes("float64");
}

const attempts = await Promise.all(
  mt.backendNames.map(async (name) => {
    try {
      const impl = await loadBackend(name);
      return { name, impl, reason: "" };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      console.log(`tests: skipping the ${name} backend: ${reason}`);
      return { name, impl: null, reason };
    }
  }),
);

/** Every backend that loaded here, in `mt.backendNames` order. */
export const loadedBackends: readonly UsableBackend[] = attempts.flatMap(({ name, impl }) =>
  impl === null ? [] : [{ name, impl, sync: readsSyncInFloat64(impl) }],
);

/** The loaded backends that read synchronously and store float64. */
export const syncBackends: readonly UsableBackend[] = loadedBackends.filter((b) => b.sync);

/** The backends that could not load here, with why. */
export const skippedBackends: readonly SkippedBackend[] = attempts.flatMap(
  ({ name, impl, reason }) => (impl === null ? [{ name, reason }] : []),
);

/** Names of `loadedBackends` (for `describe.each(...)("… %s …")`). */
export const loadedBackendNames: readonly mt.BackendName[] = loadedBackends.map((b) => b.name);

/** Names of `syncBackends`. */
export const syncBackendNames: readonly mt.BackendName[] = syncBackends.map((b) => b.name);

/** The loaded implementation of `name` (throws when it did not load: a test bug). */
export function usable(name: mt.BackendName): UsableBackend {
  const found = loadedBackends.find((b) => b.name === name);
  if (found === undefined) throw new Error(`test bug: backend ${name} did not load here`);
  return found;
}
