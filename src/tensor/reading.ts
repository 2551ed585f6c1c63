import type { NodeSummary } from "../autodiff/variable.js";
import type { HostArray } from "../backend/backend.js";
import { loadBackend } from "../backend/registry.js";
import { BackendError, ShapeError } from "../errors.js";
import { formatShape } from "../strided/shape.js";
import { formatTensor } from "./format.js";
import { copyOp } from "./history_free_ops.js";
import { Tensor } from "./tensor.js";

/**
 * Getting a tensor's values to the host: asynchronously on every backend, synchronously on those
 * whose buffers JavaScript can read at once (CPU); a synchronous read on a GPU backend is a clear
 * error naming the asynchronous call. Also what graph drawings show (printing is repr.ts).
 */

/** The storage holding exactly `t`'s values in order: `t` itself, or a packed copy. */
function packed(t: Tensor): Tensor {
  const exact = t.isContiguous() && t.layout.offset === 0 && t.storage.size === t.numel();
  return exact ? t : copyOp(t);
}

/** `t`'s values in row-major logical order (views included), on every backend. */
export async function readAsync(t: Tensor): Promise<HostArray> {
  t.storage.assertAlive("data");
  const source = packed(t);
  const all = await source.backendImpl.download(source.storage.buffer);
  // `source` is read after the await so that it (and its buffer) stays alive while the read runs.
  return all.length === source.numel() ? all : all.slice(0, source.numel());
}

/** `t`'s values in row-major logical order, now; `op` names the caller in the error a GPU gives. */
export function readSync(t: Tensor, op: string): HostArray {
  if (!t.backendImpl.synchronousRead) {
    throw new BackendError(
      `${op}: the ${t.backend} backend reads asynchronously; use await t.data() instead`,
    );
  }
  t.storage.assertAlive(op);
  const source = packed(t);
  return source.backendImpl.downloadSync(source.storage.buffer);
}

/** The value of a one-element tensor, synchronously. */
export function item(t: Tensor): number {
  if (t.numel() !== 1) {
    throw new ShapeError(`item: needs a one-element tensor, got shape ${formatShape(t.shape)}`);
  }
  return readSync(t, "item")[0];
}

/** A copy of `t` on the backend `name` (`t` itself when it is already there), without history. */
export async function copyTo(t: Tensor, name: string): Promise<Tensor> {
  const target = await loadBackend(name);
  if (target.name === t.backend) return t;
  return Tensor.fromValues(await readAsync(t), t.shape, t.dtype, target.name);
}

/** What a graph node shows for `t`: the op that made it, its value and its gradient. */
export function summarize(t: Tensor): NodeSummary {
  const show = (x: Tensor) =>
    `${formatShape(x.shape)} ${x.backendImpl.synchronousRead ? formatTensor(readSync(x, "summary"), x.shape, 3) : x.dtype}`;
  return {
    label: t.history?.fn.name ?? (t.requiresGrad ? "leaf" : "const"),
    value: show(t),
    derivative: t.grad === null ? null : show(t.grad),
  };
}
