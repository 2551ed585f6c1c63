#!/usr/bin/env node
/** The `minitorch` command: wires `runCli` to the process. */
import { readFileSync } from "node:fs";
import { runCli } from "./cli.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

// The webgpu backend's driver notes (Dawn's "Couldn't load Vulkan: …" and the like) are noise to
// someone training a network: hidden unless MINITORCH_DAWN_LOG=1 asks for them.
process.env.MINITORCH_DAWN_LOG ??= "0";

process.exitCode = await runCli(
  process.argv.slice(2),
  {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTTY: process.stderr.isTTY === true,
  },
  pkg.version,
);
