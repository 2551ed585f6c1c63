import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { findTaskBodies, stubSource } from "../src/course/stub.js";
import { COURSE, courseTasks } from "../src/course/tasks.js";
import { taskListMarkdown } from "../src/course/workspace_readme.js";
import { ParseError } from "../src/errors.js";
import { cli } from "./cli_helpers.js";

/**
 * The course is generated from the library's own source: these tests hold the markers, the task
 * list and the stubbing to each other, so an exercise cannot drift from the code it stands for.
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** Every marked body in src/ and assembly/, with its file. */
function markedBodies() {
  return [...sourceFiles("src"), ...sourceFiles("assembly")].flatMap((file) =>
    findTaskBodies(readFileSync(join(ROOT, file), "utf8"), file).map((b) => ({ ...b, file })),
  );
}

/** GitHub's anchor of a Markdown heading: lower case, punctuation dropped, spaces to dashes. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replaceAll(" ", "-");
}

const message = (b: { task: string; name: string }) => `Task ${b.task}: ${b.name}`;

describe("finding and stubbing task bodies", () => {
  const source = [
    "/** Doubles. @task 0.1 */",
    "export function double(x: number): number {",
    '  const s = "}{"; // a } in a comment',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source under test holds a template literal
    "  const t = `${x > 0 ? `}` : '{'}`;",
    "  const r = /[}]/.test(s + t) ? 2 : 2;",
    "  return x * r;",
    "}",
    "",
    "export class A {",
    "  /** @task 0.2 */",
    "  static override forward(a: number, b: { c: number }): number {",
    "    if (a > 0) {",
    "      return a / 2 / b.c;",
    "    }",
    "    return 0;",
    "  }",
    "  other(): number {",
    "    return 1;",
    "  }",
    "}",
    "",
  ].join("\n");

  it("finds each tagged function's whole body, past braces in strings, templates, comments and regexps", () => {
    const bodies = findTaskBodies(source, "a.ts");
    expect(bodies.map((b) => [b.task, b.name])).toEqual([
      ["0.1", "double"],
      ["0.2", "forward"],
    ]);
    expect(source.slice(bodies[0].close - 2, bodies[0].close + 1)).toBe(";\n}");
    expect(source.slice(bodies[0].open, bodies[0].close + 1)).toContain("return x * r;\n}");
    expect(source.slice(bodies[1].open, bodies[1].close + 1)).toMatch(/return 0;\n {2}}$/);
  });

  it("replaces only the selected tasks' bodies with a throw naming the task, and imports the error", () => {
    const { text, bodies } = stubSource(source, "a.ts", {
      stubbed: (t) => t === "0.2",
      message,
      errorsModule: "./errors.js",
    });
    expect(bodies.map((b) => b.name)).toEqual(["forward"]);
    expect(text.startsWith('import { NotImplementedError } from "./errors.js";\n')).toBe(true);
    expect(text).toContain(
      '  static override forward(a: number, b: { c: number }): number {\n    throw new NotImplementedError("Task 0.2: forward");\n  }\n  other(): number {',
    );
    expect(text).toContain("return x * r;"); // 0.1 kept
    expect(text).not.toContain("return a / 2");
  });

  it("stubs an AssemblyScript kernel, past its decorator, as a trap that type-checks for any return type", () => {
    const kernel =
      "/** A sum. @task 3.1 */\n@inline\nexport function sumRun(p: usize, n: i32): f32 {\n  return 0;\n}\n";
    const { text, bodies } = stubSource(kernel, "assembly/r.ts", {
      stubbed: () => true,
      message,
      errorsModule: null,
    });
    expect(bodies.map((b) => b.name)).toEqual(["sumRun"]);
    expect(text).toBe(
      "/** A sum. @task 3.1 */\n@inline\nexport function sumRun(p: usize, n: i32): f32 {\n  // Task 3.1: sumRun\n  return unreachable();\n}\n",
    );
  });

  it("leaves a file without selected tasks as it was", () => {
    const kept = stubSource(source, "a.ts", { stubbed: () => false, message, errorsModule: "x" });
    expect(kept.text).toBe(source);
  });

  it("says which file and line hold a tag with no function after it", () => {
    const bad = "const a = 1;\n\n/** @task 3.1 */\nconst b = 2;\n";
    expect(() => findTaskBodies(bad, "b.ts")).toThrow(ParseError);
    expect(() => findTaskBodies(bad, "b.ts")).toThrow(
      /b\.ts:3: @task 3\.1 is not followed by a function/,
    );
  });
});

describe("the course matches the library", () => {
  const bodies = markedBodies();
  const tasks = courseTasks();

  it("marks a body in src/ for every task, and tags no task the course lacks", () => {
    const ids = tasks.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(bodies.filter((b) => b.task === id).length, id).toBeGreaterThan(0);
    const unknown = bodies.filter((b) => !ids.includes(b.task));
    expect(unknown.map((b) => `${b.file}: ${b.task} ${b.name}`)).toEqual([]);
  });

  it("lists tasks in order, each pointing at a guide heading and describe blocks that exist", () => {
    COURSE.forEach((m, i) => {
      expect(m.id).toBe(i);
      m.tasks.forEach((t, j) => {
        expect(t.id).toBe(`${m.id}.${j + 1}`);
      });
    });
    for (const t of tasks) {
      const [doc, anchor] = t.guide.split("#");
      const headings = readFileSync(join(ROOT, doc), "utf8")
        .split("\n")
        .filter((l) => l.startsWith("#"))
        .map((l) => anchorOf(l.replace(/^#+\s*/, "")));
      expect(headings, t.guide).toContain(anchor);
      for (const group of t.tests) {
        const text = readFileSync(join(ROOT, group.file), "utf8");
        for (const name of group.describe)
          expect(text, `${t.id}: ${name}`).toContain(`describe("${name}"`);
      }
    }
  });
});

describe("the course guide", () => {
  it("lists every task, with its guide link, as the workspace README does", () => {
    const guide = readFileSync(join(ROOT, "docs/00-course.md"), "utf8");
    expect(guide).toContain(`\n${taskListMarkdown("docs/")}\n`);
  });
});

describe("minitorch course", () => {
  it("lists every module and task with its guide", async () => {
    const { code, stdout } = await cli(["course"]);
    expect(code).toBe(0);
    for (const m of COURSE) expect(stdout).toContain(`Module ${m.id}: ${m.title}`);
    for (const t of courseTasks()) {
      expect(stdout).toContain(`${t.id}  ${t.title}`);
      expect(stdout).toContain(`guide: ${t.guide}`);
    }
  });

  it("rejects arguments it does not take", async () => {
    const { code, stderr } = await cli(["course", "frobnicate"]);
    expect(code).toBe(2);
    expect(stderr).toContain("frobnicate");
  });
});
