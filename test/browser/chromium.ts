import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";

/**
 * Debian's Chromium, driven by playwright-core, for the tests that run code in a real page. One
 * place for its path and flags: without the background-networking flags Chromium keeps trying to
 * reach Google's hosts, which this machine's closed network refuses.
 */

const CHROMIUM = "/usr/bin/chromium";

const BASE_ARGS = [
  "--headless",
  "--no-sandbox",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
];

/** WebGPU on Chromium's own software Vulkan (SwiftShader): navigator.gpu without a GPU. */
const WEBGPU_ARGS = [
  "--enable-unsafe-webgpu",
  "--enable-features=Vulkan",
  "--use-vulkan=swiftshader",
  "--use-webgpu-adapter=swiftshader",
  "--use-angle=swiftshader",
];

type Playwright = typeof import("playwright-core");

/**
 * playwright-core when Debian's chromium is installed, else null after one console line saying
 * what to install (`suite` names what is skipped).
 */
export async function findChromium(suite: string): Promise<Playwright | null> {
  const playwright = existsSync(CHROMIUM)
    ? await import("playwright-core").catch(() => null)
    : null;
  if (playwright === null) {
    console.log(`${suite} skipped: install Debian chromium (apt-get install chromium)`);
  }
  return playwright;
}

/** A headless Chromium; `webgpu` turns on navigator.gpu (else the GPU is off). */
export function launchChromium(playwright: Playwright, webgpu = false): Promise<Browser> {
  return playwright.chromium.launch({
    executablePath: CHROMIUM,
    args: [...BASE_ARGS, ...(webgpu ? WEBGPU_ARGS : ["--disable-gpu"])],
  });
}
