import { expect } from "vitest";
import * as mt from "../src/index.js";

/**
 * `mt.testing.gradcheck(fn, inputs)`, failing with `what` and gradcheck's whole report (each
 * disagreeing element: autograd's value beside the central difference); any other error, such
 * as a body not written yet, goes up as it is — so `minitorch course test` can name that body.
 */
export function expectGradients(
  what: string,
  fn: (...xs: mt.Tensor[]) => mt.Tensor,
  inputs: mt.Tensor[],
): void {
  try {
    mt.testing.gradcheck(fn, inputs);
  } catch (error) {
    if (!(error instanceof mt.testing.GradcheckError)) throw error;
    expect.fail(`${what}: ${error.message}`);
  }
}
