import fc from "fast-check";

// A property that throws reports the error itself, not only "Property failed … Counterexample":
// Vitest's JSON report drops an error's `cause`, and `minitorch course test` reads that report to
// tell a learner which body is still to be written.
fc.configureGlobal({ includeErrorInReport: true });
