import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import { link, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { TEMPORARY_FILE, temporaryPath } from "../io/files.js";
import { RunError } from "./io.js";

/** The signals that end a run and after which its lock should not stay behind. */
const STOP_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** A file's text, or null when it cannot be read (gone). */
function readFileSyncOrNull(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** What a lock file holds: who holds the folder, and since when. */
interface LockOwner {
  pid: number;
  host: string;
  /** ISO time the run started. */
  started: string;
}

/** The `code` of a Node system error (ENOENT, EACCES, …), if it is one. */
export function errorCode(error: unknown): string | undefined {
  const code: unknown =
    typeof error === "object" && error !== null ? Reflect.get(error, "code") : undefined;
  return typeof code === "string" ? code : undefined;
}

/** A file-system failure on `path` in words, for a one-line message. */
export function fileTrouble(error: unknown): string {
  switch (errorCode(error)) {
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENOSPC":
      return "no space left on the device";
    case "EDQUOT":
      return "the disk quota is used up";
    case "EROFS":
      return "the file system is read-only";
    case "ENOTDIR":
    case "EEXIST":
      return "a part of the path is a file, not a folder";
    case "ENOENT":
      return "no such file or folder";
    case "EISDIR":
      return "it is a folder";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** Whether process `pid` is running (on this machine). EPERM: it is, under another user. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM";
  }
}

/** The owner recorded in a lock file, or null when it holds no readable owner. */
function parseOwner(text: string): LockOwner | null {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    const ok =
      Number.isInteger(owner.pid) &&
      typeof owner.host === "string" &&
      typeof owner.started === "string";
    return ok ? (owner as LockOwner) : null;
  } catch {
    return null;
  }
}

/**
 * A training run's `--out` folder, created if needed and held with a lock file (`.lock`) for the
 * run's life, so that two runs never write the same checkpoint. `open` finds every file-system
 * problem up front (the path is a file, not writable, the disk is full) — before a dataset is
 * loaded — as a RunError naming the path.
 */
export class RunFolder {
  readonly path: string;
  readonly #lock: string;
  readonly #owner: LockOwner;
  /** Set when the folder was taken over from a run that died holding it: a note for the user. */
  readonly takenOver: string | null;

  private constructor(path: string, owner: LockOwner, takenOver: string | null) {
    this.path = path;
    this.#lock = join(path, ".lock");
    this.#owner = owner;
    this.takenOver = takenOver;
    for (const signal of STOP_SIGNALS) process.on(signal, this.#onSignal);
  }

  /**
   * Ctrl-C or a `kill`: the lock goes, then the signal is raised again with no handler left, so
   * the process ends as it would have (exit status 130 for Ctrl-C). SIGKILL cannot be caught:
   * that lock stays, and the next run finds its holder gone and takes it over.
   */
  readonly #onSignal = (signal: NodeJS.Signals): void => {
    this.#stopListening();
    if (this.#isMine(readFileSyncOrNull(this.#lock))) rmSync(this.#lock, { force: true });
    process.kill(process.pid, signal);
  };

  #stopListening(): void {
    for (const signal of STOP_SIGNALS) process.off(signal, this.#onSignal);
  }

  /** Whether a lock file's text is this run's. */
  #isMine(text: string | null): boolean {
    return text === `${JSON.stringify(this.#owner)}\n`;
  }

  /**
   * Creates `out` if needed, locks it, and removes the temporary files that killed runs left of
   * `files` (the names of the files a run writes there; nothing else in the folder is touched).
   */
  static async open(out: string, files: readonly string[]): Promise<RunFolder> {
    const where = `--out ${out}`;
    if (existsSync(out) && !statSync(out).isDirectory()) {
      throw new RunError(`${where}: it is a file, not a folder`);
    }
    try {
      // Not recursive when the parent exists: Node's recursive mkdir loops forever on some
      // special paths (/proc/x), and the plain call gives the same errors everywhere else.
      await mkdir(out, { recursive: !existsSync(dirname(out)) });
    } catch (error) {
      if (errorCode(error) !== "EEXIST" || !statSync(out).isDirectory()) {
        throw new RunError(`${where}: cannot create the folder: ${fileTrouble(error)}`);
      }
    }
    const owner: LockOwner = {
      pid: process.pid,
      host: hostname(),
      started: new Date().toISOString(),
    };
    const lock = join(out, ".lock");
    let takenOver: string | null = null;
    // A few rounds: a stale lock is moved aside, then the race for a fresh one starts again.
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await RunFolder.#tryLock(lock, owner, where)) {
        const folder = new RunFolder(out, owner, takenOver);
        await folder.#removeLeftovers(files);
        return folder;
      }
      const text = await readFile(lock, "utf8").catch(() => null);
      if (text === null) continue; // released in between: try again
      const holder = parseOwner(text);
      if (holder !== null && (holder.host !== owner.host || isRunning(holder.pid))) {
        const on = holder.host === owner.host ? "" : ` on ${holder.host}`;
        throw new RunError(
          `${where} is in use by another run (pid ${holder.pid}${on}, started ${holder.started}); wait for it to finish or choose another --out (if no run is using it, delete ${lock})`,
        );
      }
      takenOver =
        holder === null ? "an unreadable lock" : `pid ${holder.pid} (started ${holder.started})`;
      await RunFolder.#moveAside(lock, text);
    }
    throw new RunError(`${where}: could not lock the folder (${lock} keeps changing)`);
  }

  /**
   * Creates the lock file holding `owner`, or returns false when there is one already. Written
   * whole under a temporary name, then linked into place: `link` fails when the name exists, so
   * of two runs only one gets the lock, and nobody ever reads a half-written one.
   */
  static async #tryLock(lock: string, owner: LockOwner, where: string): Promise<boolean> {
    const tmp = temporaryPath(lock);
    const text = `${JSON.stringify(owner)}\n`;
    try {
      await writeFile(tmp, text, { flag: "wx" });
      await link(tmp, lock).catch(async (error: unknown) => {
        if (!["EPERM", "ENOTSUP", "EOPNOTSUPP", "ENOSYS"].includes(errorCode(error) ?? "")) {
          throw error;
        }
        // A file system without hard links (FAT, some network shares): create-if-absent.
        await writeFile(lock, text, { flag: "wx" });
      });
      return true;
    } catch (error) {
      if (errorCode(error) === "EEXIST") return false;
      throw new RunError(`${where}: cannot write in the folder: ${fileTrouble(error)}`);
    } finally {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  /**
   * Moves a stale lock out of the way. The rename is atomic, so of two runs that found the same
   * stale lock one moves it; if what was moved is not the lock that was judged stale (another run
   * took over in between), it is put back.
   */
  static async #moveAside(lock: string, staleText: string): Promise<void> {
    const aside = temporaryPath(lock);
    try {
      await rename(lock, aside);
    } catch {
      return; // gone already: someone else moved it
    }
    const moved = await readFile(aside, "utf8").catch(() => null);
    if (moved !== staleText) await link(aside, lock).catch(() => undefined);
    await rm(aside, { force: true });
  }

  /** Deletes `<one of files>.tmp-<pid>-<random>` files whose writer is no longer running. */
  async #removeLeftovers(files: readonly string[]): Promise<void> {
    // Best effort: a folder that cannot be listed now fails at the first write, with its path.
    for (const name of await readdir(this.path).catch(() => [])) {
      const match = TEMPORARY_FILE.exec(name);
      const of = match === null ? "" : name.slice(0, match.index);
      if (match === null || !(files.includes(of) || of === ".lock")) continue;
      const pid = Number(match[1]);
      if (pid !== process.pid && !isRunning(pid)) {
        await rm(join(this.path, name), { force: true }).catch(() => undefined);
      }
    }
  }

  /** Gives the folder up: deletes the lock if it is still this run's. */
  async release(): Promise<void> {
    this.#stopListening();
    if (this.#isMine(await readFile(this.#lock, "utf8").catch(() => null))) {
      await rm(this.#lock, { force: true }).catch(() => undefined);
    }
  }
}
