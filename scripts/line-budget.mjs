#!/usr/bin/env node
// The line budget: a file in src/ with more than LIMIT lines of code usually holds two concepts
// (DESIGN.md). Counts lines that carry code — blank lines and lines that are only comments are not
// counted — prints the five largest files, and exits 1 naming every file over the limit.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

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
 * Lines that hold something other than white space and comments. A small scanner, not a regex, so
 * that `//` or `/*` inside a string or a template literal (WGSL, the worker program) is code.
 */
function linesOfCode(text) {
  let count = 0;
  let lineHasCode = false;
  let state = "code"; // code | line-comment | block-comment | ' | " | `
  const templateDepth = []; // brace depth at which each open `${` returns to its template
  let braces = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const next = text[i + 1];
    if (c === "\n") {
      if (lineHasCode) count++;
      lineHasCode = false;
      if (state === "line-comment") state = "code";
      continue;
    }
    if (state === "line-comment") continue;
    if (state === "block-comment") {
      if (c === "*" && next === "/") {
        state = "code";
        i++;
      }
      continue;
    }
    if (state === "'" || state === '"' || state === "`") {
      lineHasCode ||= !/\s/.test(c);
      if (c === "\\") i++;
      else if (state === "`" && c === "$" && next === "{") {
        templateDepth.push(braces);
        state = "code";
        i++;
      } else if (c === state) state = "code";
      continue;
    }
    if (c === "/" && next === "/") {
      state = "line-comment";
      continue;
    }
    if (c === "/" && next === "*") {
      state = "block-comment";
      i++;
      continue;
    }
    if (!/\s/.test(c)) lineHasCode = true;
    if (c === "'" || c === '"' || c === "`") state = c;
    else if (c === "{") braces++;
    else if (c === "}") {
      if (templateDepth.length > 0 && templateDepth.at(-1) === braces) {
        templateDepth.pop();
        state = "`";
      } else braces--;
    }
  }
  return lineHasCode ? count + 1 : count;
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
