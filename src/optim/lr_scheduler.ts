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
  MultiStepLR,
  type MultiStepLROptions,
  StepLR,
  type StepLROptions,
} from "./schedulers/decay.js";
export { LRScheduler, type LrOptimizer, type SchedulerStateDict } from "./schedulers/scheduler.js";
export { SequentialLR, type SequentialLROptions } from "./schedulers/sequential.js";
