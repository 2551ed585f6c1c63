/** The reference backend: plain strided loops, the living specification of the backend contract. */
export { ReferenceBackend, referenceBackend } from "./reference_backend.js";
