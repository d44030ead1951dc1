import {
  type Adapter,
  Endpoint,
  type EventReceiver,
  isLocal,
  memoryAdapter,
  NetError,
  type NodeEvent,
  SendStatus,
  split,
  transportOf,
} from "message-io";
import { describe, expect, it } from "vitest";
import {
  describeEvent,
  expectNothingMore,
  expectRejectsCode,
  expectThrowsCode,
  next,
  nextOf,
  text,
  turns,
  utf8,
} from "./helpers.js";

const MEMORY = "memory";

/** A node on `adapter`, pulling its events with `enqueue()`. */
function node(adapter: Adapter) {
  const { handler, listener } = split<string>({ adapters: [adapter] });
  const events = listener.enqueue();
  const nothingMore = () => expectNothingMore(events, (marker) => handler.signals.send(marker));
  return { handler, network: handler.network, events, nothingMore };
}

/** A server listening on `addr`, and a client connected to it, both past their first event. */
async function connectedPair(addr = "server:1") {
  const adapter = memoryAdapter();
  const server = node(adapter);
  const client = node(adapter);
  const listening = await server.network.listen(MEMORY, addr);
  const endpoint = client.network.connect(MEMORY, listening.addr);
  const connected = await nextOf(client.events, "connected");
  expect(connected.ok).toBe(true);
  const accepted = await nextOf(server.events, "accepted");
  return { adapter, server, client, listenerId: listening.id, endpoint, accepted: accepted.endpoint };
}

function stopAll(...nodes: { handler: { stop(): void } }[]): void {
  for (const n of nodes) n.handler.stop();
}

