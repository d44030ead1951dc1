/**
 * Serves a blank page at `/` and the package's built modules under `/dist/` (made by the global
 * setup, or by `npm run build`), for the tests and benchmarks that load the browser build into
 * Chromium as a user's page would. Nothing outside dist/ is served.
 */
import { readFile } from "node:fs/promises";
import type http from "node:http";
import path from "node:path";

/**
 * A request handler for `http.createServer` or `https.createServer`; `root` is the package's folder
 * (the one holding dist/), which a compiled benchmark and a test find at different depths.
 */
export function distPages(
  root: string,
  title: string,
): (request: http.IncomingMessage, response: http.ServerResponse) => void {
  return async (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname === "/") {
      response.writeHead(200, { "Content-Type": "text/html" }).end(`<!doctype html><title>${title}</title>`);
      return;
    }
    const file = path.join(root, path.normalize(url.pathname));
    if (!url.pathname.startsWith("/dist/") || !file.startsWith(path.join(root, "dist"))) {
      response.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { "Content-Type": "text/javascript" }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  };
}
