/** Optimizers: rules that move parameters against their derivatives. */
export { Adam, type AdamOptions, AdamW } from "./adam.js";
export * as lrScheduler from "./lr_scheduler.js";
export { Optimizer, type OptimizerStateDict, type Trainable } from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
