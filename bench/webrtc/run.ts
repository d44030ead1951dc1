/**
 * `npm run bench:webrtc`: the `webrtc` transport next to `ws`, Node to Node and Chromium to Node,
 * all on 127.0.0.1. A child process runs the listeners (an echo for round trips, a counter for
 * throughput); this process, or a Chromium page of the browser build, connects and measures:
 * - connect: from `connect` to `connected` (the data channel open, for webrtc);
 * - round trip: one 64 B message at a time, echoed (a lost one is resent after 200 ms, counted);
 * - throughput: 1 KiB messages for 2 s, sent while `send` accepts them (on buffer-full the sender
 *   waits for the backlog to drain), and how many of them the listener received (the loss).
 * Usage: `npm run bench:webrtc [-- --quick] [-- --no-browser]`.
 */
import { fork } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright";
import { type Endpoint, SendStatus, split, Transport } from "../../platform/node/index.js";
import { chromiumLaunchOptions, webRtcLoopbackArgs } from "../../test/support/chromium.js";
import { distPages } from "../../test/support/dist-pages.mjs";
import { median, percentile } from "../stats.js";

const PING = 1;
const DATA = 2;
const quick = process.argv.includes("--quick");
const DURATION_MS = quick ? 700 : 2000;
const ROUND_TRIPS = quick ? 300 : 2000;
const CONNECTS = quick ? 3 : 10;

type Variant = { name: string; transport: string; options: Record<string, unknown> };
const variants: Variant[] = [
  { name: "ws", transport: Transport.Ws, options: {} },
  { name: "webrtc (default: unordered, no retransmits)", transport: Transport.WebRtc, options: {} },
  { name: "webrtc ordered: true (reliable)", transport: Transport.WebRtc, options: { ordered: true } },
];

/** The child: echoes pings, counts data; reports its count over IPC on request. */
async function serve(): Promise<void> {
  let received = 0;
  const { handler, listener } = split();
  listener.forEach((event) => {
    if (event.type !== "message") return;
    if (event.data[0] === PING) handler.network.send(event.endpoint, event.data);
    else received++;
  });
  const ws = await handler.network.listen(Transport.Ws, "127.0.0.1:0");
  const webrtc = await handler.network.listen(Transport.WebRtc, "127.0.0.1:0");
  process.on("message", (request: string) => {
    if (request === "reset") received = 0;
    else process.send!({ received });
  });
  process.send!({ ws: ws.addr, webrtc: webrtc.addr });
}

interface Result {
  connectMs: number;
  rttMedianUs: number;
  rttP99Us: number;
  resent: number;
  sent: number;
  received: number;
  seconds: number;
}

