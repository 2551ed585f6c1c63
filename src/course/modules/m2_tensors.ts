import type { CourseModule } from "../tasks.js";

export const tensorsModule: CourseModule = {
  id: 2,
  title: "Tensors",
  tasks: [],
};
