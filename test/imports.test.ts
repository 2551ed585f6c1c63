import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The layering the README's table describes, checked on the source: lower layers never import
 * higher ones, and a backend's files are its own. A violation names the file and the import.
 */

const root = join(import.meta.dirname, "..");
const src = join(root, "src");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** Every relative import of every file in src/, as [importer, imported], both relative to src/. */
const edges: [string, string][] = sources(src).flatMap((file) => {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)];
  return specifiers.map(([, spec]): [string, string] => [
    relative(src, file),
    normalize(relative(src, join(dirname(file), spec))).replace(/\.js$/, ".ts"),
  ]);
});

/** The imports from files under `from` that reach into any of `into`. */
function crossings(from: string, into: readonly string[]): string[] {
  return edges
    .filter(([a, b]) => a.startsWith(from) && into.some((p) => b.startsWith(p)))
    .map(([a, b]) => `${a} → ${b}`);
}

const above = ["tensor/", "nn/", "optim/", "data/", "io/", "models/", "cli/", "viz/", "testing/"];

describe("layers", () => {
  it("reads the source's imports", () => {
    expect(edges.length).toBeGreaterThan(300);
  });

  it("the strided layer imports only operators and errors", () => {
    const outside = edges.filter(
      ([a, b]) =>
        a.startsWith("strided/") &&
        !b.startsWith("strided/") &&
        b !== "operators.ts" &&
        b !== "errors.ts",
    );
    expect(outside.map(([a, b]) => `${a} → ${b}`)).toEqual([]);
  });

  it("autodiff and the backends never import the layers above them", () => {
    expect(crossings("autodiff/", [...above, "backend/", "scalar/"])).toEqual([]);
    expect(crossings("backend/", above)).toEqual([]);
  });

  it("a backend's files are imported only inside its folder, by the registry, and by the cpu backend's fallback to the reference loops", () => {
    for (const name of ["reference", "cpu", "webgpu"]) {
      const folder = `backend/${name}/`;
      const strangers = edges
        .filter(([a, b]) => b.startsWith(folder) && !a.startsWith(folder))
        .filter(([a]) => a !== "backend/registry.ts")
        .filter(([a]) => !(name === "reference" && a.startsWith("backend/cpu/")))
        .map(([a, b]) => `${a} → ${b}`);
      expect(strangers, name).toEqual([]);
    }
  });
});
