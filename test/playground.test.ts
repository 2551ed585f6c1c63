import { existsSync, mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveModel } from "../src/cli/model_file.js";
import * as mt from "../src/index.js";
import { findChromium, launchChromium } from "./browser/chromium.js";

/**
 * The playground end to end, in real headless Chromium: Vite serves it from source (as
 * `npm run playground` does), and the tests use it as a learner would — pick xor and press
 * Start until the accuracy passes 90%; type an expression and see its graph; type a broken one
 * and see where it breaks.
 */

const CONFIG = fileURLToPath(new URL("../playground/vite.config.ts", import.meta.url));

/** Press Generate on the Text page for `tokens` characters; the text once the status says done. */
async function generate(page: Page, tokens: number): Promise<string> {
  await page.fill("#gpt-tokens", String(tokens));
  await page.click("#gpt-generate");
  await page.waitForFunction(
    () => (document.querySelector("#gpt-status")?.textContent ?? "").startsWith("Generated"),
    null,
    { timeout: 60_000 },
  );
  return (await page.textContent("#gpt-output")) ?? "";
}

const playwright = await findChromium("playground tests");

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
    browser = await launchChromium(playwright!);
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

  /** On the Train page: pick xor, press Start, and wait until the accuracy passes 90%. */
  async function trainXor(page: Page): Promise<void> {
    await page.selectOption("#dataset", "xor");
    await page.click("#start");
    await page.waitForFunction(
      () => Number.parseFloat(document.querySelector("#accuracy")?.textContent ?? "0") >= 90,
      null,
      { timeout: 90_000 },
    );
  }

  it("trains on xor until the accuracy passes 90%", { timeout: 120_000 }, async () => {
    const { page, log } = await open("#train");
    await trainXor(page);
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

  it("trains the digits CNN, predicts a drawn 1, and explains an unusable model file", {
    timeout: 120_000,
  }, async () => {
    const { page, log } = await open("#digits");
    await page.click("#train-digits");
    await page.waitForFunction(
      () => (document.querySelector("#digits-status")?.textContent ?? "").startsWith("Trained"),
      null,
      { timeout: 90_000 },
    );
    // A vertical stroke down the middle of the pad: a "1".
    const box = await page.locator("#pad").boundingBox();
    expect(box, log.join("\n")).not.toBeNull();
    const x = box!.x + box!.width / 2;
    await page.mouse.move(x, box!.y + box!.height * 0.15);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) {
      await page.mouse.move(x, box!.y + box!.height * (0.15 + 0.07 * i));
    }
    await page.mouse.up();
    // The guesses for the whole stroke, not ones a move on the way predicted.
    await page.waitForSelector('#predictions[aria-busy="false"] li');
    const rows = await page.$$eval("#predictions li", (items) =>
      items.map((li) => ({ cls: li.getAttribute("data-class"), text: li.textContent ?? "" })),
    );
    expect(rows, log.join("\n")).toHaveLength(3);
    expect(rows[0].cls).toBe("1"); // a vertical stroke, after training on 3,000 digits
    for (const row of rows) {
      expect(row.cls).toMatch(/^\d$/);
      expect(row.text).toMatch(/^\d — \d{1,3}\.\d%$/);
    }
    const total = rows.reduce((sum, r) => sum + Number.parseFloat(r.text.split("— ")[1]), 0);
    expect(total).toBeLessThanOrEqual(100.2);
    expect(await page.$$("#mistakes li")).not.toHaveLength(0);

    await page.setInputFiles("#model-file", {
      name: "bad.safetensors",
      mimeType: "application/octet-stream",
      buffer: Buffer.from("hello"),
    });
    await page.waitForFunction(
      () => (document.querySelector("#model-error")?.textContent ?? "").trim() !== "",
    );
    const error = (await page.textContent("#model-error")) ?? "";
    expect(error).toContain("bad.safetensors");
    expect(error).toMatch(/not a valid safetensors file/);
    expect(log.filter((l) => l.startsWith("[pageerror]"))).toEqual([]);
    await page.close();
  });

  it("builds a static site that works from a plain file server", { timeout: 120_000 }, async () => {
    const { build } = await import("vite");
    const outDir = mkdtempSync(join(tmpdir(), "minitorch-playground-"));
    await build({ configFile: CONFIG, logLevel: "error", build: { outDir, emptyOutDir: true } });
    // No COOP/COEP here: any static host; the cpu backend then runs on one thread.
    const server = createHttpServer(async (request, response) => {
      const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
      const file = join(outDir, path === "/" ? "index.html" : path);
      if (!file.startsWith(outDir) || !existsSync(file)) {
        response.writeHead(404).end();
        return;
      }
      const types: Record<string, string> = {
        ".html": "text/html",
        ".js": "text/javascript",
        ".css": "text/css",
        ".wasm": "application/wasm",
        ".json": "application/json",
      };
      response.writeHead(200, {
        "Content-Type": types[extname(file)] ?? "application/octet-stream",
      });
      response.end(await readFile(file));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const page = await browser!.newPage();
      const log: string[] = [];
      page.on("pageerror", (e) => log.push(`[pageerror] ${e.message}`));
      await page.goto(`http://127.0.0.1:${port}/#train`);
      await trainXor(page);
      await page.goto(`http://127.0.0.1:${port}/#autodiff`);
      await page.waitForSelector("#graph g.node");
      // The Text page's worker and its corpus (an asset the build must copy).
      await page.goto(`http://127.0.0.1:${port}/#text`);
      await page.fill("#gpt-iters", "10");
      await page.click("#gpt-train");
      await page.waitForFunction(
        () => (document.querySelector("#gpt-status")?.textContent ?? "").startsWith("Trained"),
        null,
        { timeout: 60_000 },
      );
      expect(log).toEqual([]);
      await page.close();
    } finally {
      server.close();
    }
  });

  it("loads a model file the CLI wrote into the Digits page", { timeout: 90_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "minitorch-model-"));
    const file = join(dir, "model.safetensors");
    mt.manualSeed(3);
    // The CLI's own writer, with non-default sizes: the page must rebuild the network from the file.
    await saveModel(new mt.models.LeNet({ channels: [4, 8], hidden: 32 }), file, {
      dataset: "mnist",
    });
    const { page, log } = await open("#digits");
    await page.setInputFiles("#model-file", file);
    await page.waitForFunction(
      () => (document.querySelector("#digits-status")?.textContent ?? "").startsWith("Loaded"),
      null,
      { timeout: 60_000 },
    );
    const status = (await page.textContent("#digits-status")) ?? "";
    expect(status, log.join("\n")).toContain("channels 4/8, hidden 32");
    expect((await page.textContent("#model-error"))?.trim() ?? "").toBe("");
    await page.close();
  });

  it("loads a GPT model file, streams a continuation and draws the prompt's attention", {
    timeout: 120_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "minitorch-playground-gpt-"));
    const file = join(dir, "model.safetensors");
    const vocab = [..."\n :abcdefghijklmnopqrstuvwxyz"];
    const config = { vocabSize: vocab.length, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16 };
    await new mt.models.GPT(config, { vocab, rng: new mt.Random(5) }).save(file);
    const { page, log } = await open("#text");
    await page.setInputFiles("#gpt-file", file);
    await page.waitForFunction(
      () => (document.querySelector("#gpt-status")?.textContent ?? "").startsWith("Loaded"),
      null,
      { timeout: 60_000 },
    );
    expect((await page.textContent("#gpt-status")) ?? "", log.join("\n")).toContain(
      "2 layers, 2 heads, width 16, block 16",
    );
    const text = await generate(page, 30);
    expect(text.startsWith("lantern:"), log.join("\n")).toBe(true);
    expect([...text].length).toBe("lantern:".length + 30);
    // The heat map: the first row holds one weight (1, bright), above the diagonal stays dark.
    const corners = await page.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>("#gpt-heatmap");
      const ctx = canvas?.getContext("2d");
      if (!canvas || !ctx) return null;
      const cell = canvas.width / "lantern:".length;
      const at = (x: number, y: number) => Array.from(ctx.getImageData(x, y, 1, 1).data);
      return { first: at(cell / 2, cell / 2), above: at(canvas.width - cell / 2, cell / 2) };
    });
    expect(corners?.first.slice(0, 3)).toEqual([255, 160, 40]);
    expect(corners?.above.slice(0, 3)).toEqual([0, 0, 40]);
    await page.close();
  });

  it("trains a tiny GPT in a worker, generates from it, and explains an unusable model file", {
    timeout: 120_000,
  }, async () => {
    const { page, log } = await open("#text");
    await page.fill("#gpt-iters", "100");
    await page.click("#gpt-train");
    expect(await page.isDisabled("#gpt-train")).toBe(true); // one run at a time
    await page.waitForFunction(
      () => (document.querySelector("#gpt-status")?.textContent ?? "").startsWith("Trained"),
      null,
      { timeout: 90_000 },
    );
    const status = (await page.textContent("#gpt-status")) ?? "";
    const losses = /validation loss (\d+\.\d+) → (\d+\.\d+)/.exec(status);
    expect(losses, `${status}\n${log.join("\n")}`).not.toBeNull();
    // From about ln(77) = 4.3 nats per character (uniform guessing) to well under 3 in 100 steps.
    expect(Number(losses![1])).toBeGreaterThan(4);
    expect(Number(losses![2])).toBeLessThan(3.2);
    expect(status).toContain("for 100 steps");
    expect(await page.isDisabled("#gpt-train")).toBe(false);
    expect(await page.getAttribute("#gpt-download", "href")).toMatch(/^blob:/);
    expect(await page.isHidden("#gpt-download")).toBe(false);

    await page.fill("#gpt-prompt", "slowly:");
    const text = await generate(page, 40);
    expect(text.startsWith("slowly:"), log.join("\n")).toBe(true);
    expect([...text].length).toBe("slowly:".length + 40);

    // A prompt character the adverbs never use is the library's error, not a crash.
    await page.fill("#gpt-prompt", "✓");
    await page.click("#gpt-generate");
    await page.waitForFunction(
      () => (document.querySelector("#gpt-error")?.textContent ?? "").trim() !== "",
    );
    expect((await page.textContent("#gpt-error")) ?? "").toContain('"✓"');
    expect(await page.isDisabled("#gpt-generate")).toBe(false);

    await page.setInputFiles("#gpt-file", {
      name: "bad.safetensors",
      mimeType: "application/octet-stream",
      buffer: Buffer.from("hello"),
    });
    await page.waitForFunction(() =>
      (document.querySelector("#gpt-error")?.textContent ?? "").includes("bad.safetensors"),
    );
    expect((await page.textContent("#gpt-error")) ?? "").toMatch(/not a valid safetensors file/);
    // The trained model stays in use.
    expect((await page.textContent("#gpt-status")) ?? "").toContain("Generated");
    expect(await page.isDisabled("#gpt-generate")).toBe(false);
    expect(log.filter((l) => l.startsWith("[pageerror]"))).toEqual([]);
    await page.close();
  });
});
