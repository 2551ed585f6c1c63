import type { Backend } from "../backend/backend.js";
import { builtin } from "../platform.js";

/**
 * Every live backend buffer, and how an unreachable one comes back without `dispose()` or `tidy`.
 *
 * JavaScript frees objects, not WebAssembly or GPU memory: when a tensor becomes unreachable, only
 * a finalizer can return its buffer, and V8 decides when to collect by the size of its own heap, in
 * which a tensor is a few hundred bytes whatever its buffer holds. A training loop that makes a
 * megabyte of tensors a step grows the backend's memory by gigabytes before V8 sees a reason to
 * collect — and a synchronous loop never lets finalizers run at all, since they run between tasks.
 *
 * So collection is driven by the backends' own pressure: when live buffers have grown by
 * `budget()` bytes since the last collection, the allocator asks for one. In Node that is
 * synchronous: clear V8's "kept during this job" set (what lets a `WeakRef` read in this job stay
 * alive until it ends), run a full collection, and free the buffer of every storage whose weak
 * reference came back empty. Elsewhere (a browser)
 * there is no way to collect on demand: the finalizers free the buffers when V8 collects, which
 * it does between tasks often enough that a loop yielding to the event loop holds flat memory
 * (test/browser/memory_page.js; with or without telling V8 of the pressure, which is why nothing
 * here tries to).
 */

/** What freeing a buffer needs; kept apart from its storage so that holding it keeps nothing alive. */
export interface Allocation {
  readonly backend: Backend;
  readonly buffer: unknown;
  readonly bytes: number;
  freed: boolean;
}

const live = { buffers: 0, bytes: 0 };

/** Live backend buffers and their bytes, over all backends (`mt.memory()`). */
export function memory(): { buffers: number; bytes: number } {
  return { ...live };
}

/** Return an allocation's buffer to its backend (once). */
export function free(allocation: Allocation): void {
  if (allocation.freed) return;
  allocation.freed = true;
  allocation.backend.free(allocation.buffer);
  live.buffers -= 1;
  live.bytes -= allocation.bytes;
  // The baseline follows live memory down, so growth is measured from the lowest level since.
  if (live.bytes < liveAfterCollection) liveAfterCollection = live.bytes;
}

/**
 * The asynchronous path, where there is no synchronous collector (a browser): a storage the
 * garbage collector took frees its buffer between tasks.
 */
const finalizers = new FinalizationRegistry<Allocation>(free);

/** The synchronous path: each live storage's weak reference, scanned after a forced collection. */
const watched: { owner: WeakRef<object>; allocation: Allocation }[] = [];

/** Collect when live memory has grown by at least this much since the last collection. */
const MIN_BUDGET = 64 * 2 ** 20;
let liveAfterCollection = 0;
/**
 * …or after this many allocations, however small: until a collection clears V8's kept set, every
 * storage made in a synchronous loop stays alive (with its tensors and its entry in `watched`), so
 * a loop of many tiny tensors would otherwise grow the JavaScript heap by hundreds of megabytes
 * before its 64 MiB of backend memory asked for a collection.
 */
const MAX_ALLOCATIONS = 200_000;
let allocationsSinceCollection = 0;

/**
 * Growth of live bytes allowed before the next collection: 64 MiB, or half of what survived the
 * last one — so a program with a large working set does not collect on every step, and one that
 * frees what it makes (`tidy`, `dispose`) never pays for a collection at all.
 */
function budget(): number {
  return Math.max(MIN_BUDGET, liveAfterCollection / 2);
}

/** Count a new buffer owned by `owner`; freed when `owner` is unreachable (or by `release`). */
export function allocated(owner: object, allocation: Allocation): void {
  live.buffers += 1;
  live.bytes += allocation.bytes;
  if (synchronousCollector() === undefined) {
    finalizers.register(owner, allocation, allocation);
  } else {
    // No finalizer where the scan below runs: it frees every unreachable storage itself, and a
    // registration costs about as much as the weak reference.
    watched.push({ owner: new WeakRef(owner), allocation });
  }
  allocationsSinceCollection += 1;
  if (live.bytes - liveAfterCollection > budget() || allocationsSinceCollection > MAX_ALLOCATIONS) {
    collectGarbage();
  }
}

/** Free an allocation now (its owner let go of it explicitly). */
export function release(allocation: Allocation): void {
  finalizers.unregister(allocation);
  free(allocation);
}

/**
 * Free the buffers of every storage the program can no longer reach; returns how many. Called by
 * the allocator under pressure; `mt.collectGarbage()` lets a program ask for it (e.g. before
 * measuring memory).
 */
export function collectGarbage(): number {
  allocationsSinceCollection = 0;
  const collector = synchronousCollector();
  if (collector === undefined) {
    // Counted as collected, so that the next check waits for another budget of growth: the
    // finalizers bring the level down once the loop yields.
    liveAfterCollection = live.bytes;
    return 0;
  }
  collector();
  let freed = 0;
  let kept = 0;
  for (const entry of watched) {
    if (entry.allocation.freed) continue;
    if (entry.owner.deref() === undefined) {
      free(entry.allocation);
      freed += 1;
    } else {
      watched[kept++] = entry;
    }
  }
  watched.length = kept;
  // Reading the survivors' references put them in the kept set again; clear it so they can go in
  // the next collection even if this job never ends (a synchronous loop).
  collector.clearKept();
  liveAfterCollection = live.bytes;
  return freed;
}

/** A forced full collection after clearing the kept set, where the platform allows one (Node). */
interface SynchronousCollector {
  (): void;
  clearKept(): void;
}

let collector: SynchronousCollector | null | undefined;

/**
 * Node's collector, made once: `gc` from `--expose-gc` (set at run time if the program did not
 * start with it) and a `vm` context whose microtask checkpoint, run after each evaluation, clears
 * V8's kept set as the end of a job does. Undefined outside Node or if either step fails.
 */
function synchronousCollector(): SynchronousCollector | undefined {
  if (collector === undefined) collector = makeCollector();
  return collector ?? undefined;
}

function makeCollector(): SynchronousCollector | null {
  const v8 = builtin<typeof import("node:v8")>("node:v8");
  const vm = builtin<typeof import("node:vm")>("node:vm");
  if (v8 === undefined || vm === undefined) return null;
  try {
    let gc = (globalThis as { gc?: () => void }).gc;
    if (typeof gc !== "function") {
      v8.setFlagsFromString("--expose-gc");
      gc = vm.runInNewContext("gc") as () => void;
    }
    const context = vm.createContext({}, { microtaskMode: "afterEvaluate" });
    const checkpoint = new vm.Script("0");
    const clearKept = (): void => {
      checkpoint.runInContext(context);
    };
    const collect = gc;
    const run = (): void => {
      clearKept();
      collect();
    };
    return Object.assign(run, { clearKept });
  } catch {
    return null;
  }
}
