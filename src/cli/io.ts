/** Where the CLI writes, so tests can run it in-process and read what it printed. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal: then a live progress bar replaces plain progress lines. */
  isTTY: boolean;
}

/** Bad command-line input: printed with a hint and exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * A run that cannot go on for a reason outside the command line — a file, the disk, the data, the
 * training itself: printed as one line, without the usage hint, with exit code 1.
 */
export class RunError extends Error {
  override name = "RunError";
}

/**
 * A library error's message for someone at a command line: without the function it starts with
 * (`loadIdxDataset: `, `mt.io.save: `) — they ran a command, not that function; the rest names the
 * file or the value. Only camelCase and `mt.` names count as functions, so a message that starts
 * with a file's name keeps it.
 */
export function userMessage(message: string): string {
  return message.replace(/^(?:mt\.[\w.]+|[a-z]+[A-Z]\w*): /, "");
}
