/** `mt.models`: ready-made networks built from `mt.nn` layers. */

export type { LayerCache } from "./gpt/blocks.js";
export type { GPTConfig } from "./gpt/config.js";
export { type GenerateOptions, GPT, type GPTOptions } from "./gpt/gpt.js";
export { gptLoss, gptLr, gptOptimizer } from "./gpt/recipe.js";
export type { SampleOptions } from "./gpt/sampling.js";
export { LeNet, type LeNetOptions } from "./lenet.js";
