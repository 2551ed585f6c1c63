import type { Context } from "../autodiff/context.js";
import { AutogradFunction } from "../autodiff/function.js";
import { isGradEnabled } from "../autodiff/grad_mode.js";
import { nextVariableId, type Variable } from "../autodiff/variable.js";
import type { DType } from "../backend/backend.js";
import { dtypeInfo } from "../backend/dtypes.js";
import { AutogradError, BackendError, DTypeError, ShapeError } from "../errors.js";
import { formatShape, type Shape, sameShape, shapeBroadcast } from "../strided/shape.js";
import { checkOperand, copyOp } from "./history_free_ops.js";
import { type ClampBound, type ClampOptions, clamp } from "./math.js";
import { binaryTypes, scalarDType } from "./promotion.js";
import { maskedFill } from "./selecting.js";
import { Tensor, type TensorLike } from "./tensor.js";

/**
 * PyTorch's in-place ops (`add_`, `mul_`, `fill_`, `copy_`, `clamp_`…): each computes its result
 * as the out-of-place op does and writes it through the tensor's own view into its storage, so
 * every view of that storage sees it, and returns the tensor. Each write bumps the storage's
 * version, which backward checks against the versions its saved tensors had (context.ts).
 *
 * Autograd, as PyTorch's rules: a leaf that requires grad cannot be written in place outside
 * `noGrad` (inside it, optimizers and init code update weights); a tensor with history takes the
 * result's history and stands for the new value from then on, while the ops recorded before still
 * reach its old value (see `Overwrite` in autodiff/variable.ts).
 *
 * Limitation: PyTorch also rebases the history of a view's base (and re-derives the views of a
 * tensor written in place); minitorch does not, so writing a gradient-carrying value into a view
 * that shares memory with other tensors is an AutogradError — at the op where it can tell (a view
 * made by a tracked op, a constant whose memory other tensors hold), in backward where only the
 * graph can (a view made before its base was written in place) — never a wrong gradient.
 */

/** PyTorch's names of the dtypes, as its messages print them. */
const torchName: Record<DType, string> = {
  float32: "Float",
  float64: "Double",
  int32: "Int",
  bool: "Bool",
};

const kindRank = { bool: 0, int: 1, float: 2 } as const;

/** torch.can_cast: a result may be written into a tensor of the same or a higher kind. */
function canCast(from: DType, to: DType): boolean {
  return kindRank[dtypeInfo[from].kind] <= kindRank[dtypeInfo[to].kind];
}

/** PyTorch's error for a result of a higher kind than the tensor it would be written into. */
function checkCast(op: string, result: DType, self: Tensor): void {
  if (canCast(result, self.dtype)) return;
  throw new DTypeError(
    `${op}: result type ${torchName[result]} can't be cast to the desired output type ${torchName[self.dtype]} (the ${result} result does not fit this ${self.dtype} tensor in place; use the out-of-place op, or convert the tensor first)`,
  );
}

/** PyTorch's error for an operand whose broadcast with the tensor would change the tensor's shape. */
function checkBroadcast(op: string, self: Tensor, other: Shape): void {
  const shape = shapeBroadcast(self.shape, other, op);
  if (!sameShape(shape, self.shape)) {
    throw new ShapeError(
      `${op}: output with shape ${formatShape(self.shape)} doesn't match the broadcast shape ${formatShape(shape)} (operand of shape ${formatShape(other)})`,
    );
  }
}

/**
 * Where a dim of more than one element has stride 0 (an `expand`ed view), several elements are
 * one memory location: writing a result there is ambiguous, as PyTorch says.
 */
function checkNoOverlap(op: string, self: Tensor): void {
  const { shape, strides } = self.layout;
  if (!shape.some((n, d) => n > 1 && strides[d] === 0)) return;
  throw new ShapeError(
    `${op}: unsupported operation: more than one element of the written-to tensor (shape ${formatShape(shape)}, strides ${formatShape(strides)}) refers to a single memory location; clone() the tensor before performing the operation`,
  );
}

/** `x`, or `old` where x is the tensor being written (`y.mul_(y)` reads its old value). */
function operand<T extends TensorLike | ClampBound>(x: T, self: Tensor, old: Tensor): T | Tensor {
  return x === self ? old : x;
}

/**
 * Why `self` cannot be written with history here, or null. Two cases PyTorch handles by rebasing
 * the base tensor, which minitorch cannot: `self` is a view (made by a tracked op) of a tensor
 * that requires grad, or a constant that becomes part of a graph while other tensors hold its
 * memory (they would change without their gradients following).
 */
