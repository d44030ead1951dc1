/**
 * `webrtc` Chromium to Node: Debian's Chromium loads the package's browser build (dist/, made by
 * the global setup) and connects over its native `RTCPeerConnection` to a listener of the Node
 * build on 127.0.0.1. Chromium runs with `webRtcLoopbackArgs` (mDNS hiding off, loopback allowed),
 * and once without them.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { ErrorCode, SendStatus, Transport } from "message-io";
import { type Browser, chromium, type Page } from "playwright";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { echoNode, guardEveryTest } from "../reliability/support.js";
import { chromiumLaunchOptions, webRtcLoopbackArgs } from "../support/chromium.js";
import { distPages } from "../support/dist-pages.mjs";
import { isAccepted, isDisconnected, type Recorder, recordedNode } from "../support/recorder.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

let browser: Browser;
let pages: http.Server;
let origin: string;

beforeAll(async () => {
  pages = http.createServer(distPages(root, "webrtc"));
  await new Promise<void>((resolve) => pages.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    ...chromiumLaunchOptions,
    args: [...chromiumLaunchOptions.args, ...webRtcLoopbackArgs],
  });
});

afterAll(async () => {
  await browser?.close();
  pages?.closeAllConnections();
  await new Promise((resolve) => pages?.close(resolve));
});

guardEveryTest();

/**
 * The page's side, as text (Vitest rewrites `import()` in the test's own functions): a node of the
 * browser build, driven by the test through `globalThis.rtc`.
 */
const HARNESS = `(async () => {
  const { split, SendStatus } = await import("/dist/platform/browser/index.js");
  const { handler, listener } = split();
  const receiver = listener.enqueue();
  const next = async (ms = 10000) => (await receiver.receiveTimeout(ms)) ?? { type: "timeout" };
  const pattern = (length, seed) => {
    const out = new Uint8Array(length);
    let x = seed >>> 0 || 1;
    for (let i = 0; i < length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; out[i] = x & 0xff; }
    return out;
  };
  const same = (a, b) => a.length === b.length && a.every((byte, i) => byte === b[i]);
  const endpoints = [];
  globalThis.rtc = {
    async connect(url, options) {
      const endpoint = handler.network.connect("webrtc", url, options);
      const event = await next();
      if (event.type !== "connected") return { ok: false, code: "NO_EVENT " + event.type };
      endpoints.push(endpoint);
      return event.ok ? { ok: true, addr: endpoint.addr, index: endpoints.length - 1 } : { ok: false, code: event.error.code };
    },
    /** Sends each size and waits for its echo: what came back, whole or not. */
    async echo(index, sizes) {
      const results = [];
      for (const [i, size] of sizes.entries()) {
        const status = handler.network.send(endpoints[index], pattern(size, i + 1));
        if (status !== SendStatus.Sent) { results.push(status); continue; }
        const event = await next();
        results.push(event.type === "message" && same(event.data, pattern(size, i + 1)) ? size : event.type);
      }
      return results;
    },
    send(index, size) {
      return handler.network.send(endpoints[index], new Uint8Array(size));
    },
    /** Numbered messages, waiting for the backlog to drain on buffer-full. */
    async burst(index, count, size) {
      let bufferFull = 0;
      for (let seq = 0; seq < count; ) {
        const message = new Uint8Array(size);
        new DataView(message.buffer).setUint32(0, seq);
        const status = handler.network.send(endpoints[index], message);
        if (status === SendStatus.Sent) seq++;
        else if (status === SendStatus.BufferFull) {
          bufferFull++;
          while (handler.network.pendingBytes(endpoints[index]) > 0) await new Promise((r) => setTimeout(r, 2));
        } else return { error: status };
      }
      return { bufferFull };
    },
    remove(index) { handler.network.remove(endpoints[index].id); },
    async nextEvent() {
      const event = await next(20000);
      return { type: event.type, code: event.error?.code ?? null };
    },
    stop() { handler.stop(); },
  };
})()`;

async function newPage(on: Browser = browser): Promise<Page> {
  const page = await on.newPage();
  page.on("pageerror", (error) => process.stderr.write(`page error: ${error.message}\n`));
  await page.goto(`${origin}/`);
  await page.evaluate(HARNESS);
  return page;
}

type Connected = { ok: boolean; addr?: string; index?: number; code?: string };
const connect = (page: Page, url: string, options: object = {}) =>
  page.evaluate(([u, o]) => (globalThis as any).rtc.connect(u, o), [url, options] as const) as Promise<Connected>;

/** A listener on `server`, and a new page connected to it. */
async function connectedPage(server: Recorder, options: object = {}) {
  const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0", options);
  const page = await newPage();
  expect((await connect(page, addr)).ok).toBe(true);
  return { addr, page };
}