describe("connect", () => {
  it("yields exactly one connected, never during the connect() call", async () => {
    const adapter = memoryAdapter();
    const server = node(adapter);
    const client = node(adapter);
    const { addr } = await server.network.listen(MEMORY, "server:1");
    const endpoint = client.network.connect(MEMORY, addr);
    expect(client.events.tryReceive()).toBeUndefined();
    const connected = await nextOf(client.events, "connected");
    expect(connected).toEqual({ type: "connected", endpoint, ok: true });
    expect(connected.endpoint).toBe(endpoint);
    expect(connected.error).toBeUndefined();
    // A round trip later, still no second `connected`.
    expect(client.network.send(endpoint, "ping")).toBe(SendStatus.Sent);
    const accepted = await nextOf(server.events, "accepted");
    expect(text((await nextOf(server.events, "message")).data)).toBe("ping");
    server.network.send(accepted.endpoint, "pong");
    expect(text((await nextOf(client.events, "message")).data)).toBe("pong");
    await client.nothingMore();
    stopAll(server, client);
  });

  it("yields one connected per connect, each with the endpoint that connect() returned", async () => {
    const adapter = memoryAdapter();
    const server = node(adapter);
    const client = node(adapter);
    const { addr } = await server.network.listen(MEMORY, "server:1");
    const endpoints = Array.from({ length: 5 }, () => client.network.connect(MEMORY, addr));
    expect(new Set(endpoints.map((e) => e.id)).size).toBe(5);
    expect(client.events.tryReceive()).toBeUndefined();
    const seen: Endpoint[] = [];
    for (let i = 0; i < 5; i++) {
      const connected = await nextOf(client.events, "connected");
      expect(connected.ok).toBe(true);
      seen.push(connected.endpoint);
    }
    expect(new Set(seen)).toEqual(new Set(endpoints));
    await client.nothingMore();
    stopAll(server, client);
  });

  it("reports ok:false with ECONNREFUSED when nothing listens, and the resource is gone", async () => {
    const client = node(memoryAdapter());
    const endpoint = client.network.connect(MEMORY, "nobody:1");
    expect(client.events.tryReceive()).toBeUndefined();
    expect(client.network.isReady(endpoint.id)).toBe(false);
    const connected = await nextOf(client.events, "connected");
    expect(connected.ok).toBe(false);
    expect(connected.endpoint).toBe(endpoint);
    expect(connected.error).toBeInstanceOf(NetError);
    expect(connected.error?.code).toBe("ECONNREFUSED");
    expect(client.network.isReady(endpoint.id)).toBeUndefined();
    expect(client.network.send(endpoint, "x")).toBe(SendStatus.ResourceNotFound);
    expect(client.network.remove(endpoint.id)).toBe(false);
    await client.nothingMore();
    client.handler.stop();
  });

  it("refuses send while pending with not-available", async () => {
    const { server, client } = await connectedPair();
    const pending = client.network.connect(MEMORY, "server:1");
    expect(client.network.send(pending, "too early")).toBe(SendStatus.ResourceNotAvailable);
    expect(client.network.send(pending, new Uint8Array(0))).toBe(SendStatus.ResourceNotAvailable);
    await nextOf(client.events, "connected");
    expect(client.network.send(pending, "now")).toBe(SendStatus.Sent);
    stopAll(server, client);
  });

  it("connectAsync resolves with the same Endpoint object as the connected event", async () => {
    const adapter = memoryAdapter();
    const server = node(adapter);
    const client = node(adapter);
    const { addr } = await server.network.listen(MEMORY, "server:0");
    const endpoint = await client.network.connectAsync(MEMORY, addr);
    expect(endpoint).toBeInstanceOf(Endpoint);
    expect(client.network.isReady(endpoint.id)).toBe(true);
    const connected = await nextOf(client.events, "connected");
    expect(connected.ok).toBe(true);
    expect(connected.endpoint).toBe(endpoint);
    await client.nothingMore();
    stopAll(server, client);
  });

  it("connectAsync rejects with a NetError when the connect fails, and connected ok:false is still emitted", async () => {
    const client = node(memoryAdapter());
    const error = await expectRejectsCode(client.network.connectAsync(MEMORY, "nobody:1"), "ECONNREFUSED");
    const connected = await nextOf(client.events, "connected");
    expect(connected.ok).toBe(false);
    expect(connected.error).toBe(error);
    await client.nothingMore();
    client.handler.stop();
  });

  it("throws INVALID_ADDRESS synchronously for an empty address", () => {
    const client = node(memoryAdapter());
    expectThrowsCode(() => client.network.connect(MEMORY, ""), "INVALID_ADDRESS");
    client.handler.stop();
  });

  it("throws UNSUPPORTED_TRANSPORT for an unknown transport; listen and connectAsync reject with it", async () => {
    const client = node(memoryAdapter());
    expectThrowsCode(() => client.network.connect("carrier-pigeon", "coop:1"), "UNSUPPORTED_TRANSPORT");
    await expectRejectsCode(client.network.connectAsync("carrier-pigeon", "coop:1"), "UNSUPPORTED_TRANSPORT");
    await expectRejectsCode(client.network.listen("carrier-pigeon", "coop:1"), "UNSUPPORTED_TRANSPORT");
    client.handler.stop();
  });
});