function unsupportedView(op: string, self: Tensor): string | null {
  const base = viewBaseOf(self);
  if (base !== null) {
    let root = base;
    for (let up = viewBaseOf(root); up !== null; up = viewBaseOf(root)) root = up;
    if (root.isLeaf && root.requiresGrad) {
      return `${op}: a view of a leaf Variable that requires grad is being used in an in-place operation (update it inside mt.noGrad, as optimizers do)`;
    }
    return `${op}: this tensor is a view (made by ${self.history?.fn.name}) of another tensor of shape ${formatShape(base.shape)} that requires grad; writing into it in place would change that tensor without its gradient following (PyTorch rebases the base's history, minitorch does not): clone() the view first, or use the out-of-place op`;
  }
  if (!self.requiresGrad && self.storage.holders > 1) {
    return `${op}: this tensor does not require grad but the value written into it does, and ${self.storage.holders - 1} other tensor(s) (views, detach()ed copies) share its memory; they would change without gradients flowing through them (PyTorch rebases the base's history, minitorch does not): write into a tensor of its own (clone() it first), or use the out-of-place op`;
  }
  return null;
}

/**
 * The tensor `t` is a tracked view of (an input of its history sharing its storage), or null. The
 * old value an in-place op wrote over shares it too, but is no other tensor: it is not counted.
 */
function viewBaseOf(t: Tensor): Tensor | null {
  const history = t.history;
  if (history === null) return null;
  const previous = history.overwrote?.previous;
  const base = history.inputs.find(
    (u): u is Tensor => u instanceof Tensor && u.storage === t.storage && u !== previous,
  );
  return base ?? null;
}

/** Write `r`'s values into `self`'s view (converted to its dtype), and count the write. */
function writeValues(self: Tensor, r: Tensor): void {
  // A result viewing self's own memory would be read while it is overwritten: copy it first.
  const source = r.storage === self.storage ? copyOp(r) : r;
  self.backendImpl.copy(self.strided, source.strided);
  if (source !== r) source.dispose();
  self.storage.bumpVersion();
}

/** How one in-place op computes its result from the tensor's old value, out of place. */
interface InPlaceOp {
  /** The op's name, as errors show it (`mul_`). */
  readonly name: string;
  /** The tensors among its operands (their gradients decide whether the write is recorded). */
  readonly operands: readonly unknown[];
  /**
   * Whether its Function saves the old value for backward (mul, div, clamp): then the old value
   * is first copied aside, as PyTorch saves `original_self`, so that the write does not make
   * backward fail its version check.
   */
  readonly savesOld: boolean;
  /** The result, from `old`: the tensor's value before the write, as a variable of its own. */
  compute(old: Tensor): Tensor;
}

/** Whether the write must be recorded: grad mode is on and the tensor or an operand requires grad. */
function recorded(self: Tensor, operands: readonly unknown[]): boolean {
  if (!isGradEnabled()) return false;
  if (self.requiresGrad && self.isLeaf) {
    throw new AutogradError(
      "a leaf Variable that requires grad is being used in an in-place operation (update it inside mt.noGrad, as optimizers do, or detach() it)",
    );
  }
  return self.requiresGrad || operands.some((x) => x instanceof Tensor && x.requiresGrad);
}

/** Run `op` in place on `self` (see the module comment); returns self. */
function inPlace(self: Tensor, op: InPlaceOp): Tensor {
  self.storage.assertAlive(op.name);
  if (!recorded(self, op.operands)) {
    const r = op.compute(self);
    checkResult(op.name, self, r);
    writeValues(self, r);
    if (r !== self) r.dispose();
    return self;
  }
  const why = unsupportedView(op.name, self);
  if (why !== null) throw new AutogradError(why);
  // Every variable made so far — each op that consumed self's old value — has a smaller id.
  const at = nextVariableId();
  const previous = previousValue(self, op.savesOld);
  let r = op.compute(previous);
  checkResult(op.name, self, r);
  if (r.dtype !== self.dtype) r = r.to(self.dtype);
  writeValues(self, r);
  const history = r.history;
  if (history === null) return self; // nothing requires grad after all (an integer result)
  const storage = self.storage;
  const check = (consumer: Variable) => {
    if (consumer instanceof Tensor && consumer.storage === storage) {
      throw new AutogradError(
        `backward: a view (made by ${consumer.history?.fn.name}) of a tensor of shape ${formatShape(self.shape)} was made before ${op.name} wrote into that tensor in place; its gradient would miss the write (PyTorch re-derives the view, minitorch does not): make the view after the in-place op, or clone() it`,
      );
    }
  };
  Tensor.rebaseHistory(self, { ...history, recordedAt: at, overwrote: { previous, check } });
  // r's buffer only held the values, unless its Function saved r itself: then it goes when that
  // backward has run. (The old value may be saved by any Function of a composite op, clamp's
  // two: it is left to the collector, as any tensor a graph holds.)
  const result = r;
  if (history.ctx.savedValues.includes(result)) {
    history.ctx.onRelease(() => result.dispose("backward"));
  } else {
    result.dispose();
  }
  return self;
}

