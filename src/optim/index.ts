/** Optimizers: rules that move parameters against their derivatives. */
export { SGD, type SGDOptions } from "./sgd.js";
