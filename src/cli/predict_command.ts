import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { noGrad } from "../autodiff/grad_mode.js";
import { backendNames, defaultBackendName } from "../backend/registry.js";
import { digitFromPng } from "../data/png_digit.js";
import { tensor } from "../tensor/creation.js";
import { setBackend } from "../tensor/default_backend.js";
import { softmax } from "../tensor/softmax.js";
import { choiceFlag, integerFlag, parseCommandArgs, pathFlag } from "./args.js";
import { type CliIO, RunError, UsageError } from "./io.js";
import { loadModel } from "./model_file.js";
import { fileTrouble } from "./run_folder.js";

export const predictHelp = `Usage: minitorch predict --model <model.safetensors> <image.png> [more.png …]

Classify images with a network saved by 'minitorch train mnist'. Any PNG works: it is turned grey,
inverted if the ink is dark on light, cropped to the ink, scaled to 20×20 and centred in 28×28 by
its centre of mass, as MNIST's digits were made.

Options:
  --model <file>     the weights (default: runs/mnist/model.safetensors)
  --top <k>          how many classes to list per image (default: 3)
  --backend <name>   ${backendNames.join(", ")} (default: ${defaultBackendName})
  --json             one JSON line per image: {"file","top":[{"class","probability"}…]}
  -h, --help         show this help
`;

const predictFlags = {
  model: { type: "string" },
  top: { type: "string" },
  backend: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** `minitorch predict`: the top classes of each image, with probabilities. */
export async function predictCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, predictFlags);
  if (values.help) {
    io.stdout(predictHelp);
    return 0;
  }
  if (positionals.length === 0) {
    throw new UsageError("predict needs at least one image (a PNG file)");
  }
  // Every flag is checked before the model is read.
  const backend = choiceFlag("backend", values.backend, defaultBackendName, backendNames);
  const modelPath = pathFlag("model", values.model, "runs/mnist/model.safetensors");
  const topFlag = integerFlag("top", values.top, 3, 1);
  if (!existsSync(modelPath)) {
    throw new RunError(
      `--model ${modelPath}: no such file ('minitorch train mnist' writes runs/mnist/model.safetensors)`,
    );
  }
  await setBackend(backend);
  const { model } = await loadModel(modelPath);
  const top = Math.min(topFlag, model.fc2.outFeatures);
  for (const file of positionals) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw new RunError(`cannot read ${file}: ${fileTrouble(error)}`);
    }
    const pixels = await digitFromPng(bytes, file);
    const output = noGrad(() =>
      softmax(model.forward(tensor(Array.from(pixels)).view(1, 1, 28, 28)), 1),
    );
    const probabilities = await output.data();
    output.dispose();
    const ranked = Array.from(probabilities, (p, c) => ({ class: c, probability: p }))
      .sort((a, b) => b.probability - a.probability)
      .slice(0, top);
    if (values.json) {
      io.stdout(`${JSON.stringify({ file, top: ranked })}\n`);
    } else {
      const list = ranked.map((r) => `${r.class} ${(100 * r.probability).toFixed(1)}%`).join("  ");
      io.stdout(`${file}: ${list}\n`);
    }
  }
  return 0;
}
