/**
 * What the cpu backend needs to know about where it runs — Node or a browser page (or a Web
 * Worker) — in one place, without a static import of any Node built-in (that would break a browser
 * bundle and a page that imports `dist/` directly).
 */

/** The `process` global where there is one (Node), typed loosely: a browser has none. */
export function nodeProcess(): NodeJS.Process | undefined {
  const p = (globalThis as { process?: NodeJS.Process }).process;
  return p?.versions?.node === undefined ? undefined : p;
}

/** True in Node (and runtimes that present themselves as Node). */
export function isNode(): boolean {
  return nodeProcess() !== undefined;
}

/**
 * A Node built-in module, loaded synchronously through `process.getBuiltinModule` (Node ≥ 20.16,
 * hence the package's `engines`); undefined outside Node. Not a static `import "node:…"`: a
 * browser cannot resolve that specifier, and the library's module graph must load in a page as is.
 */
export function builtin<T>(id: string): T | undefined {
  const proc = nodeProcess();
  if (proc === undefined || typeof proc.getBuiltinModule !== "function") return undefined;
  return proc.getBuiltinModule(id) as T;
}

/**
 * Whether memory can be shared between threads here: always in Node; in a browser only on a
 * cross-origin isolated page (COOP `same-origin` + COEP `require-corp`), where SharedArrayBuffer
 * exists.
 */
export function canShareMemory(): boolean {
  return typeof SharedArrayBuffer === "function";
}

/**
 * Whether this thread may block in `Atomics.wait`: yes in Node (main thread included) and in Web
 * Workers; no on a browser's main thread, which must spin instead. Asked once: the answer cannot
 * change for a thread.
 */
let blocking: boolean | undefined;
export function canBlock(): boolean {
  if (blocking === undefined) {
    if (!canShareMemory()) {
      blocking = false;
    } else {
      try {
        // The value differs (0 ≠ 1), so where waiting is allowed this returns "not-equal" at once;
        // where it is not, it throws before comparing.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
        blocking = true;
      } catch {
        blocking = false;
      }
    }
  }
  return blocking;
}

/** Logical cores: `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in a browser. */
export function hardwareThreads(): number {
  const os = builtin<typeof import("node:os")>("node:os");
  if (os !== undefined) return os.availableParallelism?.() ?? os.cpus().length;
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}

/**
 * Whether a memory is shared. Not a bare `instanceof SharedArrayBuffer`: on a page that is not
 * cross-origin isolated that name is not even defined.
 */
export function isSharedMemory(memory: WebAssembly.Memory): boolean {
  return canShareMemory() && memory.buffer instanceof SharedArrayBuffer;
}
