import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readSafetensors, save } from "../src/io/files.js";
import { LeNet } from "../src/models/lenet.js";
import { full } from "../src/tensor/creation.js";
import type { Tensor } from "../src/tensor/tensor.js";
import {
  type BuiltRun,
  diskFullModule,
  hasBin,
  memoryLimitModule,
  runBuilt,
  writeIdxDigits,
} from "./cli_helpers.js";

/**
 * What a training run promises about its `--out` folder, checked on the built command: one run at
 * a time (a lock naming its holder; a dead holder's lock is taken over), file-system trouble said
 * in one line before any data is loaded, `--resume` never silently starting afresh, a run that
 * diverges keeping the last good checkpoint, and `predict` refusing broken weights.
 */

let dir = "";
let data = "";
/** A folder with no IDX files: a run that got as far as loading it would say so. */
let noData = "";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "minitorch-files-"));
  data = join(dir, "data");
  noData = join(dir, "no-data");
  mkdirSync(noData);
  await writeIdxDigits(data, 320, 100);
});

const train = (out: string, ...more: string[]): string[] => [
  "train",
  "mnist",
  "--data",
  data,
  "--batch-size",
  "32",
  "--epochs",
  "1",
  "--out",
  out,
  ...more,
];

/** A failure told in one line with exit code 1: no stack trace, no usage hint. */
function expectOneLineFailure(run: BuiltRun): void {
  expect(run.code, run.stderr).toBe(1);
  expect(run.stderr).toMatch(/^minitorch: [^\n]+\n$/);
  expect(run.stderr).not.toMatch(/\n\s+at |for usage/);
}

/** The pid of a process that has exited (so it is not running). */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ["-e", ""]);
  return pid;
}

