/**
 * Identity and the hello (LAYERS.md section 2) over real sockets, on every packet-based,
 * connection-oriented transport of the Node build: the handshake's outcomes on both sides,
 * REPLACED, `handler.peers`, pings, and the transports identity leaves alone.
 */
import { type NetEvent, type NodeEvent, SendStatus, Transport } from "message-io";
import { afterEach, describe, expect, it } from "vitest";
import { framedTcpAdapter } from "../../platform/node/framed-tcp.js";
import { wsAdapter } from "../../platform/node/ws.js";
import { decoratedNode, identityNode, nodeWith, stopIdentityNodes } from "../support/identity.js";
import { isAccepted, isConnected, isDisconnected, isMessage, type Recorder, sameBytes } from "../support/recorder.js";

const LOCAL = "127.0.0.1:0";
const transports = [Transport.FramedTcp, Transport.Ws] as const;
const adapters = { [Transport.FramedTcp]: framedTcpAdapter, [Transport.Ws]: wsAdapter };
const utf8 = new TextEncoder();
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

type Connected = Extract<NetEvent, { type: "connected" }>;

afterEach(stopIdentityNodes);

const dial = (transport: string, addr: string) => (transport === Transport.Ws ? `ws://${addr}/` : addr);

async function connected(node: Recorder): Promise<Connected> {
  return node.waitFor(isConnected);
}

/** Connects `client` to `server`'s new listener; resolves with the listener's address. */
async function listenAndConnect(server: Recorder, client: Recorder, transport: string) {
  const { addr, id } = await server.network.listen(transport, LOCAL);
  const endpoint = client.network.connect(transport, dial(transport, addr));
  return { addr, listenerId: id, endpoint };
}

/**
 * A good client connects after the one under test: once it is accepted, anything the server would
 * have said about the earlier connection has been said (a listener accepts in order, and the
 * earlier one's handshake had ended).
 */
async function expectOnlyGoodClientAccepted(server: Recorder, transport: string, addr: string): Promise<void> {
  const good = identityNode({ id: "good" });
  await good.network.connectAsync(transport, dial(transport, addr));
  const accepted = await server.waitFor(isAccepted);
  expect(accepted.peer?.id).toBe("good");
  expect(server.events.filter((e) => e.type !== "accepted" || e.peer?.id !== "good")).toEqual([]);
}

