import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { explainFailure } from "../src/course/explain.js";
import { type LockFile, pruneLock } from "../src/course/lockfile.js";
import type { TaskResult } from "../src/course/run_tests.js";
import { courseTasks } from "../src/course/tasks.js";
import { writeWorkspace } from "../src/course/workspace.js";
import { cli } from "./cli_helpers.js";

/** The course's commands and the pieces they are made of: init, the lock file, the explanations. */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), "minitorch-course-cmd-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("pruning the lock file for a workspace", () => {
  const lock: LockFile = {
    name: "minitorch",
    version: "1.0.0",
    lockfileVersion: 3,
    packages: {
      "": { name: "minitorch", version: "1.0.0", devDependencies: { a: "1", big: "1" } },
      "node_modules/a": { version: "1.0.0", dependencies: { c: "^2" } },
      "node_modules/a/node_modules/c": { version: "2.0.0" },
      "node_modules/c": { version: "1.0.0" },
      "node_modules/big": { version: "1.0.0", dependencies: { huge: "1" } },
      "node_modules/huge": { version: "1.0.0" },
    },
  };

  it("keeps what the new root reaches (the nested copy npm would pick) and drops the rest", () => {
    const pruned = pruneLock(lock, {
      name: "course",
      version: "1.0.0",
      devDependencies: { a: "1" },
    });
    expect(Object.keys(pruned.packages).sort()).toEqual([
      "",
      "node_modules/a",
      "node_modules/a/node_modules/c",
    ]);
    expect(pruned.name).toBe("course");
    expect(pruned.packages[""]).toMatchObject({ name: "course", devDependencies: { a: "1" } });
    expect(lock.packages[""].name).toBe("minitorch"); // the library's lock is not touched
  });
});

function result(failure: string, id = "1.2"): TaskResult {
  const task = courseTasks().find((t) => t.id === id);
  if (task === undefined) throw new Error(`no task ${id}`);
  return {
    task,
    tests: [
      { file: "test/a.test.ts", names: ["group", "passes"], status: "passed", failure: "" },
      { file: "test/a.test.ts", names: ["group", "breaks"], status: "failed", failure },
    ],
    fileErrors: [],
  };
}

describe("explaining a task's first failure", () => {
  it("says which body is unwritten, whose task it is, and where the guide is", () => {
    const own = explainFailure(
      result(
        "NotImplementedError: Task 1.2: Add.forward is yours to write\n    at Add.forward (src/x.ts:3:9)",
      ),
    );
    expect(own).toContain("✗ group › breaks");
    expect(own).toContain("Add.forward is not written yet");
    expect(own).toContain('grep -rn "Task 1.2:" src');
    expect(own).toContain("docs/02-autodiff.md#");
    const earlier = explainFailure(result("NotImplementedError: Task 0.1: mul is yours to write"));
    expect(earlier).toContain("belongs to Task 0.1");
    expect(earlier).toContain("course test 0.1");
  });

  it("shows an assertion's expected and actual values and the test's line, without the stack", () => {
    const text = explainFailure(
      result(
        "AssertionError: d/dx at x = 2 (got: from backward(); want: the central difference): got 0, want 4\n    at checkUnary (/w/test/scalar.test.ts:24:3)\n    at node_modules/vitest/x.js:1:1",
      ),
    );
    expect(text).toContain("got 0, want 4");
    expect(text).toContain("want: the central difference");
    expect(text).toContain("(the test: test/scalar.test.ts:24)");
    expect(text).not.toContain("node_modules");
  });

  it("says when none of a task's tests ran here, naming the skipped tests (no pass without a GPU)", () => {
    const skipped = result("", "3.3");
    skipped.tests = [
      {
        file: "test/w.test.ts",
        names: ["webgpu reductions", "needs a WebGPU adapter"],
        status: "skipped",
        failure: "",
      },
    ];
    const text = explainFailure(skipped);
    expect(text).toContain("None of Task 3.3's 1 tests ran here");
    expect(text).toContain("webgpu reductions › needs a WebGPU adapter");
  });

  it("points a WebAssembly trap at the task's kernels in assembly/", () => {
    const text = explainFailure(
      result("RuntimeError: unreachable\n    at wasm://wasm/x:1:1", "3.1"),
    );
    expect(text).toContain('grep -rn "Task 3.1:" assembly');
  });

  it("reports nothing when every test passed, and a file that could not load", () => {
    const ok = result("");
    ok.tests = ok.tests.filter((t) => t.status === "passed");
    expect(explainFailure(ok)).toBeUndefined();
    const broken = { ...ok, fileErrors: [{ file: "test/a.test.ts", message: "SyntaxError: x" }] };
    expect(explainFailure(broken)).toContain("test/a.test.ts could not run: SyntaxError: x");
  });
});