describe("listen and accept", () => {
  it("resolves with the real bound address for port 0", async () => {
    const adapter = memoryAdapter();
    const server = node(adapter);
    const client = node(adapter);
    const first = await server.network.listen(MEMORY, "host:0");
    const second = await server.network.listen(MEMORY, "host:0");
    expect(first.addr).toMatch(/^host:[1-9]\d*$/);
    expect(second.addr).not.toBe(first.addr);
    expect(first.id).not.toBe(second.id);
    await client.network.connectAsync(MEMORY, second.addr);
    expect((await nextOf(server.events, "accepted")).listener).toBe(second.id);
    stopAll(server, client);
  });

  it("rejects a second listener on the same address with EADDRINUSE", async () => {
    const server = node(memoryAdapter());
    await server.network.listen(MEMORY, "host:7");
    await expectRejectsCode(server.network.listen(MEMORY, "host:7"), "EADDRINUSE");
    server.handler.stop();
  });

  it("accepted carries the listener id and its own endpoint", async () => {
    const { server, client, listenerId, accepted } = await connectedPair();
    expect(isLocal(listenerId)).toBe(true);
    expect(isLocal(accepted.id)).toBe(false);
    expect(transportOf(listenerId)).toBe(MEMORY);
    expect(transportOf(accepted.id)).toBe(MEMORY);
    expect(server.network.isReady(accepted.id)).toBe(true);
    expect(server.network.isReady(listenerId)).toBe(true);
    stopAll(server, client);
  });

  it("a node can talk to itself", async () => {
    const self = node(memoryAdapter());
    const { id } = await self.network.listen(MEMORY, "self:1");
    const endpoint = self.network.connect(MEMORY, "self:1");
    const first = [await next(self.events), await next(self.events)];
    const accepted = first.find((e) => e.type === "accepted");
    const connected = first.find((e) => e.type === "connected");
    expect(connected).toMatchObject({ endpoint, ok: true });
    expect(accepted).toMatchObject({ listener: id });
    self.network.send(endpoint, "to myself");
    const message = await nextOf(self.events, "message");
    expect(message.endpoint).toBe(accepted?.type === "accepted" ? accepted.endpoint : undefined);
    expect(text(message.data)).toBe("to myself");
    self.handler.stop();
  });

  it("maxConnections: a connection past the limit gets no accepted, and a freed slot is reused", async () => {
    const adapter = memoryAdapter();
    const server = node(adapter);
    const client = node(adapter);
    const { addr } = await server.network.listen(MEMORY, "server:1", { maxConnections: 1 });
    const a = await client.network.connectAsync(MEMORY, addr);
    await nextOf(client.events, "connected");
    const acceptedA = await nextOf(server.events, "accepted");
    const b = client.network.connect(MEMORY, addr);
    const refused = await nextOf(client.events, "connected");
    expect(refused.endpoint).toBe(b);
    expect(refused.ok).toBe(false);
    await server.nothingMore();
    // Free the slot: the server sees A go, then accepts C.
    expect(client.network.remove(a.id)).toBe(true);
    expect((await nextOf(server.events, "disconnected")).endpoint).toBe(acceptedA.endpoint);
    await client.network.connectAsync(MEMORY, addr);
    await nextOf(server.events, "accepted");
    stopAll(server, client);
  });

  it("maxConnections: 0 accepts nobody", async () => {
    const adapter = memoryAdapter();
    const server = node(adapter);
    const client = node(adapter);
    const { addr } = await server.network.listen(MEMORY, "server:1", { maxConnections: 0 });
    await expectRejectsCode(client.network.connectAsync(MEMORY, addr), "ECONNREFUSED");
    await server.nothingMore();
    stopAll(server, client);
  });
});

describe("messages", () => {
  it("arrive in order, with the same bytes, empty ones included", async () => {
    const { server, client, endpoint, accepted } = await connectedPair();
    const sent: Uint8Array[] = [];
    for (let i = 0; i < 200; i++) {
      const data = new Uint8Array(i % 13 === 0 ? 0 : (i * 37) % 3000).map((_, j) => (i + j) & 0xff);
      sent.push(data);
      expect(client.network.send(endpoint, data)).toBe(SendStatus.Sent);
    }
    for (let i = 0; i < sent.length; i++) {
      const message = await nextOf(server.events, "message");
      expect(message.endpoint).toBe(accepted);
      expect(Buffer.compare(message.data, sent[i] as Uint8Array), `message ${i}`).toBe(0);
    }
    stopAll(server, client);
  });

  it("a string is sent as its UTF-8 bytes", async () => {
    const { server, client, endpoint } = await connectedPair();
    const words = "héllo, wörld ✓ 🚀";
    client.network.send(endpoint, words);
    client.network.send(endpoint, "");
    const message = await nextOf(server.events, "message");
    expect(Array.from(message.data)).toEqual(Array.from(new TextEncoder().encode(words)));
    expect((await nextOf(server.events, "message")).data.length).toBe(0);
    stopAll(server, client);
  });

  it("the received bytes are not affected by the sender reusing its buffer", async () => {
    const { server, client, endpoint } = await connectedPair();
    const buffer = utf8("original");
    client.network.send(endpoint, buffer);
    buffer.fill(0x21);
    expect(text((await nextOf(server.events, "message")).data)).toBe("original");
    stopAll(server, client);
  });

  it("maxMessageSize bounds what send accepts", async () => {
    const adapter = memoryAdapter();
    const server = node(adapter);
    const client = node(adapter);
    const { addr } = await server.network.listen(MEMORY, "server:1");
    const endpoint = await client.network.connectAsync(MEMORY, addr, { maxMessageSize: 10 });
    expect(client.network.send(endpoint, new Uint8Array(11))).toBe(SendStatus.MaxPacketSizeExceeded);
    expect(client.network.send(endpoint, new Uint8Array(10))).toBe(SendStatus.Sent);
    await nextOf(server.events, "accepted");
    expect((await nextOf(server.events, "message")).data.length).toBe(10);
    stopAll(server, client);
  });
});

