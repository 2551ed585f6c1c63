import { backpropagate } from "../autodiff/backpropagate.js";
import { noGrad } from "../autodiff/grad_mode.js";
import {
  type Drawable,
  type History,
  type NodeSummary,
  nextVariableId,
  type Variable,
  type VariableKind,
} from "../autodiff/variable.js";
import type { Backend, BackendName, DType, HostArray } from "../backend/backend.js";
import { loadBackend } from "../backend/registry.js";
import { BackendError, DTypeError, ShapeError } from "../errors.js";
import { formatShape, normalizeDim, type Shape, sameShape, shapeSize } from "../strided/shape.js";
import {
  contiguousLayout,
  expandLayout,
  inferShape,
  isContiguous,
  type Layout,
  permuteLayout,
  type View,
  viewLayout,
} from "../strided/tensor_data.js";
import { resolveBackend } from "./default_backend.js";
import { formatTensor, type Nested, nest } from "./format.js";
import {
  Add,
  Cast,
  Contiguous,
  Div,
  EQ,
  Expand,
  GT,
  IsClose,
  LT,
  MatMul,
  Max,
  Mul,
  Permute,
  Pow,
  Sub,
  Sum,
  unaryFunctions,
  unbroadcast,
  View as ViewFn,
} from "./functions.js";
import { copyOp, reduceOp, zipOp } from "./kernels.js";
import { Storage } from "./storage.js";
import { keep as keepTensor, runTidy, track } from "./tidy.js";

/** An operand of a Tensor op: another tensor, or a number (broadcast as a constant). */
export type TensorLike = Tensor | number;

/** Shape arguments as PyTorch takes them: `view(2, 3)` or `view([2, 3])`. */
export type ShapeArgs = number[] | [readonly number[]];

/** Read shape arguments given either way. */
export function shapeFromArgs(args: ShapeArgs): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...args[0]] : (args as number[]);
}

/** The backend object itself, or the loaded backend of that name. */
function backendObject(backend: Backend | BackendName): Backend {
  return typeof backend === "string" ? resolveBackend(backend) : backend;
}

/** How Function.apply builds Tensors: forward gets the tensors themselves (it runs in noGrad). */
const tensorKind: VariableKind = {
  lift(x: TensorLike, like: Tensor): Tensor {
    if (x instanceof Tensor) return x;
    if (typeof x !== "number") {
      throw new DTypeError(
        `Tensor op: expected a Tensor or a number, got ${typeof x} (${String(x)})`,
      );
    }
    return Tensor.full([], x, like.dtype, like.backendImpl);
  },
  unwrap(v: Tensor): Tensor {
    return v;
  },
  wrap(raw: Tensor, history: History | null): Tensor {
    return history === null ? raw : Tensor.attachHistory(raw, history);
  },
  fitDerivative(input: Tensor, d: Tensor): Tensor {
    return unbroadcast(d, input.shape);
  },
  addDerivatives(a: Tensor, b: Tensor): Tensor {
    return zipOp("add", a, b);
  },
};

/**
 * An n-dimensional array of numbers on a backend, with autodiff: storage + shape + strides +
 * offset. Views (permute, transpose, expand, view) share storage; ops return new tensors.
 */
export class Tensor implements Variable<Tensor>, Drawable {
  /** The shared backend buffer (internal: backends and kernels read it). */
  readonly storage: Storage;
  /** How this tensor's elements sit in the storage (internal). */
  readonly layout: Layout;
  readonly uniqueId = nextVariableId();
  readonly kind = tensorKind;
  /** Set by `retainGrad()`: keep `grad` on this intermediate result after backward. */
  retainsDerivative = false;
  /** The gradient accumulated by `backward()`, or null. */
  grad: Tensor | null = null;
  #history: History | null;
  #requiresGrad: boolean;
  #disposed = false;

  /** Internal: tensors are made with `mt.tensor`, `mt.zeros`, … */
  constructor(
    storage: Storage,
    layout: Layout,
    history: History | null = null,
    requiresGrad = false,
  ) {
    storage.retain();
    track(this);
    this.storage = storage;
    this.layout = layout;
    this.#history = history;
    this.#requiresGrad = requiresGrad || history !== null;
  }

  /**
   * A new tensor of `shape` on `backend` (contents unspecified). Ops pass their operand's backend
   * object, so the hot path never looks a backend up by name; callers with a name get it resolved.
   */
  static empty(shape: Shape, dtype: DType, backend: Backend | BackendName): Tensor {
    return Tensor.emptyWithLayout(contiguousLayout(shape), dtype, backend);
  }

