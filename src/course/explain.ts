import type { TaskResult } from "./run_tests.js";
import { parseStubMessage } from "./stub.js";

/**
 * A failing test told in the learner's terms: which test, and either which unwritten body it
 * reached (theirs, or an earlier task's) or what it expected and got, with where the test is.
 */

/** The failure's message lines, without the stack (frames start with "at "). */
function messageLines(failure: string): string[] {
  const lines = failure.split("\n");
  const stack = lines.findIndex((l) => /^\s+at /.test(l));
  return (stack < 0 ? lines : lines.slice(0, stack)).filter((l) => l.trim() !== "").slice(0, 12);
}

/** The test file's line the failure came from: the first stack frame inside test/. */
function testLocation(failure: string): string | undefined {
  const frame = /[(\s]((?:[^\s()]*\/)?test\/[^\s():]+\.ts):(\d+):\d+/.exec(failure);
  if (frame === null) return undefined;
  const file = frame[1].slice(frame[1].lastIndexOf("test/"));
  return `${file}:${frame[2]}`;
}

/** What to read first when a task's tests fail or cannot run here; undefined when they all passed. */
export function explainFailure(result: TaskResult): string | undefined {
  const { task } = result;
  const fileError = result.fileErrors[0];
  if (fileError !== undefined) {
    return `${fileError.file} could not run: ${messageLines(fileError.message).join("\n  ")}\n(a syntax or type error in code it imports? \`npm run typecheck\` names it)`;
  }
  const failed = result.tests.find((t) => t.status === "failed");
  if (failed === undefined) {
    const skipped = result.tests.filter((t) => t.status === "skipped");
    if (skipped.length === 0 || skipped.length < result.tests.length) return undefined;
    // Nothing ran, so nothing passed: the skipped tests' names say what they need.
    const names = [...new Set(skipped.map((t) => t.names.join(" › ")))].slice(0, 3);
    return [
      `None of Task ${task.id}'s ${skipped.length} tests ran here; they were skipped:`,
      ...names.map((n) => `  - ${n}`),
    ].join("\n");
  }
  const lines = [`✗ ${failed.names.join(" › ")}`];
  const stub = parseStubMessage(failed.failure);
  if (stub !== null) {
    const { task: id, owner } = stub;
    if (id === task.id) {
      lines.push(
        `  ${owner} is not written yet: it still throws NotImplementedError.`,
        `  Find it with \`grep -rn "Task ${id}:" src\`, write its body, and run this again.`,
        `  The guide: ${task.guide}`,
      );
    } else {
      lines.push(
        `  This test reaches ${owner}, which belongs to Task ${id} and is not written yet.`,
        `  Tasks build on each other: finish Task ${id} first (npx minitorch course test ${id}).`,
      );
    }
    return lines.join("\n");
  }
  // A trap names no function (the optimised kernels carry no names), so point at where the
  // stubs are. In a worker thread the pool reports the trap as "… failed in worker N: unreachable".
  if (/RuntimeError: unreachable|failed in worker \d+: unreachable/.test(failed.failure)) {
    lines.push(
      "  A WebAssembly kernel reached `unreachable()`, which stands in for an AssemblyScript body not",
      `  written yet. This task's are listed by \`grep -rn "Task ${task.id}:" assembly\`; if those are`,
      '  written, an earlier task\'s is not (`grep -rn "is yours to write" assembly`).',
      "  `npx minitorch course test` rebuilds the kernels when assembly/ changed (by hand: `npm run build:wasm`).",
      `  The guide: ${task.guide}`,
    );
    return lines.join("\n");
  }
  lines.push(...messageLines(failed.failure).map((l) => `  ${l}`));
  const where = testLocation(failed.failure);
  if (where !== undefined) lines.push(`  (the test: ${where})`);
  lines.push(`  The guide: ${task.guide}`);
  return lines.join("\n");
}
