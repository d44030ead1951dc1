/** Serves the built page: files under one folder, with their content types, and nothing outside it. */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/**
 * The file a request path names under `root`, or `undefined` when it is malformed or escapes the
 * root (`..`, encoded or not, a NUL byte, a backslash). `/` and folder paths mean their `index.html`.
 */
export function resolveStaticPath(root: string, urlPath: string): string | undefined {
  let pathname: string;
  try {
    pathname = decodeURIComponent(urlPath.split("?")[0] ?? "/");
  } catch {
    return undefined;
  }
  if (!pathname.startsWith("/") || pathname.includes("\0") || pathname.includes("\\")) return undefined;
  if (pathname.split("/").some((segment) => segment === "..")) return undefined;
  if (pathname.endsWith("/")) pathname += "index.html";
  const base = path.resolve(root);
  const file = path.resolve(base, `.${pathname}`);
  return file.startsWith(base + path.sep) ? file : undefined;
}

export function contentType(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
}

/** Answers one request from the files under `root`. */
export async function serveStatic(root: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return reply(response, 405, "method not allowed\n", { Allow: "GET, HEAD" });
  }
  const file = resolveStaticPath(root, request.url ?? "/");
  if (file === undefined) return reply(response, 404, "not found\n");
  let size: number;
  try {
    const info = await stat(file);
    if (!info.isFile()) return reply(response, 404, "not found\n");
    size = info.size;
  } catch {
    const missingPage = file === path.join(path.resolve(root), "index.html");
    return missingPage
      ? reply(response, 503, "the page is not built: run `npm run build:web` (or `npm start`)\n")
      : reply(response, 404, "not found\n");
  }
  response.writeHead(200, {
    "Content-Type": contentType(file),
    "Content-Length": size,
    "X-Content-Type-Options": "nosniff",
    // Vite fingerprints the assets it builds; the page itself must always be fresh.
    "Cache-Control": file.includes(`${path.sep}assets${path.sep}`) ? "public, max-age=31536000, immutable" : "no-cache",
  });
  if (request.method === "HEAD") return void response.end();
  const stream = createReadStream(file);
  stream.on("error", () => response.destroy());
  stream.pipe(response);
}

function reply(response: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", ...headers });
  response.end(text);
}
