/**
 * `mt.io.save` / `mt.io.load`: state dicts to and from `.safetensors` files (Node only). The file
 * system is reached through `process.getBuiltinModule`, not a static `import "node:…"`, so the
 * library's module graph still loads in a browser (where these two throw a DataError).
 */

import type * as FsPromises from "node:fs/promises";
import type { BackendName } from "../backend/backend.js";
import { loadBackend } from "../backend/registry.js";
import { DataError } from "../errors.js";
import { checkedWhereUsed, checkOptions, isBoolean, type OptionChecks } from "../options.js";
import { builtin, nodeProcess } from "../platform.js";
import type { Tensor } from "../tensor/tensor.js";
import {
  type DecodedSafetensors,
  decodeSafetensors,
  encodeSafetensors,
  type SafetensorsMetadata,
} from "./safetensors.js";

/** Files larger than this are refused before being read (2 GiB). */
export const MAX_FILE_BYTES = 2 * 1024 ** 3;

/** Options of `save`. */
export interface SaveOptions {
  /** Free-form strings stored in the header's `__metadata__` (what built the model, say). */
  metadata?: SafetensorsMetadata;
  /** Write int32 tensors as I64, PyTorch's int64 (default false: I32). */
  int64?: boolean;
}

/** Options of `load` and `readSafetensors`. */
export interface LoadOptions {
  /** Backend of the loaded tensors (default: the current default backend). */
  backend?: BackendName;
}

/** Both are checked where they are used: the metadata's values, the backend's name. */
const saveChecks: OptionChecks<SaveOptions> = { metadata: checkedWhereUsed, int64: isBoolean };
const loadChecks: OptionChecks<LoadOptions> = { backend: checkedWhereUsed };

/** Node's promise-based fs, or a DataError saying what to use instead in a browser. */
function fileSystem(op: string): typeof FsPromises {
  const fs = builtin<typeof FsPromises>("node:fs/promises");
  if (fs === undefined) {
    throw new DataError(
      `mt.io.${op}: needs Node's file system; in a browser use mt.io.encodeSafetensors / decodeSafetensors on bytes`,
    );
  }
  return fs;
}

/** The `code` of a Node system error (ENOENT, EACCES, …), if it is one. */
function errorCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code: unknown = Reflect.get(error, "code");
  return typeof code === "string" ? code : undefined;
}

/** The directory part of a path ("." for a bare file name). */
function directoryOf(path: string): string {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return cut < 0 ? "." : path.slice(0, cut) || "/";
}

/** Why a file-system call failed, in words, from its error code. */
function reasonOf(
  code: string | undefined,
  error: unknown,
  writing: boolean,
  path: string,
): string {
  switch (code) {
    case "ENOENT":
      return writing ? `the directory ${directoryOf(path)} does not exist` : "no such file";
    case "ENOTDIR":
      return "a part of the path is not a directory";
    case "EISDIR":
      return "it is a directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "ENOSPC":
      return "no space left on the device";
    case "EDQUOT":
      return "the disk quota is used up";
    case "EROFS":
      return "the file system is read-only";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** A file-system failure as a DataError naming the operation, the path and the cause. */
function fileError(op: string, path: string, error: unknown, writing = op === "save"): DataError {
  if (error instanceof DataError) return error;
  const reason = reasonOf(errorCode(error), error, writing, path);
  return new DataError(`mt.io.${op}: cannot ${writing ? "write" : "read"} ${path}: ${reason}`);
}

/**
 * The name of a temporary file that becomes `path` once it is complete: `path.tmp-<pid>-<random>`.
 * The pid lets a later run tell a leftover of a killed writer (its pid no longer running) from a
 * write in progress.
 */
export function temporaryPath(path: string): string {
  const pid = nodeProcess()?.pid ?? 0;
  return `${path}.tmp-${pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Matches a name made by `temporaryPath`; group 1 is the writer's pid. */
export const TEMPORARY_FILE = /\.tmp-(\d+)-[0-9a-z]+$/;

/**
 * Writes `data` to `path` atomically: to a temporary file first (see `temporaryPath`), flushed,
 * then renamed over `path`, so a crash leaves the old file or the new one, never half of one.
 * Failures are a DataError naming `op`, the path and the cause (ENOSPC: no space left, …).
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  op = "writeFileAtomic",
): Promise<void> {
  const fs = fileSystem(op);
  const tmp = temporaryPath(path);
  try {
    const handle = await fs.open(tmp, "wx");
    try {
      await handle.writeFile(data);
      // Flushed before the rename: otherwise a power cut could leave a renamed but empty file.
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, path);
  } catch (error) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw fileError(op, path, error, true);
  }
}

/**
 * Writes `stateDict` (what `Module.stateDict()` returns; every value must be a Tensor) to `path`
 * in the safetensors format PyTorch reads (`safetensors.torch.load_file`). Atomic: the bytes go to
 * `path.tmp-<pid>-<random>`, are flushed, and the temporary file is renamed over `path`, so a
 * crash leaves the old file or the new one, never half of one. A missing directory is a DataError
 * (none is created).
 */
export async function save(
  stateDict: Record<string, unknown>,
  path: string,
  options: SaveOptions = {},
): Promise<void> {
  const { metadata, int64 } = checkOptions("mt.io.save", options, saveChecks);
  // In a browser: the DataError naming what to use instead, before the encoding work.
  fileSystem("save");
  const bytes = await encodeSafetensors(stateDict, metadata, int64 === undefined ? {} : { int64 });
  await writeFileAtomic(path, bytes, "save");
}

/**
 * Reads the safetensors file at `path` (written by `save` or by PyTorch's `save_file`): its
 * tensors, in file order, and its `__metadata__`. F32 and F64 load as float32 and float64; F16
 * and BF16 as float32; other dtypes, a malformed file, or one over 2 GiB are a DataError.
 */
export async function readSafetensors(
  path: string,
  options: LoadOptions = {},
): Promise<DecodedSafetensors> {
  const { backend } = checkOptions("mt.io.readSafetensors", options, loadChecks);
  const fs = fileSystem("load");
  let bytes: Uint8Array;
  try {
    // The size first: a file too large to hold is refused before any of it is read.
    const stats = await fs.stat(path);
    if (!stats.isFile()) throw new DataError(`mt.io.load: ${path} is not a regular file`);
    if (stats.size > MAX_FILE_BYTES) {
      throw new DataError(
        `mt.io.load: ${path} is ${stats.size} bytes, over the ${MAX_FILE_BYTES}-byte limit`,
      );
    }
    bytes = await fs.readFile(path);
  } catch (error) {
    throw fileError("load", path, error);
  }
  // Backends that load asynchronously must be ready before the tensors are created.
  if (backend !== undefined) await loadBackend(backend);
  return decodeSafetensors(bytes, path, { backend });
}

/** The state dict saved at `path` (see `readSafetensors`, which also returns the metadata). */
export async function load(
  path: string,
  options: LoadOptions = {},
): Promise<Record<string, Tensor>> {
  checkOptions("mt.io.load", options, loadChecks);
  return (await readSafetensors(path, options)).tensors;
}
