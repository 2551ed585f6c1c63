/**
 * Starting the pool's workers on each platform. The pool itself (`thread_pool.ts`) only needs
 * handles it can terminate and to hear when a worker dies.
 *
 * - Node (`worker_threads`): a worker runs on its own OS thread as soon as it is constructed, so a
 *   pool can be made and used synchronously, in the middle of an op.
 * - Browsers (Web Workers): a new worker does not start until the page's thread returns to its
 *   event loop, so a product dispatched right after `new Worker` would wait forever. The pool is
 *   therefore started ahead, asynchronously, and used only once every worker said it is ready.
 */

import type { Worker as NodeWorker } from "node:worker_threads";
import { BackendError } from "../../errors.js";
import { builtin } from "../../platform.js";
import { browserWorkerSource, nodeWorkerSource, type WorkerInit } from "./worker_program.js";

/** A started worker, as the pool sees it. */
export interface PoolWorker {
  terminate(): Promise<unknown>;
}

/** Called (at most once per worker) with why it stopped: an uncaught error or its exit. */
export type OnDeath = (why: string) => void;

/** Whether Node's worker threads are here. */
export function hasNodeWorkers(): boolean {
  return builtin("node:worker_threads") !== undefined;
}

/** Whether Web Workers are here (a browser page, or a worker that may start its own). */
export function hasWebWorkers(): boolean {
  return typeof Worker === "function" && typeof Blob === "function" && typeof URL === "function";
}

/**
 * A Node worker thread, running from the moment it returns. unref()'d: a worker idle in
 * Atomics.wait does not keep the process alive.
 */
export function spawnNodeWorker(init: WorkerInit, onDeath: OnDeath): PoolWorker {
  const threads = builtin<typeof import("node:worker_threads")>("node:worker_threads");
  if (threads === undefined) throw new BackendError("cpu backend: node:worker_threads is missing");
  const worker: NodeWorker = new threads.Worker(nodeWorkerSource, { eval: true, workerData: init });
  worker.unref();
  worker.on("error", (error: Error) => onDeath(`failed: ${error.message}`));
  worker.on("exit", (code: number) => onDeath(`exited with code ${code}`));
  return { terminate: () => worker.terminate() };
}

/** How long a Web Worker may take to load and instantiate the kernels before the pool gives up. */
const BROWSER_START_MS = 10_000;

/**
 * Web Workers from one Blob URL of the worker program; resolves once each has instantiated the
 * kernels on the shared memory (the module, memory and control block are shared with it by
 * postMessage, not copied), rejects with the first one's error. A start that takes longer than
 * 10 s rejects too, and every worker is terminated.
 */
export async function spawnBrowserWorkers(
  inits: readonly WorkerInit[],
  onDeath: (index: number, why: string) => void,
): Promise<PoolWorker[]> {
  const url = URL.createObjectURL(new Blob([browserWorkerSource], { type: "text/javascript" }));
  const workers: Worker[] = [];
  try {
    const started = inits.map((init, index) => {
      const worker = new Worker(url, { name: `minitorch-cpu-${index}` });
      workers.push(worker);
      return new Promise<void>((resolve, reject) => {
        let ready = false;
        worker.onmessage = (event: MessageEvent<{ ready?: boolean; error?: string }>) => {
          if (event.data.ready === true) {
            ready = true;
            resolve();
          } else {
            reject(new Error(event.data.error ?? "the worker sent an unknown message"));
          }
        };
        worker.onerror = (event: ErrorEvent) => {
          event.preventDefault();
          const why = event.message || "a worker failed to start";
          if (ready) onDeath(index, `failed: ${why}`);
          else reject(new Error(why));
        };
        worker.postMessage(init);
      });
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`workers did not start within ${BROWSER_START_MS} ms`)),
        BROWSER_START_MS,
      );
    });
    try {
      await Promise.race([Promise.all(started), timeout]);
    } finally {
      clearTimeout(timer);
    }
    return workers.map((worker) => ({
      terminate: () => {
        worker.terminate();
        return Promise.resolve();
      },
    }));
  } catch (error) {
    for (const worker of workers) worker.terminate();
    throw error;
  } finally {
    // Each worker has fetched its script once started (or is terminated): the URL is not needed.
    URL.revokeObjectURL(url);
  }
}
