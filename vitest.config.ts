import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 60_000,
    setupFiles: ["test/setup.ts"],
    // The guides' snippets are read from markdown by test/docs.test.ts: editing one reruns it.
    forceRerunTriggers: ["**/package.json", "**/vitest.config.*", "docs/**/*.md"],
  },
});
