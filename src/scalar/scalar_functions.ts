import type { Context } from "../autodiff/context.js";
import { AutogradFunction, comparisonFunction, unaryFunction } from "../autodiff/function.js";
import * as op from "../operators.js";

/**
 * The Scalar ops, one Function each: forward on numbers from `operators.ts`, backward with the
 * matching `*Back` derivative (the unary ones made by `unaryFunction` from that pair). Scalar's
 * methods (`add`, `sub`, `div`, …) are built from these.
 */

/** a + b; ∂/∂a = ∂/∂b = 1. */
export class Add extends AutogradFunction {
  /** @task 1.2 */
  static override forward(_ctx: Context, a: number, b: number): number {
    return op.add(a, b);
  }
  /** @task 1.2 */
  static override backward(_ctx: Context, d: number): number[] {
    return [d, d];
  }
}

/** a · b; ∂/∂a = b, ∂/∂b = a. */
export class Mul extends AutogradFunction {
  /** @task 1.2 */
  static override forward(ctx: Context<[a: number, b: number]>, a: number, b: number): number {
    ctx.saveForBackward(a, b);
    return op.mul(a, b);
  }
  /** @task 1.2 */
  static override backward(ctx: Context<[a: number, b: number]>, d: number): number[] {
    const [a, b] = ctx.savedValues;
    return [op.mul(d, b), op.mul(d, a)];
  }
}

/** 1 / a; d/da = −1/a². */
export const Inv = unaryFunction("Inv", op.inv, op.invBack);

/** −a; d/da = −1. */
export class Neg extends AutogradFunction {
  /** @task 1.2 */
  static override forward(_ctx: Context, a: number): number {
    return op.neg(a);
  }
  /** @task 1.2 */
  static override backward(_ctx: Context, d: number): number {
    return op.neg(d);
  }
}

/** σ(a) = 1 / (1 + e^−a); d/da = σ(a)(1 − σ(a)). */
export const Sigmoid = unaryFunction("Sigmoid", op.sigmoid, op.sigmoidBack);

/** max(a, 0); d/da = 1 for a > 0, else 0. */
export const ReLU = unaryFunction("ReLU", op.relu, op.reluBack);

/** ln a; d/da = 1/a. */
export const Log = unaryFunction("Log", op.log, op.logBack);

/** eᵃ; d/da = eᵃ. */
export const Exp = unaryFunction("Exp", op.exp, op.expBack);

/** 1 if a < b else 0; piecewise constant, so its derivative is 0 wherever it exists. */
export const LT = comparisonFunction("LT", op.lt, () => 0);

/** 1 if a = b else 0; derivative 0. */
export const EQ = comparisonFunction("EQ", op.eq, () => 0);

/** Pow saves its operands and its result. */
type PowContext = Context<[a: number, b: number, out: number]>;

/**
 * aᵇ; ∂/∂a = b·aᵇ⁻¹, ∂/∂b = aᵇ·ln a. The exponent's derivative is only computed when the exponent
 * wants one: for a constant exponent and a negative base, ln a would be NaN.
 */
export class Pow extends AutogradFunction {
  /** @task 1.2 */
  static override forward(ctx: PowContext, a: number, b: number): number {
    const out = a ** b;
    ctx.saveForBackward(a, b, out);
    return out;
  }
  /** @task 1.2 */
  static override backward(ctx: PowContext, d: number): number[] {
    const [a, b, out] = ctx.savedValues;
    const da = b === 0 ? 0 : d * b * a ** (b - 1);
    const db = ctx.needsInputGrad[1] ? d * out * Math.log(a) : 0;
    return [da, db];
  }
}
