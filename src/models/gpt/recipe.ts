import { crossEntropy } from "../../nn/functional/loss.js";
import type { Parameter } from "../../nn/parameter.js";
import { AdamW } from "../../optim/adam.js";
import type { Tensor } from "../../tensor/tensor.js";
import type { GPT } from "./gpt.js";

/**
 * nanoGPT's training recipe for a character-level GPT, in one place so `minitorch train gpt` and
 * the playground's in-page trainer run the same one: AdamW with β (0.9, 0.99) and weight decay on
 * matrices only, a warm-up then a cosine learning rate, cross-entropy over every position.
 */

/**
 * The learning rate of step `it` (0-based): a linear warm-up over min(100, iters/10) steps, then
 * a cosine from `lr` down to lr/10 at the last step (nanoGPT's schedule). A function of the step
 * alone, so a resumed run uses the same rates.
 */
export function gptLr(lr: number, it: number, iters: number): number {
  const warmup = Math.min(100, Math.floor(iters / 10));
  if (it < warmup) return (lr * (it + 1)) / (warmup + 1);
  const ratio = (it - warmup) / Math.max(1, iters - warmup);
  return lr / 10 + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (lr - lr / 10);
}

/**
 * AdamW with β (0.9, 0.99); weight decay 0.1 on matrices (≥ 2-D: the linear layers and
 * embeddings) and none on biases and LayerNorm gains, as nanoGPT.
 */
export function gptOptimizer(model: GPT, lr: number): AdamW {
  const matrices: Parameter<Tensor>[] = [];
  const others: Parameter<Tensor>[] = [];
  for (const p of model.parameters() as Parameter<Tensor>[]) {
    (p.value.ndim >= 2 ? matrices : others).push(p);
  }
  return new AdamW(
    [
      { params: matrices, weightDecay: 0.1 },
      { params: others, weightDecay: 0 },
    ],
    { lr, betas: [0.9, 0.99] },
  );
}

/** The mean cross-entropy of the next character over every position of x [B, T] (targets y [B, T]). */
export function gptLoss(model: GPT, x: Tensor, y: Tensor): Tensor {
  const logits = model.forward(x);
  return crossEntropy(logits.reshape([-1, model.config.vocabSize]), y.reshape([-1]));
}
