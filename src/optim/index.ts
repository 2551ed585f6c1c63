/** Optimizers: rules that move parameters against their derivatives. */
export { Adam, type AdamOptions, AdamW } from "./adam.js";
export { Optimizer, type OptimizerStateDict, type Trainable } from "./optimizer.js";
export { SGD, type SGDOptions } from "./sgd.js";