describe("minitorch course init", () => {
  it("writes a workspace naming the version it came from, with stubs that point at the guide", async () => {
    const dir = join(scratch, "ws");
    const { code, stdout } = await cli(["course", "init", dir]);
    expect(code).toBe(0);
    expect(stdout).toContain("npm ci");
    const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
    expect(readFileSync(join(dir, "README.md"), "utf8")).toContain(`minitorch ${version}`);
    const operators = readFileSync(join(dir, "src/operators.ts"), "utf8");
    expect(operators).toMatch(
      /export function mul\(x: number, y: number\): number \{\n {2}\/\/ Task 0\.1: see docs\/01-operators-and-modules\.md#scalar-operators\n {2}throw new NotImplementedError\("Task 0\.1: mul is yours to write"\);\n\}/,
    );
    for (const t of courseTasks())
      for (const g of t.tests) expect(existsSync(join(dir, g.file)), g.file).toBe(true);
    expect(existsSync(join(dir, "docs/02-autodiff.md"))).toBe(true);
    expect(existsSync(join(dir, "test/browser.test.ts"))).toBe(false);
  });

  it("never writes into a folder that holds anything, naming it", async () => {
    const dir = join(scratch, "full");
    mkdirSync(dir);
    writeFileSync(join(dir, "notes.txt"), "mine");
    const { code, stderr } = await cli(["course", "init", dir]);
    expect(code).toBe(2);
    expect(stderr).toContain(`${dir} is not empty (it holds notes.txt)`);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("mine");
  });

  it("rejects an unknown task, subcommand or missing folder with the choices", async () => {
    expect((await cli(["course", "test", "9.9"])).stderr).toMatch(
      /no task "9\.9": the tasks are 0\.1, 0\.2/,
    );
    expect((await cli(["course", "frobnicate"])).stderr).toContain('no subcommand "frobnicate"');
    expect((await cli(["course", "init"])).code).toBe(2);
  });
});

describe("a workspace installed with npm ci", { timeout: 300_000 }, () => {
  it("builds, lists the course, explains the first failure, shows progress and keeps demos locked", () => {
    const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
    const dir = join(scratch, "installed");
    writeWorkspace(dir);
    // The lock pins the library's own versions; npm's cache (warm after the library's npm ci)
    // serves them, and `prepare` builds the workspace's dist/ and WebAssembly.
    execFileSync("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], {
      cwd: dir,
      stdio: "pipe",
    });
    const run = (args: string[]) => {
      try {
        return {
          code: 0,
          out: execFileSync("npx", ["minitorch", ...args], { cwd: dir, encoding: "utf8" }),
        };
      } catch (e) {
        const err = e as { status: number; stdout: string };
        return { code: err.status, out: err.stdout };
      }
    };
    expect(run(["course"]).out).toContain("Module 0: Operators and modules");
    const first = run(["course", "test", "0.1"]);
    expect(first.code).toBe(1);
    expect(first.out).toContain("mul is not written yet");
    const status = run(["course", "status"]);
    expect(status.code).toBe(1);
    expect(status.out).toContain(`workspace from minitorch ${version}`);
    expect(status.out).toContain(`0 of ${courseTasks().length} tasks done`);
    expect(status.out).toMatch(/· 0\.1 +to do \(0\/\d+\)/);
    const demo = run(["course", "demo", "1"]);
    expect(demo.code).toBe(1);
  });
});