/** Node's side of the measurements, for one variant. */
async function measureNode(variant: Variant, addr: string, askCount: () => Promise<number>): Promise<Result> {
  const { handler, listener } = split();
  const receiver = listener.enqueue();
  const url = `ws://${addr}/`;
  const connects: number[] = [];
  let endpoint: Endpoint | undefined;
  for (let i = 0; i < CONNECTS; i++) {
    const started = performance.now();
    const next = await handler.network.connectAsync(variant.transport, url, variant.options);
    connects.push(performance.now() - started);
    if (endpoint !== undefined) handler.network.remove(endpoint.id);
    endpoint = next;
  }
  const target = endpoint!;
  const ping = new Uint8Array(64);
  ping[0] = PING;
  const rtts: number[] = [];
  let resent = 0;
  for (let i = 0; i < ROUND_TRIPS + 200; i++) {
    const view = new DataView(ping.buffer);
    view.setUint32(1, i);
    const started = performance.now();
    for (;;) {
      handler.network.send(target, ping);
      const event = await receiver.receiveTimeout(200);
      if (event?.type === "message" && new DataView(event.data.buffer, event.data.byteOffset).getUint32(1) === i) break;
      if (event === undefined) resent++;
    }
    if (i >= 200) rtts.push((performance.now() - started) * 1000); // the first 200 warm up
  }
  await askCount();
  const data = new Uint8Array(1024);
  data[0] = DATA;
  let sent = 0;
  const started = performance.now();
  while (performance.now() - started < DURATION_MS) {
    for (let i = 0; i < 64; i++) {
      const status = handler.network.send(target, data);
      if (status === SendStatus.Sent) sent++;
      else break;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  while (handler.network.pendingBytes(target) > 0) await new Promise((resolve) => setTimeout(resolve, 1));
  const seconds = (performance.now() - started) / 1000;
  const received = await askCount();
  handler.stop();
  return {
    connectMs: median(connects),
    rttMedianUs: median(rtts),
    rttP99Us: percentile(rtts, 99),
    resent,
    sent,
    received,
    seconds,
  };
}

/** The same measurements from a Chromium page, over the browser build (served from dist/). */
const PAGE = `async (url, transport, options, connects, roundTrips, durationMs) => {
  const { split, SendStatus } = await import("/dist/platform/browser/index.js");
  const { handler, listener } = split();
  const receiver = listener.enqueue();
  const times = [];
  let endpoint;
  for (let i = 0; i < connects; i++) {
    const started = performance.now();
    const next = await handler.network.connectAsync(transport, url, options);
    times.push(performance.now() - started);
    if (endpoint) handler.network.remove(endpoint.id);
    endpoint = next;
  }
  const ping = new Uint8Array(64);
  ping[0] = 1;
  const rtts = [];
  let resent = 0;
  for (let i = 0; i < roundTrips + 200; i++) {
    new DataView(ping.buffer).setUint32(1, i);
    const started = performance.now();
    for (;;) {
      handler.network.send(endpoint, ping);
      const event = await receiver.receiveTimeout(200);
      if (event?.type === "message" && new DataView(event.data.buffer, event.data.byteOffset).getUint32(1) === i) break;
      if (event === undefined) resent++;
    }
    if (i >= 200) rtts.push((performance.now() - started) * 1000);
  }
  return { times, rtts, resent, endpointId: endpoint.id };
}`;

async function measureChromium(
  variants: Variant[],
  addrs: Record<string, string>,
  askCount: () => Promise<number>,
): Promise<Result[]> {
  const root = fileURLToPath(new URL("../../../../", import.meta.url));
  const pages = http.createServer(distPages(root, "bench"));
  await new Promise<void>((resolve) => pages.listen(0, "127.0.0.1", resolve));
  const browser = await chromium.launch({
    ...chromiumLaunchOptions,
    args: [...chromiumLaunchOptions.args, ...webRtcLoopbackArgs],
  });
  const results: Result[] = [];
  try {
    for (const variant of variants) {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(pages.address() as AddressInfo).port}/`);
      const addr = addrs[variant.transport]!;
      const latency = (await page.evaluate(
        `(${PAGE})(${JSON.stringify(`ws://${addr}/`)}, ${JSON.stringify(variant.transport)}, ${JSON.stringify(variant.options)}, ${CONNECTS}, ${ROUND_TRIPS}, ${DURATION_MS})`,
      )) as { times: number[]; rtts: number[]; resent: number };
      await askCount();
      // Throughput from the page: the same loop as Node's, on the node the latency run left open.
      const throughput = (await page.evaluate(`(async (durationMs) => {
        const { split, SendStatus } = await import("/dist/platform/browser/index.js");
        const { handler } = split();
        const endpoint = await handler.network.connectAsync(${JSON.stringify(variant.transport)}, ${JSON.stringify(`ws://${addr}/`)}, ${JSON.stringify(variant.options)});
        const data = new Uint8Array(1024);
        data[0] = 2;
        let sent = 0;
        const started = performance.now();
        const channel = new MessageChannel();
        const turn = () => new Promise((resolve) => { channel.port1.onmessage = resolve; channel.port2.postMessage(0); });
        while (performance.now() - started < durationMs) {
          for (let i = 0; i < 64; i++) {
            if (handler.network.send(endpoint, data) === SendStatus.Sent) sent++;
            else break;
          }
          await turn();
        }
        while (handler.network.pendingBytes(endpoint) > 0) await new Promise((resolve) => setTimeout(resolve, 1));
        const seconds = (performance.now() - started) / 1000;
        return { sent, seconds };
      })(${DURATION_MS})`)) as { sent: number; seconds: number };
      const received = await askCount();
      results.push({
        connectMs: median(latency.times),
        rttMedianUs: median(latency.rtts),
        rttP99Us: percentile(latency.rtts, 99),
        resent: latency.resent,
        sent: throughput.sent,
        received,
        seconds: throughput.seconds,
      });
      await page.close();
    }
  } finally {
    await browser.close();
    pages.close();
  }
  return results;
}

function row(name: string, r: Result): string {
  const rate = Math.round(r.received / r.seconds);
  const lost = r.sent === 0 ? 0 : ((r.sent - r.received) / r.sent) * 100;
  return `| ${name} | ${r.connectMs.toFixed(0)} ms | ${r.rttMedianUs.toFixed(0)} µs | ${r.rttP99Us.toFixed(0)} µs | ${r.resent} | ${rate.toLocaleString("en")} msg/s (${((rate * 1024) / 1e6).toFixed(1)} MB/s) | ${lost.toFixed(2)} % |`;
}

async function main(): Promise<void> {
  if (process.argv.includes("--serve")) return serve();
  const child = fork(fileURLToPath(import.meta.url), ["--serve"], { stdio: "inherit" });
  const addrs = await new Promise<Record<string, string>>((resolve) =>
    child.once("message", (message) => resolve(message as Record<string, string>)),
  );
  const ask = () =>
    new Promise<number>((resolve) => {
      child.once("message", (message) => resolve((message as { received: number }).received));
      child.send("count");
    });
  /**
   * What the listener received since the last call, once nothing more arrives for 1.5 s (at most
   * 20 s): a reliable channel's last messages may wait for a retransmission timeout (1 s or more).
   */
  const askCount = async () => {
    let last = await ask();
    for (let waited = 0; waited < 20_000; waited += 1500) {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const now = await ask();
      if (now === last) break;
      last = now;
    }
    child.send("reset");
    return last;
  };
  const header = [
    "| transport | connect (median) | round trip median | p99 | pings resent | 1 KiB messages received | lost |",
    "|---|---|---|---|---|---|---|",
  ];
  try {
    console.log(`\nNode to Node (127.0.0.1, ${new Date().toISOString()})\n`);
    console.log(header.join("\n"));
    for (const variant of variants) {
      console.log(row(variant.name, await measureNode(variant, addrs[variant.transport]!, askCount)));
    }
    if (!process.argv.includes("--no-browser")) {
      console.log("\nChromium to Node\n");
      console.log(header.join("\n"));
      const results = await measureChromium(variants, addrs, askCount);
      for (const [index, variant] of variants.entries()) console.log(row(variant.name, results[index]!));
    }
  } finally {
    child.kill();
  }
}

await main();
