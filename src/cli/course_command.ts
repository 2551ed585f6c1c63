import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { explainFailure } from "../course/explain.js";
import {
  ensureKernelsBuilt,
  runTaskTests,
  type TaskResult,
  taskPassed,
  taskRan,
} from "../course/run_tests.js";
import { COURSE, type CourseModule, type CourseTask, courseTasks } from "../course/tasks.js";
import { COURSE_FIELD, libraryRoot, writeWorkspace } from "../course/workspace.js";
import { parseCommandArgs } from "./args.js";
import { type CliIO, RunError, UsageError } from "./io.js";

export const courseHelp = `Usage: minitorch course [init <dir> | test <task> | status | demo <module>]

The course: minitorch taught by rebuilding it. Each task is a set of functions of the library
whose bodies you write yourself until that task's tests pass; each names the guide section that
teaches it (docs/00-course.md explains how the course runs).

  course               list the modules and their tasks
  course init <dir>    write a course workspace into <dir> (a new or empty folder): the library
                       with every task's body to write, its tests and the guides; then
                       cd <dir> && npm ci
  course test <task>   run one task's tests (e.g. 1.2) and explain the first failure
  course status        every task's tests: which pass, module by module
  course demo <n>      once module n's tasks pass, build your code and run its demo

Options:
  -h, --help    show this help
`;

/** The task list: per module a heading, per task its id, what to implement and its guide. */
export function courseListing(): string {
  const lines: string[] = [];
  for (const m of COURSE) {
    lines.push(`Module ${m.id}: ${m.title}`);
    for (const t of m.tasks) lines.push(`  ${t.id}  ${t.title}`, `       guide: ${t.guide}`);
    lines.push("");
  }
  return lines.join("\n");
}

function findTask(id: string): CourseTask {
  const task = courseTasks().find((t) => t.id === id);
  if (task === undefined) {
    const ids = courseTasks().map((t) => t.id);
    throw new UsageError(`there is no task "${id}": the tasks are ${ids.join(", ")}`);
  }
  return task;
}

/** What `generatedFrom` a workspace's package.json names, or undefined in the library itself. */
function generatedFrom(root: string): string | undefined {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as Record<
    string,
    unknown
  >;
  const course = pkg[COURSE_FIELD] as { generatedFrom?: string } | undefined;
  return course?.generatedFrom;
}

function summary(result: TaskResult): string {
  const ran = result.tests.filter((t) => t.status !== "skipped");
  const passed = ran.filter((t) => t.status === "passed").length;
  if (result.fileErrors.length > 0) return "cannot run";
  if (!taskRan(result)) return "skipped here";
  if (taskPassed(result)) return `done (${passed}/${ran.length})`;
  return passed === 0 ? `to do (0/${ran.length})` : `started (${passed}/${ran.length})`;
}

/**
 * The tasks' results in the project at `root`, its kernels rebuilt first if assembly/ changed
 * (saying so). A kernel that does not compile, or a Vitest that writes no report, is a RunError
 * with their messages: the learner's to fix, not a crash.
 */
function taskResults(root: string, tasks: readonly CourseTask[], io: CliIO): TaskResult[] {
  try {
    if (ensureKernelsBuilt(root))
      io.stdout("(assembly/ changed: rebuilt the WebAssembly kernels)\n");
    return runTaskTests(root, tasks);
  } catch (e) {
    throw new RunError((e as Error).message);
  }
}

function testCommand(id: string, io: CliIO): number {
  const task = findTask(id);
  const [result] = taskResults(libraryRoot(), [task], io);
  io.stdout(`Task ${task.id}: ${task.title}\n${summary(result)}\n`);
  if (taskPassed(result)) {
    io.stdout("All of this task's tests pass.\n");
    return 0;
  }
  io.stdout(`\n${explainFailure(result) ?? ""}\n`);
  return 1;
}

/**
 * Whether a module's demo is unlocked: every task of it that could run here passed. A task whose
 * tests all skip here (the WGSL one without a GPU or Mesa) does not lock a demo it is not part of.
 */
