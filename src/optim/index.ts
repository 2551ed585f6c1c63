/** Optimizers: rules that move parameters against their derivatives. */
export { Adagrad, type AdagradGroupOptions, type AdagradOptions } from "./adagrad.js";
export { Adam, type AdamGroupOptions, type AdamOptions, AdamW } from "./adam.js";
export * as lrScheduler from "./lr_scheduler.js";
export {
  type GroupOptions,
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupSpec,
  type ParamsArgument,
  type SavedParamGroup,
  type Trainable,
  type ZeroGradOptions,
} from "./optimizer.js";
export { RMSprop, type RMSpropGroupOptions, type RMSpropOptions } from "./rmsprop.js";
export { SGD, type SGDGroupOptions, type SGDOptions } from "./sgd.js";
