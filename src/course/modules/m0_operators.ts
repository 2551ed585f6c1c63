import type { CourseModule } from "../tasks.js";

export const operatorsModule: CourseModule = {
  id: 0,
  title: "Operators and modules",
  tasks: [
    {
      id: "0.1",
      title: "the scalar operators and their derivatives (mul, lt, sigmoid, relu, log, …)",
      guide: "docs/01-operators-and-modules.md#scalar-operators",
      tests: [
        {
          file: "test/operators.test.ts",
          describe: [
            "scalar ops: values",
            "sigmoid",
            "relu",
            "algebraic laws",
            "derivatives agree with central differences",
          ],
        },
      ],
    },
    {
      id: "0.2",
      title: "map, zipWith, reduce, and the list functions built from them",
      guide: "docs/01-operators-and-modules.md#map-zipwith-reduce",
      tests: [
        { file: "test/operators.test.ts", describe: ["functional helpers and list functions"] },
      ],
    },
  ],
};