describe.skipIf(!hasBin)("the --out folder of minitorch train mnist", () => {
  it("is locked: a second run into it refuses, naming the first one's pid and start", async () => {
    const out = join(dir, "locked");
    let second: BuiltRun | undefined;
    const first = await runBuilt(train(out, "--epochs", "50"), {
      dir,
      // Once the first run prints its plan it holds the folder: start the second then.
      onLine: async (line, child) => {
        if (!line.startsWith("Training a LeNet") || second !== undefined) return;
        second = await runBuilt(train(out), { dir });
        child.kill("SIGKILL");
      },
    });
    expect(first.signal).toBe("SIGKILL");
    expect(second).toBeDefined();
    const refused = second as BuiltRun;
    expectOneLineFailure(refused);
    expect(refused.stderr).toContain(`--out ${out} is in use by another run (pid ${first.pid}`);
    expect(refused.stderr).toMatch(/started \d{4}-\d\d-\d\dT/);

    // The first run was killed holding the lock, and a write of it may have been cut short:
    // the next run takes the lock over and removes the dead run's temporary files.
    const leftover = join(out, `checkpoint.safetensors.tmp-${first.pid}-k1lled`);
    writeFileSync(leftover, "half a checkpoint");
    const next = await runBuilt(train(out), { dir });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toContain(`held by pid ${first.pid}`);
    expect(existsSync(leftover)).toBe(false);
    expect(readdirSync(out).sort()).toEqual([
      "checkpoint.safetensors",
      "metrics.svg",
      "model.safetensors",
    ]);
  });

  it("is let go when a run is stopped with Ctrl-C (SIGINT), which still ends it", async () => {
    const out = join(dir, "interrupted");
    // Many epochs: the signal lands long before the end.
    const run = await runBuilt(train(out, "--epochs", "50"), {
      dir,
      onLine: (line, child) => {
        if (line.startsWith("Training a LeNet")) child.kill("SIGINT");
      },
    });
    expect(run.signal).toBe("SIGINT");
    expect(existsSync(join(out, ".lock"))).toBe(false);
  });

  it("takes over a lock whose run is gone, and refuses one whose run is alive", async () => {
    const out = join(dir, "stale");
    mkdirSync(out);
    const lock = (pid: number) =>
      writeFileSync(
        join(out, ".lock"),
        JSON.stringify({ pid, host: hostname(), started: "2020-01-02T03:04:05.000Z" }),
      );
    lock(process.pid); // this test's process: alive
    const refused = await runBuilt(train(out), { dir });
    expectOneLineFailure(refused);
    expect(refused.stderr).toContain(`(pid ${process.pid}, started 2020-01-02T03:04:05.000Z)`);
    expect(refused.stderr).toContain(join(out, ".lock"));

    const gone = deadPid();
    lock(gone);
    // Only the run's own files' leftovers go: a user's file of the same pattern stays.
    const leftover = join(out, `.lock.tmp-${gone}-abc`);
    const users = join(out, `notes.txt.tmp-${gone}-abc`);
    for (const file of [leftover, users]) writeFileSync(file, "");
    const run = await runBuilt(train(out), { dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`held by pid ${gone} (started 2020-01-02T03:04:05.000Z)`);
    expect(existsSync(join(out, ".lock"))).toBe(false);
    expect(existsSync(leftover)).toBe(false);
    expect(existsSync(users)).toBe(true);
  });

  it("says in one line, before loading any data, that --out is a file or not writable", async () => {
    const file = join(dir, "a-file");
    writeFileSync(file, "not a folder");
    const isFile = await runBuilt(train(file, "--data", noData), { dir });
    expectOneLineFailure(isFile);
    expect(isFile.stderr).toBe(`minitorch: --out ${file}: it is a file, not a folder\n`);

    const below = await runBuilt(train(join(file, "run"), "--data", noData), { dir });
    expectOneLineFailure(below);
    expect(below.stderr).toContain("a part of the path is a file, not a folder");

    // root may write anywhere but in sysfs; anyone else is stopped by the folder's mode.
    const root = process.getuid?.() === 0;
    const readOnly = root ? "/sys/kernel" : join(dir, "read-only");
    if (!root) {
      mkdirSync(readOnly);
      chmodSync(readOnly, 0o500);
    }
    if (existsSync(readOnly) && statSync(readOnly).isDirectory()) {
      const denied = await runBuilt(train(readOnly, "--data", noData), { dir });
      expectOneLineFailure(denied);
      expect(denied.stderr).toBe(
        `minitorch: --out ${readOnly}: cannot write in the folder: permission denied\n`,
      );
    }
  });

  it("says in one line that the disk is full: before loading data, and when a save fails", async () => {
    const preload = diskFullModule(dir);
    const out = join(dir, "full");
    const atStart = await runBuilt(train(out, "--data", noData), {
      dir,
      env: { NODE_OPTIONS: `--import ${preload}`, FAULT_PATH: out },
    });
    expectOneLineFailure(atStart);
    expect(atStart.stderr).toBe(
      `minitorch: --out ${out}: cannot write in the folder: no space left on the device\n`,
    );

    // Full once the first checkpoint is written: named, and its temporary file cleaned up.
    const midway = await runBuilt(train(out), {
      dir,
      env: { NODE_OPTIONS: `--import ${preload}`, FAULT_PATH: "checkpoint.safetensors" },
    });
    expectOneLineFailure(midway);
    expect(midway.stderr).toBe(
      `minitorch: cannot write ${join(out, "checkpoint.safetensors")}: no space left on the device\n`,
    );
    expect(readdirSync(out)).toEqual([]);
  });

  it("writes metrics.svg atomically (a temporary file renamed into place), like the weights", async () => {
    const out = join(dir, "atomic");
    // Only writes to a temporary name fail: a chart written in place would go through.
    const run = await runBuilt(train(out), {
      dir,
      env: { NODE_OPTIONS: `--import ${diskFullModule(dir)}`, FAULT_PATH: "metrics.svg.tmp-" },
    });
    // The failed write leaves no metrics.svg, not an empty or half one, and no temporary file.
    expectOneLineFailure(run);
    expect(run.stderr).toContain(`cannot write ${join(out, "metrics.svg")}: no space left`);
    expect(readdirSync(out).filter((name) => name.includes("metrics"))).toEqual([]);
  });
});

describe.skipIf(!hasBin)("minitorch train mnist --resume", () => {
  it("with no checkpoint in --out is an error naming the path, and writes nothing", async () => {
    const out = join(dir, "never-ran");
    const run = await runBuilt(train(out, "--resume"), { dir });
    expectOneLineFailure(run);
    expect(run.stderr).toContain(
      `--resume: there is no checkpoint at ${join(out, "checkpoint.safetensors")}`,
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe.skipIf(!hasBin)("minitorch train mnist --batch-size", () => {
  it("larger than the training set is a usage error saying the largest that fits", async () => {
    const run = await runBuilt(train(join(dir, "big-batch"), "--batch-size", "301"), { dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "minitorch: --batch-size 301 is larger than the training set (300 images after 20 are held out for validation); use at most 300\nRun 'minitorch train mnist --help' for usage.\n",
    );
  });

  it("that runs the cpu backend out of memory says to lower it", async () => {
    const out = join(dir, "oom");
    const run = await runBuilt(train(out, "--batch-size", "300"), {
      dir,
      // The backend's memory capped at 20 MB; a step on 300 images needs more.
      env: { NODE_OPTIONS: `--import ${memoryLimitModule(dir)}`, FAULT_MEMORY_BYTES: "20000000" },
    });
    expectOneLineFailure(run);
    expect(run.stderr).toMatch(
      /^minitorch: cpu backend: out of memory allocating \d+ bytes .*; lower --batch-size \(now 300\)/,
    );
    expect(readdirSync(out)).toEqual([]);
  });
});

describe.skipIf(!hasBin)("a run whose loss turns non-finite", () => {
  it("stops naming the epoch and --lr, and writes no model", async () => {
    const out = join(dir, "diverged");
    const run = await runBuilt(train(out, "--lr", "1e30"), { dir });
    expectOneLineFailure(run);
    expect(run.stderr).toMatch(
      /training diverged in epoch 1: the loss became NaN by batch \d+ of 10; no checkpoint or model was written\. Try a lower --lr \(now 1e\+30\)/,
    );
    expect(readdirSync(out)).toEqual([]);
  });

  it("keeps the last good checkpoint", async () => {
    const out = join(dir, "kept");
    expect((await runBuilt(train(out), { dir })).code).toBe(0);
    // Weights at the edge of float32 (finite, so loadable): the first step of epoch 2 overflows.
    const checkpoint = join(out, "checkpoint.safetensors");
    const { tensors, metadata } = await readSafetensors(checkpoint);
    const conv1 = tensors["model.conv1.weight"] as Tensor;
    await save({ ...tensors, "model.conv1.weight": full(conv1.shape, 3e38) }, checkpoint, {
      metadata,
    });
    const before = readFileSync(checkpoint);
    const model = readFileSync(join(out, "model.safetensors"));

    const run = await runBuilt(train(out, "--epochs", "2", "--resume"), { dir });
    expectOneLineFailure(run);
    expect(run.stderr).toContain(
      `training diverged in epoch 2: the loss became NaN by batch 1 of 10; the checkpoint of epoch 1 stays in ${checkpoint}`,
    );
    expect(Buffer.compare(readFileSync(checkpoint), before)).toBe(0);
    expect(Buffer.compare(readFileSync(join(out, "model.safetensors")), model)).toBe(0);
  });
});

describe.skipIf(!hasBin)("minitorch predict", () => {
  it("refuses a model whose weights hold NaN, naming the tensor", async () => {
    const lenet = new LeNet();
    const state = lenet.stateDict() as Record<string, Tensor>;
    const file = join(dir, "nan-model.safetensors");
    const bias = state["fc1.bias"];
    await save({ ...state, "fc1.bias": full(bias.shape, Number.NaN) }, file);
    const png = join(dir, "unused.png");
    writeFileSync(png, "");
    const run = await runBuilt(["predict", "--model", file, png], { dir });
    expectOneLineFailure(run);
    expect(run.stderr).toContain(
      `${file} cannot be used: its tensor "fc1.bias" holds NaN (${bias.numel()} of ${bias.numel()} values)`,
    );
  });
});