describe.each(transports)("%s with identity", (transport) => {
  it("hands each side the other's id and hello, then carries messages untouched both ways", async () => {
    const server = identityNode({ id: "server-1", hello: utf8.encode("v3") });
    const client = identityNode({ id: "client-1", hello: utf8.encode("v3") });
    const { endpoint } = await listenAndConnect(server, client, transport);
    expect(client.network.send(endpoint, "early")).toBe(SendStatus.ResourceNotAvailable);
    const outcome = await connected(client);
    expect(outcome.ok && outcome.peer?.id).toBe("server-1");
    expect(outcome.ok && text(outcome.peer?.hello)).toBe("v3");
    const accepted = await server.waitFor(isAccepted);
    expect(accepted.peer?.id).toBe("client-1");
    expect(text(accepted.peer?.hello)).toBe("v3");

    const big = new Uint8Array(100_000).fill(7);
    expect(client.network.send(endpoint, big)).toBe(SendStatus.Sent);
    expect(client.network.send(endpoint, new Uint8Array(0))).toBe(SendStatus.Sent);
    const [first, second] = await server.waitForCount(isMessage, 2);
    expect(sameBytes(first?.data as Uint8Array, big)).toBe(true);
    expect(second?.data.length).toBe(0);
    expect(server.handler.peers.send("client-1", "by id")).toBe(SendStatus.Sent);
    expect(text((await client.waitFor(isMessage)).data)).toBe("by id");
    expect(client.handler.peers.endpoint("server-1")).toBe(endpoint);
  });

  it("a message of exactly maxMessageSize goes (the tag byte is not the user's)", async () => {
    const server = identityNode({ id: "server" });
    const client = identityNode({ id: "client" });
    const { addr } = await server.network.listen(transport, LOCAL, { maxMessageSize: 1000 });
    const endpoint = await client.network.connectAsync(transport, dial(transport, addr), { maxMessageSize: 1000 });
    expect(client.network.send(endpoint, new Uint8Array(1000))).toBe(SendStatus.Sent);
    expect(client.network.send(endpoint, new Uint8Array(1001))).toBe(SendStatus.MaxPacketSizeExceeded);
    expect((await server.waitFor(isMessage)).data.length).toBe(1000);
  });

  it("a peer that sends more than maxMessageSize is ended with MESSAGE_TOO_LARGE", async () => {
    // The byte adapter takes messages up to the handshake's 64 KiB: the user's smaller limit holds anyway.
    const server = identityNode({ id: "server" });
    const client = identityNode({ id: "client" });
    const { addr } = await server.network.listen(transport, LOCAL, { maxMessageSize: 1000 });
    const endpoint = await client.network.connectAsync(transport, dial(transport, addr));
    expect(client.network.send(endpoint, new Uint8Array(2000))).toBe(SendStatus.Sent);
    const gone = await server.waitFor(isDisconnected);
    expect(gone.error?.code).toBe("MESSAGE_TOO_LARGE");
    expect(server.events.filter(isMessage)).toEqual([]);
  });

  it("refused by the listener: REJECTED with the reason for the connector, nothing for the listener", async () => {
    const server = identityNode({
      id: "server",
      accept: (peer) => text(peer.hello) === "v3" || "needs version 3",
    });
    const client = identityNode({ id: "old-client", hello: utf8.encode("v2") });
    const { addr } = await listenAndConnect(server, client, transport);
    const outcome = await connected(client);
    expect(outcome.ok).toBe(false);
    expect(outcome.error?.code).toBe("REJECTED");
    expect(outcome.error?.message).toBe("needs version 3");
    expect(client.events.filter(isDisconnected)).toEqual([]);
    const good = identityNode({ id: "good", hello: utf8.encode("v3") });
    await good.network.connectAsync(transport, dial(transport, addr));
    expect((await server.waitFor(isAccepted)).peer?.id).toBe("good");
    expect(server.events.map((e) => e.type)).toEqual(["accepted"]);
  });

  it("refused by the connector: REJECTED with its reason, nothing for the listener", async () => {
    const server = identityNode({ id: "impostor" });
    const client = identityNode({ id: "client", accept: (peer) => peer.id === "server" || "not the server" });
    const { addr } = await listenAndConnect(server, client, transport);
    const outcome = await connected(client);
    expect(outcome.error?.code).toBe("REJECTED");
    expect(outcome.error?.message).toBe("not the server");
    await expectOnlyGoodClientAccepted(server, transport, addr);
  });

  it("an asynchronous accept holds the connection until it resolves", async () => {
    const server = identityNode({
      id: "server",
      accept: (peer) => new Promise((resolve) => setTimeout(() => resolve(peer.id.startsWith("ok")), 50)),
    });
    const client = identityNode({ id: "ok-1" });
    const { endpoint } = await listenAndConnect(server, client, transport);
    const outcome = await connected(client);
    expect(outcome.endpoint).toBe(endpoint);
    expect(outcome.ok).toBe(true);
    expect((await server.waitFor(isAccepted)).peer?.id).toBe("ok-1");
  });

  it("ETIMEDOUT for the connector when the listener does not decide in time", async () => {
    const server = identityNode({ id: "server", accept: () => new Promise<boolean>(() => {}) });
    const client = identityNode({ id: "client", timeout: 300 });
    const started = performance.now();
    await listenAndConnect(server, client, transport);
    const outcome = await connected(client);
    expect(outcome.error?.code).toBe("ETIMEDOUT");
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("a listener without identity: ETIMEDOUT when it stays silent, PROTOCOL_ERROR when it echoes", async () => {
    const silent = nodeWith({});
    const echo: Recorder = nodeWith({}, (event: NodeEvent<never>) => {
      if (event.type === "message") echo.network.send(event.endpoint, event.data);
    });
    const client = identityNode({ id: "client", timeout: 300 });
    await listenAndConnect(silent, client, transport);
    expect((await connected(client)).error?.code).toBe("ETIMEDOUT");
    expect(text((await silent.waitFor(isMessage)).data)).toContain("client"); // the hello, as a message
    await listenAndConnect(echo, client, transport);
    const [, second] = await client.waitForCount(isConnected, 2);
    expect(second?.error?.code).toBe("PROTOCOL_ERROR");
  });

  it("a connector without identity: the listener closes it silently when it speaks first", async () => {
    const server = identityNode({ id: "server" });
    const plain = nodeWith({});
    const { addr, endpoint } = await listenAndConnect(server, plain, transport);
    await plain.waitFor(isConnected);
    expect((await plain.waitFor(isMessage)).data[0]).toBe(0x01); // the server's hello
    plain.network.send(endpoint, "hello?");
    await plain.waitFor(isDisconnected);
    await expectOnlyGoodClientAccepted(server, transport, addr);
  });

  it("REPLACED: a newer connection of a peer id ends the older one, on both of its sides", async () => {
    const server = identityNode({ id: "server" });
    const tab1 = identityNode({ id: "player-7" });
    const tab2 = identityNode({ id: "player-7" });
    const { addr } = await server.network.listen(transport, LOCAL);
    const older = await tab1.network.connectAsync(transport, dial(transport, addr));
    const olderSide = (await server.waitFor(isAccepted)).endpoint;
    const newer = await tab2.network.connectAsync(transport, dial(transport, addr));
    const told = await tab1.waitFor(isDisconnected);
    expect(told.endpoint).toBe(older);
    expect(told.error?.code).toBe("REPLACED");
    const [replaced] = await server.waitForCount(isDisconnected, 1);
    expect(replaced?.endpoint).toBe(olderSide);
    expect(replaced?.error?.code).toBe("REPLACED");
    const [, newerAccepted] = await server.waitForCount(isAccepted, 2);
    // The older one's end comes before the newer one's arrival.
    expect(server.events.indexOf(replaced as NodeEvent<never>)).toBeLessThan(
      server.events.indexOf(newerAccepted as NodeEvent<never>),
    );
    expect(server.handler.peers.endpoint("player-7")).toBe(newerAccepted?.endpoint);
    expect(tab2.network.send(newer, "mine now")).toBe(SendStatus.Sent);
    expect(text((await server.waitFor(isMessage)).data)).toBe("mine now");
  });

  it("pings: the pinging side measures rtt with sub-millisecond resolution; every node answers", async () => {
    const server = identityNode({ id: "server" }); // answers, pings nobody
    // 250 ms: a peer silent for two intervals is ended, and a loaded machine can stall for 100 ms.
    const { node: client, connections } = decoratedNode(adapters[transport], { id: "client", ping: 250 });
    const { addr } = await server.network.listen(transport, LOCAL);
    const before = Date.now();
    await client.network.connectAsync(transport, dial(transport, addr));
    const connection = connections[0] as { rtt?: number; lastPingAt?: number };
    // No event says "measured": look every 10 ms, for 5 s at most.
    for (let i = 0; i < 500 && connection.rtt === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    expect(connection.rtt).toBeGreaterThan(0);
    expect(connection.rtt).toBeLessThan(1000);
    expect(Number.isInteger(connection.rtt)).toBe(false);
    expect(connection.lastPingAt).toBeGreaterThanOrEqual(before);
    expect(client.events.filter(isDisconnected)).toEqual([]);
  });
});

describe("the transports identity leaves alone", () => {
  it.each([Transport.Tcp, Transport.Udp])("%s works as without identity, with no peer", async (transport) => {
    const server: Recorder = identityNode({ id: "server" }, (event) => {
      if (event.type === "message") server.network.send(event.endpoint, event.data);
    });
    const client = identityNode({ id: "client" });
    const { addr } = await server.network.listen(transport, LOCAL);
    const endpoint = await client.network.connectAsync(transport, addr);
    const outcome = await connected(client);
    expect(outcome.ok && outcome.peer).toBeUndefined();
    expect(client.network.send(endpoint, "plain")).toBe(SendStatus.Sent);
    expect(text((await client.waitFor(isMessage)).data)).toBe("plain");
    expect(client.handler.peers.ids()).toEqual([]);
  });
});
