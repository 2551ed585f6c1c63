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
