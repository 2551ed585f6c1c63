import { runCli } from "../src/cli/cli.js";

/** What one in-process run of the CLI printed, and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `minitorch …args` in-process and capture its output (`isTTY` picks progress-bar mode). */
export async function cli(args: string[], isTTY = false): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(
    args,
    {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      isTTY,
    },
    "9.9.9",
  );
  return { code, stdout, stderr };
}

/** The JSON object on the last line of stdout. */
export function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trimEnd().split("\n");
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}
