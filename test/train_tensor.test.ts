import { describe, expect, it } from "vitest";
import { cli, lastJson } from "./cli_helpers.js";

async function train(args: string[]): Promise<Record<string, unknown>> {
  const run = await cli(["train", ...args, "--model", "tensor", "--json"]);
  expect(run.code, run.stderr).toBe(0);
  return lastJson(run.stdout);
}

// The bar for the tensor MLP: ≥ 49/50 with the defaults on the four simple datasets,
// ≥ 95% on circle and spiral (spiral with the wider network the help text names).
describe("minitorch train --model tensor", async () => {
  it.each(["simple", "diag", "split", "xor"])(
    "reaches at least 49/50 on %s with the defaults",
    async (dataset) => {
      const summary = await train([dataset]);
      expect(summary).toMatchObject({ dataset, model: "tensor", total: 50 });
      expect(summary.correct).toBeGreaterThanOrEqual(49);
    },
  );

  it("reaches at least 95% on circle with the defaults", async () => {
    const summary = await train(["circle"]);
    expect(Number(summary.correct) / Number(summary.total)).toBeGreaterThanOrEqual(0.95);
  });

  it("reaches at least 95% on spiral with --hidden 30 --lr 1 --epochs 3000", async () => {
    const summary = await train(["spiral", "--hidden", "30", "--lr", "1", "--epochs", "3000"]);
    expect(Number(summary.correct) / Number(summary.total)).toBeGreaterThanOrEqual(0.95);
  });

  it("gives the same result for the same seed", async () => {
    const a = await train(["xor", "--epochs", "50", "--seed", "7"]);
    const b = await train(["xor", "--epochs", "50", "--seed", "7"]);
    expect(a.loss).toBe(b.loss);
  });
});