  /** A new tensor with exactly `layout` (offset 0, dense) on `backend` (contents unspecified). */
  static emptyWithLayout(layout: Layout, dtype: DType, backend: Backend | BackendName): Tensor {
    const storage = new Storage(backendObject(backend), dtype, shapeSize(layout.shape));
    return new Tensor(storage, layout);
  }

  /** A new tensor of `shape` holding `values` in row-major order. */
  static fromValues(
    values: ArrayLike<number>,
    shape: Shape,
    dtype: DType,
    backend: Backend | BackendName,
  ): Tensor {
    if (values.length !== shapeSize(shape)) {
      throw new ShapeError(
        `tensor: ${values.length} values do not fill shape ${formatShape(shape)}`,
      );
    }
    const storage = new Storage(backendObject(backend), dtype, values.length, values);
    return new Tensor(storage, contiguousLayout(shape));
  }

  /** A tensor of `shape` filled with `value`. */
  static full(shape: Shape, value: number, dtype: DType, backend: Backend | BackendName): Tensor {
    return Tensor.fromValues(
      new Array<number>(shapeSize(shape)).fill(value),
      shape,
      dtype,
      backend,
    );
  }

  /** Internal: give a fresh op result its history (Function.apply's wrap step). */
  static attachHistory(raw: Tensor, history: History): Tensor {
    // A forward that returned one of its inputs (or anything that already has a history) must not
    // have it overwritten: wrap a new view of the same storage instead.
    const result =
      raw.#history !== null || history.inputs.includes(raw)
        ? new Tensor(raw.storage, raw.layout)
        : raw;
    result.#history = history;
    result.#requiresGrad = true;
    return result;
  }

