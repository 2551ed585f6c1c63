import { ShapeError } from "../errors.js";
import { describeValue } from "../options.js";
import { checkShape, formatShape, normalizeDim } from "../strided/shape.js";
import { Contiguous } from "./functions.js";
import { checkOperand } from "./history_free_ops.js";
import { type IndexArg, index, narrow } from "./indexing.js";
import { cat } from "./joining.js";
import { Tensor } from "./tensor.js";
import { Flip, KeepWhere } from "./view_functions.js";
import { dimList, flatten, reshape, type ShapeArgs, shapeFromArgs } from "./views.js";

/**
 * Ops that copy elements into a new arrangement, as PyTorch's repeat, tile, flip, roll, tril and
 * triu — built from views, cat and one masked selection, so their gradients come from those.
 */

/** `out`, or a copy of it where it is still a view of `t`: these ops return new tensors, as PyTorch's. */
function fresh(t: Tensor, out: Tensor): Tensor {
  return out.storage === t.storage ? Contiguous.apply<Tensor>(out) : out;
}

/**
 * `t` repeated `sizes[i]` times along each dim, as `torch.repeat`: `sizes` has at least `t.ndim`
 * entries, extra leading ones adding dims. Each dim of size s becomes a pair [r, s] broadcast
 * from [1, s] (a view), and the pairs merge in one copy: out[…, a·s + b, …] = t[…, b, …].
 */
export function repeat(t: Tensor, sizes: ShapeArgs): Tensor {
  checkOperand("repeat", t, "a Tensor");
  const times = checkShape(shapeFromArgs(sizes), "repeat");
  if (times.length < t.ndim) {
    throw new ShapeError(
      `repeat: ${formatShape(times)} names fewer dims than the tensor's shape ${formatShape(t.shape)}`,
    );
  }
  const lead = times.length - t.ndim;
  const shape = [...new Array<number>(lead).fill(1), ...t.shape];
  // A null before each dim (two for a new leading one): [1, s₀, 1, s₁, …], a view of t.
  const args: IndexArg[] = [
    ...new Array<IndexArg>(2 * lead).fill(null),
    ...t.shape.flatMap((): IndexArg[] => [null, []]),
  ];
  const pairs = index(t, args, "repeat").expand(times.flatMap((r, i) => [r, shape[i]]));
  const out = reshape(pairs, [times.map((r, i) => r * shape[i])]);
  return fresh(t, out);
}

/**
 * `t` tiled as `torch.tile`: `repeat` with `dims` padded on the left with 1s to `t.ndim` entries.
 * (Not `mt.nn.functional.tile`, the course's pooling helper that cuts an image into windows.)
 */
export function tile(t: Tensor, dims: ShapeArgs): Tensor {
  checkOperand("tile", t, "a Tensor");
  const times = checkShape(shapeFromArgs(dims), "tile");
  const pad = new Array<number>(Math.max(t.ndim - times.length, 0)).fill(1);
  return repeat(t, [[...pad, ...times]]);
}

/** `t` with the order of its elements reversed along `dims`, as `torch.flip` (a copy). */
export function flip(t: Tensor, dims: number | readonly number[]): Tensor {
  checkOperand("flip", t, "a Tensor");
  const list = dimList(dims, t.ndim, "flip").filter((d) => d < t.ndim);
  return Flip.apply<Tensor>(t, { dims: list });
}

/**
 * `t` rolled by `shifts` along `dims` (element i moves to i + shift, wrapping round), as
 * `torch.roll`; without `dims`, over the flattened tensor, then reshaped back.
 */
export function roll(
  t: Tensor,
  shifts: number | readonly number[],
  dims?: number | readonly number[],
): Tensor {
  checkOperand("roll", t, "a Tensor");
  const by = typeof shifts === "number" ? [shifts] : [...shifts];
  if (by.length === 0 || by.some((s) => !Number.isInteger(s))) {
    throw new ShapeError(
      `roll: shifts must be an integer or integers, got ${describeValue(shifts)}`,
    );
  }
  if (dims === undefined) {
    if (by.length !== 1) {
      throw new ShapeError(
        `roll: without dims, shifts must be one integer, got ${describeValue(shifts)}`,
      );
    }
    return reshape(roll(flatten(t), by[0], 0), [t.shape]);
  }
  const along = typeof dims === "number" ? [dims] : [...dims];
  if (along.length !== by.length) {
    throw new ShapeError(
      `roll: ${by.length} shifts for ${along.length} dims (${describeValue(shifts)} and ${describeValue(dims)}); give one shift per dim`,
    );
  }
  let out = t;
  along.forEach((dim, i) => {
    const d = normalizeDim(dim, t.ndim, "roll");
    const n = t.ndim === 0 ? 1 : t.shape[d];
    const k = n === 0 ? 0 : ((by[i] % n) + n) % n;
    if (k === 0 || t.ndim === 0) return;
    out = cat([narrow(out, d, n - k, k), narrow(out, d, 0, n - k)], d);
  });
  return fresh(t, out);
}

/** tril and triu: keep the elements on one side of diagonal `diagonal` of the last two dims. */
function triangle(op: "tril" | "triu", t: Tensor, diagonal: number): Tensor {
  checkOperand(op, t, "a Tensor");
  if (t.ndim < 2) {
    throw new ShapeError(`${op}: needs at least 2 dims, got shape ${formatShape(t.shape)}`);
  }
  if (!Number.isInteger(diagonal)) {
    throw new ShapeError(`${op}: diagonal must be an integer, got ${describeValue(diagonal)}`);
  }
  const [m, n] = t.shape.slice(-2);
  const keep = new Array<number>(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      keep[i * n + j] = (op === "tril" ? j - i <= diagonal : j - i >= diagonal) ? 1 : 0;
    }
  }
  // The mask takes t's dtype: keepWhere computes in t's dtype (reading the mask as x ≠ 0), so a
  // bool mask would only be converted to it.
  const mask = Tensor.fromValues(keep, [m, n], t.dtype, t.backendImpl);
  return KeepWhere.apply<Tensor>(t, { mask });
}

/** The lower triangle of the last two dims: elements with j − i ≤ `diagonal` kept, the rest 0. */
export function tril(t: Tensor, diagonal = 0): Tensor {
  return triangle("tril", t, diagonal);
}

/** The upper triangle of the last two dims: elements with j − i ≥ `diagonal` kept, the rest 0. */
export function triu(t: Tensor, diagonal = 0): Tensor {
  return triangle("triu", t, diagonal);
}
