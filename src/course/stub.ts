import { ParseError } from "../errors.js";

/**
 * The course's exercises are marked in the library's real source: a doc comment holding
 * `@task 1.2` right before a function or method says "this body is Task 1.2". The learner's
 * workspace is made from the source by replacing each marked body with a `throw` of
 * NotImplementedError naming the task, so the exercises never drift from the library. A tag
 * costs no extra line and shows in an editor's hover.
 */

/** One marked body in a source file. */
export interface TaskBody {
  /** The task's id, "1.2". */
  task: string;
  /** The function's or method's name. */
  name: string;
  /** Offsets of the body's `{` and of its matching `}` in the source. */
  open: number;
  close: number;
}

// A tag starts a word of the comment: "`@task 1.2`" quoted in prose (as above) is not one.
const TAG = /(?:^|[\s*])@task\s+(\d+\.\d+)\b/;
/** The text before a `/` that makes it a regular expression's start: an operator or keyword. */
const VALUE_EXPECTED = /(?:^|[(,=:[!&|?{};+\-*%<>~^]|\breturn|\btypeof|\bcase|\byield|\bawait)\s*$/;

/**
 * Offset just past the `}` that closes the `{` at `open`, skipping strings, template literals
 * (with their `${…}`), comments and regular-expression literals, whose braces do not count.
 */
function matchBrace(source: string, open: number, file: string): number {
  // Each entry: a `{` of code, or the `${` of a template literal (whose `}` resumes the template).
  const stack: ("code" | "template")[] = [];
  let i = open;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      i = source.indexOf("\n", i);
      if (i < 0) break;
      continue;
    }
    if (c === "/" && next === "*") {
      i = source.indexOf("*/", i + 2) + 2;
      if (i < 2) break;
      continue;
    }
    if (c === '"' || c === "'") {
      i = skipQuoted(source, i, c);
      continue;
    }
    if (c === "`") {
      i = skipTemplate(source, i + 1, stack);
      continue;
    }
    // A `/` where a value is expected starts a regular expression, not a division.
    if (c === "/" && VALUE_EXPECTED.test(source.slice(Math.max(0, i - 12), i))) {
      i = skipRegExp(source, i);
      continue;
    }
    if (c === "{") stack.push("code");
    if (c === "}") {
      const top = stack.pop();
      if (top === undefined) break;
      if (top === "template") {
        i = skipTemplate(source, i + 1, stack);
        continue;
      }
      if (stack.length === 0) return i + 1;
    }
    i++;
  }
  throw new ParseError(`${file}: the body at offset ${open} has no closing brace`, open);
}

function skipQuoted(source: string, i: number, quote: string): number {
  let j = i + 1;
  while (j < source.length && source[j] !== quote) j += source[j] === "\\" ? 2 : 1;
  return j + 1;
}

/** From inside a template literal: past its closing backtick, or past a `${` (pushed). */
function skipTemplate(source: string, i: number, stack: ("code" | "template")[]): number {
  let j = i;
  while (j < source.length) {
    if (source[j] === "\\") j += 2;
    else if (source[j] === "`") return j + 1;
    else if (source[j] === "$" && source[j + 1] === "{") {
      stack.push("template");
      return j + 2;
    } else j++;
  }
  return j;
}

function skipRegExp(source: string, i: number): number {
  let j = i + 1;
  let inClass = false;
  while (j < source.length && source[j] !== "\n") {
    const c = source[j];
    if (c === "\\") j++;
    else if (c === "[") inClass = true;
    else if (c === "]") inClass = false;
    else if (c === "/" && !inClass) return j + 1;
    j++;
  }
  return j;
}

/**
 * The marked bodies of `source`, in order. The body is the first `{` that ends a line after the
 * declaration (how the formatter writes every function); a tag with no function after it is a
 * ParseError naming the file and line.
 */
