/** The autodiff engine, shared by Scalar and Tensor. */
export { backpropagate } from "./backpropagate.js";
export { centralDifference } from "./central_difference.js";
export { Context } from "./context.js";
export {
  AutogradFunction,
  AutogradFunction as Function,
  chainRule,
  type FunctionClass,
} from "./function.js";
export { isGradEnabled, noGrad } from "./grad_mode.js";
export { topologicalSort } from "./topological_sort.js";
export {
  type Drawable,
  type History,
  isConstant,
  isLeaf,
  isVariable,
  type NodeSummary,
  nextVariableId,
  type Variable,
  type VariableKind,
} from "./variable.js";