describe("remove", () => {
  it("of a connection returns true, emits nothing locally, and the peer gets disconnected", async () => {
    const { server, client, endpoint, accepted } = await connectedPair();
    expect(client.network.remove(endpoint.id)).toBe(true);
    expect(client.network.isReady(endpoint.id)).toBeUndefined();
    expect(client.network.send(endpoint, "gone")).toBe(SendStatus.ResourceNotFound);
    expect(client.network.remove(endpoint.id)).toBe(false);
    const disconnected = await nextOf(server.events, "disconnected");
    expect(disconnected.endpoint).toBe(accepted);
    expect(server.network.isReady(accepted.id)).toBeUndefined();
    expect(server.network.send(accepted, "gone")).toBe(SendStatus.ResourceNotFound);
    await client.nothingMore();
    await server.nothingMore();
    stopAll(server, client);
  });

  it("discards the events of the connection already queued", async () => {
    const { server, client, endpoint, accepted } = await connectedPair();
    for (const word of ["one", "two", "three", "four"]) server.network.send(accepted, word);
    expect(text((await nextOf(client.events, "message")).data)).toBe("one");
    await turns();
    // "two" is queued (it is received at once, without waiting) and so are "three" and "four".
    const two = client.events.tryReceive();
    expect(two && describeEvent(two)).toEqual({ message: "two" });
    expect(client.network.remove(endpoint.id)).toBe(true);
    expect(client.events.tryReceive()).toBeUndefined();
    await client.nothingMore();
    stopAll(server, client);
  });

  it("inside forEach, no event of the connection is delivered after the call returns", async () => {
    const adapter = memoryAdapter();
    const server = node(adapter);
    const { handler, listener } = split<string>({ adapters: [adapter] });
    const { addr } = await server.network.listen(MEMORY, "server:1");
    const seen: unknown[] = [];
    const done = listener.forEach((e: NodeEvent<string>) => {
      seen.push(describeEvent(e));
      if (e.type === "message") expect(handler.network.remove(e.endpoint.id)).toBe(true);
      if (e.type === "signal") handler.stop();
    });
    await handler.network.connectAsync(MEMORY, addr);
    const accepted = await nextOf(server.events, "accepted");
    for (const word of ["one", "two", "three"]) server.network.send(accepted.endpoint, word);
    await nextOf(server.events, "disconnected");
    await turns();
    handler.signals.send("end");
    await done;
    expect(seen).toEqual([{ connected: true, code: undefined }, { message: "one" }, { signal: "end" }]);
    server.handler.stop();
  });

  it("of a pending connection: no connected event, and the server never keeps a half-open connection", async () => {
    const adapter = memoryAdapter();
    const server = node(adapter);
    const client = node(adapter);
    const { addr } = await server.network.listen(MEMORY, "server:1");
    const endpoint = client.network.connect(MEMORY, addr);
    expect(client.network.remove(endpoint.id)).toBe(true);
    expect(client.network.isReady(endpoint.id)).toBeUndefined();
    await client.nothingMore();
    // The server may or may not have seen the connection; if it did, it must also see it end.
    await turns();
    const seen: unknown[] = [];
    for (let e = server.events.tryReceive(); e !== undefined && seen.length < 10; e = server.events.tryReceive()) {
      seen.push(describeEvent(e));
    }
    if (seen.length > 0) expect(seen).toEqual([{ accepted: "client:1" }, { disconnected: "client:1" }]);
    await server.nothingMore();
    stopAll(server, client);
  });

  it("of a listener returns true, emits nothing, stops accepting, and keeps its connections", async () => {
    const { server, client, listenerId, endpoint, accepted } = await connectedPair();
    expect(server.network.remove(listenerId)).toBe(true);
    expect(server.network.isReady(listenerId)).toBeUndefined();
    expect(server.network.remove(listenerId)).toBe(false);
    await expectRejectsCode(client.network.connectAsync(MEMORY, "server:1"), "ECONNREFUSED");
    expect((await nextOf(client.events, "connected")).ok).toBe(false);
    // The connection it accepted is a resource of its own.
    client.network.send(endpoint, "still here");
    expect(text((await nextOf(server.events, "message")).data)).toBe("still here");
    expect(server.network.send(accepted, "me too")).toBe(SendStatus.Sent);
    expect(text((await nextOf(client.events, "message")).data)).toBe("me too");
    await server.nothingMore();
    stopAll(server, client);
  });

  it("of an unknown id returns false", () => {
    const client = node(memoryAdapter());
    expect(client.network.remove(123_456)).toBe(false);
    expect(client.network.remove(-1)).toBe(false);
    expect(client.network.isReady(123_456)).toBeUndefined();
    client.handler.stop();
  });
});

