import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  ensureKernelsBuilt,
  runTaskTests,
  type TaskResult,
  taskPassed,
} from "../src/course/run_tests.js";
import { courseTasks } from "../src/course/tasks.js";
import { writeSources, writeWorkspace } from "../src/course/workspace.js";

/**
 * The proof that the course works: in a freshly generated workspace every task's tests fail;
 * restoring the library's real bodies task by task, in course order, makes exactly the restored
 * tasks pass — each task's tests pass with its own body and fail without it, whatever comes later.
 * The real source passing every task's tests is the rest of the suite.
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const tasks = courseTasks();
/**
 * While writing a module's tasks, MINITORCH_COURSE_PROOF_MODULES="2,3" checks only those modules'
 * stages (restoring earlier tasks still happens in course order); unset, every task is checked.
 */
const only = process.env.MINITORCH_COURSE_PROOF_MODULES?.split(",").map((m) => m.trim());
const checked = (id: string) => only === undefined || only.includes(id.split(".")[0]);
const dir = mkdtempSync(join(tmpdir(), "minitorch-course-proof-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A task's state for a failure message: its failing or skipped tests, or why its file broke. */
function describeResult(r: TaskResult): string {
  const bad = r.tests.filter((t) => t.status !== "passed").map((t) => t.names.join(" › "));
  const files = r.fileErrors.map((e) => `${e.file}: ${e.message.split("\n")[0]}`);
  return `${r.task.id}: ${r.tests.length} tests; not passing: ${[...files, ...bad].slice(0, 5).join("; ") || "none"}`;
}

/** Rewrite the workspace's sources with the first `k` tasks restored; rebuild its kernels if they changed. */
function restoreFirst(k: number): void {
  const restored = new Set(tasks.slice(0, k).map((t) => t.id));
  writeSources(ROOT, dir, (id) => restored.has(id));
  ensureKernelsBuilt(dir);
}

describe("a course workspace", { timeout: 300_000 }, () => {
  it("is generated with every task stubbed, type-checks, and fails every task's tests", () => {
    writeWorkspace(dir);
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    execFileSync(process.execPath, [tsc, "-p", "tsconfig.json", "--noEmit"], {
      cwd: dir,
      stdio: "pipe",
    });
    restoreFirst(0);
    const results = runTaskTests(dir, tasks);
    const passing = results.filter(taskPassed).map(describeResult);
    expect(passing, "tasks whose tests pass with nothing written").toEqual([]);
    for (const r of results) expect(r.tests.length, `${r.task.id} has tests`).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).minitorchCourse).toEqual({
      generatedFrom: `minitorch ${JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version}`,
    });
  });

  it.each(tasks.map((t, i) => [t.id, i] as const).filter(([id]) => checked(id)))(
    "passes task %s once its real body is restored after the earlier ones, and not the next task",
    (_id, i) => {
      restoreFirst(i + 1);
      const next = tasks[i + 1];
      const [mine, after] = runTaskTests(dir, next === undefined ? [tasks[i]] : [tasks[i], next]);
      expect(taskPassed(mine), describeResult(mine)).toBe(true);
      if (after !== undefined) expect(taskPassed(after), describeResult(after)).toBe(false);
    },
  );
});
