/** Neural-network building blocks: the module tree, parameters, layers. */

export * as functional from "./functional/index.js";

export { Linear, type LinearOptions, MLP } from "./linear.js";
export { type LoadStateDictOptions, type LoadStateDictResult, Module } from "./module.js";
export { Parameter, type Shaped, shapeOf } from "./parameter.js";
export { ScalarLinear, ScalarMLP } from "./scalar_linear.js";
