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
    {
      id: "0.3",
      title: "modules and parameters: walk the tree for dotted names, and train/eval it whole",
      guide: "docs/01-operators-and-modules.md#the-tree-is-discovered-from-fields",
      tests: [
        { file: "test/module.test.ts", describe: ["Module tree discovery", "train and eval"] },
      ],
    },
  ],
};
