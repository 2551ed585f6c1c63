import { describe, expect, it } from "vitest";
import * as mt from "../../src/index.js";
import { loadedBackends, readsSyncInFloat64, skippedBackends } from "../backends.js";
import { expectClose, type Tolerance } from "../close.js";
import { SUMS } from "../op_cases.js";
import { nest, range } from "../shape_oracles.js";
import { type Operand, viewOf } from "./operands.js";

/**
 * The cross-backend conformance suite (the files of this folder, one per concern): a `describe`
 * per backend this build knows (`mt.backendNames`), each running the same properties. Every
 * tensor in a backend's block lives on that backend (the suite's expectations check that results
 * and gradients stay there), values are read with `await t.data()` (the one read that works
 * everywhere), and every expectation is computed in plain JS over row-major arrays, from the
 * float32-rounded inputs — never with minitorch itself.
 *
 * Gradients are checked twice: against derivative formulas written in the tests, and numerically —
 * `mt.testing.gradcheck` (float64 central differences) where the backend reads synchronously and
 * stores float64, otherwise against the reference backend's gradients for the same values.
 */

type Tensor = mt.Tensor;
type Shape = readonly number[];

/** fast-check runs of a property. */
export const RUNS = 40;
/** fast-check runs of a numerical gradient check (each is many backward passes). */
export const GRADCHECK_RUNS = 10;

/** What a test needs of the backend its block runs on. */
export interface Suite {
  readonly name: mt.BackendName;
  readonly backend: mt.Backend;
  /** Options of a constant tensor on this backend. */
  readonly opts: mt.TensorOptions;
  /** Options of a leaf that requires grad, on this backend. */
  readonly grad: mt.TensorOptions;
  /** A constant tensor on this backend holding row-major `values`. */
  host(values: readonly number[], shape: Shape): Tensor;
  /**
   * What checkNumerically compares with here, for test names: float64 central differences where
   * they can run (float64 storage, synchronous reads), else the reference backend's gradients.
   */
  readonly numerically: string;
  /**
   * Check the gradients of fn, given the operands' views of leaves holding their leaf values,
   * numerically with respect to those leaves: gradcheck in float64 where this backend can, else
   * against the reference backend's gradients for the same values.
   */
  checkNumerically(
    fn: (...views: Tensor[]) => Tensor,
    operands: readonly Operand[],
    what: string,
  ): Promise<void>;
  /** `t` lives on this backend, has `shape` and holds `want` (row-major) within `tol`. */
  expectValues(
    t: Tensor,
    shape: Shape,
    want: readonly number[],
    tol: Tolerance,
    what: string,
  ): Promise<void>;
  /** `leaf` has a gradient on this backend, of its own shape, holding `want` within `tol`. */
  expectGrad(leaf: Tensor, want: readonly number[], tol: Tolerance, what: string): Promise<void>;
}

/**
 * Every backend this build knows, loaded once by test/backends.ts before the suites are
 * collected: one that cannot run here (no GPU adapter, a missing package) is known at collection
 * time and its describe is skipped, with the line test/backends.ts printed saying why, instead of
 * failing every test.
 */
const backends = mt.backendNames.map((name) => ({
  name,
  impl: loadedBackends.find((b) => b.name === name)?.impl ?? null,
  reason: skippedBackends.find((b) => b.name === name)?.reason ?? "",
}));

/** `describe` the `title` concern once per backend, giving `body` that backend's suite. */
export function describeEachBackend(title: string, body: (suite: Suite) => void): void {
  describe.each(backends)(
    `conformance on the $name backend: ${title}`,
    ({ name, impl, reason }) => {
      if (impl === null) {
        it.skip(`${name} cannot run here: ${reason}`, () => {});
        return;
      }
      body(suiteOn(name, impl));
    },
  );
}

/** Deterministic, exactly representable upstream gradients: −0.75, −0.25, 0.25, 0.75, 1.25. */
export function weights(n: number): number[] {
  return range(n).map((i) => ((i * 7) % 5) * 0.5 - 0.75);
}

/** Leaf gradients of Σ w·fn(leaves) on backend `on`, for leaves holding the operands' values. */
async function gradsOn(
  on: mt.BackendName,
  fn: (...leaves: Tensor[]) => Tensor,
  operands: readonly Operand[],
): Promise<number[][]> {
  const leaves = operands.map((o) =>
    mt.tensor(nest(o.leafValues, o.leafShape), { backend: on, requiresGrad: true }),
  );
  const y = fn(...leaves);
  const w = mt.tensor(nest(weights(y.numel()), y.shape), { backend: on });
  y.mul(w).sum().backward();
  return Promise.all(
    leaves.map(async (l) => (l.grad === null ? [] : Array.from(await l.grad.data()))),
  );
}

function suiteOn(name: mt.BackendName, backend: mt.Backend): Suite {
  const grad = { backend: name, requiresGrad: true };
  const canGradcheck = readsSyncInFloat64(backend);
  return {
    name,
    backend,
    opts: { backend: name },
    grad,
    host: (values, shape) => mt.tensor(nest(values, shape), { backend: name }),
    numerically: canGradcheck ? "gradcheck (float64)" : "the reference backend's gradients",
    async checkNumerically(fn, operands, what) {
      const ofLeaves = (...leaves: Tensor[]) => fn(...leaves.map((l, i) => viewOf(l, operands[i])));
      if (canGradcheck) {
        const inputs = operands.map((o) =>
          mt.tensor(nest(o.leafValues, o.leafShape), { ...grad, dtype: "float64" }),
        );
        expect(mt.testing.gradcheck(ofLeaves, inputs), what).toBe(true);
        return;
      }
      const ours = await gradsOn(name, ofLeaves, operands);
      const theirs = await gradsOn("reference", ofLeaves, operands);
      ours.forEach((g, i) => {
        expectClose(g, theirs[i], SUMS, `${what}, input ${i} vs reference`);
      });
    },
    async expectValues(t, shape, want, tol, what) {
      expect(t.backend, `${what}: backend`).toBe(name);
      expect(t.shape, `${what}: shape`).toEqual(shape);
      expectClose(await t.data(), want, tol, what);
    },
    async expectGrad(leaf, want, tol, what) {
      const g = leaf.grad;
      expect(g, `${what}: grad`).not.toBeNull();
      if (g === null) return;
      expect(g.backend, `${what}: grad backend`).toBe(name);
      expect(g.shape, `${what}: grad shape`).toEqual(leaf.shape);
      expectClose(await g.data(), want, tol, `${what} (grad)`);
    },
  };
}
