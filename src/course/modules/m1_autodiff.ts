import type { CourseModule } from "../tasks.js";

export const autodiffModule: CourseModule = {
  id: 1,
  title: "Autodiff",
  demo: {
    args: ["train", "xor", "--epochs", "300"],
    shows: "a Scalar network learns xor with your autodiff",
  },
  tasks: [
    {
      id: "1.1",
      title: "the central difference, the numerical derivative every gradient is checked against",
      guide: "docs/02-autodiff.md#checking-derivatives-numerically",
      tests: [{ file: "test/autodiff.test.ts", describe: ["centralDifference"] }],
    },
    {
      id: "1.2",
      title: "the Scalar functions' forward and backward (Add, Mul, Neg, Pow)",
      guide: "docs/02-autodiff.md#functions-forward-and-backward-side-by-side",
      tests: [{ file: "test/scalar.test.ts", describe: ["Scalar forward values"] }],
    },
    {
      id: "1.3",
      title: "topological sort: each node of the graph after everything that depends on it",
      guide: "docs/02-autodiff.md#backpropagation-by-hand",
      tests: [{ file: "test/autodiff.test.ts", describe: ["topologicalSort"] }],
    },
    {
      id: "1.4",
      title: "the chain rule and backpropagation through the whole graph",
      guide: "docs/02-autodiff.md#backpropagation-by-hand",
      tests: [
        {
          file: "test/scalar.test.ts",
          describe: ["backpropagation", "Scalar derivatives agree with central differences"],
        },
      ],
    },
  ],
};
