/** Learning-rate schedulers, as `torch.optim.lr_scheduler` (`mt.optim.lrScheduler`). */
export {
  CosineAnnealingLR,
  type CosineAnnealingLROptions,
  ExponentialLR,
  type ExponentialLROptions,
  LambdaLR,
  type LambdaLROptions,
  LinearLR,
  type LinearLROptions,
  type LrLambda,
  MultiStepLR,
  type MultiStepLROptions,
  StepLR,
  type StepLROptions,
} from "./schedulers/decay.js";
export { OneCycleLR, type OneCycleLROptions, type PerGroup } from "./schedulers/one_cycle.js";
export { LRScheduler, type LrOptimizer, type SchedulerStateDict } from "./schedulers/scheduler.js";
export { SequentialLR, type SequentialLROptions } from "./schedulers/sequential.js";
