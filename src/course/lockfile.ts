/**
 * A course workspace installs only what its tests and build need, from the library's own lock
 * file: the lock is pruned to the packages reachable from the workspace's dependencies, so
 * `npm ci` installs exactly the versions the library was tested with.
 */

interface LockPackage {
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}

export interface LockFile {
  name: string;
  version: string;
  lockfileVersion: number;
  packages: Record<string, LockPackage>;
  [key: string]: unknown;
}

/** The installed path npm's resolution picks for `name` required from the package at `from`. */
function resolve(
  packages: Record<string, LockPackage>,
  from: string,
  name: string,
): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base === "" ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (Object.hasOwn(packages, candidate)) return candidate;
    if (base === "") return undefined;
    const up = base.lastIndexOf("/node_modules/");
    base = up < 0 ? "" : base.slice(0, up);
  }
}

/**
 * `lock` with its root package renamed and given `root`'s dependency lists, and with every
 * package no longer reachable from them dropped. A dependency missing from the lock (an optional
 * peer nobody installed) is skipped, as npm does.
 */
export function pruneLock(
  lock: LockFile,
  root: { name: string; version: string } & Pick<
    LockPackage,
    "dependencies" | "devDependencies" | "optionalDependencies"
  >,
): LockFile {
  const packages = lock.packages;
  const rootEntry: LockPackage = { ...packages[""], ...root };
  for (const key of ["dependencies", "devDependencies", "optionalDependencies"] as const) {
    if (root[key] === undefined) delete rootEntry[key];
  }
  const kept = new Set<string>([""]);
  const queue: [string, LockPackage][] = [["", rootEntry]];
  while (queue.length > 0) {
    const [path, entry] = queue.pop() as [string, LockPackage];
    const names = [
      entry.dependencies,
      entry.optionalDependencies,
      entry.peerDependencies,
      path === "" ? entry.devDependencies : undefined,
    ].flatMap((deps) => Object.keys(deps ?? {}));
    for (const name of names) {
      const target = resolve(packages, path, name);
      if (target === undefined || kept.has(target)) continue;
      kept.add(target);
      queue.push([target, packages[target]]);
    }
  }
  const pruned: Record<string, LockPackage> = {};
  for (const [path, entry] of Object.entries(packages)) {
    if (kept.has(path)) pruned[path] = path === "" ? rootEntry : entry;
  }
  return { ...lock, name: root.name, version: root.version, packages: pruned };
}
