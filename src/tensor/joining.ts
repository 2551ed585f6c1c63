import type { Context } from "../autodiff/context.js";
import { AutogradFunction } from "../autodiff/function.js";
import { BackendError, DTypeError, ShapeError } from "../errors.js";
import { describeValue } from "../options.js";
import { formatShape, normalizeDim, type Shape } from "../strided/shape.js";
import { type IndexStep, indexLayout, stepsAt } from "../strided/slicing.js";
import { checkOperand } from "./history_free_ops.js";
import { narrow, select } from "./indexing.js";
import { Tensor } from "./tensor.js";
import { indexedView } from "./view_functions.js";
import { unsqueeze } from "./views.js";

/**
 * Joining tensors along a dim and splitting one apart, as PyTorch's cat, stack, split, chunk and
 * unbind. `cat` copies each input into its narrowed part of one output, so its gradient is the
 * matching narrowed views of g; the splits are views (narrow, select) and carry gradients back.
 */

/** Whether PyTorch's cat skips `t`: an empty 1-D tensor, the legacy "nothing" of older code. */
function skipped(t: Tensor): boolean {
  return t.ndim === 1 && t.shape[0] === 0;
}

/** What Cat saves: each input's steps into the output (null for a skipped one). */
type CatContext = Context<[steps: (readonly IndexStep[] | null)[]]>;

/** The inputs laid end to end along `dim` (a copy); the gradient is g's matching narrowed views. */
export class Cat extends AutogradFunction {
  static override forward(ctx: CatContext, p: { dim: number }, ...inputs: Tensor[]): Tensor {
    const kept = inputs.filter((x) => !skipped(x));
    const shape = kept.length === 0 ? [0] : kept[0].shape;
    if (kept.length > 0) shape[p.dim] = kept.reduce((n, x) => n + x.shape[p.dim], 0);
    const out = Tensor.empty(shape, inputs[0].dtype, inputs[0].backendImpl);
    let start = 0;
    const steps = inputs.map((x) => {
      if (skipped(x)) return null;
      const length = x.shape[p.dim];
      const part = stepsAt(shape, p.dim, { kind: "range", start, length, step: 1 });
      out.backendImpl.copy({ ...out.strided, ...indexLayout(out.layout, part) }, x.strided);
      start += length;
      return part;
    });
    ctx.saveForBackward(steps);
    return out;
  }
  static override backward(ctx: CatContext, g: Tensor): Tensor[] {
    const [steps] = ctx.savedValues;
    return steps.map((s) =>
      s === null ? Tensor.empty([0], g.dtype, g.backendImpl) : indexedView(g, s),
    );
  }
}

/** Check a list of tensors to join: a non-empty array of Tensors on one backend, of one dtype. */
export function checkList(op: string, tensors: unknown): asserts tensors is readonly Tensor[] {
  if (!Array.isArray(tensors)) {
    throw new DTypeError(`${op}: expected an array of Tensors, got ${describeValue(tensors)}`);
  }
  if (tensors.length === 0) throw new ShapeError(`${op}: expected a non-empty array of Tensors`);
  const first: unknown = tensors[0];
  checkOperand(`${op} (tensor 0)`, first, "a Tensor");
  tensors.forEach((x: unknown, i) => {
    checkOperand(`${op} (tensor ${i})`, x, "a Tensor");
    if (x.backend !== first.backend) {
      throw new BackendError(
        `${op}: tensor ${i} is on the ${x.backend} backend but tensor 0 on ${first.backend}; move it with await t.to("${first.backend}")`,
      );
    }
    // Where PyTorch would promote (float32 with float64), the dtype promotion rules plug in here.
    if (x.dtype !== first.dtype) {
      throw new DTypeError(
        `${op}: tensor ${i} is ${x.dtype} but tensor 0 is ${first.dtype}; convert one with .float() or .double()`,
      );
    }
  });
}