describe("webrtc, Chromium to Node", () => {
  it("connects over the native RTCPeerConnection and exchanges whole messages of 0 to 16 KiB", async () => {
    const server = echoNode();
    const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0");
    const page = await newPage();
    const started = performance.now();
    const connected = await connect(page, `ws://${addr}/`);
    console.log(`Chromium to Node: data channel open in ${Math.round(performance.now() - started)} ms`);
    expect(connected).toEqual({ ok: true, addr, index: 0 });
    const accepted = await server.waitFor(isAccepted);
    expect(accepted.endpoint.addr).toMatch(/^127\.0\.0\.1:\d+$/);
    const sizes = [0, 1, 1000, 16 * 1024];
    expect(await page.evaluate((s) => (globalThis as any).rtc.echo(0, s), sizes)).toEqual(sizes);
    expect(await page.evaluate(() => (globalThis as any).rtc.send(0, 16 * 1024 + 1))).toBe(
      SendStatus.MaxPacketSizeExceeded,
    );
    await page.close();
    // Closing the page closes its signalling socket: the listener's side ends.
    await server.waitFor(isDisconnected);
  });

  it("fails a connect to a closed port (a browser tells no reason: CONNECTION_LOST), and past timeout with ETIMEDOUT", async () => {
    const server = recordedNode();
    const { addr, id } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0");
    server.network.remove(id);
    const page = await newPage();
    expect(await connect(page, `ws://${addr}/`)).toEqual({ ok: false, code: "CONNECTION_LOST" });
    // A signalling server that accepts the socket and never answers the offer.
    const silent = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((resolve) => silent.once("listening", resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    try {
      expect(await connect(page, `ws://127.0.0.1:${silentPort}/`, { timeout: 500 })).toEqual({
        ok: false,
        code: ErrorCode.Timeout,
      });
    } finally {
      for (const client of silent.clients) client.terminate();
      silent.close();
    }
    await page.close();
  });

  it("ends both sides cleanly when either removes the connection, and when the page's node stops", async () => {
    const server = echoNode();
    const { addr, page } = await connectedPage(server);
    await page.evaluate(() => (globalThis as any).rtc.remove(0));
    expect((await server.waitFor(isDisconnected)).error).toBeUndefined();

    expect((await connect(page, addr)).ok).toBe(true);
    const second = (await server.waitForCount(isAccepted, 2))[1]!;
    server.network.remove(second.endpoint.id);
    expect(await page.evaluate(() => (globalThis as any).rtc.nextEvent())).toEqual({
      type: "disconnected",
      code: null,
    });

    expect((await connect(page, addr)).ok).toBe(true);
    await server.waitForCount(isAccepted, 3);
    await page.evaluate(() => (globalThis as any).rtc.stop());
    // The removed one has no event of its own: the first and the third end.
    const ended = await server.waitForCount(isDisconnected, 2);
    const third = server.ofType("accepted")[2]!;
    expect(ended[1]!.endpoint.id).toBe(third.endpoint.id);
    expect(ended[1]!.error).toBeUndefined();
    await page.close();
  });

  it("maxConnections: a connect past it fails before the handshake", async () => {
    const server = echoNode();
    const { addr, page } = await connectedPage(server, { maxConnections: 1 });
    expect(await connect(page, addr)).toEqual({ ok: false, code: "CONNECTION_LOST" });
    expect(server.ofType("accepted")).toHaveLength(1);
    await page.close();
  });

  it("a burst from Chromium, unordered without retransmits: whole messages, no duplicates; loss and reordering measured", async () => {
    const server = recordedNode();
    const { page } = await connectedPage(server);
    const count = 5000;
    const { bufferFull } = await page.evaluate(([n]) => (globalThis as any).rtc.burst(0, n, 1024), [count] as const);
    let last = -1;
    await expect
      .poll(
        () => {
          const now = server.ofType("message").length;
          const settled = now === count || now === last;
          last = now;
          return settled;
        },
        { interval: 500, timeout: 30_000 },
      )
      .toBe(true);
    const seen = new Set<number>();
    let reordered = 0;
    let highest = -1;
    for (const { data } of server.ofType("message")) {
      expect(data.length).toBe(1024);
      const seq = new DataView(data.buffer, data.byteOffset).getUint32(0);
      expect(seen.has(seq)).toBe(false);
      if (seq < highest) reordered++;
      highest = Math.max(highest, seq);
      seen.add(seq);
    }
    console.log(`webrtc burst Chromium -> Node, ${count} x 1 KiB:`, {
      received: seen.size,
      lost: count - seen.size,
      reordered,
      bufferFull,
    });
    expect(seen.size).toBeGreaterThan(0);
    await page.close();
  });

  it("connects without the loopback flags too, as a user's browser does: through the listener's host candidate alone", async () => {
    const server = echoNode();
    const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0");
    // Chromium's defaults: its own candidates are mDNS names, which the listener ignores.
    const plain = await chromium.launch(chromiumLaunchOptions);
    try {
      const page = await newPage(plain);
      expect((await connect(page, `ws://${addr}/`)).ok).toBe(true);
      expect(await page.evaluate(() => (globalThis as any).rtc.echo(0, [1000]))).toEqual([1000]);
    } finally {
      await plain.close();
    }
  });
});
