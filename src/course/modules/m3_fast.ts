import type { CourseModule } from "../tasks.js";

export const fastModule: CourseModule = {
  id: 3,
  title: "Fast tensors: the parallel CPU and the GPU",
  tasks: [],
};
