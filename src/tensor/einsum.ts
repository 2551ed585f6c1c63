import type { Context } from "../autodiff/context.js";
import { AutogradFunction } from "../autodiff/function.js";
import { DTypeError, ShapeError } from "../errors.js";
import { describeValue } from "../options.js";
import { formatShape, type Shape, sameShape } from "../strided/shape.js";
import { contiguousLayout, type Layout } from "../strided/tensor_data.js";
import { labelName, parseEquation } from "./einsum_equation.js";
import { MatMul } from "./functions.js";
import { Tensor } from "./tensor.js";

/**
 * `einsum` by reduction to views and the batched matmul: a label repeated within an operand is a
 * diagonal (a strided view whose stride is the sum of the repeated dims' strides), a label only
 * one operand has and the output lacks is summed away first, and each pair of operands, left to
 * right, is one batched matmul — the labels both share and keep are its batch dims, the shared
 * ones that go away its contraction dim, each side's own labels its rows and columns. Only the
 * final permutation to the output's order remains. Gradients come from the pieces.
 */

/** An operand as einsum carries it: a tensor and one distinct label per dim. */
interface Labelled {
  readonly t: Tensor;
  readonly labels: readonly number[];
}

/** The layout of the view where dim i of the result walks the input dims `groups[i]` together. */
function diagonalLayout(layout: Layout, groups: readonly (readonly number[])[]): Layout {
  return {
    shape: groups.map((g) => layout.shape[g[0]]),
    strides: groups.map((g) => g.reduce((s, d) => s + layout.strides[d], 0)),
    offset: layout.offset,
  };
}

/** Diagonal's context: the input's shape and the groups of dims merged. */
type DiagonalContext = Context<[shape: Shape, groups: readonly (readonly number[])[]]>;

/**
 * A generalised diagonal, as a view: dim i of the result steps every input dim of `groups[i]` at
 * once (the groups' dims have one size). Its gradient is g written onto those positions of zeros.
 */
class Diagonal extends AutogradFunction {
  static override forward(
    ctx: DiagonalContext,
    a: Tensor,
    p: { groups: readonly (readonly number[])[] },
  ): Tensor {
    ctx.saveForBackward(a.shape, p.groups);
    return new Tensor(a.storage, diagonalLayout(a.layout, p.groups));
  }
  static override backward(ctx: DiagonalContext, g: Tensor): Tensor {
    const [shape, groups] = ctx.savedValues;
    const zeros = Tensor.full(shape, 0, g.dtype, g.backendImpl);
    const target = new Tensor(zeros.storage, diagonalLayout(contiguousLayout(shape), groups));
    // The diagonal's positions are distinct, so this strided copy writes each one once.
    g.backendImpl.copy(target.strided, g.strided);
    target.dispose();
    return zeros;
  }
}

/** `t` with each repeated label's dims merged into one (a diagonal view); labels become distinct. */
function takeDiagonals(t: Tensor, labels: readonly number[], index: number): Labelled {
  const distinct = [...new Set(labels)];
  if (distinct.length === labels.length) return { t, labels };
  const groups = distinct.map((l) => labels.flatMap((m, d) => (m === l ? [d] : [])));
  for (const group of groups) {
    const sizes = group.map((d) => t.shape[d]);
    if (sizes.some((s) => s !== sizes[0])) {
      throw new ShapeError(
        `einsum: subscript ${labelName(labels[group[0]])} is repeated for operand ${index} but the sizes don't match, ${sizes.join(" != ")}`,
      );
    }
  }
  return { t: Diagonal.apply<Tensor>(t, { groups }), labels: distinct };
}

/** Every label's size, broadcasting size-1 dims as PyTorch does; a mismatch is a ShapeError. */
function labelSizes(operands: readonly Labelled[]): Map<number, number> {
  const sizes = new Map<number, number>();
  operands.forEach(({ t, labels }, i) => {
    labels.forEach((l, d) => {
      const seen = sizes.get(l);
      const size = t.shape[d];
      if (seen === undefined || seen === 1) sizes.set(l, size);
      else if (size !== seen && size !== 1) {
        throw new ShapeError(
          `einsum: subscript ${labelName(l)} has size ${size} for operand ${i} (shape ${formatShape(t.shape)}) which does not broadcast with previously seen size ${seen}`,
        );
      }
    });
  });
  return sizes;
}