describe("isReady through the life cycle", () => {
  it("false pending, true ready, undefined once the peer disconnected", async () => {
    const adapter = memoryAdapter();
    const server = node(adapter);
    const client = node(adapter);
    const { id, addr } = await server.network.listen(MEMORY, "server:1");
    expect(server.network.isReady(id)).toBe(true);
    const endpoint = client.network.connect(MEMORY, addr);
    expect(client.network.isReady(endpoint.id)).toBe(false);
    await nextOf(client.events, "connected");
    expect(client.network.isReady(endpoint.id)).toBe(true);
    const accepted = await nextOf(server.events, "accepted");
    expect(server.network.remove(accepted.endpoint.id)).toBe(true);
    const disconnected = await nextOf(client.events, "disconnected");
    expect(disconnected.endpoint).toBe(endpoint);
    expect(disconnected.error).toBeUndefined();
    expect(client.network.isReady(endpoint.id)).toBeUndefined();
    expect(client.network.send(endpoint, "x")).toBe(SendStatus.ResourceNotFound);
    await client.nothingMore();
    stopAll(server, client);
  });
});

describe("stop()", () => {
  it("closes everything silently; afterwards send is not-found and connect/listen fail with STOPPED", async () => {
    const { server, client, endpoint, listenerId, accepted } = await connectedPair();
    server.network.send(accepted, "queued but dropped");
    await turns();
    client.handler.stop();
    client.handler.stop();
    expect(client.handler.isRunning()).toBe(false);
    expect(client.events.tryReceive()).toBeUndefined();
    expect(client.network.send(endpoint, "x")).toBe(SendStatus.ResourceNotFound);
    expect(client.network.isReady(endpoint.id)).toBeUndefined();
    expect(client.network.remove(endpoint.id)).toBe(false);
    expectThrowsCode(() => client.network.connect(MEMORY, "server:1"), "STOPPED");
    await expectRejectsCode(client.network.connectAsync(MEMORY, "server:1"), "STOPPED");
    await expectRejectsCode(client.network.listen(MEMORY, "other:1"), "STOPPED");
    // The peer sees the connection end.
    expect((await nextOf(server.events, "disconnected")).endpoint).toBe(accepted);
    expect(server.network.isReady(listenerId)).toBe(true);
    server.handler.stop();
    expect(server.network.isReady(listenerId)).toBeUndefined();
  });

  it("settles forEach", async () => {
    const adapter = memoryAdapter();
    const { handler, listener } = split<string>({ adapters: [adapter] });
    await handler.network.listen(MEMORY, "server:1");
    const done = listener.forEach(() => {});
    handler.stop();
    await expect(done).resolves.toBeUndefined();
  });

  it("rejects a pending connectAsync with STOPPED", async () => {
    const adapter = memoryAdapter();
    const server = node(adapter);
    const client = node(adapter);
    await server.network.listen(MEMORY, "server:1");
    const pending = client.network.connectAsync(MEMORY, "server:1");
    client.handler.stop();
    await expectRejectsCode(pending, "STOPPED");
    stopAll(server);
  });

  it("rejects a listen still binding with STOPPED, and releases its address", async () => {
    const adapter = memoryAdapter();
    const first = node(adapter);
    const pending = first.network.listen(MEMORY, "server:1");
    first.handler.stop();
    await expectRejectsCode(pending, "STOPPED");
    const second = node(adapter);
    await expect(second.network.listen(MEMORY, "server:1")).resolves.toMatchObject({ addr: "server:1" });
    second.handler.stop();
  });

  it("releases listeners: their address can be bound again", async () => {
    const adapter = memoryAdapter();
    const first = node(adapter);
    await first.network.listen(MEMORY, "server:1");
    first.handler.stop();
    const second = node(adapter);
    await expect(second.network.listen(MEMORY, "server:1")).resolves.toMatchObject({ addr: "server:1" });
    second.handler.stop();
  });
});

