import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
  bin: Record<string, string>;
};

// The built command, as `npx minitorch` runs it after `npm ci` (which builds dist/).
describe.skipIf(!existsSync(bin))(
  "the built minitorch command (dist/, made by npm run build)",
  () => {
    it("is the package's bin, executable, and runs", () => {
      expect(pkg.bin.minitorch).toBe("./dist/cli/main.js");
      expect(statSync(bin).mode & 0o111).not.toBe(0);
      expect(execFileSync(bin, ["--version"], { encoding: "utf8" }).trim()).toBe(pkg.version);
    });
  },
);
if (!existsSync(bin))
  console.log("bin.test: dist/ is missing; run `npm run build` to test the built command");
