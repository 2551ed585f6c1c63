/** Weight initialisations, as `torch.nn.init` (`mt.nn.init`): in place, without history. */
export {
  calculateFanInAndFanOut,
  calculateGain,
  type FanMode,
  type Nonlinearity,
} from "./fan.js";
export {
  constant_,
  type KaimingOptions,
  kaimingNormal_,
  kaimingUniform_,
  normal_,
  ones_,
  type TruncNormalOptions,
  truncNormal_,
  uniform_,
  type XavierOptions,
  xavierNormal_,
  xavierUniform_,
  zeros_,
} from "./fill.js";
