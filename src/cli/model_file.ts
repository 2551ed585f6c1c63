import { DataError } from "../errors.js";
import { readSafetensors, save } from "../io/files.js";
import { LeNet } from "../models/lenet.js";
import { Tensor } from "../tensor/tensor.js";
import { userMessage } from "./io.js";

/** Where a state dict first holds a value that is not a finite number, and what it holds. */
export interface NonFinite {
  name: string;
  /** "NaN (3 of 150 values)", "Infinity (1 of 6 values)", … */
  what: string;
}

/**
 * The first tensor of `stateDict` holding NaN or ±∞, or null when every value is finite. Weights
 * like that give NaN for every input: a model that learned nothing, saved by a run that diverged.
 */
export async function firstNonFinite(
  stateDict: Record<string, unknown>,
): Promise<NonFinite | null> {
  for (const [name, value] of Object.entries(stateDict)) {
    if (!(value instanceof Tensor)) continue;
    const values = await value.data();
    let bad = 0;
    let first = 0;
    for (const v of values) {
      if (Number.isFinite(v)) continue;
      if (bad === 0) first = Number(v);
      bad += 1;
    }
    if (bad > 0) return { name, what: `${first} (${bad} of ${values.length} values)` };
  }
  return null;
}

/**
 * Saves the trained network's weights as safetensors, under PyTorch's state-dict names
 * (`conv1.weight`, …), with what built it in the metadata, so `minitorch predict` (or PyTorch)
 * can rebuild it.
 */
export async function saveModel(
  model: LeNet,
  path: string,
  info: { dataset: string },
): Promise<void> {
  await save(model.stateDict(), path, {
    metadata: {
      architecture: "LeNet",
      channels: JSON.stringify([model.conv1.outChannels, model.conv2.outChannels]),
      hidden: String(model.fc1.outFeatures),
      classes: String(model.fc2.outFeatures),
      normalize: JSON.stringify(model.normalize),
      dataset: info.dataset,
    },
  });
}

/**
 * Rebuilds the LeNet saved at `path`; a DataError when the file is not one (wrong names or
 * shapes) or when its weights hold NaN or ±∞ (naming the tensor).
 */
export async function loadModel(path: string): Promise<{ model: LeNet; dataset: string }> {
  const { tensors, metadata } = await readSafetensors(path);
  const broken = await firstNonFinite(tensors);
  if (broken !== null) {
    throw new DataError(
      `${path} cannot be used: its tensor "${broken.name}" holds ${broken.what}; the run that saved it diverged — train again with a lower --lr`,
    );
  }
  const shapeOf = (name: string): readonly number[] => {
    const t = tensors[name];
    if (t === undefined) {
      throw new DataError(
        `${path} is not a minitorch LeNet: it has no "${name}" (it has ${Object.keys(tensors).join(", ") || "no tensors"})`,
      );
    }
    return t.shape;
  };
  let normalize: [number, number] | undefined;
  if (metadata?.normalize !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(metadata.normalize);
    } catch {
      parsed = undefined;
    }
    const ok = Array.isArray(parsed) && parsed.length === 2 && parsed.every(Number.isFinite);
    if (!ok) throw new DataError(`${path}: malformed "normalize" metadata ${metadata.normalize}`);
    normalize = parsed as [number, number];
  }
  const model = new LeNet({
    normalize,
    channels: [shapeOf("conv1.weight")[0], shapeOf("conv2.weight")[0]],
    hidden: shapeOf("fc1.weight")[0],
    classes: shapeOf("fc2.weight")[0],
  });
  try {
    model.loadStateDict(tensors);
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    throw new DataError(`${path} is not a minitorch LeNet: ${userMessage(error.message)}`);
  }
  model.eval();
  return { model, dataset: metadata?.dataset ?? "mnist" };
}
