/**
 * Dead peers and faults. A peer that vanishes without closing (a stopped process, a cut link) is
 * reported `disconnected` within the configured time; a client killed mid-stream ends only its
 * connection; a server restart gives clients `disconnected`, and they can connect again.
 *
 * Which mechanism sees what:
 * - A stopped process (SIGSTOP): its kernel still answers TCP, keep-alive included, so only the
 *   application can tell: the ws `heartbeat` (pings it must answer) or `idleTimeout` (it must send).
 * - A cut link: TCP keep-alive sees it when the connection is idle (`keepAlive` ms, then libuv's
 *   10 probes 1 s apart), but not while our own data waits to be acknowledged (then the kernel
 *   retransmits for up to ~15 minutes): `idleTimeout` sees it in its time either way.
 */
import { type NetEvent, Transport } from "message-io";
import { afterEach, describe, expect, it } from "vitest";
import { isAccepted, isDisconnected, type Recorder, recordedNode } from "../support/recorder.js";
import { ChildPeer, killAllPeers, type PeerLine } from "./child-peer.js";
import { LinkPair } from "./netns.js";
import { type Disconnected, dialAddress, echoNode, GoodClient, guardEveryTest } from "./support.js";

const LOCAL = "127.0.0.1:0";

guardEveryTest(killAllPeers);

/** The server's side of the `n`th connection it accepted (1-based). */
async function accepted(server: Recorder, n: number) {
  return ((await server.waitForCount(isAccepted, n))[n - 1] as Extract<NetEvent, { type: "accepted" }>).endpoint;
}

function goneEvent(server: Recorder, key: string, ms?: number): Promise<Disconnected> {
  return server.waitFor((e): e is Disconnected => isDisconnected(e) && e.endpoint.key === key, ms);
}

const isMessageLine = (line: PeerLine) => line.event === "message";

describe("a stopped process (SIGSTOP)", () => {
  it("ws heartbeat: is disconnected with ETIMEDOUT within two intervals", async () => {
    const heartbeat = 200;
    const server = echoNode();
    const { addr } = await server.network.listen(Transport.Ws, LOCAL, { heartbeat });
    const good = await GoodClient.connect(server, Transport.Ws, addr);
    const peer = ChildPeer.start("client", { transport: Transport.Ws, remote: `ws://${addr}/` });
    const peerSide = await accepted(server, 2);
    const gone = goneEvent(server, peerSide.key);
    peer.signal("SIGSTOP");
    const stopped = performance.now();
    const event = await gone;
    const waited = performance.now() - stopped;
    expect(event.error?.code).toBe("ETIMEDOUT");
    expect(waited).toBeLessThan(2 * heartbeat + 1_000);
    await good.assertServed(server); // answered every ping: still here
  });

  it.each([Transport.Tcp, Transport.FramedTcp, Transport.Ws])(
    "%s idleTimeout: a peer that talked until it stopped is disconnected with ETIMEDOUT",
    async (transport) => {
      const idleTimeout = 400;
      const server = echoNode();
      const { addr } = await server.network.listen(transport, LOCAL, { idleTimeout });
      const peer = ChildPeer.start("client", { transport, remote: dialAddress(transport, addr), tickMs: 40 });
      const peerSide = await accepted(server, 1);
      // Alive while it talks: 20 ticks take twice idleTimeout, and the connection stays.
      await peer.waitFor(isMessageLine, 10_000, 20);
      expect(server.ofType("disconnected")).toEqual([]);
      const gone = goneEvent(server, peerSide.key);
      peer.signal("SIGSTOP");
      const stopped = performance.now();
      const event = await gone;
      expect(event.error?.code).toBe("ETIMEDOUT");
      expect(performance.now() - stopped).toBeLessThan(idleTimeout + 1_500);
    },
  );
});

