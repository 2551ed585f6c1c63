import { backpropagate } from "../autodiff/backpropagate.js";
import type { AutogradFunction } from "../autodiff/function.js";
import type { NodeSummary } from "../autodiff/variable.js";
import {
  type History,
  nextVariableId,
  type Variable,
  type VariableKind,
} from "../autodiff/variable.js";
import { AutogradError, DTypeError } from "../errors.js";
import { formatNumber } from "../format_number.js";
import {
  checkedWhereUsed,
  checkOptions,
  isBoolean,
  isString,
  type OptionChecks,
} from "../options.js";
import { Add, EQ, Exp, Inv, Log, LT, Mul, Neg, Pow, ReLU, Sigmoid } from "./scalar_functions.js";

/** An operand of a Scalar op: another Scalar or a plain number (a constant). */
export type ScalarLike = Scalar | number;

/** Options for `new Scalar(value, options)`. */
export interface ScalarOptions {
  /** Whether the scalar is a leaf that receives a derivative (default true, as in micrograd). */
  requiresGrad?: boolean;
  /** A label for graphs and messages (`x`, `w1`). */
  name?: string;
  /** How it was computed; set by `Function.apply`, not by users. */
  history?: History | null;
}

/** `history` is internal (set by `Function.apply`), so it is not checked. */
const scalarChecks: OptionChecks<ScalarOptions> = {
  requiresGrad: isBoolean,
  name: isString,
  history: checkedWhereUsed,
};

/**
 * Marks the options the ops below build themselves, which skip `checkOptions`: checking an
 * object per op result made Scalar arithmetic over half again as slow. Not exported, so a
 * caller's options are always checked.
 */
const BUILT_HERE: unique symbol = Symbol("options built by Scalar ops");

/** The options the constructor takes: a caller's, or the ones the ops build. */
type ConstructorOptions = ScalarOptions & { readonly [BUILT_HERE]?: true };

/** How Function.apply builds Scalars: numbers in, numbers out. */
const scalarKind: VariableKind = {
  lift(x: ScalarLike): Scalar {
    return x instanceof Scalar
      ? x
      : new Scalar(checkNumber("Scalar op", x), { requiresGrad: false, [BUILT_HERE]: true });
  },
  unwrap(v: Scalar): number {
    return v.data;
  },
  wrap(raw: number, history: History | null): Scalar {
    return new Scalar(raw, { history, requiresGrad: history !== null, [BUILT_HERE]: true });
  },
  fitDerivative(_input: Scalar, d: number): number {
    return d;
  },
  addDerivatives(a: number, b: number): number {
    return a + b;
  },
};

function checkNumber(op: string, x: unknown): number {
  if (typeof x !== "number") {
    throw new DTypeError(`${op}: expected a number or a Scalar, got ${typeof x} (${String(x)})`);
  }
  return x;
}

function apply(fn: typeof AutogradFunction, ...inputs: ScalarLike[]): Scalar {
  return fn.apply<Scalar>(...inputs);
}

/**
 * A single number that remembers how it was computed, so `backward()` can fill in the
 * derivative of every Scalar that led to it (the course's micrograd-sized autodiff).
 */
export class Scalar implements Variable<number> {
  /** The value. */
  readonly data: number;
  readonly history: History | null;
  readonly requiresGrad: boolean;
  readonly uniqueId = nextVariableId();
  /** Scalars keep derivatives at every node, so the graph can show them (`mt.viz.toDot`). */
  readonly retainsDerivative = true;
  readonly kind = scalarKind;
  /** d(output)/d(this) after `backward()`; null until a derivative reaches it. */
  derivative: number | null = null;
  /** A label for graphs and messages, when given. */
  readonly name: string | undefined;

  constructor(value: number, options: ConstructorOptions = {}) {
    if (options?.[BUILT_HERE] !== true) checkOptions("Scalar", options, scalarChecks);
    this.data = checkNumber("Scalar", value);
    this.history = options.history ?? null;
    this.name = options.name;
    this.requiresGrad = this.history !== null || (options.requiresGrad ?? true);
  }

  /** A Scalar is 0-dimensional: its shape is `[]` (state dicts compare shapes). */
  get shape(): readonly number[] {
    return [];
  }

  /** Name of the op that made this value, or null for leaves and constants. */
  get op(): string | null {
    return this.history?.fn.name ?? null;
  }

  accumulateDerivative(d: number): void {
    if (!this.requiresGrad) return;
    this.derivative = (this.derivative ?? 0) + d;
  }

  /** Forget the derivative (before the next backward pass). */
  zeroGrad(): void {
    this.derivative = null;
  }

  /**
   * Backpropagate from this value, seeding d(this)/d(this) = `dOut` (default 1). The graph is
   * released as it goes (PyTorch's default); `{retainGraph: true}` keeps it for another backward
   * or for drawing it afterwards.
   */
  backward(dOut = 1, options: { retainGraph?: boolean } = {}): void {
    if (!this.requiresGrad) {
      throw new AutogradError(
        "backward: this Scalar does not require a gradient (it was computed from constants only)",
      );
    }
    const { retainGraph = false } = checkOptions("backward", options, { retainGraph: isBoolean });
    backpropagate(this, dOut, retainGraph);
  }

  /** this + b */
  add(b: ScalarLike): Scalar {
    return apply(Add, this, b);
  }
  /** this − b */
  sub(b: ScalarLike): Scalar {
    return apply(Add, this, typeof b === "number" ? -b : b.neg());
  }
  /** this · b */
  mul(b: ScalarLike): Scalar {
    return apply(Mul, this, b);
  }
  /** this / b */
  div(b: ScalarLike): Scalar {
    return apply(Mul, this, typeof b === "number" ? 1 / b : apply(Inv, b));
  }
  /** −this */
  neg(): Scalar {
    return apply(Neg, this);
  }
  /** 1 if this < b else 0 */
  lt(b: ScalarLike): Scalar {
    return apply(LT, this, b);
  }
  /** 1 if this > b else 0 */
  gt(b: ScalarLike): Scalar {
    return apply(LT, b, this);
  }
  /** 1 if this = b else 0 */
  eq(b: ScalarLike): Scalar {
    return apply(EQ, this, b);
  }
  /** ln(this) */
  log(): Scalar {
    return apply(Log, this);
  }
  /** e^this */
  exp(): Scalar {
    return apply(Exp, this);
  }
  /** 1 / (1 + e^−this) */
  sigmoid(): Scalar {
    return apply(Sigmoid, this);
  }
  /** max(this, 0) */
  relu(): Scalar {
    return apply(ReLU, this);
  }
  /** this^b */
  pow(b: ScalarLike): Scalar {
    return apply(Pow, this, b);
  }

  /** The value, as `tensor.item()`. */
  item(): number {
    return this.data;
  }

  /** What a graph node shows: label, value and derivative (see `mt.viz.toDot`). */
  summary(): NodeSummary {
    return {
      label: this.name ?? this.op ?? (this.requiresGrad ? "leaf" : "const"),
      value: formatNumber(this.data),
      derivative: this.derivative === null ? null : formatNumber(this.derivative),
    };
  }

  toString(): string {
    return `Scalar(${this.data})`;
  }
}
