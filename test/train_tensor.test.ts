import { describe, expect, it } from "vitest";
import { cli, lastJson } from "./cli_helpers.js";

function train(args: string[]): Record<string, unknown> {
  const run = cli(["train", ...args, "--model", "tensor", "--json"]);
  expect(run.code, run.stderr).toBe(0);
  return lastJson(run.stdout);
}

// The bar for the tensor MLP: ≥ 49/50 with the defaults on the four simple datasets,
// ≥ 95% on circle and spiral (spiral with the wider network the help text names).
describe("minitorch train --model tensor", () => {
  it.each(["simple", "diag", "split", "xor"])(
    "reaches at least 49/50 on %s with the defaults",
    (dataset) => {
      const summary = train([dataset]);
      expect(summary).toMatchObject({ dataset, model: "tensor", total: 50 });
      expect(summary.correct).toBeGreaterThanOrEqual(49);
    },
  );

  it("reaches at least 95% on circle with the defaults", () => {
    const summary = train(["circle"]);
    expect(Number(summary.correct) / Number(summary.total)).toBeGreaterThanOrEqual(0.95);
  });

  it("reaches at least 95% on spiral with --hidden 30 --lr 1 --epochs 3000", () => {
    const summary = train(["spiral", "--hidden", "30", "--lr", "1", "--epochs", "3000"]);
    expect(Number(summary.correct) / Number(summary.total)).toBeGreaterThanOrEqual(0.95);
  });

  it("gives the same result for the same seed", () => {
    const a = train(["xor", "--epochs", "50", "--seed", "7"]);
    const b = train(["xor", "--epochs", "50", "--seed", "7"]);
    expect(a.loss).toBe(b.loss);
  });
});
