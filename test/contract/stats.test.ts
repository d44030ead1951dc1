/**
 * Statistics (LAYERS.md section 3) over real transports: what each connection and the node count,
 * when a connection has none, `dropped`, and `rtt`/`lastPingAt` read from the connection handle
 * (set by the identity layer's pings; here by a wrapping adapter, as that layer does).
 */
import {
  type Adapter,
  type ConnectionStats,
  type Endpoint,
  memoryAdapter,
  SendStatus,
  split,
  Transport,
} from "message-io";
import { afterEach, describe, expect, it } from "vitest";
import { nextOf } from "../unit/helpers.js";

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

function node(adapters: Adapter[] = []) {
  const { handler, listener } = split<string>({ adapters });
  stops.push(handler.stop);
  return { handler, network: handler.network, listener };
}

async function pair(transport: string, addr: string, adapters: Adapter[] = [memoryAdapter()]) {
  const server = node(adapters);
  const client = node(adapters);
  const serverEvents = server.listener.enqueue();
  const clientEvents = client.listener.enqueue();
  const { addr: bound } = await server.network.listen(transport, addr);
  const toServer = client.network.connect(transport, bound);
  expect(client.network.stats(toServer)).toBeUndefined(); // pending: not a live connection yet
  expect((await nextOf(clientEvents, "connected")).ok).toBe(true);
  const toClient = (await nextOf(serverEvents, "accepted")).endpoint;
  return { server, client, serverEvents, clientEvents, toServer, toClient };
}

/** Lets the wall clock move on by at least `ms` (what is measured here is time itself). */
const elapse = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  ["memory", "server:0"],
  [Transport.FramedTcp, "127.0.0.1:0"],
  [Transport.Ws, "127.0.0.1:0"],
])("stats over %s", (transport, addr) => {
  it("counts each side's user messages and payload bytes, and when the connection opened and last heard", async () => {
    const before = Date.now();
    const { server, client, serverEvents, toServer, toClient } = await pair(transport, addr);
    for (const size of [10, 20, 0]) expect(client.network.send(toServer, new Uint8Array(size))).toBe(SendStatus.Sent);
    for (let i = 0; i < 3; i++) await nextOf(serverEvents, "message");
    const sent = client.network.stats(toServer) as ConnectionStats;
    const received = server.network.stats(toClient) as ConnectionStats;
    expect(sent).toMatchObject({ messagesSent: 3, bytesSent: 30, messagesReceived: 0, bytesReceived: 0 });
    expect(received).toMatchObject({ messagesSent: 0, bytesSent: 0, messagesReceived: 3, bytesReceived: 30 });
    expect("rtt" in received).toBe(false); // no pings without identity
    expect(sent.lastReceivedAt).toBe(sent.openedAt); // nothing arrived: openedAt until then
    expect(received.openedAt).toBeGreaterThanOrEqual(before);
    expect(received.lastReceivedAt).toBeGreaterThanOrEqual(received.openedAt);
    expect(received.lastReceivedAt).toBeLessThanOrEqual(Date.now());
    expect(client.network.stats()).toEqual({
      messagesSent: 3,
      bytesSent: 30,
      messagesReceived: 0,
      bytesReceived: 0,
      connections: 1,
      dropped: 0,
    });
    expect(server.network.stats()).toMatchObject({ messagesReceived: 3, bytesReceived: 30, connections: 1 });
  });

  it("stamps lastReceivedAt with the time a message arrived", async () => {
    const { server, client, serverEvents, toServer, toClient } = await pair(transport, addr);
    client.network.send(toServer, "one");
    await nextOf(serverEvents, "message");
    const first = server.network.stats(toClient)?.lastReceivedAt as number;
    await elapse(30);
    const beforeSecond = Date.now();
    client.network.send(toServer, "two");
    await nextOf(serverEvents, "message");
    expect(server.network.stats(toClient)?.lastReceivedAt).toBeGreaterThanOrEqual(beforeSecond);
    expect(beforeSecond - first).toBeGreaterThanOrEqual(29);
  });

  it("counts only what the connection took: not what was refused for its size", async () => {
    const { client, toServer } = await pair(transport, addr);
    expect(client.network.send(toServer, new Uint8Array(33 * 1024 * 1024))).toBe(SendStatus.MaxPacketSizeExceeded);
    expect(client.network.stats(toServer)).toMatchObject({ messagesSent: 0, bytesSent: 0 });
  });

  it("has no stats for an unknown, removed or disconnected endpoint; the node keeps their counts", async () => {
    const { server, client, serverEvents, clientEvents, toServer, toClient } = await pair(transport, addr);
    client.network.send(toServer, "12345");
    await nextOf(serverEvents, "message");
    server.network.send(toClient, "123");
    await nextOf(clientEvents, "message");
    client.network.remove(toServer.id);
    expect(client.network.stats(toServer)).toBeUndefined();
    expect((await nextOf(serverEvents, "disconnected")).endpoint).toBe(toClient);
    expect(server.network.stats(toClient)).toBeUndefined();
    expect(client.network.stats()).toMatchObject({
      messagesSent: 1,
      bytesSent: 5,
      messagesReceived: 1,
      bytesReceived: 3,
      connections: 0,
    });
    expect(server.network.stats()).toMatchObject({
      messagesSent: 1,
      bytesSent: 3,
      messagesReceived: 1,
      bytesReceived: 5,
      connections: 0,
    });
    client.handler.stop();
    expect(client.network.stats()).toMatchObject({ messagesSent: 1, messagesReceived: 1, connections: 0 });
  });
});

