import { readFile, realpath, stat } from "node:fs/promises";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";

/**
 * A tiny static server for the browser tests: the page needs real HTTP (module scripts, workers
 * and `fetch` of the .wasm kernels do not work from file://), and cross-origin isolation is only
 * switched on by response headers, so each test picks it with `isolated`.
 */

/** Only what the page loads is served: the built library, the kernels and the page itself. */
const SERVED_DIRS = ["dist", "build", "test/browser"];

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  // Needed for WebAssembly.compileStreaming / instantiateStreaming, which check the type.
  ".wasm": "application/wasm",
  ".html": "text/html; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
};

/**
 * COOP + COEP make the page `crossOriginIsolated` (SharedArrayBuffer, shared WebAssembly.Memory
 * across workers); CORP lets each same-origin resource load under `require-corp`.
 */
const ISOLATION_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

export interface StaticServer {
  /** Origin with no trailing slash, e.g. http://127.0.0.1:41234. */
  url: string;
  close(): Promise<void>;
}

/** The file a URL path names, or null when it is outside the served folders. */
async function locate(root: string, urlPath: string): Promise<string | null> {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  // Reject traversal outright rather than normalising it away (also catches encoded %2e%2e).
  if (path.includes("\0") || path.split(/[/\\]/).includes("..")) return null;
  const relative = path.replace(/^\/+/, "");
  if (!SERVED_DIRS.some((dir) => relative.startsWith(`${dir}/`))) return null;
  try {
    // realpath: a symlink inside a served folder must not lead out of it either.
    const file = await realpath(join(root, relative));
    const inside = SERVED_DIRS.some((dir) => file.startsWith(resolve(root, dir) + sep));
    return inside && (await stat(file)).isFile() ? file : null;
  } catch {
    return null;
  }
}

export async function startStaticServer(options: {
  root: string;
  isolated: boolean;
}): Promise<StaticServer> {
  const root = await realpath(options.root);
  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer) => {
    res.writeHead(status, {
      "Content-Type": type,
      "Content-Length": Buffer.byteLength(body),
      ...(options.isolated ? ISOLATION_HEADERS : {}),
    });
    res.end(body);
  };
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== "GET") {
        send(res, 405, "text/plain", "GET only\n");
        return;
      }
      const urlPath = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
      const file = await locate(root, urlPath);
      const type = file === null ? undefined : CONTENT_TYPES[extname(file)];
      if (file === null || type === undefined) {
        send(res, 404, "text/plain", `not found: ${urlPath}\n`);
        return;
      }
      send(res, 200, type, await readFile(file));
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, "text/plain", `${String(error)}\n`);
      else res.destroy();
    });
  });
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => done());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done, fail) => {
        // Chromium keeps connections alive; drop them so close() does not wait for its timeout.
        server.closeAllConnections();
        server.close((error) => (error ? fail(error) : done()));
      }),
  };
}
