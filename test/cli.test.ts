import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, hasBin, lastJson, memoryLimitModule, runBuilt } from "./cli_helpers.js";

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
    expect(model.stderr).toContain('unknown --model "cnn"; choose one of scalar, tensor');

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
    expect(run.stderr).toContain('unknown --backend "tpu"; choose one of reference, cpu');
  });
});

describe.skipIf(!hasBin)("exit codes and messages of the built command", () => {
  const dir = mkdtempSync(join(tmpdir(), "minitorch-cli-"));

  it("exits 2 for a bad flag or value of every command, naming it and the command's help", async () => {
    const out = join(dir, "never-written");
    const mnist = ["train", "mnist", "--out", out];
    const cases: [string[], string, string][] = [
      [[...mnist, "--epochs", "0"], '--epochs must be an integer ≥ 1, got "0"', "train mnist"],
      [[...mnist, "--speed", "3"], "unknown option '--speed'", "train mnist"],
      [[...mnist, "--epochs"], "--epochs", "train mnist"],
      [
        [...mnist, "--batch-size", "many"],
        '--batch-size must be a number, got "many"',
        "train mnist",
      ],
      [[...mnist, "--lr", "-1"], '--lr must be greater than 0, got "-1"', "train mnist"],
      [[...mnist, "--optimizer", "rms"], 'unknown --optimizer "rms"', "train mnist"],
      [[...mnist, "--dataset", "cifar"], 'unknown --dataset "cifar"', "train mnist"],
      [[...mnist, "--backend", "tpu"], 'unknown --backend "tpu"', "train mnist"],
      [[...mnist, "--shift", "0.5"], '--shift must be an integer ≥ 0, got "0.5"', "train mnist"],
      [["train", "mnist", "--out", ""], '--out needs a path, got ""', "train mnist"],
      [[...mnist, "extra"], "train mnist takes no further arguments, got extra", "train mnist"],
      [["train", "xor", "--lr", "fast"], '--lr must be a number, got "fast"', "train"],
      [["train", "xor", "--model", "cnn"], 'unknown --model "cnn"', "train"],
      [["train", "moons"], 'unknown dataset "moons"', "train"],
      [["predict", "--top", "0", "a.png"], '--top must be an integer ≥ 1, got "0"', "predict"],
      [["predict", "--backend", "tpu", "a.png"], 'unknown --backend "tpu"', "predict"],
      [["predict", "--model", "", "a.png"], '--model needs a path, got ""', "predict"],
      [["predict"], "predict needs at least one image", "predict"],
      [["graph", "x", "--x", "one"], '--x must be a number, got "one"', "graph"],
      [["graph", "x", "--z", "1"], "unknown option '--z'", "graph"],
      [["fly"], 'unknown command "fly"', ""],
    ];
    const check = (
      run: { code: number | null; stderr: string },
      [argv, message, command]: (typeof cases)[number],
    ) => {
      const help = command === "" ? "minitorch --help" : `minitorch ${command} --help`;
      expect(run.code, argv.join(" ")).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stderr).toContain(`Run '${help}' for usage.`);
    };
    for (const c of cases) check(await cli(c[0]), c);
    // The built command, on two cases of each command (a process start costs ~0.4 s).
    const sample = cases.filter((c, i) => i - cases.findIndex((d) => d[2] === c[2]) < 2);
    const runs = await Promise.all(sample.map(([argv]) => runBuilt(argv, { dir })));
    for (const [i, c] of sample.entries()) check(runs[i], c);
    // Flags are checked before anything is written.
    expect(existsSync(out)).toBe(false);
  });

  it("exits 1 for data and runtime errors, in one line naming the file, without the usage hint", async () => {
    const out = join(dir, "out");
    const cases: [string[], string][] = [
      [
        ["train", "mnist", "--data", join(dir, "nowhere"), "--out", out],
        `minitorch: --data ${join(dir, "nowhere")}: no such folder\n`,
      ],
      [
        ["predict", "--model", join(dir, "none.safetensors"), "a.png"],
        `minitorch: --model ${join(dir, "none.safetensors")}: no such file ('minitorch train mnist' writes runs/mnist/model.safetensors)\n`,
      ],
    ];
    for (const [argv, message] of cases) {
      const run = await runBuilt(argv, { dir });
      expect(run.code, argv.join(" ")).toBe(1);
      expect(run.stderr).toBe(message);
    }
  });

  it("stops a toy run whose loss turns non-finite, naming the epoch and --lr", async () => {
    for (const model of ["scalar", "tensor"]) {
      const argv = ["train", "xor", "--model", model, "--lr", "1e30", "--epochs", "50"];
      const run = await runBuilt(argv, { dir });
      expect(run.code, model).toBe(1);
      expect(run.stderr).toMatch(
        /^minitorch: training diverged: the loss became (NaN|Infinity) in epoch \d+; try a lower --lr \(now 1e\+30\)\n$/,
      );
      expect(run.stdout).not.toMatch(/correct, loss/);
    }
  });

  it("says what to lower when the cpu backend runs out of memory", async () => {
    const run = await runBuilt(["train", "xor", "--model", "tensor", "--hidden", "2000"], {
      dir,
      // The backend's memory capped at 20 MB: hidden 2000 needs 16 MB per weight matrix.
      env: { NODE_OPTIONS: `--import ${memoryLimitModule(dir)}`, FAULT_MEMORY_BYTES: "20000000" },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^minitorch: cpu backend: out of memory allocating \d+ bytes .*; lower --hidden \(now 2000\) or --points \(now 50\)\n$/,
    );
  });
});