  /** Sizes of the dims. */
  get shape(): number[] {
    return [...this.layout.shape];
  }
  /** Number of dims. */
  get ndim(): number {
    return this.layout.shape.length;
  }
  /** Number of elements. */
  get size(): number {
    return shapeSize(this.layout.shape);
  }
  /** Element type. */
  get dtype(): DType {
    return this.storage.dtype;
  }
  /** The backend the storage lives on. */
  get backend(): BackendName {
    return this.storage.backend.name;
  }
  /** Internal: the backend implementation. */
  get backendImpl(): Backend {
    return this.storage.backend;
  }
  /** Internal: the strided view a backend kernel reads or writes. */
  get strided(): View {
    if (this.storage.freed) throw new BackendError("this tensor was disposed");
    return { buffer: this.storage.buffer, ...this.layout };
  }
  /** How this tensor was computed, or null for leaves and constants. */
  get history(): History | null {
    return this.#history;
  }
  /** Whether gradients flow to (or through) this tensor. */
  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }
  /** Make a leaf track (or stop tracking) gradients, as `requires_grad_()`. */
  set requiresGrad(value: boolean) {
    if (this.#history !== null) {
      throw new DTypeError(
        "requiresGrad can only be set on a leaf tensor (one not computed by an op)",
      );
    }
    this.#requiresGrad = value;
  }
  /** Whether this is a leaf: not computed from other tensors by a tracked op. */
  get isLeaf(): boolean {
    return this.#history === null;
  }

  /** Whether the elements lie in row-major order without gaps (a `view` needs this). */
  isContiguous(): boolean {
    return isContiguous(this.layout);
  }

  // Elementwise ops ---------------------------------------------------------------------------

  /** this + b */
  add(b: TensorLike): Tensor {
    return Add.apply(this, b);
  }
  /** this − b */
  sub(b: TensorLike): Tensor {
    return Sub.apply(this, b);
  }
  /** this · b */
  mul(b: TensorLike): Tensor {
    return Mul.apply(this, b);
  }
  /** this / b */
  div(b: TensorLike): Tensor {
    return Div.apply(this, b);
  }
  /** this ^ b */
  pow(b: TensorLike): Tensor {
    return Pow.apply(this, b);
  }
  /** −this */
  neg(): Tensor {
    return unaryFunctions.neg.apply<Tensor>(this);
  }
  /** eˣ */
  exp(): Tensor {
    return unaryFunctions.exp.apply<Tensor>(this);
  }
  /** ln x */
  log(): Tensor {
    return unaryFunctions.log.apply<Tensor>(this);
  }
  /** 1 / (1 + e⁻ˣ), in the stable form */
  sigmoid(): Tensor {
    return unaryFunctions.sigmoid.apply<Tensor>(this);
  }
  /** max(x, 0) */
  relu(): Tensor {
    return unaryFunctions.relu.apply<Tensor>(this);
  }
  /** tanh x */
  tanh(): Tensor {
    return unaryFunctions.tanh.apply<Tensor>(this);
  }
  /** 1 / x */
  reciprocal(): Tensor {
    return unaryFunctions.inv.apply<Tensor>(this);
  }
  /** 1 where this < b, else 0 */
  lt(b: TensorLike): Tensor {
    return LT.apply(this, b);
  }
  /** 1 where this > b, else 0 */
  gt(b: TensorLike): Tensor {
    return GT.apply(this, b);
  }
  /** 1 where this = b, else 0 */
  eq(b: TensorLike): Tensor {
    return EQ.apply(this, b);
  }
  /** 1 where |this − b| < 1e-2 (operators.isClose), else 0 */
  isClose(b: TensorLike): Tensor {
    return IsClose.apply(this, b);
  }

  // Reductions --------------------------------------------------------------------------------

  /** Σ over `dim` (all elements when omitted, giving shape `[]`); `keepdim` keeps it as size 1. */
  sum(dim?: number, keepdim = false): Tensor {
    return this.#reduce("sum", Sum, dim, keepdim);
  }
  /** The mean over `dim` (or of all elements). */
  mean(dim?: number, keepdim = false): Tensor {
    const count =
      dim === undefined ? this.size : (this.shape[normalizeDim(dim, this.ndim, "mean")] ?? 1);
    return this.sum(dim, keepdim).div(count);
  }
  /** The max over `dim` (or of all elements); the gradient is split between ties. */
  max(dim?: number, keepdim = false): Tensor {
    return this.#reduce("max", Max, dim, keepdim);
  }
  /**
   * Index of the (first) max along `dim`, or into the flattened tensor when `dim` is omitted,
   * as a float tensor (minitorch has no integer dtype). Not differentiable.
   */
  argmax(dim?: number, keepdim = false): Tensor {
    return noGrad(() => {
      if (dim === undefined) {
        const flat = this.reshape(-1).argmax(0, true);
        return keepdim ? flat.view(this.shape.map(() => 1)) : flat.view([]);
      }
      const d = normalizeDim(dim, this.ndim, "argmax");
      if (this.ndim === 0) return this.zerosLike();
      const n = this.ndim === 0 ? 1 : this.shape[d];
      const isMax = zipOp("eq", this, reduceOp("max", this, d));
      // index along d where the max is, and n (past the end) elsewhere; the min is the first max.
      const positions = Array.from({ length: n }, (_, i) => i);
      const index = Tensor.fromValues(
        positions,
        [n, ...this.shape.slice(d + 1).map(() => 1)],
        this.dtype,
        this.backend,
      );
      const candidates = zipOp(
        "add",
        zipOp("mul", isMax, index),
        zipOp(
          "mul",
          zipOp("sub", isMax.onesLike(), isMax),
          Tensor.full([], n, this.dtype, this.backend),
        ),
      );
      const first = reduceOp("min", candidates, d);
      return keepdim ? first : first.view(this.shape.filter((_, i) => i !== d));
    });
  }

  #reduce(name: string, fn: typeof Sum, dim: number | undefined, keepdim: boolean): Tensor {
    if (dim === undefined) {
      const all = fn.apply<Tensor>(this.reshape(-1), { dim: 0 });
      return all.view(keepdim ? this.shape.map(() => 1) : []);
    }
    const d = normalizeDim(dim, this.ndim, name);
    const kept = fn.apply<Tensor>(this, { dim: d });
    return keepdim || this.ndim === 0 ? kept : kept.view(this.shape.filter((_, i) => i !== d));
  }

  // Views and copies --------------------------------------------------------------------------

  /** Reorder dims: `permute(1, 0)` transposes a matrix (a view). */
  permute(...order: ShapeArgs): Tensor {
    const dims = shapeFromArgs(order).map((d) => normalizeDim(d, this.ndim, "permute"));
    return Permute.apply(this, dims);
  }
  /** Swap two dims (a view). */
  transpose(dim0: number, dim1: number): Tensor {
    const a = normalizeDim(dim0, this.ndim, "transpose");
    const b = normalizeDim(dim1, this.ndim, "transpose");
    const order = this.shape.map((_, i) => (i === a ? b : i === b ? a : i));
    return Permute.apply(this, order);
  }
  /** The same elements with a new shape (a view; one dim may be −1). Needs a contiguous tensor. */
  view(...shape: ShapeArgs): Tensor {
    const requested = shapeFromArgs(shape);
    if (!this.isContiguous()) {
      throw new ShapeError(
        `view: a tensor of shape ${formatShape(this.shape)} with strides ${formatShape(this.layout.strides)} is not contiguous; call .contiguous() first, or use .reshape()`,
      );
    }
    return ViewFn.apply(this, inferShape(requested, this.size, "view"));
  }
  /** `view` when possible, else a contiguous copy with the new shape. */
  reshape(...shape: ShapeArgs): Tensor {
    const target = inferShape(shapeFromArgs(shape), this.size, "reshape");
    return this.isContiguous() ? this.view(target) : this.contiguous().view(target);
  }
  /** Broadcast to a bigger shape without copying (−1 keeps a dim's size). */
  expand(...shape: ShapeArgs): Tensor {
    const requested = shapeFromArgs(shape);
    const shift = requested.length - this.ndim;
    const target = requested.map((d, i) => (d === -1 && i >= shift ? this.shape[i - shift] : d));
    if (target.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new ShapeError(
        `expand: cannot expand shape ${formatShape(this.shape)} to ${formatShape(requested)} (-1 only keeps an existing dim)`,
      );
    }
    if (sameShape(target, this.shape)) return this;
    return Expand.apply(this, target);
  }
  /** Insert a dim of size 1 at `dim`. */
  unsqueeze(dim: number): Tensor {
    const d = normalizeDim(dim, this.ndim + 1, "unsqueeze");
    const shape = this.shape;
    shape.splice(d, 0, 1);
    return this.reshape(shape);
  }
  /** Remove dims of size 1 (all of them, or just `dim`). */
  squeeze(dim?: number): Tensor {
    if (dim === undefined) return this.reshape(this.shape.filter((s) => s !== 1));
    const d = normalizeDim(dim, this.ndim, "squeeze");
    return this.shape[d] === 1 ? this.reshape(this.shape.filter((_, i) => i !== d)) : this;
  }
  /** This tensor if already contiguous, else a contiguous copy. */
  contiguous(): Tensor {
    return this.isContiguous() ? this : Contiguous.apply<Tensor>(this);
  }
  /** A float32 copy (or this, if already float32). */
  float(): Tensor {
    return this.dtype === "float32" ? this : Cast.apply<Tensor>(this, { dtype: "float32" });
  }
  /** A float64 copy (or this, if already float64). */
  double(): Tensor {
    return this.dtype === "float64" ? this : Cast.apply<Tensor>(this, { dtype: "float64" });
  }

  /** Internal, history-free views used by the Functions. */
  permuteView(order: readonly number[]): Tensor {
    return new Tensor(this.storage, permuteLayout(this.layout, order));
  }
  reshapeView(shape: readonly number[]): Tensor {
    return new Tensor(this.storage, viewLayout(this.layout, shape));
  }
  expandView(shape: readonly number[]): Tensor {
    return new Tensor(this.storage, expandLayout(this.layout, shape));
  }

  // Linear algebra ----------------------------------------------------------------------------

  /** Matrix product with PyTorch's rules: 1-D operands are vectors, batch dims broadcast. */
  matmul(b: Tensor): Tensor {
    if (this.ndim === 0 || b.ndim === 0) {
      throw new ShapeError(
        `matmul: both operands need at least 1 dim, got ${formatShape(this.shape)} and ${formatShape(b.shape)}`,
      );
    }
    const a2 = this.ndim === 1 ? this.unsqueeze(0) : this;
    const b2 = b.ndim === 1 ? b.unsqueeze(-1) : b;
    let out = MatMul.apply<Tensor>(a2, b2);
    if (this.ndim === 1) out = out.squeeze(-2);
    if (b.ndim === 1) out = out.squeeze(-1);
    return out;
  }

  // Autograd ----------------------------------------------------------------------------------

  /**
   * Backpropagate from this tensor. A one-element tensor seeds with 1; any other needs `grad`, a
   * tensor of its shape (d(something)/d(this)).
   */
  backward(grad?: TensorLike): void {
    if (!this.#requiresGrad) {
      throw new DTypeError(
        "backward: this tensor does not require grad (no input had requiresGrad: true)",
      );
    }
    let seed: Tensor;
    if (grad === undefined) {
      if (this.size !== 1) {
        throw new ShapeError(
          `backward: a gradient can be implied only for a one-element tensor, but this one has shape ${formatShape(this.shape)}; pass backward(grad) with that shape`,
        );
      }
      seed = this.onesLike();
    } else {
      seed =
        typeof grad === "number"
          ? Tensor.full(this.shape, grad, this.dtype, this.backendImpl)
          : grad;
      if (!sameShape(seed.shape, this.shape)) {
        throw new ShapeError(
          `backward: grad has shape ${formatShape(seed.shape)} but the tensor has shape ${formatShape(this.shape)}`,
        );
      }
    }
    backpropagate(this, seed);
  }

  accumulateDerivative(d: Tensor): void {
    this.grad = this.grad === null ? d : zipOp("add", this.grad, d);
  }

  /** Keep `grad` on this intermediate result after backward (leaves always keep it). */
  retainGrad(): this {
    this.retainsDerivative = true;
    return this;
  }

  /** The same data, cut from the graph: no history, no gradient. */
  detach(): Tensor {
    return new Tensor(this.storage, this.layout);
  }

  /** Forget the accumulated gradient. */
  zeroGrad(): void {
    this.grad = null;
  }

  // Reading and moving ------------------------------------------------------------------------

  /** The values in row-major logical order (views included). Works on every backend. */
  async data(): Promise<HostArray> {
    const source = this.#packed();
    const all = await source.backendImpl.download(source.storage.buffer);
    return all.length === this.size ? all : all.slice(0, this.size);
  }

  /** The values in row-major logical order, synchronously (CPU backends; GPU: `await t.data()`). */
  dataSync(): HostArray {
    return this.#readSync("dataSync");
  }

  /** The values as nested arrays, synchronously (CPU backends; GPU ones need `await t.data()`). */
  toArray(): Nested {
    return nest(this.#readSync("toArray"), this.shape);
  }

  /** The value of a one-element tensor, synchronously (CPU backends). */
  item(): number {
    if (this.size !== 1) {
      throw new ShapeError(
        `item: needs a one-element tensor, got shape ${formatShape(this.shape)}`,
      );
    }
    return this.#readSync("item")[0];
  }

  /** A copy on another backend (this tensor when it is already there). Gradients do not follow. */
  async to(name: string): Promise<Tensor> {
    const target = await loadBackend(name);
    if (target.name === this.backend) return this;
    const values = await this.data();
    return Tensor.fromValues(values, this.shape, this.dtype, target.name);
  }

  /** Release this tensor's hold on its storage; the buffer is freed when no view uses it. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.storage.release();
  }

  /** A tensor of zeros with this one's shape, dtype and backend. */
  zerosLike(): Tensor {
    return Tensor.full(this.shape, 0, this.dtype, this.backendImpl);
  }
  /** A tensor of ones with this one's shape, dtype and backend. */
  onesLike(): Tensor {
    return Tensor.full(this.shape, 1, this.dtype, this.backendImpl);
  }

  /** What a graph node shows (see `mt.viz.toDot`). */
  summary(): NodeSummary {
    const label = this.#history?.fn.name ?? (this.#requiresGrad ? "leaf" : "const");
    const describe = (t: Tensor) =>
      `${formatShape(t.shape)} ${t.backendImpl.synchronousRead ? formatTensor(t.#readSync("summary"), t.shape, 3) : t.dtype}`;
    return {
      label,
      value: describe(this),
      derivative: this.grad === null ? null : describe(this.grad),
    };
  }

  toString(): string {
    if (!this.backendImpl.synchronousRead) {
      return `tensor(shape ${formatShape(this.shape)}, ${this.dtype}, ${this.backend})`;
    }
    const dtype = this.dtype === "float32" ? "" : `, dtype=${this.dtype}`;
    return `tensor(${formatTensor(this.#readSync("toString"), this.shape)}${dtype})`;
  }

  /** The storage holding exactly this tensor's values in order: itself, or a packed copy. */
  #packed(): Tensor {
    const exact =
      this.isContiguous() && this.layout.offset === 0 && this.storage.size === this.size;
    return exact ? this : copyOp(this);
  }

  #readSync(op: string): HostArray {
    if (!this.backendImpl.synchronousRead) {
      throw new BackendError(
        `${op}: the ${this.backend} backend reads asynchronously; use await t.data() instead`,
      );
    }
    const source = this.#packed();
    return source.backendImpl.downloadSync(source.storage.buffer);
  }
}

/**
 * Run `fn` and dispose every tensor it created except the ones it returns (alone, in an array or
 * in an object) — as tf.tidy. A training step wrapped in `tidy` frees its activations and
 * gradients at once; optimizers `keep` the state they create.
 */
export function tidy<T>(fn: () => T): T {
  return runTidy(fn, (x: unknown): x is Tensor => x instanceof Tensor);
}

/** Exempt a tensor created inside `tidy` from being disposed by it. */
export function keep(t: Tensor): Tensor {
  return keepTensor(t);
}
