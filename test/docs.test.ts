/**
 * The guides' code runs as tests: every ```ts block of docs/*.md is written to test/.snippets/ with
 * its `"minitorch"` import pointed at src/index.ts, then imported, so Vitest compiles the
 * TypeScript and a failing `assert` in a guide fails its test. Blocks in other fence languages
 * (```text, ```sh) are illustration and are not run.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const docsDir = fileURLToPath(new URL("../docs/", import.meta.url));
const rootDir = fileURLToPath(new URL("../", import.meta.url));
const snippetsDir = fileURLToPath(new URL("./.snippets/", import.meta.url));
/** What `"minitorch"` becomes in a snippet: the source entry point, so no build is needed. */
const entry = fileURLToPath(new URL("../src/index.ts", import.meta.url)).replaceAll("\\", "/");

interface Snippet {
  /** 1-based line of the opening fence in the guide. */
  readonly line: number;
  readonly code: string;
}

/** The ```ts blocks of a Markdown text (fences at the start of a line), and any block left open. */
function extractSnippets(markdown: string): { snippets: Snippet[]; unclosedAt: number | null } {
  const lines = markdown.split(/\r?\n/);
  const snippets: Snippet[] = [];
  // The open block: its fence's index and whether it is a snippet. Other languages (```text,
  // ```sh) are skipped whole, so a ```ts line inside one is not taken for a snippet.
  let open: { at: number; ts: boolean } | null = null;
  for (const [i, text] of lines.entries()) {
    if (open === null) {
      if (text.startsWith("```")) open = { at: i, ts: /^```ts\s*$/.test(text) };
    } else if (/^```\s*$/.test(text)) {
      if (open.ts) {
        snippets.push({ line: open.at + 1, code: `${lines.slice(open.at + 1, i).join("\n")}\n` });
      }
      open = null;
    }
  }
  return { snippets, unclosedAt: open === null ? null : open.at + 1 };
}

/** Points every `from "minitorch"` / `import "minitorch"` / `import("minitorch")` at src/index.ts. */
function rewriteImports(code: string): string {
  return code.replace(
    /(\bfrom\s*|\bimport\s*\(?\s*)(["'])minitorch\2/g,
    (_match, lead: string) => `${lead}${JSON.stringify(entry)}`,
  );
}

/** The relative link targets of a Markdown text (`[text](../src/x.ts)`), without any `#anchor`. */
function relativeLinks(markdown: string): string[] {
  const targets = [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1].split("#")[0]);
  return targets.filter((target) => target !== "" && !/^[a-z]+:/i.test(target));
}

/** Writes by rename, so a concurrent run never imports a half-written file. */
function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/** The guides, then the README, whose API tour must run too. */
const guides = [
  ...readdirSync(docsDir)
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((file) => ({ file, dir: docsDir })),
  { file: "README.md", dir: rootDir },
];

/**
 * Type errors in the snippets, as tsc reports them: Vitest strips types without checking them, and
 * a guide for TypeScript users must compile under the project's own strict settings.
 */
function typeErrors(files: string[]): string[] {
  const configPath = fileURLToPath(new URL("../tsconfig.json", import.meta.url));
  const config = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: () => {},
    },
  );
  const options = { ...config?.options, noEmit: true, allowImportingTsExtensions: true };
  const program = ts.createProgram(files, options);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file === undefined || files.includes(d.file.fileName))
    .map((d) => {
      const where =
        d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
      const name = d.file ? d.file.fileName.split("/").pop() : "";
      const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
      return `${name}${where ? `:${where.line + 1}` : ""}: ${message}`;
    });
}

/** Every snippet file and its text, known at collection time so any test can write them. */
const allSnippets: { path: string; text: string }[] = [];

function writeSnippet(snippet: { path: string; text: string }): void {
  mkdirSync(snippetsDir, { recursive: true });
  writeAtomically(snippet.path, snippet.text);
}

describe("docs", () => {
  it("has guides", () => {
    expect(guides.length).toBeGreaterThan(0);
  });

  for (const { file, dir } of guides) {
    const markdown = readFileSync(join(dir, file), "utf8");
    const { snippets, unclosedAt } = extractSnippets(markdown);
    const stem = file.slice(0, -".md".length);

    it(`${file} has runnable snippets, every block closed`, () => {
      expect(unclosedAt, `a code block opened at line ${unclosedAt} is never closed`).toBeNull();
      expect(snippets.length).toBeGreaterThan(0);
    });

    it(`${file} links only to files that exist`, () => {
      const broken = relativeLinks(markdown).filter((target) => !existsSync(join(dir, target)));
      expect(broken).toEqual([]);
    });

    snippets.forEach(({ line, code }, index) => {
      const n = index + 1;
      const path = join(snippetsDir, `${stem}.${n}.ts`);
      const header = `// Generated from ${file}:${line} by test/docs.test.ts; edit the guide.\n`;
      const snippet = { path, text: header + rewriteImports(code) };
      allSnippets.push(snippet);
      it(`${file} snippet ${n}`, async () => {
        writeSnippet(snippet);
        await import(pathToFileURL(path).href);
      });
    });
  }

  it("every snippet type-checks under the project's strict tsconfig", () => {
    allSnippets.forEach(writeSnippet);
    expect(typeErrors(allSnippets.map((snippet) => snippet.path))).toEqual([]);
  });
});
