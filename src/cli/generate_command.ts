import { existsSync } from "node:fs";
import { backendNames } from "../backend/registry.js";
import { DataError } from "../errors.js";
import { GPT } from "../models/gpt/gpt.js";
import { Random } from "../random.js";
import { setBackend } from "../tensor/default_backend.js";
import { choiceFlag, integerFlag, parseCommandArgs, pathFlag, positiveFlag } from "./args.js";
import { type CliIO, RunError, UsageError, userMessage } from "./io.js";

export const generateDefaults = {
  prompt: "lantern:",
  tokens: 300,
  temperature: 0.8,
  topK: 40,
  seed: 0,
  backend: "cpu",
} as const;

export const generateHelp = `Usage: minitorch generate --model <file> [options]

Write text with a GPT model file (from \`minitorch train gpt\`): the prompt, then characters as
they are sampled, one at a time.

Options:
  --model <file>       the model file (required), e.g. runs/gpt/model.safetensors
  --prompt <text>      the text to continue (default: "${generateDefaults.prompt}"; "" starts a new line)
  --tokens <n>         characters to sample (default: ${generateDefaults.tokens})
  --temperature <x>    below 1 picks likelier characters, above 1 wilder ones (default: ${generateDefaults.temperature})
  --top-k <n>          sample only among the k likeliest characters; 0: all (default: ${generateDefaults.topK})
  --seed <n>           seed of the sampling: the same seed writes the same text (default: ${generateDefaults.seed})
  --backend <name>     ${backendNames.join(", ")} (default: ${generateDefaults.backend})
  -h, --help           show this help
`;

const generateFlags = {
  model: { type: "string" },
  prompt: { type: "string" },
  tokens: { type: "string" },
  temperature: { type: "string" },
  "top-k": { type: "string" },
  seed: { type: "string" },
  backend: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** `minitorch generate`: stream a model's continuation of a prompt to stdout. */
export async function generateCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, generateFlags);
  if (values.help) {
    io.stdout(generateHelp);
    return 0;
  }
  if (positionals.length > 0) {
    throw new UsageError(
      `generate takes no arguments but its options, got ${positionals.join(" ")}`,
    );
  }
  const path = pathFlag("model", values.model);
  if (path === undefined) throw new UsageError("generate needs --model <file>, a GPT model file");
  const tokens = integerFlag("tokens", values.tokens, generateDefaults.tokens, 0);
  const temperature = positiveFlag("temperature", values.temperature, generateDefaults.temperature);
  const topK = integerFlag("top-k", values["top-k"], generateDefaults.topK, 0);
  const seed = integerFlag("seed", values.seed, generateDefaults.seed, 0);
  const backend = choiceFlag("backend", values.backend, generateDefaults.backend, backendNames);
  if (!existsSync(path)) throw new RunError(`--model ${path}: no such file`);
  await setBackend(backend);
  const model = await GPT.load(path).catch((error: unknown) => {
    if (!(error instanceof DataError)) throw error;
    throw new RunError(`--model ${path}: ${userMessage(error.message)}`);
  });
  if (model.vocab === null) {
    throw new RunError(
      `--model ${path}: the file has no "vocab" metadata to turn text into tokens`,
    );
  }
  const prompt = values.prompt ?? generateDefaults.prompt;
  const unknown = [...prompt].filter((c) => !model.vocab?.includes(c));
  if (unknown.length > 0) {
    throw new UsageError(
      `--prompt holds ${[...new Set(unknown)].map((c) => JSON.stringify(c)).join(", ")}, not in the model's vocabulary of ${model.vocab.length} characters`,
    );
  }
  model.eval();
  io.stdout(prompt);
  const ids = model.encode(prompt === "" ? "\n" : prompt);
  const stream = model.generate(ids, {
    maxNewTokens: tokens,
    temperature,
    topK: topK === 0 ? null : topK,
    generator: new Random(seed),
  });
  for await (const token of stream) io.stdout(model.decode([token]));
  io.stdout("\n");
  return 0;
}