export function findTaskBodies(source: string, file: string): TaskBody[] {
  const bodies: TaskBody[] = [];
  let from = 0;
  for (;;) {
    const start = source.indexOf("/**", from);
    if (start < 0) return bodies;
    const end = source.indexOf("*/", start);
    if (end < 0) return bodies;
    from = end + 2;
    const tag = TAG.exec(source.slice(start, end));
    if (tag === null) continue;
    const line = source.slice(0, start).split("\n").length;
    // AssemblyScript writes decorators (`@inline`) between the doc comment and the function.
    const header =
      /^\s*(?:@[\w.]+\s+)*((?:(?:export|static|override|async|public|private|protected)\s+)*)(?:function\s*\*?\s*)?(?:get\s+|set\s+)?([\w$#]+)\s*[<(]/.exec(
        source.slice(from),
      );
    const open = source.indexOf("{\n", from);
    if (header === null || open < 0) {
      throw new ParseError(`${file}:${line}: @task ${tag[1]} is not followed by a function`, start);
    }
    const close = matchBrace(source, open, file) - 1;
    bodies.push({ task: tag[1], name: header[2], open, close });
    from = close;
  }
}

/**
 * The NotImplementedError message of a stubbed body, "Task 1.2: Add.forward is yours to write":
 * written by the workspace's stubs, read back by `course test` (parseStubMessage) to say whose
 * body a failing test reached.
 */
export function stubMessage(task: string, owner: string): string {
  return `Task ${task}: ${owner} is yours to write`;
}

/** The task and owner of the first stub message in `text`, or null when there is none. */
export function parseStubMessage(text: string): { task: string; owner: string } | null {
  const m = /Task (\d+\.\d+): (\S+) is yours to write/.exec(text);
  return m === null ? null : { task: m[1], owner: m[2] };
}

/** How a stubbed body reads: one line, naming the task, the function and where it is taught. */
export type StubMessage = (body: TaskBody) => string;

/**
 * `source` with the bodies of the tasks `stubbed` selects replaced by a `comment` line and
 * `throw new NotImplementedError(message)` (indented as the body was), and NotImplementedError
 * imported from `errorsModule` (the path of errors.js from this file) when anything was; the
 * rest is untouched. An `errorsModule` of null (AssemblyScript, which cannot allocate an error
 * in the kernels' shared memory) makes the stub a trap: `return unreachable();`. AssemblyScript
 * rejects a non-void function with no `return` (TS2355), and `unreachable()` has its type `auto`,
 * so returning it compiles for every return type (f32, usize, v128, bool, void) and never returns.
 */
export function stubSource(
  source: string,
  file: string,
  options: {
    stubbed: (task: string) => boolean;
    message: StubMessage;
    comment?: StubMessage;
    errorsModule: string | null;
  },
): { text: string; bodies: TaskBody[] } {
  const { stubbed, message, comment, errorsModule } = options;
  const bodies = findTaskBodies(source, file).filter((b) => stubbed(b.task));
  let text = "";
  let at = 0;
  for (const body of bodies) {
    const lineStart = source.lastIndexOf("\n", body.open) + 1;
    const indent = `${/^\s*/.exec(source.slice(lineStart))?.[0] ?? ""}  `;
    const note = comment === undefined ? "" : `${indent}// ${comment(body)}\n`;
    const stub =
      errorsModule === null
        ? `${indent}// ${message(body)}\n${indent}return unreachable();`
        : `${indent}throw new NotImplementedError(${JSON.stringify(message(body))});`;
    text += `${source.slice(at, body.open)}{\n${note}${stub}\n${indent.slice(2)}}`;
    at = body.close + 1;
  }
  if (bodies.length === 0) return { text: source, bodies };
  const importLine =
    errorsModule === null
      ? ""
      : `import { NotImplementedError } from ${JSON.stringify(errorsModule)};\n`;
  return { text: importLine + text + source.slice(at), bodies };
}
