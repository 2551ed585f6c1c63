import type { Drawable, History, NodeSummary, Variable } from "../autodiff/variable.js";
import { nextVariableId } from "../autodiff/variable.js";
import type { Backend, BackendName, DType, HostArray } from "../backend/backend.js";
import { isFloating } from "../backend/dtypes.js";
import { AutogradError, DataError, DTypeError, ShapeError } from "../errors.js";
import { formatShape, normalizeDim, type Shape, shapeSize } from "../strided/shape.js";
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
import { type ConvenienceMethods, convenienceMethods } from "./methods/conveniences.js";
import { type CountingMethods, countingMethods } from "./methods/counting.js";
import { type DiagonalMethods, diagonalMethods } from "./methods/diagonal.js";
import { cast, type DTypeMethods, dtypeMethods } from "./methods/dtypes.js";
import { type ElementwiseMethods, elementwiseMethods } from "./methods/elementwise.js";
import { type IndexingMethods, indexingMethods } from "./methods/indexing.js";
import { type InplaceMethods, inplaceMethods } from "./methods/inplace.js";
import { type JoiningMethods, joiningMethods } from "./methods/joining.js";
import { type LikeMethods, likeMethods } from "./methods/like.js";
import { type LinalgMethods, linalgMethods } from "./methods/linalg.js";
import { type LogicalMethods, logicalMethods } from "./methods/logical.js";
import { type ReductionMethods, reductionMethods } from "./methods/reductions.js";
import { type ShapingMethods, shapingMethods } from "./methods/shaping.js";
import { type DTypeName, isDTypeName, resolveDType } from "./promotion.js";
import * as reading from "./reading.js";
import { repr } from "./repr.js";
import { type Release, Storage } from "./storage.js";
import { track } from "./tidy.js";
import { matrixTranspose, reverseDims } from "./views.js";

/** Gradients are real numbers: only float tensors carry them, as in PyTorch. */
function checkGradDType(dtype: DType): void {
  if (!isFloating(dtype)) {
    throw new DTypeError(
      `only tensors of a float dtype can require gradients, got ${dtype}; convert with .float() first`,
    );
  }
}

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
 * This class holds a tensor's state (storage, layout, history, gradient) and its core methods, and
 * little else: a method's work lives in the module of its concept — the autograd Functions in
 * functions.ts, and views.ts, reductions.ts, linalg.ts, reading.ts, autograd.ts — as a function of
 * the tensor, so the method is one line. Most methods sit in the method groups of `methods/`
 * (elementwise, reductions, shaping, indexing, joining, linalg), merged into the class's type by this
 * interface and copied onto its prototype after the class. Those modules import Tensor too; the
 * cycle is safe because no module touches the other at load time, only when a method runs.
 */
export interface Tensor
  extends ElementwiseMethods,
    ReductionMethods,
    ShapingMethods,
    IndexingMethods,
    JoiningMethods,
    DTypeMethods,
    LinalgMethods,
    LogicalMethods,
    ConvenienceMethods,
    InplaceMethods,
    LikeMethods,
    DiagonalMethods,
    CountingMethods {}

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
    if (requiresGrad) checkGradDType(storage.dtype);
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

  /** Internal: an in-place op made `t` stand for a new value, computed by `history` (inplace.ts). */
  static rebaseHistory(t: Tensor, history: History): void {
    t.#history = history;
    t.#requiresGrad = true;
  }

  /** Sizes of the dims. */
  get shape(): number[] {
    return [...this.layout.shape];
  }
  /** Number of dims. */
  get ndim(): number {
    return this.layout.shape.length;
  }
  /**
   * PyTorch's `size()`: the sizes of the dims (a fresh copy, as `shape`), or with `dim` the size of
   * that one dim (negatives count from the end). The element count is `numel()`.
   */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return [...this.layout.shape];
    if (this.ndim === 0) {
      throw new ShapeError(`size: dim ${dim} is out of range for a 0-d tensor (it has no dims)`);
    }
    return this.layout.shape[normalizeDim(dim, this.ndim, "size")];
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
    if (value) checkGradDType(this.dtype);
    this.#requiresGrad = value;
  }
  /** PyTorch's `requires_grad_(flag = true)`: set `requiresGrad` (same rules), return this tensor. */
  requiresGrad_(flag = true): this {
    if (typeof flag !== "boolean") {
      throw new DataError(`requiresGrad_: flag must be true or false, got ${String(flag)}`);
    }
    // A non-leaf already requires grad: asking again is a no-op, as in PyTorch (only false is
    // refused there, by the setter).
    if (!(flag && this.requiresGrad)) this.requiresGrad = flag;
    return this;
  }
  /** Whether this is a leaf: not computed from other tensors by a tracked op. */
  get isLeaf(): boolean {
    return this.#history === null;
  }

  /** Whether the elements lie in row-major order without gaps (a `view` needs this). */
  isContiguous(): boolean {
    return isContiguous(this.layout);
  }

  /** All dims reversed (a view; PyTorch deprecates `.T` beyond 2 dims, but allows it). */
  get T(): Tensor {
    return reverseDims(this);
  }
  /** The last two dims swapped: a batch of matrices transposed (a view). */
  get mT(): Tensor {
    return matrixTranspose(this);
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
  /** A copy in another dtype (`.to("int64")`, `.to("float64")`…): see methods/dtypes.ts. */
  to(dtype: DTypeName): Tensor;
  /** A copy on another backend (this tensor when it is already there). Gradients do not follow. */
  to(backend: BackendName | string): Promise<Tensor>;
  to(target: string): Tensor | Promise<Tensor> {
    if (isDTypeName(target)) return cast(this, resolveDType(target, "to"));
    return reading.copyTo(this, target);
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

  /** As PyTorch prints it, `tensor([1., 2.], grad_fn=<Mul>)` (see repr.ts); never throws. */
  toString(): string {
    return repr(this);
  }
  /** What `console.log(t)` and `util.inspect(t)` show in Node: the same as `toString()`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return repr(this);
  }
}

Object.assign(
  Tensor.prototype,
  elementwiseMethods,
  reductionMethods,
  shapingMethods,
  indexingMethods,
  joiningMethods,
  dtypeMethods,
  linalgMethods,
  logicalMethods,
  convenienceMethods,
  inplaceMethods,
  likeMethods,
  diagonalMethods,
  countingMethods,
);