describe("a killed or restarted process", () => {
  it.each([Transport.Tcp, Transport.FramedTcp, Transport.Ws])(
    "%s: a client killed mid-stream (SIGKILL) ends its connection only; the server keeps serving",
    async (transport) => {
      const server = echoNode();
      const { addr } = await server.network.listen(transport, LOCAL);
      const good = await GoodClient.connect(server, transport, addr);
      const peer = ChildPeer.start("client", { transport, remote: dialAddress(transport, addr), tickMs: 1 });
      const peerSide = await accepted(server, 2);
      await peer.waitFor(isMessageLine, 10_000, 50); // mid-stream: echoes flowing both ways
      const gone = goneEvent(server, peerSide.key);
      await peer.kill();
      const event = await gone;
      expect([undefined, "ECONNRESET", "CONNECTION_LOST"]).toContain(event.error?.code);
      await good.assertServed(server);
      const next = await GoodClient.connect(server, transport, addr);
      await next.assertServed(server);
    },
  );

  it("a server restart: clients get disconnected, then connect again to the new process", async () => {
    const transports = [Transport.Tcp, Transport.FramedTcp, Transport.Ws] as const;
    const listen = transports.map((transport) => [transport, LOCAL]);
    const first = ChildPeer.start("server", { listen });
    const addrs = await first.listening(transports.length);
    const reconnectable = new Set<string>();
    const client = recordedNode((event) => {
      if (event.type === "disconnected") reconnectable.add(event.endpoint.key);
    });
    const dial = (transport: (typeof transports)[number]) => dialAddress(transport, addrs.get(transport) as string);
    const endpoints = await Promise.all(transports.map((t) => client.network.connectAsync(t, dial(t))));
    for (const endpoint of endpoints) client.network.send(endpoint, "before");
    await first.waitFor(isMessageLine, 10_000, transports.length);

    await first.kill();
    const gone = await client.waitForCount(isDisconnected, transports.length);
    expect(new Set(gone.map((e) => e.endpoint))).toEqual(new Set(endpoints));

    // The new process binds the same ports (the old one's connections linger in TIME_WAIT).
    const second = ChildPeer.start("server", { listen: transports.map((t) => [t, addrs.get(t)]) });
    await second.listening(transports.length);
    const again = await Promise.all(transports.map((t) => client.network.connectAsync(t, dial(t))));
    for (const endpoint of again) client.network.send(endpoint, "after");
    await second.waitFor(isMessageLine, 10_000, transports.length);
    const echoed = await client.waitForCount((e) => e.type === "message" && again.includes(e.endpoint), 3);
    expect(echoed).toHaveLength(3);
    expect(reconnectable.size).toBe(transports.length);
  });
});

describe("a cut link (network namespaces)", () => {
  let link: LinkPair | undefined;
  afterEach(async () => {
    await killAllPeers();
    await link?.remove();
    link = undefined;
  });

  it("TCP keep-alive: an idle connection whose peer is cut off is disconnected with ETIMEDOUT", async () => {
    link = await LinkPair.create(`mio-ka-${process.pid}`, 1);
    const keepAlive = 1_000;
    const server = ChildPeer.start(
      "server",
      { listen: [[Transport.Tcp, `${link.addressA}:0`, { keepAlive }]] },
      link.a,
    );
    const addr = (await server.listening(1)).get(Transport.Tcp) as string;
    const client = ChildPeer.start("client", { transport: Transport.Tcp, remote: addr }, link.b);
    await client.waitFor((line) => line.event === "connected" && line.ok === true);
    const accepted = await server.waitFor((line) => line.event === "accepted");
    await link.cut();
    const cut = performance.now();
    const gone = await server.waitFor((line) => line.event === "disconnected" && line.key === accepted.key, 25_000);
    const waited = performance.now() - cut;
    expect(gone.code).toBe("ETIMEDOUT");
    // keepAlive, then 10 unanswered probes 1 s apart (libuv's settings on Linux).
    expect(waited).toBeGreaterThan(keepAlive);
    expect(waited).toBeLessThan(keepAlive + 15_000);
  }, 40_000);

  it("idleTimeout: a cut-off peer is disconnected in its time even while the server streams to it", async () => {
    link = await LinkPair.create(`mio-idle-${process.pid}`, 2);
    const idleTimeout = 1_000;
    const options = { idleTimeout, keepAlive: 1_000 }; // keep-alive cannot help: our data is unacknowledged
    const server = ChildPeer.start(
      "server",
      { listen: [[Transport.FramedTcp, `${link.addressA}:0`, options]], pushMs: 20 },
      link.a,
    );
    const addr = (await server.listening(1)).get(Transport.FramedTcp) as string;
    const client = ChildPeer.start("client", { transport: Transport.FramedTcp, remote: addr, tickMs: 100 }, link.b);
    await client.waitFor(isMessageLine, 10_000, 20); // pushes arriving
    const accepted = await server.waitFor((line) => line.event === "accepted");
    await link.cut();
    const cut = performance.now();
    const gone = await server.waitFor((line) => line.event === "disconnected" && line.key === accepted.key, 20_000);
    expect(gone.code).toBe("ETIMEDOUT");
    expect(gone.message).toMatch(/idleTimeout/);
    expect(performance.now() - cut).toBeLessThan(idleTimeout + 3_000);
  }, 40_000);
});
