import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { beforeAll, describe, expect, it } from "vitest";
import { loadBackend } from "../src/backend/registry.js";
import { loadMnist } from "../src/data/mnist.js";
import { cli, hasBin, lastJson, runBuilt, writeIdxDigits } from "./cli_helpers.js";

/**
 * `minitorch train mnist` and `minitorch predict` end to end, on a few hundred real digits written
 * as IDX files (the format `--data` reads): the network must learn (well above the 10% of
 * chance), write its files, survive being killed mid-epoch (`--resume` continues from the last
 * checkpoint and ends with the same weights as a run never interrupted), and classify a PNG.
 */

const TRAIN = 640;
const TEST = 200;

let dir = "";
let data = "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "minitorch-mnist-"));
  data = join(dir, "data");
  await writeIdxDigits(data, TRAIN, TEST);
});

const args = (out: string, epochs: number): string[] => [
  "train",
  "mnist",
  "--data",
  data,
  "--epochs",
  String(epochs),
  "--batch-size",
  "32",
  "--out",
  out,
];

describe("minitorch train mnist", () => {
  it("learns a few hundred digits and writes its model, checkpoint and chart", async () => {
    const out = join(dir, "learn");
    const run = await cli([...args(out, 5), "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const summary = lastJson(run.stdout);
    expect(summary).toMatchObject({ backend: "cpu", epochs: 5, trainSize: 600, testSize: TEST });
    // Chance is 10%; 600 digits and 5 epochs reach well above.
    expect(summary.testAccuracy as number).toBeGreaterThan(0.75);
    expect(run.stdout).toMatch(/epoch 5\/5 {2}loss \d/);
    expect(run.stdout).toMatch(/Confusion matrix/);
    for (const file of ["model.safetensors", "checkpoint.safetensors", "metrics.svg"]) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    expect(readFileSync(join(out, "metrics.svg"), "utf8")).toMatch(/^<svg[^>]*>[\s\S]*polyline/);
  });

  it("refuses to resume a checkpoint made with other settings, naming them", async () => {
    const out = join(dir, "learn");
    const run = await cli([...args(out, 4), "--lr", "0.01", "--resume"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/other settings \(lr 0\.001 → 0\.01\)/);
  });

  it("says what is wrong with a truncated checkpoint instead of crashing", async () => {
    const out = join(dir, "broken");
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, "checkpoint.safetensors"),
      new Uint8Array([200, 0, 0, 0, 0, 0, 0, 0, 123]),
    );
    const run = await cli([...args(out, 2), "--resume"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^minitorch: --resume: \S*checkpoint\.safetensors: not a valid safetensors file/,
    );
  });
});

describe.skipIf(!hasBin)("killing a run mid-epoch (the built command)", () => {
  it("--resume continues from the last checkpoint and ends where an uninterrupted run ends", async () => {
    const whole = join(dir, "whole");
    const cut = join(dir, "cut");
    const straight = await runBuilt(args(whole, 3), { dir });
    expect(straight.code, straight.stdout).toBe(0);

    // Kill it as soon as epoch 1 is reported: epoch 2 is then under way.
    const killed = await runBuilt(args(cut, 3), {
      dir,
      onLine: (line, child) => {
        if (line.startsWith("epoch 1/3")) child.kill("SIGKILL");
      },
    });
    expect(killed.signal).toBe("SIGKILL");
    expect(existsSync(join(cut, "model.safetensors"))).toBe(false);

    const resumed = await runBuilt([...args(cut, 3), "--resume"], { dir });
    expect(resumed.code, resumed.stdout).toBe(0);
    expect(resumed.stdout).toMatch(/resumed after epoch [12] from/);
    expect(resumed.stdout).not.toMatch(/^epoch 1\/3/m);
    // The killed run's lock was left behind: recognised as stale, taken over, released at the end.
    expect(resumed.stderr).toContain(`held by pid ${killed.pid}`);
    expect(resumed.stderr).toContain("no longer running; taking it over");
    expect(existsSync(join(cut, ".lock"))).toBe(false);
    const a = readFileSync(join(whole, "model.safetensors"));
    const b = readFileSync(join(cut, "model.safetensors"));
    expect(Buffer.compare(a, b), "the weights differ from the uninterrupted run's").toBe(0);
  });
});

describe.skipIf(!hasBin)("minitorch predict", () => {
  it("prints the top classes of PNGs with probabilities, mostly right", async () => {
    const model = join(dir, "learn", "model.safetensors");
    // Ten test digits as white-on-black 56×56 PNGs (predict scales them back to 28×28).
    const { test } = await loadMnist();
    const files: string[] = [];
    for (let k = 0; k < 10; k++) {
      const png = new PNG({ width: 56, height: 56 });
      for (let y = 0; y < 56; y++) {
        for (let x = 0; x < 56; x++) {
          const v = Math.round(
            255 * test.images[k * 784 + Math.floor(y / 2) * 28 + Math.floor(x / 2)],
          );
          png.data.set([v, v, v, 255], 4 * (y * 56 + x));
        }
      }
      files.push(join(dir, `digit${k}.png`));
      writeFileSync(files[k], PNG.sync.write(png));
    }
    const run = await cli(["predict", "--model", model, "--json", ...files]);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.file)).toEqual(files);
    let correct = 0;
    for (const [k, { top }] of lines.entries()) {
      expect(top).toHaveLength(3);
      const total = top.reduce((s: number, t: { probability: number }) => s + t.probability, 0);
      expect(total).toBeLessThanOrEqual(1 + 1e-6);
      expect(top[0].probability).toBeGreaterThanOrEqual(top[1].probability);
      if (top[0].class === test.labels[k]) correct += 1;
    }
    // The network saw 600 digits for 5 epochs (~90% on the test split): chance would be 1 in 10.
    expect(correct).toBeGreaterThanOrEqual(6);
  });

  it("says what is wrong with a file that is not a model", async () => {
    const bad = join(dir, "not-a-model.safetensors");
    writeFileSync(bad, "hello");
    const run = await cli(["predict", "--model", bad, join(dir, "digit0.png")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not-a-model\.safetensors/);
  });
});

const webgpu = await loadBackend("webgpu").then(
  () => true,
  (error: Error) => {
    console.log(`mnist_cli: skipping the webgpu run: ${error.message}`);
    return false;
  },
);

describe.skipIf(!webgpu)("minitorch train mnist --backend webgpu", () => {
  it("trains as on the cpu backend (same seed: the same losses and accuracies to float32 rounding)", async () => {
    const onCpu = await cli([...args(join(dir, "cpu1"), 1), "--json"]);
    const onGpu = await cli([...args(join(dir, "gpu1"), 1), "--backend", "webgpu", "--json"]);
    expect(onGpu.code, onGpu.stderr).toBe(0);
    const epochLine = (out: string) => out.split("\n").find((l) => l.startsWith("epoch 1/1")) ?? "";
    const numbers = (line: string) => (line.match(/\d+\.\d+/g) ?? []).slice(0, 3).map(Number);
    const [cpuLine, gpuLine] = [epochLine(onCpu.stdout), epochLine(onGpu.stdout)];
    expect(gpuLine).not.toBe("");
    // loss, train %, validation %: within the last printed digit.
    for (const [i, x] of numbers(cpuLine).entries()) {
      expect(Math.abs(numbers(gpuLine)[i] - x), `${cpuLine} vs ${gpuLine}`).toBeLessThanOrEqual(
        0.02,
      );
    }
    expect(lastJson(onGpu.stdout).backend).toBe("webgpu");
  });
});
