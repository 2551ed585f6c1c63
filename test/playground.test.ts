import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * The playground end to end, in real headless Chromium: Vite serves it from source (as
 * `npm run playground` does), and the tests use it as a learner would — pick xor and press
 * Start until the accuracy passes 90%; type an expression and see its graph; type a broken one
 * and see where it breaks.
 */

const CHROMIUM = "/usr/bin/chromium";
const CONFIG = fileURLToPath(new URL("../playground/vite.config.ts", import.meta.url));

const playwright = existsSync(CHROMIUM) ? await import("playwright-core").catch(() => null) : null;
if (playwright === null) {
  console.log("playground tests skipped: install Debian chromium (apt-get install chromium)");
}

(playwright === null ? describe.skip : describe)("the playground in headless Chromium", () => {
  let browser: Browser | undefined;
  let url = "";
  let close: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const { createServer } = await import("vite");
    const server = await createServer({
      configFile: CONFIG,
      server: { port: 0, host: "127.0.0.1", strictPort: false },
      logLevel: "error",
    });
    await server.listen();
    url = server.resolvedUrls?.local[0] ?? "";
    close = () => server.close();
    browser = await playwright!.chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await close();
  });

  /** A fresh page at `hash`, collecting what it prints (shown when an assertion fails). */
  async function open(hash: string): Promise<{ page: Page; log: string[] }> {
    const page = await browser!.newPage({ viewport: { width: 1000, height: 900 } });
    const log: string[] = [];
    page.on("console", (m) => log.push(`[console.${m.type()}] ${m.text()}`));
    page.on("pageerror", (e) => log.push(`[pageerror] ${e.stack ?? e.message}`));
    await page.goto(`${url}${hash}`);
    return { page, log };
  }

  it("trains on xor until the accuracy passes 90%", { timeout: 120_000 }, async () => {
    const { page, log } = await open("#train");
    await page.selectOption("#dataset", "xor");
    await page.click("#start");
    await page.waitForFunction(
      () => Number.parseFloat(document.querySelector("#accuracy")?.textContent ?? "0") >= 90,
      null,
      { timeout: 90_000 },
    );
    const accuracy = await page.textContent("#accuracy");
    expect(Number.parseFloat(accuracy ?? "0"), log.join("\n")).toBeGreaterThanOrEqual(90);
    expect(Number(await page.textContent("#epoch"))).toBeGreaterThan(0);
    expect(log.filter((l) => l.startsWith("[pageerror]"))).toEqual([]);
    await page.close();
  });

  it("draws the graph of an expression, and points at the error in a broken one", async () => {
    const { page, log } = await open("#autodiff");
    await page.fill("#expression", "x * y + exp(x)");
    await page.fill("#x", "2");
    await page.fill("#y", "3");
    await page.waitForSelector("#graph g.node");
    const ops = await page.$$eval("#graph g.node", (nodes) =>
      nodes.map((n) => n.getAttribute("data-op")),
    );
    expect(ops, log.join("\n")).toEqual(expect.arrayContaining(["mul", "exp", "add"]));
    const text = (await page.textContent("#graph")) ?? "";
    expect(text).toContain("13.4"); // x·y + eˣ at (2, 3) = 13.389
    expect(text).toContain("10.4"); // ∂/∂x = y + eˣ = 10.389
    expect((await page.textContent("#expression-error"))?.trim() ?? "").toBe("");

    await page.fill("#expression", "x * (y +");
    await page.waitForFunction(
      () => (document.querySelector("#expression-error")?.textContent ?? "").trim() !== "",
    );
    const error = (await page.textContent("#expression-error")) ?? "";
    expect(error).toMatch(/\d/); // names the position
    expect(log.filter((l) => l.startsWith("[pageerror]"))).toEqual([]);
    await page.close();
  });
});