/** `x` summed over the dims whose labels are not in `keep`. */
function sumAway(x: Labelled, keep: ReadonlySet<number>): Labelled {
  let t = x.t;
  for (let d = x.labels.length - 1; d >= 0; d--) {
    if (!keep.has(x.labels[d])) t = t.sum(d);
  }
  return { t, labels: x.labels.filter((l) => keep.has(l)) };
}

/** `x`'s dims reordered to `order` (a permutation of its labels). */
function permuteTo(x: Labelled, order: readonly number[]): Tensor {
  const perm = order.map((l) => x.labels.indexOf(l));
  return perm.every((p, i) => p === i) ? x.t : x.t.permute(perm);
}

/** `t` reshaped to `shape`, or `t` itself when it already has it (no copy of a strided view). */
function reshapeTo(t: Tensor, shape: readonly number[]): Tensor {
  return sameShape(t.shape, shape) ? t : t.reshape([...shape]);
}

/**
 * One batched matmul of a and b: [batch, rows, contract] @ [batch, contract, cols], keeping the
 * labels of `keep` (the output's and the later operands').
 */
function contractPair(
  a: Labelled,
  b: Labelled,
  keep: ReadonlySet<number>,
  sizes: ReadonlyMap<number, number>,
): Labelled {
  const inB = new Set(b.labels);
  const inA = new Set(a.labels);
  const shared = a.labels.filter((l) => inB.has(l));
  const batch = shared.filter((l) => keep.has(l));
  const contract = shared.filter((l) => !keep.has(l));
  const sideKeep = (other: Set<number>) => new Set([...keep].filter((l) => !other.has(l)));
  // A label only one side has and nothing later needs is summed away before the product.
  const left = sumAway(a, new Set([...shared, ...sideKeep(inB)]));
  const right = sumAway(b, new Set([...shared, ...sideKeep(inA)]));
  const rows = left.labels.filter((l) => !inB.has(l));
  const cols = right.labels.filter((l) => !inA.has(l));
  const size = (ls: readonly number[]) => ls.reduce((n, l) => n * (sizes.get(l) ?? 1), 1);
  const batchShape = batch.map((l) => sizes.get(l) ?? 1);
  const lhs = reshapeTo(permuteTo(left, [...batch, ...rows, ...contract]), [
    ...batchShape,
    size(rows),
    size(contract),
  ]);
  const rhs = reshapeTo(permuteTo(right, [...batch, ...contract, ...cols]), [
    ...batchShape,
    size(contract),
    size(cols),
  ]);
  const product = MatMul.apply<Tensor>(lhs, rhs);
  const shape = [...batch, ...rows, ...cols].map((l) => sizes.get(l) ?? 1);
  return { t: reshapeTo(product, shape), labels: [...batch, ...rows, ...cols] };
}

/**
 * Einstein summation (`torch.einsum`): `einsum("bij,bjk->bik", a, b)`. Each operand's dims are
 * labelled by letters; letters shared between operands multiply, letters missing from the output
 * are summed over, a letter repeated within an operand takes its diagonal, `...` stands for
 * broadcast dims. Without `->` the output is the letters appearing once, alphabetically.
 */
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  if (operands.length === 0) {
    throw new DTypeError("einsum: must specify the equation string and at least one operand");
  }
  operands.forEach((t, i) => {
    if (!(t instanceof Tensor)) {
      throw new DTypeError(`einsum: operand ${i} must be a Tensor, got ${describeValue(t)}`);
    }
  });
  const { inputs, output } = parseEquation(
    equation,
    operands.map((t) => t.shape),
  );
  const diagonals = operands.map((t, i) => takeDiagonals(t, inputs[i], i));
  const sizes = labelSizes(diagonals);
  // Broadcast size-1 dims to their label's size (a view), so every operand agrees on sizes.
  let remaining = diagonals.map(({ t, labels }) => ({
    t: t.expand(labels.map((l) => sizes.get(l) ?? 1)),
    labels,
  }));
  const outputSet = new Set(output);
  let acc = remaining[0];
  remaining = remaining.slice(1);
  while (remaining.length > 0) {
    const keep = new Set([...outputSet, ...remaining.slice(1).flatMap((x) => x.labels)]);
    acc = contractPair(acc, remaining[0], keep, sizes);
    remaining = remaining.slice(1);
  }
  return permuteTo(sumAway(acc, outputSet), output);
}
