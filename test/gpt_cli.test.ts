import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GPT } from "../src/models/gpt/gpt.js";
import { gptLr } from "../src/models/gpt/recipe.js";
import { cli, hasBin, lastJson, runBuilt } from "./cli_helpers.js";

/**
 * `minitorch train gpt` and `minitorch generate` on a small text (a few hundred lines of
 * dictionary-like entries) with a tiny model: the files a run writes, the summary, resuming
 * after a kill bit for bit, the model file loading back, streaming and seeding of samples, and
 * the errors of bad input.
 */

let dir: string;
let text: string;
const tiny = [
  "--layers",
  "1",
  "--heads",
  "2",
  "--embd",
  "16",
  "--block",
  "16",
  "--batch-size",
  "4",
];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "minitorch-gpt-"));
  const words = ["lantern", "river", "stone", "candle", "garden", "window", "bread", "music"];
  const lines = Array.from({ length: 400 }, (_, i) => {
    const w = words[i % words.length];
    return `${w}: a ${words[(i * 3 + 1) % words.length]} of the ${words[(i * 5 + 2) % words.length]}; "the ${w} is here"`;
  });
  text = join(dir, "corpus.txt");
  writeFileSync(text, `${lines.join("\n")}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const train = (out: string, ...more: string[]) =>
  cli(["train", "gpt", "--data", text, ...tiny, "--out", join(dir, out), ...more]);

describe("minitorch train gpt", () => {
  it("trains, evaluates, samples, and writes only the model and checkpoint files", async () => {
    const run = await train("a", "--iters", "80", "--eval-every", "40", "--lr", "0.01", "--json");
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/iter 40\/80 {2}train loss \d\.\d{4} {2}val loss \d\.\d{4}/);
    expect(run.stdout).toMatch(/sample: "lantern:/);
    const summary = lastJson(run.stdout);
    expect(Object.keys(summary)).toEqual([
      "dataset",
      "backend",
      "iters",
      "params",
      "valLoss",
      "tokensPerSecond",
      "seconds",
    ]);
    expect(summary).toMatchObject({ dataset: text, backend: "cpu", iters: 80 });
    expect(readdirSync(join(dir, "a")).sort()).toEqual([
      "checkpoint.safetensors",
      "model.safetensors",
    ]);
    const model = await GPT.load(join(dir, "a", "model.safetensors"));
    expect(model.config).toMatchObject({ nLayer: 1, nHead: 2, nEmbd: 16, blockSize: 16 });
    expect(summary.params).toBe(model.numParameters());
    // It learned: far below the loss of guessing uniformly among the characters.
    const vocab = model.vocab?.length ?? 0;
    expect(summary.valLoss as number).toBeLessThan(Math.log(vocab) - 1);
  });

  it("warms up linearly, then decays by a cosine to a tenth of the rate", () => {
    expect(gptLr(1e-3, 0, 2000)).toBeCloseTo(1e-3 / 101, 12);
    expect(gptLr(1e-3, 99, 2000)).toBeCloseTo((1e-3 * 100) / 101, 12);
    expect(gptLr(1e-3, 100, 2000)).toBeCloseTo(1e-3, 12);
    expect(gptLr(1e-3, 2000, 2000)).toBeCloseTo(1e-4, 12);
    expect(gptLr(1e-3, 1050, 2000)).toBeCloseTo(5.5e-4, 12);
  });

  it("refuses to resume with other settings, naming them, and without a checkpoint", async () => {
    const first = await train("b", "--iters", "4", "--eval-every", "2");
    expect(first.code, first.stderr).toBe(0);
    const other = await train("b", "--iters", "4", "--lr", "0.02", "--resume");
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/other settings \(lr 0\.001 → 0\.02\)/);
    const none = await train("nothing-here", "--resume");
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no checkpoint at \S+checkpoint\.safetensors/);
  });

  it.each([
    [["--heads", "3"], /--heads 3 must divide --embd 16/],
    [["--dropout", "1"], /--dropout must be in \[0, 1\)/],
    [["--iters", "0"], /--iters must be an integer ≥ 1/],
    [["--epochs", "3"], /unknown option '--epochs'; valid options: --data, --layers/],
    [["--backend", "tpu"], /unknown --backend "tpu"/],
  ])("%j is a usage error (exit 2) naming the flag", async (flags, message) => {
    const run = await train("bad", ...flags);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/minitorch train gpt --help/);
  });

  it("says what is wrong with the text: missing, empty, shorter than a block", async () => {
    const empty = join(dir, "empty.txt");
    writeFileSync(empty, "");
    const short = join(dir, "short.txt");
    writeFileSync(short, Array.from({ length: 25 }, () => "ab").join("\n"));
    const cases: [string, RegExp][] = [
      [join(dir, "missing.txt"), /--data \S+missing\.txt: cannot read/],
      [empty, /--data \S+empty\.txt: \S+empty\.txt is empty/],
      [short, /the validation text has 3 characters, fewer than a block of 16 \+ 1/],
    ];
    for (const [file, message] of cases) {
      const run = await cli(["train", "gpt", "--data", file, ...tiny, "--out", join(dir, "x")]);
      expect(run.code, file).toBe(1);
      expect(run.stderr).toMatch(message);
    }
  });
});

describe.skipIf(!hasBin)("minitorch train gpt --resume after a kill", () => {
  it("continues from the last checkpoint to the same model, bit for bit", async () => {
    const argv = (out: string) => [
      "train",
      "gpt",
      "--data",
      text,
      ...tiny,
      "--iters",
      "60",
      "--eval-every",
      "20",
      "--out",
      join(dir, out),
    ];
    const whole = await runBuilt(argv("whole"), { dir });
    expect(whole.code, whole.stderr).toBe(0);
    const killed = await runBuilt(argv("killed"), {
      dir,
      onLine: (line, child) => {
        if (line.startsWith("iter 20/60")) child.kill("SIGKILL");
      },
    });
    expect(killed.signal).toBe("SIGKILL");
    expect(killed.stdout).not.toMatch(/Validation loss/);
    const resumed = await runBuilt([...argv("killed"), "--resume"], { dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resumed after iteration (20|40)/);
    const bytes = (out: string) => readFileSync(join(dir, out, "model.safetensors"));
    expect(bytes("killed").equals(bytes("whole"))).toBe(true);
  });
});

describe("minitorch generate", () => {
  let model: string;
  beforeAll(async () => {
    const run = await train("g", "--iters", "30", "--eval-every", "30", "--lr", "0.01");
    expect(run.code, run.stderr).toBe(0);
    model = join(dir, "g", "model.safetensors");
  });

  it("prints the prompt and the sampled characters; a seed fixes the text", async () => {
    const gen = (seed: string) =>
      cli(["generate", "--model", model, "--prompt", "river:", "--tokens", "50", "--seed", seed]);
    const [a, b, c] = await Promise.all([gen("1"), gen("1"), gen("2")]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout.startsWith("river:")).toBe(true);
    expect([...a.stdout].length).toBe("river:".length + 50 + 1);
    expect(b.stdout).toBe(a.stdout);
    expect(c.stdout).not.toBe(a.stdout);
  });

  it("rejects a model file that is not a GPT, a prompt outside the vocabulary, a missing --model", async () => {
    const notGpt = await cli(["generate", "--model", join(dir, "g", "checkpoint.safetensors")]);
    expect(notGpt.code).toBe(1);
    expect(notGpt.stderr).toMatch(/is not a GPT model file \(no "config" in its metadata\)/);
    const prompt = await cli(["generate", "--model", model, "--prompt", "zebra€"]);
    expect(prompt.code).toBe(2);
    expect(prompt.stderr).toMatch(/--prompt holds "z", "€", not in the model's vocabulary/);
    const missing = await cli(["generate"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/generate needs --model <file>/);
    const absent = await cli(["generate", "--model", join(dir, "none.safetensors")]);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toMatch(/none\.safetensors: no such file/);
  });
});
