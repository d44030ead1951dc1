/**
 * Serves a blank page at `/` and the package's built modules under `/dist/` (made by the global
 * setup, or by `npm run build`), for the tests and benchmarks that load the browser build into
 * Chromium as a user's page would, without a bundler: the browser build's one dependency, msgpackr
 * (for `msgpack()`), is found through an import map at its browser entry. Nothing else is served.
 * Plain JavaScript, so that a fixture running outside the TypeScript toolchain can use it too.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";

const IMPORT_MAP = `<script type="importmap">{ "imports": { "msgpackr": "/node_modules/msgpackr/index.js" } }</script>`;
const SERVED = ["dist", "node_modules/msgpackr"];

/**
 * A request handler for `http.createServer` or `https.createServer`; `root` is the package's folder
 * (the one holding dist/), which a compiled benchmark and a test find at different depths.
 */
export function distPages(root, title) {
  return async (request, response) => {
    const url = new URL(request.url ?? "/", "http://localhost");
    if (url.pathname === "/") {
      response
        .writeHead(200, { "Content-Type": "text/html" })
        .end(`<!doctype html><title>${title}</title>${IMPORT_MAP}`);
      return;
    }
    const file = path.join(root, path.normalize(url.pathname));
    if (!SERVED.some((folder) => file.startsWith(path.join(root, folder, path.sep)))) {
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
