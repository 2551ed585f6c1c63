import type { Module } from "./module.js";

/**
 * A module tree as PyTorch's `repr` prints it: a leaf is `Name(extra)`, a module with children
 * lists each as `(name): child` indented by two spaces, after its own extra settings:
 *
 *     Net(
 *       (fc1): Linear(in_features=3, out_features=2, bias=True)
 *       (act): ReLU()
 *     )
 */
export function moduleRepr(module: Module): string {
  return reprOf(module, new Set());
}

function reprOf(module: Module, path: Set<Module>): string {
  const name = module.constructor.name;
  const extra = module.extraRepr();
  // A module that contains itself (a cycle) is named, not followed.
  if (path.has(module)) return `${name}(…)`;
  path.add(module);
  const lines = extra === "" ? [] : extra.split("\n");
  for (const [childName, child] of module.namedChildren()) {
    lines.push(`(${childName}): ${indent(reprOf(child, path))}`);
  }
  path.delete(module);
  if (module.namedChildren().length === 0) return `${name}(${extra})`;
  return `${name}(\n${lines.map((l) => `  ${l}`).join("\n")}\n)`;
}

/** Every line after the first indented by two spaces (a child's own lines, nested one level). */
function indent(text: string): string {
  return text.split("\n").join("\n  ");
}
