/** `mt.models`: ready-made networks built from `mt.nn` layers. */
export { LeNet, type LeNetOptions } from "./lenet.js";