describe("lastReceivedAt with a forEach consumer", () => {
  it("is read anew for what arrives while the consumer holds an event on a promise", async () => {
    const server = node();
    const client = node();
    const { addr } = await server.network.listen(Transport.FramedTcp, "127.0.0.1:0");
    let release = () => {};
    let signalFirst = () => {};
    const gotFirst = new Promise<void>((resolve) => {
      signalFirst = resolve;
    });
    let peer: Endpoint | undefined;
    void server.listener.forEach(async (event) => {
      if (event.type === "accepted") peer = event.endpoint;
      if (event.type === "message" && event.message[0] === 1) {
        signalFirst();
        await new Promise<void>((resolve) => {
          release = resolve;
        });
      }
    });
    const clientEvents = client.listener.enqueue();
    const toServer = client.network.connect(Transport.FramedTcp, addr);
    await nextOf(clientEvents, "connected");
    client.network.send(toServer, Uint8Array.of(1));
    await gotFirst;
    const stats = () => server.network.stats(peer as Endpoint);
    for (const [count, value] of [
      [2, 2],
      [3, 3],
    ]) {
      await elapse(30);
      const before = Date.now();
      client.network.send(toServer, Uint8Array.of(value as number));
      for (let i = 0; i < 400 && (stats()?.messagesReceived ?? 0) < (count as number); i++) await elapse(5);
      expect(stats()?.lastReceivedAt).toBeGreaterThanOrEqual(before);
    }
    release();
  });
});

describe("stats over udp", () => {
  it("counts datagrams on the listener and the connection; a listener's peer has no connection stats", async () => {
    const server = node();
    const client = node();
    const serverEvents = server.listener.enqueue();
    const clientEvents = client.listener.enqueue();
    const { addr } = await server.network.listen(Transport.Udp, "127.0.0.1:0");
    const toServer = client.network.connect(Transport.Udp, addr);
    await nextOf(clientEvents, "connected");
    client.network.send(toServer, "ping!");
    const ping = await nextOf(serverEvents, "message");
    server.network.send(ping.endpoint, "pong");
    await nextOf(clientEvents, "message");
    expect(server.network.stats(ping.endpoint)).toBeUndefined();
    expect(client.network.stats(toServer)).toMatchObject({
      messagesSent: 1,
      bytesSent: 5,
      messagesReceived: 1,
      bytesReceived: 4,
    });
    expect(server.network.stats()).toMatchObject({
      messagesSent: 1,
      bytesSent: 4,
      messagesReceived: 1,
      bytesReceived: 5,
      connections: 0,
    });
  });

  it("counts in dropped the datagrams over the inbound limits", async () => {
    const server = node();
    const client = node();
    server.listener.enqueue(); // never read: the queue fills up
    const clientEvents = client.listener.enqueue();
    const { addr } = await server.network.listen(Transport.Udp, "127.0.0.1:0", { maxQueuedMessages: 4 });
    const toServer = client.network.connect(Transport.Udp, addr);
    await nextOf(clientEvents, "connected");
    const total = 40;
    for (let i = 0; i < total; i++) client.network.send(toServer, "x");
    const seen = () => server.network.stats().messagesReceived + server.network.stats().dropped;
    for (let i = 0; i < 500 && seen() < total; i++) await elapse(5);
    expect(server.network.stats()).toMatchObject({ messagesReceived: 4, dropped: total - 4 });
  });
});

describe("rtt and lastPingAt", () => {
  /** The memory transport with handles that carry `rtt` and `lastPingAt`, as the identity layer's do. */
  function pingingAdapter(rtt: number, lastPingAt: number): Adapter {
    const inner = memoryAdapter("pinging");
    const mark = <T extends object>(connection: T) => Object.assign(connection, { rtt, lastPingAt });
    return {
      ...inner,
      connect: (request) => mark((inner.connect as NonNullable<Adapter["connect"]>)(request)),
      listen: (request) =>
        (inner.listen as NonNullable<Adapter["listen"]>)({
          ...request,
          sink: { ...request.sink, accepted: (connection, peer) => request.sink.accepted(mark(connection), peer) },
        }),
    };
  }

  it("reports the handle's rtt, and lastReceivedAt as the later of the last message and the last ping", async () => {
    const future = Date.now() + 60_000;
    const { client, toServer, server, toClient } = await pair("pinging", "server:0", [pingingAdapter(12.5, future)]);
    expect(client.network.stats(toServer)).toMatchObject({ rtt: 12.5, lastReceivedAt: future });
    expect(server.network.stats(toClient)?.rtt).toBe(12.5);
  });
});