/**
 * The tensors laid end to end along `dim`, as `torch.cat`: every tensor has the same number of
 * dims and the same sizes except along `dim` (a ShapeError names the first that differs); empty
 * 1-D tensors are skipped, as PyTorch does. A new tensor (a copy).
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  checkList("cat", tensors);
  const reference = tensors.find((x) => !skipped(x)) ?? tensors[0];
  const at = tensors.indexOf(reference);
  if (reference.ndim === 0) {
    throw new ShapeError(
      `cat: tensor ${at} is 0-d and cannot be concatenated (unsqueeze it first, or use stack)`,
    );
  }
  const d = normalizeDim(dim, reference.ndim, "cat");
  tensors.forEach((x, i) => {
    if (skipped(x) && x !== reference) return;
    const fits =
      x.ndim === reference.ndim && x.shape.every((s, k) => k === d || s === reference.shape[k]);
    if (!fits) {
      const why =
        x.ndim !== reference.ndim
          ? `${x.ndim} dims, but tensor ${at} has ${reference.ndim}`
          : `sizes must match except in dim ${d}`;
      throw new ShapeError(
        `cat: tensor ${i} has shape ${formatShape(x.shape)} and tensor ${at} ${formatShape(reference.shape)}: ${why}`,
      );
    }
  });
  return Cat.apply<Tensor>({ dim: d }, ...tensors);
}

/** The tensors, all of one shape, joined along a new dim `dim` (in [−ndim−1, ndim]): `torch.stack`. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  checkList("stack", tensors);
  const shape: Shape = tensors[0].shape;
  tensors.forEach((x, i) => {
    if (formatShape(x.shape) !== formatShape(shape)) {
      throw new ShapeError(
        `stack: tensor ${i} has shape ${formatShape(x.shape)} but tensor 0 has ${formatShape(shape)}; stack needs equal shapes`,
      );
    }
  });
  const d = normalizeDim(dim, shape.length + 1, "stack");
  return Cat.apply<Tensor>({ dim: d }, ...tensors.map((x) => unsqueeze(x, d)));
}

/** A ShapeError for an op that needs at least one dim. */
function needsDims(op: string, t: Tensor): void {
  checkOperand(op, t, "a Tensor");
  if (t.ndim === 0) throw new ShapeError(`${op}: cannot be applied to a 0-d tensor`);
}

/** `t` cut along `dim` at the given `sizes` (summing to the dim's size): views. */
function splitWithSizes(t: Tensor, sizes: readonly number[], d: number): Tensor[] {
  const size = t.shape[d];
  const total = sizes.reduce((a, b) => a + b, 0);
  if (sizes.some((s) => !Number.isInteger(s) || s < 0) || total !== size) {
    throw new ShapeError(
      `split: sizes ${formatShape(sizes)} must be non-negative integers summing to ${size}, the size of dim ${d} of shape ${formatShape(t.shape)}`,
    );
  }
  let start = 0;
  return sizes.map((length) => {
    const part = narrow(t, d, start, length);
    start += length;
    return part;
  });
}

/**
 * `t` cut along `dim` into pieces of `size` elements (the last may be smaller) or of the sizes
 * listed (summing to the dim's size), as `torch.split`: views of `t`.
 */
export function split(t: Tensor, sizeOrSizes: number | readonly number[], dim = 0): Tensor[] {
  needsDims("split", t);
  const d = normalizeDim(dim, t.ndim, "split");
  if (Array.isArray(sizeOrSizes)) return splitWithSizes(t, sizeOrSizes, d);
  const size = t.shape[d];
  const piece = sizeOrSizes as number;
  if (!Number.isInteger(piece) || piece < 0 || (piece === 0 && size > 0)) {
    throw new ShapeError(
      `split: size ${describeValue(piece)} must be a positive integer (0 only for a dim of size 0), splitting dim ${d} of size ${size}`,
    );
  }
  const count = piece === 0 ? 1 : Math.max(Math.ceil(size / piece), 1);
  const sizes = Array.from({ length: count }, (_, i) => Math.min(piece, size - i * piece));
  return splitWithSizes(t, sizes, d);
}

/**
 * `t` cut along `dim` into `chunks` pieces of ⌈size / chunks⌉ elements (fewer pieces when they
 * run out, as `torch.chunk`): views of `t`.
 */
export function chunk(t: Tensor, chunks: number, dim = 0): Tensor[] {
  needsDims("chunk", t);
  if (!Number.isInteger(chunks) || chunks <= 0) {
    throw new ShapeError(`chunk: chunks must be a positive integer, got ${describeValue(chunks)}`);
  }
  const d = normalizeDim(dim, t.ndim, "chunk");
  const size = t.shape[d];
  // An empty dim still gives `chunks` (empty) pieces, as PyTorch.
  if (size === 0) return splitWithSizes(t, new Array<number>(chunks).fill(0), d);
  return split(t, Math.ceil(size / chunks), d);
}

/** The slices of `t` along `dim`, that dim removed, as `torch.unbind`: views of `t`. */
export function unbind(t: Tensor, dim = 0): Tensor[] {
  needsDims("unbind", t);
  const d = normalizeDim(dim, t.ndim, "unbind");
  return Array.from({ length: t.shape[d] }, (_, i) => select(t, d, i));
}
