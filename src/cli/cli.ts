import { MinitorchError } from "../errors.js";
import { courseCommand } from "./course_command.js";
import { generateCommand } from "./generate_command.js";
import { graphCommand } from "./graph_command.js";
import { type CliIO, RunError, UsageError, userMessage } from "./io.js";
import { predictCommand } from "./predict_command.js";
import { errorCode, fileTrouble } from "./run_folder.js";
import { trainCommand } from "./train_command.js";

export const mainHelp = `Usage: minitorch <command> [options]

minitorch is a PyTorch-style deep-learning framework written from scratch in TypeScript.

Commands:
  train <dataset>       train a network on a 2-D toy dataset (minitorch train --help)
  train mnist           train a convolutional network on handwritten digits (minitorch train mnist --help)
  train gpt             train a character-level GPT on English text (minitorch train gpt --help)
  predict <image.png>   classify images with a trained network (minitorch predict --help)
  generate --model <f>  write text with a trained GPT (minitorch generate --help)
  graph "<expression>"  print the computation graph of a Scalar expression as DOT (minitorch graph --help)
  course                list the course's modules and tasks: minitorch rebuilt by you (minitorch course --help)

Options:
  -h, --help            show this help
  -v, --version         print the version
`;

const commands: Record<string, (args: string[], io: CliIO) => number | Promise<number>> = {
  train: trainCommand,
  graph: graphCommand,
  predict: predictCommand,
  generate: generateCommand,
  course: courseCommand,
};

/** Node's parseArgs reports bad flags with these codes; they are usage errors, not crashes. */
function isArgumentError(e: unknown): e is Error {
  const code = (e as { code?: unknown }).code;
  return e instanceof Error && typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}

/** The help a usage error points to: the command's own (`minitorch train mnist --help`, …). */
function helpFor(command: string, args: readonly string[]): string {
  if (!Object.hasOwn(commands, command)) return "minitorch --help";
  return command === "train" && (args[0] === "mnist" || args[0] === "gpt")
    ? `minitorch train ${args[0]} --help`
    : `minitorch ${command} --help`;
}

/** A Node system error (EACCES, ENOSPC, … on a path) as one line, or undefined if it is not one. */
function systemErrorLine(e: unknown): string | undefined {
  const code = errorCode(e);
  if (code === undefined || !/^E[A-Z]+$/.test(code)) return undefined;
  const { syscall, path } = e as { syscall?: unknown; path?: unknown };
  const what = typeof path === "string" ? ` ${path}` : "";
  return `cannot ${typeof syscall === "string" ? syscall : "use"}${what}: ${fileTrouble(e)}`;
}

/**
 * Run the CLI on `argv` (without `node` and the script) and return the exit code: 0 on success,
 * 2 on bad input — a flag or value — with the message and the command's help to run; 1 on any
 * other failure (a file, the data, the run itself), as one line naming the file or option.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIO,
  version = "0.0.0",
): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    io.stdout(mainHelp);
    return command === undefined ? 2 : 0;
  }
  if (command === "-v" || command === "--version") {
    io.stdout(`${version}\n`);
    return 0;
  }
  const run = Object.hasOwn(commands, command) ? commands[command] : undefined;
  try {
    if (run === undefined) {
      throw new UsageError(
        `unknown command "${command}"; choose one of ${Object.keys(commands).join(", ")}`,
      );
    }
    return await run(args, io);
  } catch (e) {
    if (e instanceof UsageError || isArgumentError(e)) {
      io.stderr(`minitorch: ${e.message}\nRun '${helpFor(command, args)}' for usage.\n`);
      return 2;
    }
    const line =
      e instanceof RunError || e instanceof MinitorchError
        ? userMessage(e.message)
        : systemErrorLine(e);
    // Anything else is a bug: its stack trace is what a report needs.
    const text = line ?? (e instanceof Error ? (e.stack ?? e.message) : String(e));
    io.stderr(`minitorch: ${text}\n`);
    return 1;
  }
}
