import { describe, expect, it } from "vitest";
import { expectClose } from "./close.js";

/** The message `expectClose` fails with, or null when it passes. */
function failure(run: () => void): string | null {
  try {
    run();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

describe("expectClose, the tests' one numeric comparison", () => {
  it("rel/abs: |got − want| ≤ abs + rel·|want|, at the bound and just past it", () => {
    expect(failure(() => expectClose([100.5], [100], { rel: 1e-3, abs: 0.4 }))).toBeNull();
    expect(failure(() => expectClose([100.6], [100], { rel: 1e-3, abs: 0.4 }))).not.toBeNull();
    expect(failure(() => expectClose([2], [2], {}))).toBeNull();
    expect(failure(() => expectClose([2.000001], [2], {}))).not.toBeNull();
  });

  it("rel relative to a given magnitude per element (relativeTo) instead of |want|", () => {
    const tol = { rel: 0.1, relativeTo: [10, 0] };
    expect(failure(() => expectClose([0.9, 0], [0, 0], tol))).toBeNull();
    expect(failure(() => expectClose([0, 0.9], [0, 0], tol))).toMatch(/\[1\] got 0.9, want 0/);
  });

  it("digits: |got − want| < 10^−digits / 2, as toBeCloseTo", () => {
    expect(failure(() => expectClose([1.00004], [1], { digits: 4 }))).toBeNull();
    expect(failure(() => expectClose([1.00006], [1], { digits: 4 }))).not.toBeNull();
  });

  it("relOrAbs: an absolute bound below 1, a relative one above", () => {
    expect(failure(() => expectClose([0.0009], [0], { relOrAbs: 1e-3 }))).toBeNull();
    expect(failure(() => expectClose([0.0011], [0], { relOrAbs: 1e-3 }))).not.toBeNull();
    expect(failure(() => expectClose([1000.9], [1000], { relOrAbs: 1e-3 }))).toBeNull();
    expect(failure(() => expectClose([1001.1], [1000], { relOrAbs: 1e-3 }))).not.toBeNull();
  });

  it("NaN matches NaN only with equalNan, and never a number; equal infinities match", () => {
    expect(failure(() => expectClose([Number.NaN], [Number.NaN], { digits: 3 }))).not.toBeNull();
    const nanOk = { rel: 1, abs: 1, equalNan: true };
    expect(failure(() => expectClose([Number.NaN], [Number.NaN], nanOk))).toBeNull();
    expect(failure(() => expectClose([Number.NaN], [1], nanOk))).not.toBeNull();
    expect(failure(() => expectClose([1], [Number.NaN], nanOk))).not.toBeNull();
    expect(failure(() => expectClose([1], [1], { relOrAbs: 0 }))).toBeNull();
    const inf = Number.POSITIVE_INFINITY;
    expect(failure(() => expectClose([inf], [inf], { relOrAbs: 0 }))).toBeNull();
    expect(failure(() => expectClose([-inf], [inf], { relOrAbs: 1 }))).not.toBeNull();
  });

  it("names the first differing index, both values, the bound, the count and the worst", () => {
    const message = failure(() =>
      expectClose([1, 2.5, 3, 9], [1, 2, 3, 4], { rel: 0, abs: 0.1 }, "out"),
    );
    expect(message).toBe(
      "out: [1] got 2.5, want 2 (|error| 0.5, not ≤ 0.1 = 0.1 + 0·|want|); " +
        "2 of 4 differ, the worst [3] got 9, want 4",
    );
  });

  it("compares single numbers, and fails on a length mismatch", () => {
    expect(failure(() => expectClose(1.5, 1, { abs: 0.1 }, "x"))).toMatch(/^x: got 1.5, want 1 /);
    expect(failure(() => expectClose([1, 2], [1], { abs: 1 }, "v"))).toBe("v: 2 values, want 1");
  });
});
