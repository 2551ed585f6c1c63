import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, launchChromium } from "./browser/chromium.js";
import { type StaticServer, startStaticServer } from "./browser/server.js";

/**
 * The built library in real headless Chromium: test/browser/cpu_page.js runs the cpu backend on a
 * page served with and without cross-origin isolation. It tests dist/ as it is and builds nothing
 * (`npm run build` refreshes dist/; `npm ci` builds it through `prepare`), so after editing src/
 * rebuild before running this file.
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PAGE_TIMEOUT_MS = 60_000;

/** What cpu_page.js leaves on `window`. */
interface PageResult {
  /** webgpu_page.js: the backend its result came from, and its largest difference from reference. */
  backend?: string;
  diff?: number;
  crossOriginIsolated: boolean;
  beforeLoad: string | null;
  shared: boolean;
  kernels: boolean;
  threads: number;
  matmulMaxDiff: number;
  matmul512MaxDiff: number;
  addMaxDiff: number;
  sumRelDiff: number;
}
interface PageGlobals {
  __result?: PageResult;
  __error?: string;
}

// Optional: a machine without Debian's chromium (or the playwright-core package) skips the suite.
const playwright = await findChromium("browser tests");

(playwright === null ? describe.skip : describe)("the built library in headless Chromium", () => {
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!existsSync(new URL("../dist/index.js", import.meta.url))) {
      throw new Error(
        "dist/index.js is missing: run `npm run build` first (this test builds nothing)",
      );
    }
    browser = await launchChromium(playwright!);
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** Open the page on a fresh server and context; the result plus everything the page printed. */
  async function runPage(
    isolated: boolean,
    pageName = "cpu_page",
    on: Browser | undefined = browser,
  ) {
    const server: StaticServer = await startStaticServer({ root: ROOT, isolated });
    const context = await on!.newContext();
    const log: string[] = [];
    try {
      const page = await context.newPage();
      page.on("console", (message) => log.push(`[console.${message.type()}] ${message.text()}`));
      page.on("pageerror", (error) => log.push(`[pageerror] ${error.stack ?? error.message}`));
      // A 404 (say, a .wasm or worker script the library asks for) is the likeliest cause of a hang.
      page.on("response", (r) => {
        if (!r.ok()) log.push(`[http ${r.status()}] ${r.url()}`);
      });
      page.on("requestfailed", (r) =>
        log.push(`[request failed] ${r.url()} ${r.failure()?.errorText}`),
      );
      await page.goto(`${server.url}/test/browser/page.html?run=${pageName}`);
      let outcome: PageGlobals;
      try {
        await page.waitForFunction(
          () => {
            const w = window as unknown as PageGlobals;
            return w.__result !== undefined || w.__error !== undefined;
          },
          null,
          { timeout: PAGE_TIMEOUT_MS },
        );
        outcome = await page.evaluate(() => {
          const { __result, __error } = window as unknown as PageGlobals;
          return { __result, __error };
        });
      } catch (error) {
        outcome = { __error: `no __result or __error on the page: ${String(error)}` };
      }
      return { ...outcome, log };
    } finally {
      await context.close();
      await server.close();
    }
  }

  /** Assertion messages carry the page's own output, the first thing to read on a failure. */
  const report = (what: string, outcome: object, log: string[]) =>
    `${what}\nresult: ${JSON.stringify(outcome)}\npage output:\n${log.join("\n") || "(none)"}`;

  for (const isolated of [true, false]) {
    it(`runs with crossOriginIsolated ${isolated}`, {
      timeout: PAGE_TIMEOUT_MS + 30_000,
    }, async () => {
      const { __result: result, __error: error, log } = await runPage(isolated);
      expect(error, report("the page threw", { error }, log)).toBeUndefined();
      expect(result, report("the page left no __result", {}, log)).toBeDefined();
      const r = result!;
      const why = (what: string) => report(what, r, log);
      expect(
        log.filter((line) => line.startsWith("[pageerror]")),
        why("page errors"),
      ).toEqual([]);
      expect(r.beforeLoad, why("a tensor made before setBackend")).toMatch(
        /^BackendError: .*await mt\.setBackend\("cpu"\)/,
      );
      expect(r.kernels, why("the WebAssembly kernels did not load")).toBe(true);
      expect(r.matmulMaxDiff, why("matmul 192x256x160 differs from reference")).toBeLessThan(1e-3);
      expect(r.matmul512MaxDiff, why("matmul 512^3 differs from reference")).toBeLessThan(1e-3);
      expect(r.addMaxDiff, why("add differs from reference")).toBeLessThan(1e-6);
      expect(r.sumRelDiff, why("sum differs from reference")).toBeLessThan(1e-5);
      expect(r.crossOriginIsolated, why("crossOriginIsolated")).toBe(isolated);
      expect(r.shared, why("memory shared iff isolated")).toBe(isolated);
      if (isolated) {
        // The test machine has 2 cores, and so does Chromium's navigator.hardwareConcurrency.
        expect(r.threads, why("threads with isolation")).toBeGreaterThanOrEqual(2);
      } else {
        expect(r.threads, why("threads without isolation")).toBe(1);
        // The library says once that it runs on one thread because the page is not isolated.
        const notes = log.filter((line) => line.toLowerCase().includes("cross-origin isolated"));
        expect(notes.length, why("exactly one one-thread note in the console")).toBe(1);
      }
    });
  }

  // The memory pressure a page's V8 cannot see: a plain loop frees what it drops (memory_page.js).
  it("holds a plain training loop's memory flat in a page", {
    timeout: PAGE_TIMEOUT_MS + 30_000,
  }, async () => {
    const { __result, __error, log } = await runPage(true, "memory_page");
    expect(__error, report("the page threw", { __error }, log)).toBeUndefined();
    const r = __result as unknown as { made: number; peak: number; end: number };
    const why = report("memory", r, log);
    // 2,000 steps drop several hundred MiB; live memory stays within a few collection budgets.
    expect(r.made, why).toBeGreaterThan(300 * 2 ** 20);
    expect(r.peak, why).toBeLessThan(200 * 2 ** 20);
  });

  // WebGPU in the page (navigator.gpu): Chromium's own software Vulkan (SwiftShader) stands in for
  // a GPU, so the same WGSL runs as on Dawn in Node.
  it("runs the webgpu backend through navigator.gpu", {
    timeout: PAGE_TIMEOUT_MS + 30_000,
  }, async () => {
    const gpuBrowser = await launchChromium(playwright!, true);
    try {
      const { __result, __error, log } = await runPage(true, "webgpu_page", gpuBrowser);
      const result = __result;
      expect(__error, report("the page threw", { __error }, log)).toBeUndefined();
      expect(result?.backend).toBe("webgpu");
      // relu(A·B) summed over rows of 72, values ~20: float32 rounding, not a wrong kernel.
      expect(result?.diff, report("webgpu differs from reference", result ?? {}, log)).toBeLessThan(
        1e-3,
      );
    } finally {
      await gpuBrowser.close();
    }
  });
});
