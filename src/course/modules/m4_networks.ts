import type { CourseModule } from "../tasks.js";

export const networksModule: CourseModule = {
  id: 4,
  title: "Networks",
  tasks: [],
};