describe("endpoints", () => {
  it("one connection has one Endpoint object in every event", async () => {
    const { server, client, endpoint, accepted } = await connectedPair();
    client.network.send(endpoint, "a");
    const message = await nextOf(server.events, "message");
    expect(message.endpoint).toBe(accepted);
    server.network.send(message.endpoint, "b");
    expect((await nextOf(client.events, "message")).endpoint).toBe(endpoint);
    server.network.remove(accepted.id);
    expect((await nextOf(client.events, "disconnected")).endpoint).toBe(endpoint);
    stopAll(server, client);
  });

  it("key is equal for equal endpoints and differs between connections", async () => {
    const { server, client, endpoint, accepted } = await connectedPair();
    const other = await client.network.connectAsync(MEMORY, "server:1");
    expect(new Endpoint(endpoint.id, endpoint.addr).key).toBe(endpoint.key);
    expect(Endpoint.fromListener(accepted.id, accepted.addr).key).toBe(accepted.key);
    expect(other.key).not.toBe(endpoint.key);
    expect(accepted.key).not.toBe(endpoint.key);
    expect(new Endpoint(endpoint.id, "elsewhere:1").key).not.toBe(endpoint.key);
    expect(endpoint.addr).toBe("server:1");
    expect(String(endpoint)).toBe(endpoint.key);
    stopAll(server, client);
  });

  it("works as a Map key across events", async () => {
    const { server, client, endpoint } = await connectedPair();
    const second = await client.network.connectAsync(MEMORY, "server:1");
    expect((await nextOf(client.events, "connected")).endpoint).toBe(second);
    const names = new Map<Endpoint, string>([
      [endpoint, "first"],
      [second, "second"],
    ]);
    const byServer = new Map<Endpoint, string>();
    const received: EventReceiver<string> = server.events;
    const accepted = await nextOf(received, "accepted");
    for (const [e, name] of names) client.network.send(e, name);
    for (let i = 0; i < 2; i++) {
      const message = await nextOf(received, "message");
      byServer.set(message.endpoint, text(message.data));
      server.network.send(message.endpoint, text(message.data));
    }
    expect(byServer.size).toBe(2);
    expect(byServer.get(accepted.endpoint)).toBeDefined();
    for (let i = 0; i < 2; i++) {
      const echo = await nextOf(client.events, "message");
      expect(names.get(echo.endpoint)).toBe(text(echo.data));
    }
    stopAll(server, client);
  });
});
