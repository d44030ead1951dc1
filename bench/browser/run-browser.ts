/**
 * The browser side of `npm run bench`: a Chromium page (Playwright, Debian's Chromium) sends and
 * receives through the library's ws client, then through a native `WebSocket`, alternating, against
 * one raw `ws` server that treats both alike. The page is bundled with Vite, `message-io` aliased
 * to the browser build's source.
 */
import { readFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright";
import { build } from "vite";
import { type WebSocket, WebSocketServer } from "ws";
import { chromiumLaunchOptions } from "../../test/support/chromium.js";
import { median } from "../stats.js";
import { burstFor, type Command, END, HIGH_WATER } from "./protocol.js";

const root = new URL("../../../../", import.meta.url);
const path = (relative: string) => fileURLToPath(new URL(relative, root));
const OUT = path("dist/bench-web/");

async function bundle(): Promise<void> {
  await build({
    configFile: false,
    logLevel: "warn",
    root: path("bench/browser"),
    resolve: { alias: [{ find: /^message-io$/, replacement: path("platform/browser/index.ts") }] },
    build: { outDir: OUT, emptyOutDir: true, target: "es2022" },
  });
}

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript" };

/** Serves the bundle, and on the same port the WebSocket server both clients talk to. */
function serve(): Promise<{ url: string; close(): void }> {
  const server = http.createServer(async (request, response) => {
    const name = request.url === "/" ? "index.html" : (request.url ?? "").replace(/^\/+/, "");
    if (name === "favicon.ico") return void response.writeHead(204).end(); // no icon, and no console error
    if (name.includes("..")) return void response.writeHead(404).end();
    try {
      const body = await readFile(OUT + name);
      response.writeHead(200, { "content-type": TYPES[extname(name)] ?? "application/octet-stream" }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on("connection", (ws) => {
    ws.once("message", (data: Buffer) => {
      const command = JSON.parse(data.toString()) as Command;
      if (command.direction === "send") countMessages(ws, command);
      else sendMessages(ws, command);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/`,
        close: () => {
          wss.close();
          server.closeAllConnections();
          server.close();
        },
      });
    });
  });
}

function countMessages(ws: WebSocket, { size }: Command): void {
  let bytes = 0;
  ws.on("message", (data: Buffer) => {
    if (data.length === size) bytes += size;
    else ws.send(Buffer.from(JSON.stringify({ bytes }))); // binary: a page's native WebSocket gets text as a string
  });
}

function sendMessages(ws: WebSocket, { size, durationMs }: Command): void {
  const payload = Buffer.alloc(size, 0x61);
  const burst = burstFor(size);
  const start = performance.now();
  const turn = () => {
    if (ws.readyState !== ws.OPEN) return;
    if (performance.now() - start >= durationMs) return ws.send(END);
    if (ws.bufferedAmount < HIGH_WATER) for (let i = 0; i < burst; i++) ws.send(payload);
    setImmediate(turn);
  };
  turn();
}

type PageImpl = "library" | "native";

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the browser run "${what}" did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Runs the browser rounds; returns the Markdown table. */
export async function runBrowserBench(rounds: number, quick: boolean): Promise<string> {
  await bundle();
  const server = await serve();
  const browser = await chromium.launch({
    ...chromiumLaunchOptions,
  });
  try {
    const page = await browser.newPage();
    page.on("pageerror", (error) => process.stderr.write(`page error: ${error.message}\n`));
    page.on("console", (message) => process.stderr.write(`page: ${message.text()}\n`));
    await page.goto(server.url);
    await page.waitForFunction(() => "bench" in globalThis);
    const wsUrl = server.url.replace(/^http/, "ws");
    const durationMs = quick ? 400 : 1000;
    const run = ([impl, url, command]: readonly [PageImpl, string, Command]) =>
      (globalThis as any).bench(impl, url, command) as Promise<number>;
    const measure = (impl: PageImpl, command: Command) =>
      withTimeout(
        page.evaluate(run, [impl, wsUrl, command] as const),
        command.durationMs + 30_000,
        `${impl} ${command.direction} ${command.size} B`,
      );
    const tests: Command[] = [];
    for (const size of [64, 64 * 1024]) {
      for (const direction of ["send", "receive"] as const) tests.push({ direction, size, durationMs });
    }
    const results = tests.map(() => ({ library: [] as number[], native: [] as number[] }));
    // One short unmeasured run of each, so the page's code is compiled before it is timed.
    for (const impl of ["library", "native"] as const) {
      for (const test of tests) await measure(impl, { ...test, durationMs: 200 });
    }
    for (let round = 0; round < rounds; round++) {
      const order: PageImpl[] = round % 2 === 0 ? ["library", "native"] : ["native", "library"];
      for (const [index, test] of tests.entries()) {
        for (const impl of order) results[index]?.[impl].push(await measure(impl, test));
      }
    }
    const rows = tests.map((test, index) => {
      const { library, native } = results[index] as { library: number[]; native: number[] };
      const ratio = median(library.map((value, i) => value / (native[i] as number)));
      const what = test.direction === "send" ? "page -> server" : "server -> page";
      const mb = (rate: number) => ((rate * test.size) / 1e6).toFixed(0);
      const cell = (values: number[]) => `${(median(values) / 1e3).toFixed(1)} k/s (${mb(median(values))} MB/s)`;
      return `| ${what} | ${test.size} B | ${cell(library)} | ${cell(native)} | ${ratio.toFixed(2)} |`;
    });
    const version = browser.version();
    return [
      `Chromium ${version} page, ${rounds} rounds of ${durationMs} ms, messages per second:\n`,
      "| direction | message | library ws client | native WebSocket | library/native |",
      "| --- | --- | --- | --- | --- |",
      ...rows,
    ].join("\n");
  } finally {
    await browser.close();
    server.close();
  }
}
