import { describe, expect, it } from "vitest";
import { cli, lastJson } from "./cli_helpers.js";

// The bar: with the defaults (50 points, hidden 10, lr 0.5, the default epochs and seed)
// the Scalar MLP separates these datasets with at most one point wrong.
describe.each(["simple", "diag", "split", "xor"])(
  "minitorch train %s with defaults",
  async (dataset) => {
    it("reaches at least 49/50 correct", async () => {
      const run = await cli(["train", dataset, "--model", "scalar", "--json"]);
      expect(run.code).toBe(0);
      const summary = lastJson(run.stdout);
      expect(summary.total).toBe(50);
      expect(summary.correct).toBeGreaterThanOrEqual(49);
    });
  },
);
