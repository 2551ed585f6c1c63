/** Drawings of what minitorch computes. */
export { toDot } from "./dot.js";
