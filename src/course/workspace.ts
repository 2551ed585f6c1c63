import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, posix, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../cli/io.js";
import { type LockFile, pruneLock } from "./lockfile.js";
import { stubMessage, stubSource, type TaskBody } from "./stub.js";
import { courseTasks } from "./tasks.js";
import { workspaceReadme } from "./workspace_readme.js";

/**
 * The learner's workspace is generated, never kept: the library's source with each task's body
 * replaced by a NotImplementedError naming it, the tests of every task with the helpers they
 * import, the guides, and a package pinned by the library's own lock file.
 */

/** The folder holding the library's package.json: two levels above this file in src/ and dist/. */
export function libraryRoot(): string {
  return fileURLToPath(new URL("../../", import.meta.url));
}

/** The devDependencies a workspace keeps: the build (tsc, AssemblyScript), tests and types. */
const WORKSPACE_DEV_DEPENDENCIES = [
  "@types/node",
  "@types/pngjs",
  "@webgpu/types",
  "assemblyscript",
  "fast-check",
  "typescript",
  "vite",
  "vitest",
];

/** The field of a workspace's package.json that marks it and names the library it came from. */
export const COURSE_FIELD = "minitorchCourse";

export interface WorkspaceOptions {
  /** The tasks whose real bodies stay (the rest are stubbed); none by default. */
  restored?: (task: string) => boolean;
}

interface PackageJson {
  name: string;
  version: string;
  engines?: Record<string, string>;
  scripts: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [key: string]: unknown;
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

function filesUnder(root: string, dir: string): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join("/"));
}

/** The task test files and, transitively, the test helpers they import (paths under test/). */
export function testFilesOf(root: string): string[] {
  const seen = new Set<string>();
  const queue = courseTasks().flatMap((t) => t.tests.map((g) => g.file));
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(join(root, file), "utf8");
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)) {
      const target = posix.normalize(posix.join(posix.dirname(file), m[1])).replace(/\.js$/, ".ts");
      if (target.startsWith("test/")) queue.push(target);
    }
  }
  return [...seen].sort();
}

/** The class a method belongs to: the last declaration `class X` before it, when the method is indented. */
function ownerOf(source: string, body: TaskBody): string {
  const lineStart = source.lastIndexOf("\n", body.open) + 1;
  if (!/^\s/.test(source.slice(lineStart))) return body.name;
  const classes = [
    ...source
      .slice(0, body.open)
      .matchAll(
        /^[ \t]*(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\s+(?!extends\b)([\w$]+)/gm,
      ),
  ];
  const owner = classes.at(-1)?.[1];
  return owner === undefined ? body.name : `${owner}.${body.name}`;
}

/** Write a file, leaving one that already holds `text` untouched (its time tells builds it is current). */
function write(dir: string, file: string, text: string): void {
  const path = join(dir, file);
  if (existsSync(path) && readFileSync(path, "utf8") === text) return;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/**
 * Write the stubbed source files into `dir`: every .ts under src/ and assembly/ run through
 * stubSource, the tasks `restored` selects keeping their real bodies. Returns how many it stubbed.
 */
export function writeSources(
  root: string,
  dir: string,
  restored: (task: string) => boolean,
): number {
  const guides = new Map(courseTasks().map((t) => [t.id, t.guide]));
  let stubbed = 0;
  for (const file of [...filesUnder(root, "src"), ...filesUnder(root, "assembly")]) {
    if (!file.endsWith(".ts")) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      copyFileSync(join(root, file), join(dir, file));
      continue;
    }
    const source = readFileSync(join(root, file), "utf8");
    const errors = posix.relative(posix.dirname(file), "src/errors.js");
    const { text, bodies } = stubSource(source, file, {
      stubbed: (task) => !restored(task),
      message: (b) => stubMessage(b.task, ownerOf(source, b)),
      comment: (b) => `Task ${b.task}: see ${guides.get(b.task) ?? "docs/00-course.md"}`,
      // AssemblyScript cannot throw our error class: its stubs trap (see stubSource).
      errorsModule: file.startsWith("assembly/")
        ? null
        : errors.startsWith(".")
          ? errors
          : `./${errors}`,
    });
    stubbed += bodies.length;
    write(dir, file, text);
  }
  return stubbed;
}

function workspacePackage(lib: PackageJson): PackageJson {
  const pick = (deps: Record<string, string> | undefined, names: readonly string[]) =>
    Object.fromEntries(Object.entries(deps ?? {}).filter(([n]) => names.includes(n)));
  return {
    name: "minitorch-course",
    version: lib.version,
    private: true,
    description: `minitorch rebuilt by you: a course workspace generated from minitorch ${lib.version}`,
    type: "module",
    ...(lib.engines === undefined ? {} : { engines: lib.engines }),
    bin: { minitorch: "./dist/cli/main.js" },
    [COURSE_FIELD]: { generatedFrom: `minitorch ${lib.version}` },
    scripts: {
      build: lib.scripts.build,
      "build:wasm": lib.scripts["build:wasm"],
      prepare: "npm run build",
      typecheck: "tsc -p tsconfig.json --noEmit",
      test: "vitest run",
    },
    dependencies: lib.dependencies ?? {},
    devDependencies: pick(lib.devDependencies, WORKSPACE_DEV_DEPENDENCIES),
    optionalDependencies: lib.optionalDependencies ?? {},
  };
}

/**
 * Write a course workspace into `dir` (created if missing; an existing non-empty folder is a
 * UsageError, as nothing of the learner's may be overwritten). Returns how many bodies it stubbed.
 */
export function writeWorkspace(dir: string, options: WorkspaceOptions = {}): { stubbed: number } {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new UsageError(`${dir} exists and is not a folder`);
    const inside = readdirSync(dir);
    if (inside.length > 0) {
      throw new UsageError(
        `${dir} is not empty (it holds ${inside.slice(0, 3).join(", ")}${inside.length > 3 ? ", …" : ""}): choose a new or empty folder`,
      );
    }
  }
  const root = libraryRoot();
  // An installed package lacks these (npm never publishes a lock file): the course is made from
  // minitorch's repository.
  const missing = ["package-lock.json", "test", "docs"].filter((f) => !existsSync(join(root, f)));
  if (missing.length > 0) {
    throw new UsageError(
      `course init needs minitorch's repository, and ${root} has no ${missing.join(", ")}: clone minitorch, run npm ci there, then npx minitorch course init <dir>`,
    );
  }
  const lib = readJson<PackageJson>(join(root, "package.json"));
  mkdirSync(dir, { recursive: true });
  const stubbed = writeSources(root, dir, options.restored ?? (() => false));
  for (const file of [
    "scripts/build-wasm.mjs",
    "tsconfig.build.json",
    "vitest.config.ts",
    "test/setup.ts",
    ...filesUnder(root, "docs"),
    ...testFilesOf(root),
  ]) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(root, file), join(dir, file));
  }
  const tsconfig = readJson<{ include: string[] }>(join(root, "tsconfig.json"));
  tsconfig.include = ["src", "test", "vitest.config.ts"];
  write(dir, "tsconfig.json", `${JSON.stringify(tsconfig, null, 2)}\n`);
  const pkg = workspacePackage(lib);
  write(dir, "package.json", `${JSON.stringify(pkg, null, 2)}\n`);
  const lock = pruneLock(readJson<LockFile>(join(root, "package-lock.json")), pkg);
  write(dir, "package-lock.json", `${JSON.stringify(lock, null, 2)}\n`);
  write(dir, ".gitignore", "node_modules/\ndist/\nbuild/\n");
  write(dir, "README.md", workspaceReadme(lib.version));
  return { stubbed };
}
