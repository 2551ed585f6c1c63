/**
 * The typed errors minitorch throws. Each message names the operation and the values involved,
 * e.g. `matmul: shapes [2,3] and [4,5] do not align (3 ≠ 4)`.
 */

/** Base class of every error minitorch throws on purpose; `instanceof MinitorchError` catches them all. */
export class MinitorchError extends Error {
  constructor(message: string) {
    super(message);
    // `new.target.name` makes subclasses report their own name without repeating this line.
    this.name = new.target.name;
  }
}

/** Shapes that do not fit the operation (broadcasting, matmul, state dicts, bad dims). */
export class ShapeError extends MinitorchError {}

/** A value of the wrong type or dtype for the operation. */
export class DTypeError extends MinitorchError {}

/**
 * Autograd used the wrong way: backward from a tensor that does not require grad, requiresGrad set
 * on a computed tensor, a Function whose forward or backward is missing or returns the wrong
 * number of derivatives, `apply` without a Scalar or Tensor argument.
 */
export class AutogradError extends MinitorchError {}

/** A backend that is missing, unavailable, or mixed with another one in a single op. */
export class BackendError extends MinitorchError {}

/** Data that cannot be used: an unknown dataset, a malformed file, a bad argument value. */
export class DataError extends MinitorchError {}

/**
 * A course exercise not written yet: a learner's workspace has one in place of each task's body,
 * naming the task and the guide section that teaches it.
 */
export class NotImplementedError extends MinitorchError {}

/** Text that does not parse; `position` is the 0-based offset of the offending character. */
export class ParseError extends MinitorchError {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} (at position ${position})`);
    this.position = position;
  }
}
