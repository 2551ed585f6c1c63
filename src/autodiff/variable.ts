import type { Context } from "./context.js";
import type { FunctionClass } from "./function.js";

/**
 * The autodiff engine sees values only through this interface, so one engine serves Scalar and
 * Tensor alike. A variable is one of:
 * - a constant: `requiresGrad` false, no history — the engine never visits it;
 * - a leaf: `requiresGrad` true, no history — it receives its derivative;
 * - an intermediate result: it has a history (and then `requiresGrad` is true).
 */
export interface Variable<D = unknown> {
  /** Distinct per variable; keys the derivative table during backpropagation. */
  readonly uniqueId: number;
  /** How this value was computed, or null for leaves and constants. */
  readonly history: History | null;
  /** Whether derivatives flow to (or through) this value. */
  readonly requiresGrad: boolean;
  /** When true, an intermediate (non-leaf) value also keeps its derivative after backward. */
  readonly retainsDerivative: boolean;
  /** The family this value belongs to: how Function.apply wraps and unwraps it. */
  readonly kind: VariableKind;
  /** Add `d` to the stored derivative (derivatives accumulate across backward calls). */
  accumulateDerivative(d: D): void;
}

/**
 * How one op produced a variable: the Function, its context, and the inputs it was applied to.
 * `inputs` is emptied when backward releases the graph, so that a result the program keeps (a
 * loss in a list) no longer keeps every tensor of the graph that made it alive.
 */
export interface History {
  readonly fn: FunctionClass;
  readonly ctx: Context;
  inputs: readonly Variable[];
  /**
   * When the op was recorded, as a variable id (ids count up), where that is not its variable's
   * own id: in-place ops move histories between variables (see `overwrote`).
   */
  readonly recordedAt?: number;
  /** Set when the op wrote in place over its variable's earlier value (see `Overwrite`). */
  readonly overwrote?: Overwrite;
}

/**
 * An in-place op (`y.mul_(3)`) makes a variable stand for a new value, with a new history, though
 * ops recorded before it (`z = y.add(1)`) hold the same variable as their input and consumed the
 * earlier value: `previous` stands for that value (with the history it had), and backpropagation
 * sends their derivatives there — to each op's input as it was when the op was recorded.
 */
export interface Overwrite {
  /** The variable as it was before the in-place op. */
  readonly previous: Variable;
  /**
   * Throw where `consumer` (recorded before the op) cannot be given `previous` in its place: a
   * view that shares the overwritten memory saw the new values, so the old ones are no answer.
   */
  readonly check: (consumer: Variable) => void;
}

/**
 * What `Function.apply` and `backpropagate` need to know about a family of variables (Scalar,
 * Tensor). Written per family once; the engine itself stays generic.
 */
export interface VariableKind {
  /**
   * Turn an operand into a variable of this family; plain numbers become constants (`x.mul(2)`)
   * made to match `like` (a tensor's dtype and backend).
   */
  lift(x: Variable | number, like: Variable): Variable;
  /**
   * Run a Function's forward (`run`) for an op on this family, if the family needs to see it
   * (Tensors free the temporaries forward made); left out, `run` is simply called.
   */
  forward?(ctx: Context, run: () => unknown): unknown;
  /** The value without history, as a Function's `forward` receives it. */
  unwrap(v: Variable): unknown;
  /** A new variable of this family holding `raw`, with `history` (null: not tracked). */
  wrap(raw: unknown, history: History | null): Variable;
  /** Make derivative `d` fit `input` (tensors un-broadcast here, in one place); identity for Scalars. */
  fitDerivative(input: Variable, d: unknown): unknown;
  /** The sum of two derivatives of the same variable. */
  addDerivatives(a: unknown, b: unknown): unknown;
}

/** What a graph drawing shows for one variable (see `mt.viz.toDot`). */
export interface NodeSummary {
  /** The op that made it, or its name, or "leaf"/"const". */
  readonly label: string;
  /** Its value, formatted for display (a number, or a shape and a few values for a tensor). */
  readonly value: string;
  /** Its derivative, formatted, or null when none has reached it. */
  readonly derivative: string | null;
}

/** A variable that can describe itself in a drawing of its graph. */
export interface Drawable extends Variable {
  summary(): NodeSummary;
}

let lastId = 0;

/** A fresh id for a new variable. */
export function nextVariableId(): number {
  lastId += 1;
  return lastId;
}

/** True for a leaf: it wants a derivative and was not computed from other variables. */
export function isLeaf(v: Variable): boolean {
  return v.history === null && v.requiresGrad;
}

/** True for a constant: no derivative flows to it. */
export function isConstant(v: Variable): boolean {
  return !v.requiresGrad;
}

/** Type guard: does `x` implement the Variable interface? */
export function isVariable(x: unknown): x is Variable {
  return typeof x === "object" && x !== null && "uniqueId" in x && "kind" in x && "history" in x;
}
