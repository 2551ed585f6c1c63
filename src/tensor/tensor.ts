import type { Drawable, History, NodeSummary, Variable } from "../autodiff/variable.js";
import { nextVariableId } from "../autodiff/variable.js";
import type { Backend, BackendName, DType, HostArray } from "../backend/backend.js";
import { AutogradError, ShapeError } from "../errors.js";
import { formatShape, type Shape, shapeSize } from "../strided/shape.js";
import {
  contiguousLayout,
  expandLayout,
  isContiguous,
  type Layout,
  permuteLayout,
  type View,
  viewLayout,
} from "../strided/tensor_data.js";
import * as autograd from "./autograd.js";
import { resolveBackend } from "./default_backend.js";
import { type Nested, nest } from "./format.js";
import {
  Add,
  Cast,
  Contiguous,
  Div,
  EQ,
  GT,
  IsClose,
  LT,
  Mul,
  Pow,
  Sub,
  unaryFunctions,
} from "./functions.js";
import * as linalg from "./linalg.js";
import * as reading from "./reading.js";
import * as reductions from "./reductions.js";
import { type Release, Storage } from "./storage.js";
import { track } from "./tidy.js";
import * as views from "./views.js";

/** An operand of a Tensor op: another tensor, or a number (broadcast as a constant). */
export type TensorLike = Tensor | number;

/** The backend object itself, or the loaded backend of that name. */
function backendObject(backend: Backend | BackendName): Backend {
  return typeof backend === "string" ? resolveBackend(backend) : backend;
}

/**
 * An n-dimensional array of numbers on a backend, with autodiff: storage + shape + strides +
 * offset. Views (permute, transpose, expand, view) share storage; ops return new tensors.
 *
 * This class holds a tensor's state (storage, layout, history, gradient) and its methods, and
 * little else: a method's work lives in the module of its concept — the autograd Functions in
 * functions.ts, and views.ts, reductions.ts, linalg.ts, reading.ts, autograd.ts — as a function of
 * the tensor, so the method is one line (`return views.permute(this, order)`) and a new method
 * adds three lines here. Those modules import Tensor too; the cycle is safe because no module
 * touches the other at load time, only when a method runs.
 */
export class Tensor implements Variable<Tensor>, Drawable {
  /** The shared backend buffer (internal: backends and kernels read it). */
  readonly storage: Storage;
  /** How this tensor's elements sit in the storage (internal). */
  readonly layout: Layout;
  readonly uniqueId = nextVariableId();
  readonly kind = autograd.tensorKind;
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
    this.storage.assertAlive("this tensor");
    return { buffer: this.storage.buffer, ...this.layout, owner: this.storage };
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
      throw new AutogradError(
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

  // Reductions (reductions.ts) ----------------------------------------------------------------

  /** Σ over `dim` (all elements when omitted, giving shape `[]`); `keepdim` keeps it as size 1. */
  sum(dim?: number, keepdim = false): Tensor {
    return reductions.sum(this, dim, keepdim);
  }
  /** The mean over `dim` (or of all elements). */
  mean(dim?: number, keepdim = false): Tensor {
    return reductions.mean(this, dim, keepdim);
  }
  /** The max over `dim` (or of all elements); the gradient is split between ties. */
  max(dim?: number, keepdim = false): Tensor {
    return reductions.max(this, dim, keepdim);
  }
  /**
   * Index of the (first) max along `dim`, or into the flattened tensor when `dim` is omitted,
   * as a float tensor (minitorch has no integer dtype). Not differentiable.
   */
  argmax(dim?: number, keepdim = false): Tensor {
    return reductions.argmax(this, dim, keepdim);
  }

  // Views and copies (views.ts) ---------------------------------------------------------------

  /** Reorder dims: `permute(1, 0)` transposes a matrix (a view). */
  permute(...order: views.ShapeArgs): Tensor {
    return views.permute(this, order);
  }
  /** Swap two dims (a view). */
  transpose(dim0: number, dim1: number): Tensor {
    return views.transpose(this, dim0, dim1);
  }
  /** The same elements with a new shape (a view; one dim may be −1). Needs a contiguous tensor. */
  view(...shape: views.ShapeArgs): Tensor {
    return views.view(this, shape);
  }
  /** `view` when possible, else a contiguous copy with the new shape. */
  reshape(...shape: views.ShapeArgs): Tensor {
    return views.reshape(this, shape);
  }
  /** Broadcast to a bigger shape without copying (−1 keeps a dim's size). */
  expand(...shape: views.ShapeArgs): Tensor {
    return views.expand(this, shape);
  }
  /** Insert a dim of size 1 at `dim`. */
  unsqueeze(dim: number): Tensor {
    return views.unsqueeze(this, dim);
  }
  /** Remove dims of size 1 (all of them, or just `dim`). */
  squeeze(dim?: number): Tensor {
    return views.squeeze(this, dim);
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

  // Linear algebra (linalg.ts) ---------------------------------------------------------------

  /** Matrix product with PyTorch's rules: 1-D operands are vectors, batch dims broadcast. */
  matmul(b: Tensor): Tensor {
    return linalg.matmul(this, b);
  }

  // Autograd (autograd.ts) --------------------------------------------------------------------

  /**
   * Backpropagate from this tensor. A one-element tensor seeds with 1; any other needs `grad`, a
   * tensor of its shape (d(something)/d(this)). The graph is released as it goes (PyTorch's
   * default): pass `{retainGraph: true}` — alone or after `grad` — to backpropagate through it again.
   */
  backward(grad?: TensorLike | autograd.BackwardOptions, options?: autograd.BackwardOptions): void {
    if (typeof grad === "object" && grad !== null && !(grad instanceof Tensor)) {
      autograd.backward(this, undefined, grad);
    } else {
      autograd.backward(this, grad, options);
    }
  }

  accumulateDerivative(d: Tensor): void {
    this.grad = autograd.accumulate(this, d);
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

  // Reading and moving (reading.ts) -----------------------------------------------------------

  /** The values in row-major logical order (views included). Works on every backend. */
  data(): Promise<HostArray> {
    return reading.readAsync(this);
  }
  /** The values in row-major logical order, synchronously (CPU backends; GPU: `await t.data()`). */
  dataSync(): HostArray {
    return reading.readSync(this, "dataSync");
  }
  /** The values as nested arrays, synchronously (CPU backends; GPU ones need `await t.data()`). */
  toArray(): Nested {
    return nest(reading.readSync(this, "toArray"), this.shape);
  }
  /** The value of a one-element tensor, synchronously (CPU backends). */
  item(): number {
    return reading.item(this);
  }
  /** A copy on another backend (this tensor when it is already there). Gradients do not follow. */
  to(name: string): Promise<Tensor> {
    return reading.copyTo(this, name);
  }

  /**
   * Release this tensor's hold on its storage; the buffer is freed when no view uses it. (`by` is
   * internal: `tidy` and `backward` say that it was them, for the error a later use gives.)
   */
  dispose(by: Release = "dispose"): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.storage.release(by);
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
    return reading.summarize(this);
  }

  toString(): string {
    return reading.display(this);
  }
}
