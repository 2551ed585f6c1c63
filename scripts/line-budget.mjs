#!/usr/bin/env node
// The line budget: a file in src/ with more than LIMIT lines of code usually holds two concepts
// (DESIGN.md). Counts lines that carry code — blank lines and lines that are only comments are not
// counted — prints the five largest files, and exits 1 naming every file over the limit.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

const LIMIT = 400;
const root = join(import.meta.dirname, "..");

/** Every .ts file under `dir`, recursively. */
function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/**
 * Lines that hold a token. TypeScript's own parser finds the tokens, so comments are trivia and
 * everything in a string, a template literal (WGSL, the worker program) or a regular expression is
 * code, whatever characters it holds; a token spanning lines counts each of them that is not blank.
 */
function linesOfCode(text) {
  const file = ts.createSourceFile("budget.ts", text, ts.ScriptTarget.Latest, true);
  const rows = text.split("\n");
  const lines = new Set();
  const visit = (node) => {
    // A node's JSDoc comments come back as its children: they are comments, not code.
    const children = node.getChildren(file).filter((child) => !ts.isJSDoc(child));
    if (children.length > 0) {
      for (const child of children) visit(child);
      return;
    }
    if (node.kind === ts.SyntaxKind.EndOfFileToken) return;
    const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
    const last = file.getLineAndCharacterOfPosition(node.getEnd()).line;
    for (let line = first; line <= last; line++) {
      if (line === first || rows[line].trim() !== "") lines.add(line);
    }
  };
  visit(file);
  return lines.size;
}

const counts = sources(join(root, "src"))
  .map((path) => ({ file: relative(root, path), lines: linesOfCode(readFileSync(path, "utf8")) }))
  .sort((a, b) => b.lines - a.lines);
console.log(`Line budget: at most ${LIMIT} lines of code per file in src/. The five largest:`);
for (const { file, lines } of counts.slice(0, 5))
  console.log(`  ${String(lines).padStart(4)}  ${file}`);
const over = counts.filter((c) => c.lines > LIMIT);
if (over.length > 0) {
  console.error(
    `Over the budget: ${over.map((c) => `${c.file} (${c.lines})`).join(", ")} — split each by concept.`,
  );
  process.exit(1);
}
