/**
 * The second layer over `webrtc`, Node to Node (LAYERS.md section 7, last bullet): identity,
 * codecs, statistics, reconnect and groups work on it as on any other connection, and the hello
 * and the pings travel on the signalling socket, never on the unreliable data channel.
 */
import {
  type Adapter,
  type Connection,
  type ConnectionSink,
  type IdentityOptions,
  msgpack,
  type NodeEvent,
  SendStatus,
  split,
  Transport,
} from "message-io";
import { afterEach, describe, expect, it } from "vitest";
import { webRtcAdapter } from "../../platform/node/webrtc.js";
import {
  isAccepted,
  isConnected,
  isDisconnected,
  isMessage,
  patternBytes,
  Recorder,
  sameBytes,
} from "../support/recorder.js";

const live: Recorder<any>[] = [];
afterEach(async () => {
  await Promise.all(live.splice(0).map((node) => node.stop()));
});

type Msg = { t: "move"; x: number; y: number } | { t: "chat"; text: string };

/** A recorded node made with `options` (codec, identity, adapters), stopped after each test. */
function nodeWith(
  options: Record<string, unknown>,
  onEvent?: (node: Recorder<any>, event: NodeEvent<any, any>) => void,
) {
  const node: Recorder<any> = new Recorder<any>(split(options as never), (event) => onEvent?.(node, event));
  live.push(node);
  return node;
}

const echo = (node: Recorder<any>, event: NodeEvent<any, any>) => {
  if (event.type === "message") node.network.send(event.endpoint, event.message);
};

/**
 * The real webrtc adapter with a data channel that loses every message, both ways: what it is
 * given to `send` is reported sent and goes nowhere, and nothing it receives is reported. The
 * side channel (`sendControl`, `control`: the signalling socket) is untouched.
 */
function losingDataChannel(inner: Adapter): Adapter {
  const dropIncoming = (sink: ConnectionSink): ConnectionSink => ({
    ready: (peer) => sink.ready(peer),
    data: () => {},
    closed: (error) => sink.closed(error),
    ...(sink.control !== undefined && { control: (bytes: Uint8Array) => sink.control?.(bytes) }),
  });
  const dropOutgoing = (connection: Connection): Connection => ({
    get addr() {
      return connection.addr;
    },
    get maxMessageSize() {
      return connection.maxMessageSize;
    },
    send: () => SendStatus.Sent,
    pendingBytes: () => connection.pendingBytes(),
    close: () => connection.close(),
    ...(connection.sendControl !== undefined && {
      sendControl: (bytes: Uint8Array) => connection.sendControl?.(bytes),
    }),
  });
  return {
    transport: inner.transport,
    info: inner.info,
    connect: (request) => dropOutgoing(inner.connect!({ ...request, sink: dropIncoming(request.sink) })),
    listen: (request) =>
      inner.listen!({
        ...request,
        sink: {
          ...request.sink,
          accepted: (connection, peer) => {
            const sink = request.sink.accepted(dropOutgoing(connection), peer);
            return sink === undefined ? undefined : dropIncoming(sink);
          },
        },
      }),
  };
}

describe("identity over webrtc", () => {
  it("handshakes and pings on the signalling socket while the data channel loses every message", async () => {
    const adapters = [losingDataChannel(webRtcAdapter)];
    const identity = (id: string): IdentityOptions => ({
      id,
      hello: new TextEncoder().encode(`hi from ${id}`),
      ping: 50,
    });
    const server = nodeWith({ adapters, identity: identity("server") }, echo);
    const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0");
    const client = nodeWith({ adapters, identity: identity("client") });
    const endpoint = client.network.connect(Transport.WebRtc, `ws://${addr}/`);

    const connected = await client.waitFor(isConnected);
    if (!connected.ok) throw connected.error;
    expect(connected.peer?.id).toBe("server");
    expect(new TextDecoder().decode(connected.peer?.hello as Uint8Array)).toBe("hi from server");
    const accepted = await server.waitFor(isAccepted);
    expect(accepted.peer?.id).toBe("client");
    expect(server.handler.peers.ids()).toEqual(["client"]);

    // The user's messages are lost, as the channel loses them...
    expect(client.network.send(endpoint, new Uint8Array([1, 2, 3]))).toBe(SendStatus.Sent);
    // ...while the pings go on: an rtt on both sides, and no ETIMEDOUT over ten intervals (two without a pong end a peer).
    // Not a synchronisation: the time a lost ping would need to end the connection.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(client.network.stats(endpoint)?.rtt).toBeGreaterThan(0);
    expect(server.network.stats(accepted.endpoint)?.rtt).toBeGreaterThan(0);
    expect(client.events.filter(isDisconnected)).toEqual([]);
    expect(server.events.filter(isDisconnected)).toEqual([]);
    expect(server.events.filter(isMessage)).toEqual([]);
  });
});

