/** Tools for testing differentiable code. */
export { GradcheckError, type GradcheckOptions, gradcheck } from "./gradcheck.js";
