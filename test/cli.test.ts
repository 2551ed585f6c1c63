import { describe, expect, it } from "vitest";
import { cli, lastJson } from "./cli_helpers.js";

describe("minitorch CLI: help and bad input", async () => {
  it("prints help for the program and each command", async () => {
    expect(await cli(["--help"])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining("Commands:"),
    });
    expect((await cli(["--version"])).stdout).toBe("9.9.9\n");
    const train = await cli(["train", "--help"]);
    expect(train.code).toBe(0);
    expect(train.stdout).toContain("Datasets: simple, diag, split, xor, circle, spiral");
    expect(train.stdout).toContain("--hidden");
    expect((await cli(["graph", "-h"])).stdout).toContain("Usage: minitorch graph");
  });

  it("exits 2 with the valid choices for an unknown command, dataset, model or flag", async () => {
    const command = await cli(["fly"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "fly"; choose one of train, graph');

    const dataset = await cli(["train", "moons"]);
    expect(dataset.code).toBe(2);
    expect(dataset.stderr).toContain("choose one of simple, diag, split, xor, circle, spiral");

    const model = await cli(["train", "xor", "--model", "cnn"]);
    expect(model.code).toBe(2);
    expect(model.stderr).toContain('unknown model "cnn"; choose one of scalar, tensor');

    const flag = await cli(["train", "xor", "--speed", "3"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain(
      "unknown option '--speed'; valid options: --model, --backend, --points",
    );

    expect((await cli([])).code).toBe(2);
    expect((await cli(["train"])).stderr).toContain("train takes exactly one dataset, got none");
  });

  it("exits 2 naming the flag for a value that is not a valid number", async () => {
    const cases: [string[], string][] = [
      [["--lr", "fast"], '--lr must be a number, got "fast"'],
      [["--lr", "0"], '--lr must be greater than 0, got "0"'],
      [["--epochs", "2.5"], '--epochs must be an integer ≥ 1, got "2.5"'],
      [["--points", "-3"], '--points must be an integer ≥ 2, got "-3"'],
      [["--hidden", ""], '--hidden must be a number, got ""'],
    ];
    for (const [flags, message] of cases) {
      const run = await cli(["train", "xor", ...flags]);
      expect(run.code, flags.join(" ")).toBe(2);
      expect(run.stderr).toContain(message);
    }
  });
});

describe("minitorch train", async () => {
  it("logs every 10 epochs in plain mode and ends with a summary and a JSON line", async () => {
    const run = await cli(["train", "simple", "--epochs", "30", "--points", "20", "--json"]);
    expect(run.code).toBe(0);
    const epochLines = run.stdout.split("\n").filter((l) => l.startsWith("epoch"));
    expect(epochLines.map((l) => l.split(/\s+/)[1])).toEqual(["10/30", "20/30", "30/30"]);
    expect(run.stdout).toMatch(/simple: \d+\/20 correct, loss [\d.]+, 30 epochs in/);
    const summary = lastJson(run.stdout);
    expect(Object.keys(summary)).toEqual([
      "dataset",
      "model",
      "correct",
      "total",
      "loss",
      "seconds",
    ]);
    expect(summary).toMatchObject({ dataset: "simple", model: "scalar", total: 20 });
    expect(run.stderr).toBe("");
  });

  it("draws a progress bar on stderr when attached to a terminal", async () => {
    const run = await cli(["train", "xor", "--epochs", "5", "--points", "10"], true);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("[");
    expect(run.stderr).toMatch(/\d+% \d\/5 loss/);
  });

  it("is deterministic for a seed and differs across seeds", async () => {
    const args = ["train", "circle", "--epochs", "20", "--points", "20", "--json"];
    const a = lastJson((await cli([...args, "--seed", "3"])).stdout);
    const b = lastJson((await cli([...args, "--seed", "3"])).stdout);
    const c = lastJson((await cli([...args, "--seed", "4"])).stdout);
    expect(a.loss).toBe(b.loss);
    expect(a.loss).not.toBe(c.loss);
  });
});

describe("minitorch graph", async () => {
  it("prints the DOT graph with values and derivatives, and the derivatives on stderr", async () => {
    const run = await cli(["graph", "x * y + exp(x)", "--x", "1", "--y", "2"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^digraph minitorch \{/);
    expect(run.stdout).toContain("{x | value 1 | grad 4.718}");
    expect(run.stdout).toContain("{y | value 2 | grad 1}");
    expect(run.stdout).toContain("{Mul | value 2 | grad 1}");
    expect(run.stderr).toContain("d/dx = 4.718281828459045, d/dy = 1");
  });

  it("reads negative values for --x", async () => {
    const run = await cli(["graph", "x^2", "--x", "-1.5"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("d/dx = -3");
  });

  it("points at the position of a syntax error", async () => {
    const run = await cli(["graph", "x + * y"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("(at position 4)\n  x + * y\n      ^");
  });
});

describe("minitorch train --backend", () => {
  it("runs the tensor model on each backend with the same result", async () => {
    const args = ["train", "xor", "--model", "tensor", "--epochs", "30", "--json"];
    const reference = lastJson((await cli([...args, "--backend", "reference"])).stdout);
    const cpu = lastJson((await cli([...args, "--backend", "cpu"])).stdout);
    expect(cpu.correct).toBe(reference.correct);
    expect(Number(cpu.loss)).toBeCloseTo(Number(reference.loss), 3);
  });

  it("rejects an unknown backend with the valid names", async () => {
    const run = await cli(["train", "xor", "--backend", "tpu"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown backend "tpu"; choose one of reference, cpu');
  });
});
