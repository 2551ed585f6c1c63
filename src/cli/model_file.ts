import { DataError } from "../errors.js";
import { readSafetensors, save } from "../io/files.js";
import { LeNet } from "../models/lenet.js";

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

/** Rebuilds the LeNet saved at `path`; a DataError when the file is not one (wrong names or shapes). */
export async function loadModel(path: string): Promise<{ model: LeNet; dataset: string }> {
  const { tensors, metadata } = await readSafetensors(path);
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
  model.loadStateDict(tensors);
  model.eval();
  return { model, dataset: metadata?.dataset ?? "mnist" };
}
