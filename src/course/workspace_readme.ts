import { COURSE } from "./tasks.js";

/**
 * The task list in Markdown, each task linking its guide section; `from` is the folder the
 * Markdown file lives in ("" for the workspace's root, "docs/" for a guide).
 */
export function taskListMarkdown(from: "" | "docs/"): string {
  const link = (guide: string) => (from === "" ? guide : guide.slice(from.length));
  return COURSE.flatMap((m) => [
    `- **Module ${m.id}: ${m.title}**`,
    ...m.tasks.map((t) => `  - ${t.id} ${t.title} — [guide](${link(t.guide)})`),
  ]).join("\n");
}

/** The README a learner finds in a fresh workspace: how to start, the tasks, how to get unstuck. */
export function workspaceReadme(version: string): string {
  return `# minitorch, rebuilt by you

This is a course workspace generated from **minitorch ${version}**: the whole framework, with
the bodies of the functions each task is about replaced by
\`throw new NotImplementedError("Task 1.2: …")\` and a comment naming the guide section that
teaches it. You write those bodies, task by task, until every task's tests pass and the last
module trains a digit recognizer on your own code.

## Start

\`\`\`sh
npm ci                            # installs, and builds the workspace once
npx minitorch course              # the modules and tasks, with their guide sections
npx minitorch course test 0.1     # run task 0.1's tests; the first failure, explained
npx minitorch course status       # your progress across modules
\`\`\`

Search the source for \`Task 0.1\` to find the bodies to write (\`grep -rn "Task 0.1" src\`).
The guides are in \`docs/\`; \`docs/00-course.md\` explains how the course runs.

## The tasks

${taskListMarkdown("")}

## When you are stuck

- Read the failure \`course test\` prints: the test, what it gave the function, the value it
  expected and the value it got. For a derivative it prints the central difference (the slope
  measured numerically) next to the one your \`backward\` returned.
- Tasks build on earlier ones: do them in order; \`course status\` shows which pass.
- \`npm run typecheck\` finds type errors before the tests do.
- A finished module unlocks its demo (\`course status\` prints the command), which runs the
  framework's CLI built from your code.
`;
}
