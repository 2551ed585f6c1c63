import { AutogradError } from "../errors.js";
import { Context } from "./context.js";
import { isGradEnabled, noGrad } from "./grad_mode.js";
import { type History, isVariable, type Variable } from "./variable.js";

/** A non-differentiable argument of an op: a dim, a shape, an options object. */
export type FunctionParameter =
  | readonly number[]
  | { readonly [key: string]: unknown }
  | string
  | boolean;

/**
 * The static side of a differentiable operation: what `apply` and `chainRule` call. Method syntax
 * (not function properties) lets subclasses narrow the parameter types (`a: number`).
 */
export interface FunctionClass {
  readonly name: string;
  forward(ctx: Context, ...inputs: unknown[]): unknown;
  backward(ctx: Context, dOut: unknown): unknown;
}

/**
 * A differentiable operation, as `torch.autograd.Function`: subclass it with
 * `static forward(ctx, ...values)` computing the result on plain values (numbers for Scalars,
 * history-free Tensors for Tensors) and `static backward(ctx, dOut)` returning one derivative per
 * input (a single value when there is one input), then call `MyFn.apply(...)`. Both run without
 * recording history. Both may declare what forward saves, `ctx: Context<[a: Tensor, b: Tensor]>`,
 * so that backward reads `ctx.savedValues` typed (see `Context`).
 *
 * The same `apply` serves every family of variables: the first Variable argument's `kind` says how
 * to lift number operands, unwrap inputs and wrap the result.
 */
export class AutogradFunction {
  /** Compute the result from unwrapped inputs; save what backward needs on `ctx`. */
  static forward(_ctx: Context, ..._inputs: unknown[]): unknown {
    throw new AutogradError(`${this.name}.forward is not implemented`);
  }

  /** Given d(output), return d(input) for each input (one value, or an array in input order). */
  static backward(_ctx: Context, _dOut: unknown): unknown {
    throw new AutogradError(`${this.name}.backward is not implemented`);
  }

  /**
   * Run forward on `args` and return a variable that remembers how it was made. Variables and
   * numbers are the op's inputs (numbers become constants); any other argument (a dim, a shape,
   * an options object) is a parameter passed to forward as it is, and gets no derivative.
   */
  static apply<V extends Variable>(
    this: FunctionClass,
    ...args: (V | number | FunctionParameter)[]
  ): V {
    const anchor = args.find((x): x is V => isVariable(x));
    if (anchor === undefined) {
      throw new AutogradError(
        `${this.name}.apply: needs at least one Scalar or Tensor argument, got (${args.map(String).join(", ")})`,
      );
    }
    const kind = anchor.kind;
    const inputs: Variable[] = [];
    const forwardArgs = args.map((x) => {
      if (typeof x !== "number" && !isVariable(x)) return x;
      const v = kind.lift(x, anchor);
      inputs.push(v);
      return kind.unwrap(v);
    });
    const needsInputGrad = inputs.map((v) => v.requiresGrad);
    const track = isGradEnabled() && needsInputGrad.some(Boolean);
    const ctx = new Context(!track, needsInputGrad);
    // forward runs without recording history, so it may use the public ops of its values freely.
    const run = () => this.forward(ctx, ...forwardArgs);
    const raw = noGrad(() => (kind.forward === undefined ? run() : kind.forward(ctx, run)));
    const history: History | null = track ? { fn: this, ctx, inputs } : null;
    return kind.wrap(raw, history) as V;
  }
}

/**
 * A Function of one input from its two rules, y = forward(a) and ∂L/∂a = backward(a, ∂L/∂y): forward
 * saves a for backward. Scalar's and Tensor's unary ops are made by it (on numbers, on Tensors);
 * `name` is what graph drawings and error messages show ("Exp", "ReLU"…).
 */
export function unaryFunction<T>(
  name: string,
  forward: (a: T) => T,
  backward: (a: T, d: T) => T,
): typeof AutogradFunction {
  return named(
    name,
    class extends AutogradFunction {
      static override forward(ctx: Context<[a: T]>, a: T): T {
        ctx.saveForBackward(a);
        return forward(a);
      }
      static override backward(ctx: Context<[a: T]>, d: T): T {
        const [a] = ctx.savedValues;
        return backward(a, d);
      }
    },
  );
}

/**
 * A comparison of two inputs, y = compare(a, b) as 1/0: piecewise constant, so the derivative of
 * each input is 0 wherever it exists; `zeroLike(d)` is that 0 in the form of ∂L/∂y (0 for Scalars,
 * a tensor of zeros for Tensors).
 */
export function comparisonFunction<T>(
  name: string,
  compare: (a: T, b: T) => T,
  zeroLike: (d: T) => T,
): typeof AutogradFunction {
  return named(
    name,
    class extends AutogradFunction {
      static override forward(_ctx: Context, a: T, b: T): T {
        return compare(a, b);
      }
      static override backward(_ctx: Context, d: T): T[] {
        const zero = zeroLike(d);
        return [zero, zero];
      }
    },
  );
}

/** `fn` named `name`, as graph drawings and error messages show it (a class expression has none). */
function named(name: string, fn: typeof AutogradFunction): typeof AutogradFunction {
  Object.defineProperty(fn, "name", { value: name });
  return fn;
}

/**
 * One step of the chain rule: given the derivative of a result, the derivatives of its inputs,
 * fitted to each input and paired with it. Constant inputs are skipped.
 * @task 1.4
 */
export function chainRule(history: History, dOut: unknown): [Variable, unknown][] {
  const { fn, ctx, inputs } = history;
  if (ctx.released) {
    throw new AutogradError(
      `backward through ${fn.name} a second time: the first backward() released this graph's saved values; pass {retainGraph: true} to the first backward() to backpropagate through it again`,
    );
  }
  // Derivatives are values, not part of a graph (no higher-order gradients), as in PyTorch's
  // default backward.
  return noGrad(() => {
    const result = fn.backward(ctx, dOut);
    const grads: readonly unknown[] = Array.isArray(result) ? result : [result];
    if (grads.length !== inputs.length) {
      throw new AutogradError(
        `${fn.name}.backward returned ${grads.length} derivative(s) for ${inputs.length} input(s)`,
      );
    }
    const pairs: [Variable, unknown][] = [];
    inputs.forEach((input, i) => {
      if (!input.requiresGrad) return;
      const g = grads[i];
      if (g === undefined || g === null) {
        throw new AutogradError(`${fn.name}.backward returned no derivative for input ${i}`);
      }
      pairs.push([input, input.kind.fitDerivative(input, g)]);
    });
    return pairs;
  });
}
