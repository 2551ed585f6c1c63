import { MinitorchError } from "../errors.js";
import { graphCommand } from "./graph_command.js";
import { type CliIO, UsageError } from "./io.js";
import { predictCommand } from "./predict_command.js";
import { trainCommand } from "./train_command.js";

export const mainHelp = `Usage: minitorch <command> [options]

minitorch is a PyTorch-style deep-learning framework written from scratch in TypeScript.

Commands:
  train <dataset>       train a network on a 2-D toy dataset (minitorch train --help)
  train mnist           train a convolutional network on handwritten digits (minitorch train mnist --help)
  predict <image.png>   classify images with a trained network (minitorch predict --help)
  graph "<expression>"  print the computation graph of a Scalar expression as DOT (minitorch graph --help)

Options:
  -h, --help            show this help
  -v, --version         print the version
`;

const commands: Record<string, (args: string[], io: CliIO) => number | Promise<number>> = {
  train: trainCommand,
  graph: graphCommand,
  predict: predictCommand,
};

/** Node's parseArgs reports bad flags with these codes; they are usage errors, not crashes. */
function isArgumentError(e: unknown): e is Error {
  const code = (e as { code?: unknown }).code;
  return e instanceof Error && typeof code === "string" && code.startsWith("ERR_PARSE_ARGS");
}

/**
 * Run the CLI on `argv` (without `node` and the script) and return the exit code: 0 on success,
 * 2 on bad input (with a message saying what is valid), 1 on any other failure.
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
    if (e instanceof UsageError || isArgumentError(e) || e instanceof MinitorchError) {
      const help = run === undefined ? "minitorch --help" : `minitorch ${command} --help`;
      io.stderr(`minitorch: ${e.message}\nRun '${help}' for usage.\n`);
      return 2;
    }
    io.stderr(`minitorch: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
