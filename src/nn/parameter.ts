/**
 * `Parameter`: a named slot holding one trainable value. The value is a Scalar today and a Tensor
 * later; this file imports neither, so the nn layer stays below both and works with either.
 */

/** Anything with a shape (a Tensor; a Scalar, whose shape is `[]`). */
export interface Shaped {
  readonly shape: readonly number[];
}

/** Whether `value` carries an array-of-numbers `shape` property. */
function isShaped(value: unknown): value is Shaped {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  const shape: unknown = Reflect.get(value, "shape");
  return Array.isArray(shape) && shape.every((d: unknown) => typeof d === "number");
}

/** The shape of a parameter or buffer value: its `shape` if it has one, `[]` otherwise (a number). */
export function shapeOf(value: unknown): readonly number[] {
  return isShaped(value) ? value.shape : [];
}

/** A value whose gradient tracking can be switched on (a Tensor: `requiresGrad_`). */
interface Trackable {
  readonly requiresGrad: boolean;
  requiresGrad_(flag: boolean): unknown;
}

function isTrackable(value: unknown): value is Trackable {
  if (typeof value !== "object" || value === null) return false;
  return typeof Reflect.get(value, "requiresGrad_") === "function";
}

/**
 * A trainable value held by a `Module`. The slot is the identity an optimizer keeps: it replaces
 * the value through `update`, so every module that shares this `Parameter` sees the new value.
 * As PyTorch's `nn.Parameter(t)`, a tensor value is made to require grad (a float tensor; an
 * integer one is a DTypeError there), so a custom module's `new nn.Parameter(mt.zeros(3))` trains.
 */
export class Parameter<V = unknown> {
  // Private so the only way to change the value is `update`, where "a value requires grad" holds.
  #value: V;
  /** An optional label, used only for display. */
  name?: string;

  /** Wraps `value`, optionally labelled `name`. */
  constructor(value: V, name?: string) {
    this.#value = tracked(value);
    this.name = name;
  }

  /** The current value. */
  get value(): V {
    return this.#value;
  }

  /** Replaces the value (optimizers and `loadStateDict` call this); a tensor is made to require grad. */
  update(value: V): void {
    this.#value = tracked(value);
  }

  /** `Parameter(name: value)`, or `Parameter(value)` when unnamed. */
  toString(): string {
    const value = String(this.#value);
    return this.name === undefined ? `Parameter(${value})` : `Parameter(${this.name}: ${value})`;
  }
}

/** `value`, made to require grad if it is a tensor that does not (Scalars carry their own flag). */
function tracked<V>(value: V): V {
  if (isTrackable(value) && !value.requiresGrad) value.requiresGrad_(true);
  return value;
}
