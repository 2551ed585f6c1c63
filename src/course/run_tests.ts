import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import type { CourseTask } from "./tasks.js";

/**
 * Runs tasks' tests with Vitest in a child process (its JSON report read back) and files each
 * test under the task whose `describe` block holds it.
 */

/** One test of a task, as Vitest reported it. */
export interface TaskTestResult {
  file: string;
  /** The describe blocks and the test's name, outermost first. */
  names: string[];
  status: "passed" | "failed" | "skipped";
  /** Vitest's failure text: the error's message and stack. */
  failure: string;
}

export interface TaskResult {
  task: CourseTask;
  tests: TaskTestResult[];
  /** A test file that failed before running any test (an import or syntax error), with why. */
  fileErrors: { file: string; message: string }[];
}

interface JsonReport {
  testResults: {
    name: string;
    message?: string;
    status: string;
    assertionResults: {
      ancestorTitles: string[];
      title: string;
      status: string;
      failureMessages?: string[];
    }[];
  }[];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Vitest's test-name filter matching every test inside the tasks' describe blocks. */
function namePattern(tasks: readonly CourseTask[]): string {
  const names = [...new Set(tasks.flatMap((t) => t.tests.flatMap((g) => g.describe)))];
  return `^(?:${names.map(escapeRegExp).join("|")})(?: |$)`;
}

/** The newest modification time of a file under `dir` (0 when there is none). */
function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let time = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) time = Math.max(time, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return time;
}

/**
 * The cpu backend loads WebAssembly built from assembly/: after a learner edits a kernel, the
 * tests must see the new one, so an out-of-date build is rebuilt first (a few seconds). Returns
 * whether it rebuilt; a kernel that does not compile is an error with AssemblyScript's messages.
 */
export function ensureKernelsBuilt(root: string): boolean {
  const script = join(root, "scripts", "build-wasm.mjs");
  if (!existsSync(script)) return false;
  const built = join(root, "build", "kernels-simd.wasm");
  const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0;
  if (builtAt >= newest(join(root, "assembly"))) return false;
  const run = spawnSync(process.execPath, [script], { cwd: root, encoding: "utf8" });
  if (run.status !== 0) {
    throw new Error(
      `the kernels in assembly/ do not compile:\n${(run.stderr || run.stdout).slice(-3000)}`,
    );
  }
  return true;
}

/** Run the tests of `tasks` in the project at `root` (its own node_modules/vitest). */
export function runTaskTests(root: string, tasks: readonly CourseTask[]): TaskResult[] {
  const files = [...new Set(tasks.flatMap((t) => t.tests.map((g) => g.file)))];
  const out = mkdtempSync(join(tmpdir(), "minitorch-course-run-"));
  try {
    const report = join(out, "report.json");
    const vitest = join(root, "node_modules", "vitest", "vitest.mjs");
    const run = spawnSync(
      process.execPath,
      [
        vitest,
        "run",
        ...files,
        "-t",
        namePattern(tasks),
        "--reporter=json",
        `--outputFile=${report}`,
      ],
      { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    let parsed: JsonReport;
    try {
      parsed = JSON.parse(readFileSync(report, "utf8")) as JsonReport;
    } catch {
      throw new Error(
        `vitest wrote no report (exit ${run.status}): ${(run.stderr || run.stdout).slice(-2000)}`,
      );
    }
    return tasks.map((task) => collect(root, task, parsed));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function collect(root: string, task: CourseTask, report: JsonReport): TaskResult {
  const result: TaskResult = { task, tests: [], fileErrors: [] };
  for (const group of task.tests) {
    for (const fileResult of report.testResults) {
      const file = relative(root, fileResult.name).split(sep).join("/");
      if (file !== group.file) continue;
      if (fileResult.assertionResults.length === 0 && fileResult.status === "failed") {
        result.fileErrors.push({ file, message: fileResult.message ?? "failed to load" });
      }
      for (const a of fileResult.assertionResults) {
        if (!group.describe.includes(a.ancestorTitles[0])) continue;
        result.tests.push({
          file,
          names: [...a.ancestorTitles, a.title],
          status: a.status === "passed" ? "passed" : a.status === "failed" ? "failed" : "skipped",
          failure: (a.failureMessages ?? []).join("\n"),
        });
      }
    }
  }
  return result;
}

/** Whether any of the task's tests ran here (a webgpu test skips where no adapter loads). */
export function taskRan(result: TaskResult): boolean {
  return result.fileErrors.length > 0 || result.tests.some((t) => t.status !== "skipped");
}

/** Whether every test of the task ran and passed (a task with no test that ran has not passed). */
export function taskPassed(result: TaskResult): boolean {
  const ran = result.tests.filter((t) => t.status !== "skipped");
  return (
    result.fileErrors.length === 0 && ran.length > 0 && ran.every((t) => t.status === "passed")
  );
}