function moduleDone(m: CourseModule, results: readonly TaskResult[]): boolean {
  const mine = results.filter((r) => m.tasks.includes(r.task));
  return mine.some(taskPassed) && mine.every((r) => taskPassed(r) || !taskRan(r));
}

function statusCommand(io: CliIO): number {
  const root = libraryRoot();
  const results = taskResults(root, courseTasks(), io);
  const from = generatedFrom(root);
  io.stdout(
    from === undefined ? "minitorch itself (not a workspace)\n\n" : `workspace from ${from}\n\n`,
  );
  for (const m of COURSE) {
    io.stdout(`Module ${m.id}: ${m.title}\n`);
    for (const t of m.tasks) {
      const r = results.find((x) => x.task === t) as TaskResult;
      io.stdout(
        `  ${taskPassed(r) ? "✓" : "·"} ${t.id.padEnd(5)} ${summary(r).padEnd(16)} ${t.title}\n`,
      );
    }
    if (moduleDone(m, results) && m.demo !== undefined) {
      io.stdout(`  unlocked: npx minitorch course demo ${m.id}  (${m.demo.shows})\n`);
    }
    io.stdout("\n");
  }
  const done = results.filter(taskPassed).length;
  io.stdout(`${done} of ${results.length} tasks done\n`);
  return done === results.length ? 0 : 1;
}

function demoCommand(raw: string, io: CliIO): number {
  const m = COURSE.find((x) => String(x.id) === raw);
  if (m === undefined) {
    throw new UsageError(
      `there is no module "${raw}": the modules are ${COURSE.map((x) => x.id).join(", ")}`,
    );
  }
  if (m.demo === undefined) throw new UsageError(`module ${m.id} has no demo`);
  const root = libraryRoot();
  const results = taskResults(root, m.tasks, io);
  const todo = results.filter((r) => taskRan(r) && !taskPassed(r)).map((r) => r.task.id);
  if (!moduleDone(m, results)) {
    throw new RunError(
      `module ${m.id}'s demo unlocks when its tasks pass: still to do ${todo.join(", ")}`,
    );
  }
  // The demo runs the CLI built from the learner's own source, so it is rebuilt first.
  const build = spawnSync("npm", ["run", "build"], {
    cwd: root,
    stdio: "inherit",
    shell: process.platform === "win32",
  });
  if (build.status !== 0) throw new RunError("npm run build failed: see its messages above");
  io.stdout(`$ minitorch ${m.demo.args.join(" ")}\n`);
  const run = spawnSync(process.execPath, [join(root, "dist/cli/main.js"), ...m.demo.args], {
    cwd: root,
    stdio: "inherit",
  });
  return run.status ?? 1;
}

function initCommand(dir: string, io: CliIO): number {
  const target = resolve(dir);
  if (generatedFrom(libraryRoot()) !== undefined) {
    throw new UsageError(
      "this is a course workspace already: course init runs from minitorch itself",
    );
  }
  const { stubbed } = writeWorkspace(target);
  io.stdout(
    `Wrote a course workspace to ${dir}: ${courseTasks().length} tasks, ${stubbed} bodies to write.\nNext:\n  cd ${dir}\n  npm ci\n  npx minitorch course test 0.1\n`,
  );
  return 0;
}

/** `minitorch course [init <dir> | test <task> | status | demo <n>]`. */
export function courseCommand(args: string[], io: CliIO): number {
  const { values, positionals } = parseCommandArgs(args, {
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.stdout(courseHelp);
    return 0;
  }
  const [sub, ...rest] = positionals;
  const expect = (n: number, usage: string) => {
    if (rest.length !== n) throw new UsageError(`usage: minitorch course ${usage}`);
  };
  switch (sub) {
    case undefined:
      io.stdout(courseListing());
      return 0;
    case "init":
      expect(1, "init <dir>");
      return initCommand(rest[0], io);
    case "test":
      expect(1, "test <task> (e.g. course test 1.2)");
      return testCommand(rest[0], io);
    case "status":
      expect(0, "status");
      return statusCommand(io);
    case "demo":
      expect(1, "demo <module> (e.g. course demo 1)");
      return demoCommand(rest[0], io);
    default:
      throw new UsageError(`course has no subcommand "${sub}": use init, test, status or demo`);
  }
}
