/**
 * The thread pool's worker, as JavaScript source: one body for both platforms, started by a small
 * platform header. Source rather than a module file, so nothing has to resolve a worker file from
 * `src/` (Vitest), `dist/` (Node) or a bundle (browsers): Node runs it with
 * `new Worker(source, { eval: true })`, a browser from a Blob URL. Slot numbers are spliced in from
 * `control_block.ts`, the tasks' worker sides from `pool_tasks.ts` and the kernel names from the
 * SIMD table (`simd_table.ts`), so the two sides cannot disagree.
 *
 * `run(init, ready)` instantiates the kernels on the shared memory, calls `ready()`, then loops:
 * wait for its GENERATION slot to change, run the task on its range, decrement PENDING. It never
 * returns (a worker lives until terminated); if it cannot start, it records why in the control
 * block and marks itself DEAD.
 */

import {
  DEAD,
  FAILED,
  GENERATION,
  MESSAGE_BYTES,
  MESSAGE_LENGTH,
  PENDING,
  ROW_END,
  ROW_START,
  SCALAR,
  SLOT,
  TASK,
  WORKERS,
} from "./control_block.js";
import { POOL_TASKS } from "./pool_tasks.js";
import { ELEMENTWISE_KERNELS } from "./simd_table.js";

/** How long a worker spins for its next task before it sleeps in Atomics.wait. */
export const WORKER_SPIN_MS = 0.5;

/** What each worker is handed: everything it needs, nothing it must allocate. */
export interface WorkerInit {
  /** The compiled kernels (instantiated once per worker, on `memory`). */
  module: WebAssembly.Module;
  /** The backend's shared memory. */
  memory: WebAssembly.Memory;
  /** The control block (`control_block.ts`). */
  control: SharedArrayBuffer;
  /** This worker's index (its slot group). */
  index: number;
  /** Byte offset of this worker's own matmul scratch in `memory`. */
  scratch: number;
  /** Byte offset of the error-message area in `control`. */
  messageByte: number;
}

const body = `function run(init, ready) {
  const { module, memory, control, index, scratch, messageByte } = init;
  // The control block's views, named as in \`ControlViews\`: the tasks' worker sides use them.
  const ctl = new Int32Array(control);
  const u32 = new Uint32Array(control);
  const f32 = new Float32Array(control);
  const f64 = new Float64Array(control, 0, ${SCALAR / 2 + 1});
  const slot = ${WORKERS} + index * ${SLOT};
  function fail(error) {
    if (Atomics.compareExchange(ctl, ${FAILED}, 0, index + 1) !== 0) return;
    const text = new TextEncoder().encode(String((error && error.message) || error));
    const bytes = text.subarray(0, ${MESSAGE_BYTES});
    new Uint8Array(control, messageByte, ${MESSAGE_BYTES}).set(bytes);
    Atomics.store(ctl, ${MESSAGE_LENGTH}, bytes.length);
  }
  try {
    const env = {
      memory,
      abort(_message, _file, line, column) {
        throw new Error("WebAssembly kernel aborted at " + line + ":" + column);
      },
    };
    const ex = new WebAssembly.Instance(module, { env }).exports;
    // The table's kernels by code, and the tasks by code: both spliced in from their tables.
    const kernels = ${JSON.stringify(ELEMENTWISE_KERNELS)}.map((name) => ex[name]);
    const tasks = [
${POOL_TASKS.map((task) => `      (start, end) => {\n        ${task.worker}\n      },\n`).join("")}    ];
    ready();
    let seen = 0;
    for (;;) {
      // Spin a little before sleeping: waking a thread from Atomics.wait costs 40-70 µs.
      const until = performance.now() + ${WORKER_SPIN_MS};
      while (Atomics.load(ctl, slot + ${GENERATION}) === seen && performance.now() < until) {}
      Atomics.wait(ctl, slot + ${GENERATION}, seen);
      const generation = Atomics.load(ctl, slot + ${GENERATION});
      if (generation === seen) continue;
      seen = generation;
      try {
        tasks[ctl[${TASK}]](ctl[slot + ${ROW_START}], ctl[slot + ${ROW_END}]);
      } catch (error) {
        fail(error);
      }
      if (Atomics.sub(ctl, ${PENDING}, 1) === 1) Atomics.notify(ctl, ${PENDING});
    }
  } catch (error) {
    fail(error);
    throw error;
  } finally {
    Atomics.store(ctl, slot + ${DEAD}, 1);
    Atomics.notify(ctl, ${PENDING});
  }
}
`;

/** The worker for Node's worker_threads (CommonJS, `eval: true`; the init comes as workerData). */
export const nodeWorkerSource = `"use strict";
${body}
run(require("node:worker_threads").workerData, () => {});
`;

/**
 * The worker for a browser's Web Worker (a classic script from a Blob URL): the init comes as the
 * first message; "ready" goes back once the kernels are instantiated, the error if they cannot be
 * (an exception in \`run\` also reaches the page as the worker's error event).
 */
export const browserWorkerSource = `"use strict";
${body}
self.onmessage = (event) => {
  self.onmessage = null;
  try {
    run(event.data, () => self.postMessage({ ready: true }));
  } catch (error) {
    self.postMessage({ error: String((error && error.message) || error) });
  }
};
`;
