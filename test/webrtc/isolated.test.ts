/**
 * No packet leaves 127.0.0.1, counted by the kernel: the listener, a Node connector (both child
 * processes of the built package) and Chromium run inside a network
 * namespace whose only way out is a veth link with a default route through it, so that anything
 * sent to a third party (a STUN server, a DNS server, an mDNS group) would leave on that link. The
 * link's transmit counter must not move while they connect and exchange messages; a datagram sent
 * to a documentation address from the same namespace proves that it would. IPv6 is off in the
 * namespace (its neighbour discovery would move the counter by itself). Needs root and iproute2,
 * as the other namespace tests. The Node peers are the package as users run it; Chromium's own
 * traffic that is not WebRTC's is kept off the link (see its launch below).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Transport } from "message-io";
import { chromium } from "playwright";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ChildPeer, killAllPeers } from "../reliability/child-peer.js";
import { LinkPair } from "../reliability/netns.js";
import { chromiumLaunchOptions, webRtcLoopbackArgs } from "../support/chromium.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));

let link: LinkPair;
let scratch: string;
let pages: ChildProcess | undefined;
const pageServerScript = "test/fixtures/dist-server.mjs";

beforeAll(async () => {
  link = await LinkPair.create(`mio-rtc-${process.pid}`, 77);
  // IPv6 off in the namespace (through /proc: no sysctl command needed).
  for (const scope of ["all", "default"]) {
    await run("ip", ["netns", "exec", link.a, "sh", "-c", `echo 1 > /proc/sys/net/ipv6/conf/${scope}/disable_ipv6`]);
  }
  await run("ip", ["-n", link.a, "route", "add", "default", "via", link.addressB]);
  scratch = await mkdtemp(path.join(tmpdir(), "mio-rtc-"));
});

afterAll(async () => {
  pages?.kill();
  await killAllPeers();
  await link?.remove();
  if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
});

/** Packets sent out of the namespace so far. */
async function packetsOut(): Promise<number> {
  const { stdout } = await run("ip", ["-n", link.a, "-s", "-j", "link", "show", "veth-a"]);
  const [info] = JSON.parse(stdout) as { stats64: { tx: { packets: number } } }[];
  return info!.stats64.tx.packets;
}

it("a Node listener, a Node connector and Chromium connect and talk: not one packet leaves the namespace", async () => {
  const before = await packetsOut();

  const server = ChildPeer.start("server", { listen: [[Transport.WebRtc, "127.0.0.1:0"]] }, link.a);
  const addr = (await server.listening(1)).get(Transport.WebRtc)!;
  const client = ChildPeer.start("client", { transport: Transport.WebRtc, remote: addr, tickMs: 20 }, link.a);
  await client.waitFor((line) => line.event === "connected" && line.ok === true);
  await client.waitFor((line) => line.event === "message", 20_000, 10);

  // Chromium in the namespace, its page and modules served from inside it.
  const pageServer = spawn("ip", ["netns", "exec", link.a, process.execPath, path.join(root, pageServerScript)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  pages = pageServer;
  pageServer.stdout.setEncoding("utf8");
  const pagesPort = new Promise<number>((resolve) =>
    pageServer.stdout.once("data", (line: string) => resolve(Number(line.split(" ")[1]))),
  );
  const wrapper = path.join(scratch, "chromium-in-namespace.sh");
  await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${link.a} ${chromiumLaunchOptions.executablePath} "$@"\n`);
  await chmod(wrapper, 0o755);
  const browser = await chromium.launch({
    ...chromiumLaunchOptions,
    executablePath: wrapper,
    // With its default flags Chromium announces an mDNS name for its own address on the local network
    // (a multicast to 224.0.0.251 and an IGMP join: the browser's doing, whatever the page or the
    // listener do); `webRtcLoopbackArgs` turn that off. It also looks up Google's hosts by itself
    // (accounts, clients2, update.googleapis.com), whatever the page does: no name resolves here.
    // Both were seen on this link while writing the test: so the counter measures what WebRTC sends.
    args: [
      ...chromiumLaunchOptions.args,
      ...webRtcLoopbackArgs,
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${await pagesPort}/`);
    const echoed = await page.evaluate(`(async () => {
      const { split } = await import("/dist/platform/browser/index.js");
      const { handler, listener } = split();
      const events = listener.enqueue();
      const endpoint = handler.network.connect("webrtc", ${JSON.stringify(`ws://${addr}/`)});
      const connected = await events.receiveTimeout(15000);
      if (!connected?.ok) return "not connected: " + (connected?.error?.code ?? "no event");
      handler.network.send(endpoint, "from Chromium");
      const message = await events.receiveTimeout(5000);
      handler.stop();
      return message?.type === "message" ? new TextDecoder().decode(message.data) : "no echo";
    })()`);
    expect(echoed).toBe("from Chromium");
  } finally {
    await browser.close();
    pageServer.kill();
  }
  await server.kill();
  await client.kill();
  expect(await packetsOut()).toBe(before);

  // The counter is not blind: a datagram to a documentation address leaves by the default route.
  await run("ip", [
    "netns",
    "exec",
    link.a,
    process.execPath,
    "-e",
    'const s = require("node:dgram").createSocket("udp4"); s.send("x", 9, "192.0.2.1", () => setTimeout(() => s.close(), 200));',
  ]);
  await expect.poll(packetsOut, { timeout: 5000 }).toBeGreaterThan(before);
});
