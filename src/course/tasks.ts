import { operatorsModule } from "./modules/m0_operators.js";
import { autodiffModule } from "./modules/m1_autodiff.js";
import { tensorsModule } from "./modules/m2_tensors.js";
import { fastModule } from "./modules/m3_fast.js";
import { networksModule } from "./modules/m4_networks.js";

/**
 * The course's tasks, module by module, in the guides' order. Each names the guide section that
 * teaches it and the tests that must pass (a test file and the `describe` blocks in it); the code
 * to write is marked in the library's source with `@task <id>` (see stub.ts).
 */

/** Tests of a task: `describe` blocks of one test file. */
export interface TaskTests {
  file: string;
  describe: readonly string[];
}

export interface CourseTask {
  /** "1.2": module 1, task 2. */
  id: string;
  /** One line: what the learner implements. */
  title: string;
  /** The guide section that teaches it: docs/<file>.md#<heading anchor>. */
  guide: string;
  tests: readonly TaskTests[];
}

/** What a finished module unlocks: a CLI run on the learner's own code. */
export interface ModuleDemo {
  /** The arguments of `minitorch`. */
  args: readonly string[];
  /** What it shows, in a few words. */
  shows: string;
}

export interface CourseModule {
  id: number;
  title: string;
  demo?: ModuleDemo;
  tasks: readonly CourseTask[];
}

/** The modules, one file each under modules/. */
export const COURSE: readonly CourseModule[] = [
  operatorsModule,
  autodiffModule,
  tensorsModule,
  fastModule,
  networksModule,
];

/** Every task, in course order. */
export function courseTasks(): CourseTask[] {
  return COURSE.flatMap((m) => m.tasks);
}