/**
 * `self`'s value before the write, as a variable of its own with self's history (recorded when
 * self got it): the input of the in-place op's Function, and what the ops recorded before it
 * consumed. It views self's memory, unless the op's Function saves it (`copied`).
 */
function previousValue(self: Tensor, copied: boolean): Tensor {
  const value = copied ? copyOp(self) : self.detach();
  const history = self.history;
  if (history === null) return value;
  return Tensor.attachHistory(value, {
    ...history,
    recordedAt: history.recordedAt ?? self.uniqueId,
  });
}

/** The result must keep self's shape and fit its dtype: PyTorch's errors otherwise. */
function checkResult(op: string, self: Tensor, r: Tensor): void {
  if (!sameShape(r.shape, self.shape)) {
    throw new ShapeError(
      `${op}: output with shape ${formatShape(self.shape)} doesn't match the broadcast shape ${formatShape(r.shape)}`,
    );
  }
  checkCast(op, r.dtype, self);
}

/** The arithmetic ops that have an in-place form. */
type Arithmetic = "add" | "sub" | "mul" | "div";

/** self ← self ∘ b, for ∘ in + − · /; b a number or a tensor that broadcasts to self's shape. */
export function arithmetic_(op: Arithmetic, self: Tensor, b: TensorLike): Tensor {
  const name = `${op}_`;
  checkOperand(name, self, "a Tensor");
  if (typeof b !== "number") {
    checkOperand(name, b);
    checkBroadcast(name, self, b.shape);
  }
  checkNoOverlap(name, self);
  const other = typeof b === "number" ? { dtype: scalarDType(b, self.dtype), ndim: 0 } : b;
  const types = binaryTypes(op, self, other);
  checkCast(name, types.out, self);
  if (directly(op, self, b, types)) return self;
  return inPlace(self, {
    name,
    operands: [b],
    savesOld: op === "mul" || op === "div",
    compute: (old) => old[op](operand(b, self, old)),
  });
}

/**
 * The common case in one kernel, without a temporary: nothing to record, and the result computed
 * in self's own dtype from an operand that does not share self's memory — the kernel may write
 * over the operand it reads (the same element only), not over another view of it.
 */
function directly(
  op: Arithmetic,
  self: Tensor,
  b: TensorLike,
  types: { compute: DType; out: DType },
): boolean {
  if (types.compute !== self.dtype || types.out !== self.dtype) return false;
  if (typeof b !== "number" && (b.storage === self.storage || b.backend !== self.backend)) {
    return false;
  }
  if (recorded(self, [b])) return false;
  self.storage.assertAlive(`${op}_`);
  const y =
    typeof b === "number"
      ? Tensor.full([], b, self.dtype, self.backendImpl)
      : b.dtype === self.dtype
        ? b
        : copyOp(b, b.shape, self.dtype);
  self.backendImpl.zip(op, self.strided, self.strided, y.strided);
  if (y !== b) y.dispose();
  self.storage.bumpVersion();
  return true;
}

/**
 * The result of writing `src` over a tensor: src broadcast to its shape, in its dtype; the
 * derivative goes to src (summed over the broadcast dims), none to the old value.
 */
class Copy extends AutogradFunction {
  static override forward(_ctx: Context, old: Tensor, src: Tensor): Tensor {
    return copyOp(src, old.shape, old.dtype);
  }
  static override backward(ctx: Context, g: Tensor): (Tensor | null)[] {
    return [ctx.needsInputGrad[0] ? g.zerosLike() : null, g];
  }
}

/** Copy under the name graph drawings and errors show for `fill_` (PyTorch's FillBackward). */
class Fill extends Copy {}

/** self ← src, broadcast to self's shape and converted to self's dtype (any dtype). */
export function copy_(self: Tensor, src: Tensor): Tensor {
  checkOperand("copy_", self, "a Tensor");
  checkOperand("copy_", src, "a Tensor");
  checkBroadcast("copy_", self, src.shape);
  checkNoOverlap("copy_", self); // fill_ may write over an expanded view: its elements are alike
  if (src.backend !== self.backend) return copyAcross(self, src);
  return overwrite(self, "copy_", src, Copy);
}

