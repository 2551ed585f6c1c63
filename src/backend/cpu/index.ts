/** The fast CPU backend. */
export { CpuBackend, type CpuBuffer } from "./cpu_backend.js";