/** A listener of `server` and a client node connected to it with `connectOptions`: the client's endpoint and the server's. */
async function pair(server: Recorder<any>, client: Recorder<any>, connectOptions: Record<string, unknown> = {}) {
  const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0");
  const before = server.ofType("accepted").length;
  const endpoint = await client.network.connectAsync(Transport.WebRtc, `ws://${addr}/`, connectOptions);
  const accepted = (await server.waitForCount(isAccepted, before + 1))[before]!;
  return { addr, endpoint, serverSide: accepted.endpoint };
}

describe("identity over webrtc under real loss", () => {
  it("keeps answering pings while the data channel drops a burst the listener has no room for", async () => {
    const server = split({ identity: { id: "server" } });
    const unread = server.listener.enqueue(); // nobody reads: past maxQueuedMessages arrivals are dropped
    try {
      const { addr } = await server.handler.network.listen(Transport.WebRtc, "127.0.0.1:0", { maxQueuedMessages: 20 });
      const client = nodeWith({ identity: { id: "client", ping: 40 } });
      const endpoint = await client.network.connectAsync(Transport.WebRtc, addr);
      // Bursts for 600 ms, fifteen ping intervals: whatever the channel takes, the listener drops most of it.
      const until = performance.now() + 600;
      while (performance.now() < until) {
        for (let i = 0; i < 100; i++) client.network.send(endpoint, new Uint8Array(1024));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const sent = client.network.stats(endpoint)?.messagesSent ?? 0;
      expect(client.network.stats(endpoint)?.rtt).toBeGreaterThan(0);
      expect(client.events.filter(isDisconnected)).toEqual([]);
      let delivered = 0;
      for (
        let event = await unread.receiveTimeout(5000);
        event !== undefined;
        event = await unread.receiveTimeout(300)
      ) {
        if (event.type === "message") delivered++;
        expect(event.type).not.toBe("disconnected");
      }
      expect(delivered).toBeGreaterThanOrEqual(20);
      expect(delivered).toBeLessThan(sent);
    } finally {
      server.handler.stop();
    }
  });
});

describe("identity over webrtc: the byte contract behind the handshake", () => {
  it("takes messages up to the 16 KiB limit and refuses one byte more, with the empty message", async () => {
    const server = nodeWith({ identity: { id: "server" } }, echo);
    const client = nodeWith({ identity: { id: "client" } });
    const { endpoint } = await pair(server, client, { ordered: true });
    expect(client.network.send(endpoint, new Uint8Array(16 * 1024 + 1))).toBe(SendStatus.MaxPacketSizeExceeded);
    expect(client.network.send(endpoint, patternBytes(16 * 1024, 3))).toBe(SendStatus.Sent);
    expect(client.network.send(endpoint, new Uint8Array(0))).toBe(SendStatus.Sent);
    const [big, empty] = await client.waitForCount(isMessage, 2);
    expect(sameBytes(big!.data, patternBytes(16 * 1024, 3))).toBe(true);
    expect(empty!.data.length).toBe(0);
  });
});

describe("identity's verdicts over webrtc: the reason arrives before the close", () => {
  it("REJECTED with the reason, and REPLACED on both sides", async () => {
    const server = nodeWith({
      identity: { id: "server", accept: (peer: { id: string }) => peer.id !== "banned" || "banned here" },
    });
    const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0");
    const banned = nodeWith({ identity: { id: "banned" } });
    banned.network.connect(Transport.WebRtc, addr);
    const refused = await banned.waitFor(isConnected);
    expect(refused.ok).toBe(false);
    expect(refused.error).toMatchObject({ code: "REJECTED", message: "banned here" });

    const first = nodeWith({ identity: { id: "player" } });
    await first.network.connectAsync(Transport.WebRtc, addr);
    const second = nodeWith({ identity: { id: "player" } });
    await second.network.connectAsync(Transport.WebRtc, addr);
    expect((await first.waitFor(isDisconnected)).error?.code).toBe("REPLACED");
    const [older] = await server.waitForCount(isDisconnected, 1);
    expect(older!.error?.code).toBe("REPLACED");
    expect(server.handler.peers.ids()).toEqual(["player"]);
  });
});

describe("codecs, statistics, reconnect and groups over webrtc", () => {
  it("carries msgpack messages with identity, and counts them in stats, rtt included", async () => {
    const codec = msgpack<Msg>();
    const server = nodeWith({ codec, identity: { id: "server", hello: { t: "chat", text: "welcome" } } }, echo);
    const client = nodeWith({ codec, identity: { id: "client", hello: { t: "chat", text: "hi" }, ping: 50 } });
    // The default channel (unordered, no retransmits): a message at a time, which loopback does not lose.
    const { endpoint, serverSide } = await pair(server, client);
    expect(client.ofType("connected")[0]).toMatchObject({
      peer: { id: "server", hello: { t: "chat", text: "welcome" } },
    });
    expect(server.ofType("accepted")[0]).toMatchObject({ peer: { id: "client", hello: { t: "chat", text: "hi" } } });

    const sent: Msg[] = [
      { t: "move", x: 1.5, y: -2 },
      { t: "chat", text: "héllo" },
    ];
    for (const [i, message] of sent.entries()) {
      expect(client.network.send(endpoint, message as never)).toBe(SendStatus.Sent);
      const echoed = (await client.waitForCount(isMessage, i + 1))[i]!;
      expect(echoed.message).toEqual(message);
      expect([...echoed.data]).toEqual([...codec.encode(message)]);
    }
    // The first pong comes within a ping interval or so: no event tells of it, so a bounded poll.
    for (let tries = 0; client.network.stats(endpoint)?.rtt === undefined && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const bytes = sent.reduce((n, message) => n + codec.encode(message).length, 0);
    expect(client.network.stats(endpoint)).toMatchObject({
      messagesSent: 2,
      messagesReceived: 2,
      bytesSent: bytes,
      bytesReceived: bytes,
    });
    expect(server.network.stats(serverSide)).toMatchObject({ messagesSent: 2, messagesReceived: 2 });
    expect(client.network.stats()).toMatchObject({ messagesSent: 2, messagesReceived: 2, connections: 1 });
    expect(client.network.stats(endpoint)?.rtt).toBeGreaterThan(0);
  });

  it("reconnects to a listener restarted on the same port after a refused attempt: reconnected as the same peer", async () => {
    let server = nodeWith({ identity: { id: "server" } }, echo);
    const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0");
    const client = nodeWith({ identity: { id: "client" } });
    const reconnect = { initialDelay: 50, maxDelay: 200 };
    const endpoint = client.network.connect(Transport.WebRtc, `ws://${addr}/`, { ordered: true, reconnect });
    expect(await client.waitFor(isConnected)).toMatchObject({ ok: true, peer: { id: "server" } });

    await server.stop();
    const dropped = await client.waitFor((e) => e.type === "reconnecting");
    expect(dropped).toMatchObject({ endpoint, attempt: 1 });
    expect(client.network.send(endpoint, new Uint8Array([7]))).toBe(SendStatus.Queued);
    // An attempt fails while nothing listens there (the signalling socket is refused).
    const failed = await client.waitFor((e) => e.type === "reconnecting" && e.attempt === 2);
    expect(failed).toMatchObject({ error: { code: "ECONNREFUSED" } });

    server = nodeWith({ identity: { id: "server" } }, echo);
    await server.network.listen(Transport.WebRtc, addr);
    const back = await client.waitFor((e) => e.type === "reconnected");
    expect(back).toMatchObject({ endpoint, peer: { id: "server" } });
    expect((await server.waitFor(isAccepted)).peer?.id).toBe("client");
    // What was held while down leaves once the link is up, and comes back.
    expect([...(await client.waitFor(isMessage)).data]).toEqual([7]);
    expect(client.events.filter(isDisconnected)).toEqual([]);
    expect(client.ofType("connected")).toHaveLength(1);
  });

  it("sends to a group of webrtc endpoints, except one, and forgets a member that leaves", async () => {
    const server = nodeWith({});
    const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0");
    const clients = [0, 1, 2].map(() => nodeWith({}));
    for (const client of clients)
      await client.network.connectAsync(Transport.WebRtc, `ws://${addr}/`, { ordered: true });
    const members = (await server.waitForCount(isAccepted, 3)).map((e) => e.endpoint);
    for (const member of members) expect(server.handler.groups.join("room", member)).toBe(true);

    expect(server.handler.groups.send("room", new TextEncoder().encode("to all"))).toBe(3);
    for (const client of clients)
      expect(new TextDecoder().decode((await client.waitFor(isMessage)).data)).toBe("to all");
    expect(server.handler.groups.send("room", new TextEncoder().encode("not 0"), { except: members[0] })).toBe(2);
    for (const client of clients.slice(1)) await client.waitForCount(isMessage, 2);

    await clients[2]!.stop();
    await server.waitFor(isDisconnected);
    expect(server.handler.groups.members("room")).toEqual(members.slice(0, 2));
    expect(clients[0]!.events.filter(isMessage)).toHaveLength(1);
  });
});