/**
 * copy_ from another backend, as PyTorch copies between devices: through the host, so src must
 * read synchronously, and no gradient follows (as with `to(backend)`).
 */
function copyAcross(self: Tensor, src: Tensor): Tensor {
  if (!src.backendImpl.synchronousRead) {
    throw new BackendError(
      `copy_: src is on the ${src.backend} backend, which reads only asynchronously, and this tensor on ${self.backend}; move it first with await src.to("${self.backend}")`,
    );
  }
  if (isGradEnabled() && src.requiresGrad) {
    throw new AutogradError(
      `copy_: gradients do not flow between backends (src on ${src.backend} requires grad, this tensor is on ${self.backend}); copy src.detach(), or move it with await src.to("${self.backend}") first`,
    );
  }
  const here = Tensor.fromValues(src.dataSync(), src.shape, self.dtype, self.backendImpl);
  try {
    return overwrite(self, "copy_", here, Copy);
  } finally {
    here.dispose();
  }
}

/** self ← value everywhere (a number, or a 0-d tensor), converted to self's dtype. */
export function fill_(self: Tensor, value: TensorLike, name = "fill_"): Tensor {
  checkOperand(name, self, "a Tensor");
  if (typeof value !== "number") {
    checkOperand(name, value, "a number or a 0-d Tensor");
    if (value.ndim !== 0) {
      throw new ShapeError(
        `${name}: only supports a 0-dimension value tensor, but got one of shape ${formatShape(value.shape)}`,
      );
    }
    if (value.backend !== self.backend) return copyAcross(self, value);
    return overwrite(self, name, value, Fill);
  }
  const constant = Tensor.full(
    [],
    fillValue(name, value, self.dtype),
    self.dtype,
    self.backendImpl,
  );
  try {
    return overwrite(self, name, constant, Fill);
  } finally {
    constant.dispose();
  }
}

/** self ← 0. */
export function zero_(self: Tensor): Tensor {
  return fill_(self, 0, "zero_");
}

/** `value` as a `dtype` element: integers truncate, as PyTorch's fill_; out of range is an error. */
function fillValue(op: string, value: number, dtype: DType): number {
  if (dtype !== "int32") return value;
  const v = Math.trunc(value);
  if (!Number.isFinite(v) || v < -(2 ** 31) || v >= 2 ** 31) {
    throw new DTypeError(
      `${op}: value ${value} cannot be converted to type int32 without overflow`,
    );
  }
  return v;
}

/** Write src (broadcast) over self by `fn`, recorded where gradients ask (fill_, copy_). */
function overwrite(self: Tensor, name: string, src: Tensor, fn: typeof Copy): Tensor {
  if (!recorded(self, [src])) {
    // Nothing to record: one strided copy straight into self's view, with no temporary.
    self.storage.assertAlive(name);
    writeValues(self, src);
    return self;
  }
  return inPlace(self, {
    name,
    operands: [src],
    savesOld: false,
    compute: (old) => fn.apply<Tensor>(old, operand(src, self, old)),
  });
}

/** self ← clamp(self, min, max), the bounds as the out-of-place `clamp` takes them. */
export function clamp_(self: Tensor, min?: ClampBound | ClampOptions, max?: ClampBound): Tensor {
  checkOperand("clamp_", self, "a Tensor");
  checkNoOverlap("clamp_", self);
  const options = typeof min === "object" && min !== null && !(min instanceof Tensor);
  const [lo, hi] = options ? [min.min, min.max] : [min, max];
  for (const bound of [lo, hi]) {
    if (bound instanceof Tensor) checkBroadcast("clamp_", self, bound.shape);
  }
  return inPlace(self, {
    name: "clamp_",
    operands: [lo, hi],
    savesOld: true,
    // Options pass on whole (with max, if given too), for clamp's own checks of them.
    compute: (old) =>
      options
        ? clamp(old, { ...min, min: operand(lo, self, old), max: operand(hi, self, old) }, max)
        : clamp(old, operand(lo, self, old), operand(hi, self, old)),
  });
}

/** self ← value where `mask` is true (mask broadcasts to self's shape), as `masked_fill_`. */
export function maskedFill_(
  self: Tensor,
  mask: Tensor,
  value: TensorLike,
  name = "maskedFill_",
): Tensor {
  checkOperand(name, self, "a Tensor");
  checkOperand(name, mask, "a mask Tensor");
  checkBroadcast(name, self, mask.shape);
  checkNoOverlap(name, self);
  return inPlace(self, {
    name,
    operands: [mask, value],
    savesOld: false,
    compute: (old) => maskedFill(old, mask, operand(value, self, old)),
  });
}
