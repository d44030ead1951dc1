/**
 * Identity and the hello (LAYERS.md section 2) over the in-memory transport: the handshake's
 * outcomes on both sides, REPLACED, `handler.peers`, and the option checks of `split`. The same
 * behaviour over real sockets is in test/contract/identity.test.ts.
 */
import {
  type Adapter,
  type Codec,
  type Connection,
  type IdentityOptions,
  memoryAdapter,
  NetError,
  SendStatus,
  type SplitOptions,
  split,
} from "message-io";
import { afterEach, describe, expect, it } from "vitest";
import { decoratedNode, stopIdentityNodes } from "../support/identity.js";
import { FakeClock } from "./fake-clock.js";
import { expectNothingMore, expectThrowsCode, nextOf, text, turns, utf8 } from "./helpers.js";

const MEMORY = "memory";

afterEach(stopIdentityNodes);

/** A node with `identity` on `adapter`, pulling its events with `enqueue()`. */
function node(adapter: Adapter, identity: IdentityOptions | undefined, extra: Omit<SplitOptions, "codec"> = {}) {
  const { handler, listener } = split<string>({ adapters: [adapter], ...(identity && { identity }), ...extra });
  const events = listener.enqueue();
  const nothingMore = () => expectNothingMore(events, (marker) => handler.signals.send(marker));
  return { handler, network: handler.network, events, nothingMore };
}

type TestNode = ReturnType<typeof node>;

function stopAll(...nodes: TestNode[]): void {
  for (const n of nodes) n.handler.stop();
}

/** A server listening with `serverIdentity`, and a client connecting with `clientIdentity`. */
async function pair(
  serverIdentity: IdentityOptions | undefined,
  clientIdentity: IdentityOptions | undefined,
  extra: Omit<SplitOptions, "codec"> = {},
) {
  const adapter = memoryAdapter();
  const server = node(adapter, serverIdentity, extra);
  const client = node(adapter, clientIdentity, extra);
  const { addr, id: listenerId } = await server.network.listen(MEMORY, "server:0");
  const endpoint = client.network.connect(MEMORY, addr);
  return { adapter, server, client, addr, listenerId, endpoint };
}

/** The next event of `node`, which must be a successful `connected`. */
async function connectedOk(node: TestNode) {
  const connected = await nextOf(node.events, "connected");
  if (!connected.ok) throw new Error(`connect failed: ${connected.error.code} ${connected.error.message}`);
  return connected;
}

/** `adapter`, with `patch` applied to each connection its listeners accept (the byte connection, under identity). */
function onEachAccepted(adapter: Adapter, patch: (connection: Connection) => void): Adapter {
  const listen = adapter.listen as NonNullable<Adapter["listen"]>;
  return {
    ...adapter,
    listen: (request) =>
      listen({
        ...request,
        sink: {
          ...request.sink,
          accepted: (connection) => {
            patch(connection);
            return request.sink.accepted(connection);
          },
        },
      }),
  };
}

/** A JSON codec, standing in for the built-in ones of LAYERS.md section 1. */
const json: Codec<unknown> = {
  name: "json",
  encode: (message) => utf8(JSON.stringify(message)),
  decode: (data) => JSON.parse(text(data)),
};
const withJson = { codec: json } as unknown as SplitOptions;

describe("the handshake", () => {
  it("gives both sides the other's id and hello, and only then connected and accepted", async () => {
    const { server, client, endpoint, listenerId } = await pair(
      { id: "server", hello: utf8("server hello") },
      { id: "client", hello: utf8("client hello") },
    );
    expect(client.network.send(endpoint, "too early")).toBe(SendStatus.ResourceNotAvailable);
    const connected = await connectedOk(client);
    expect(connected.endpoint).toBe(endpoint);
    expect(connected.peer?.id).toBe("server");
    expect(text(connected.peer?.hello as Uint8Array)).toBe("server hello");
    const accepted = await nextOf(server.events, "accepted");
    expect(accepted.listener).toBe(listenerId);
    expect(accepted.peer?.id).toBe("client");
    expect(text(accepted.peer?.hello as Uint8Array)).toBe("client hello");

    // User messages travel as they were sent, both ways: the tag byte never shows.
    expect(client.network.send(endpoint, "ping")).toBe(SendStatus.Sent);
    expect(text((await nextOf(server.events, "message")).data)).toBe("ping");
    expect(server.network.send(accepted.endpoint, new Uint8Array(0))).toBe(SendStatus.Sent);
    expect((await nextOf(client.events, "message")).data).toEqual(new Uint8Array(0));
    await client.nothingMore();
    await server.nothingMore();
    stopAll(server, client);
  });

  it("gives a peer without a hello no hello field", async () => {
    const { server, client } = await pair({ id: "server" }, { id: "client" });
    expect((await connectedOk(client)).peer).toEqual({ id: "server" });
    expect((await nextOf(server.events, "accepted")).peer).toEqual({ id: "client" });
    stopAll(server, client);
  });

  it("decodes the hello with the node's codec", async () => {
    const hello = { t: "hello", version: 3 } as unknown as Uint8Array;
    const { server, client } = await pair(
      { id: "server", hello, accept: (peer) => (peer.hello as unknown as { version: number }).version === 3 },
      { id: "client", hello },
      withJson,
    );
    expect((await connectedOk(client)).peer).toEqual({
      id: "server",
      hello: { t: "hello", version: 3 },
    });
    expect((await nextOf(server.events, "accepted")).peer).toEqual({ id: "client", hello: { t: "hello", version: 3 } });
    stopAll(server, client);
  });
});

describe("a refused handshake", () => {
  it("refused by the listener: the connector gets REJECTED with the reason, the listener nothing", async () => {
    const { server, client, endpoint } = await pair(
      { id: "server", accept: (peer) => (text(peer.hello as Uint8Array) === "v3" ? true : "needs version 3") },
      { id: "client", hello: utf8("v2") },
    );
    const connected = await nextOf(client.events, "connected");
    expect(connected.ok).toBe(false);
    expect(connected.endpoint).toBe(endpoint);
    expect(connected.error?.code).toBe("REJECTED");
    expect(connected.error?.message).toBe("needs version 3");
    expect(client.network.send(endpoint, "x")).toBe(SendStatus.ResourceNotFound);
    await server.nothingMore();
    await client.nothingMore();
    stopAll(server, client);
  });

  it("refused by the connector: it gets REJECTED with its own reason, the listener nothing", async () => {
    const { server, client } = await pair({ id: "server" }, { id: "client", accept: () => false });
    const connected = await nextOf(client.events, "connected");
    expect(connected.error?.code).toBe("REJECTED");
    expect(connected.error?.message).toMatch(/refused/);
    await server.nothingMore();
    stopAll(server, client);
  });

  it("an accept that throws or rejects refuses with its error's message", async () => {
    for (const accept of [
      () => {
        throw new Error("banned");
      },
      () => Promise.reject(new Error("banned")),
    ]) {
      const { server, client } = await pair({ id: "server", accept }, { id: "client" });
      const connected = await nextOf(client.events, "connected");
      expect(connected.error).toBeInstanceOf(NetError);
      expect(connected.error?.code).toBe("REJECTED");
      expect(connected.error?.message).toBe("banned");
      await server.nothingMore();
      stopAll(server, client);
    }
  });

  it("a hello that does not decode is refused on both sides", async () => {
    const adapter = memoryAdapter();
    const server = node(adapter, { id: "server" }, withJson);
    const client = node(adapter, { id: "client", hello: utf8("{not json") });
    const { addr } = await server.network.listen(MEMORY, "server:0");
    client.network.connect(MEMORY, addr);
    const connected = await nextOf(client.events, "connected");
    expect(connected.error?.code).toBe("REJECTED");
    expect(connected.error?.message).toMatch(/does not decode/);
    await server.nothingMore();
    stopAll(server, client);
  });
});

describe("an asynchronous accept", () => {
  it("holds both sides until it resolves; send is not-available meanwhile", async () => {
    let decide: (verdict: boolean | string) => void = () => {};
    const decision = new Promise<boolean | string>((resolve) => {
      decide = resolve;
    });
    const { server, client, endpoint } = await pair({ id: "server", accept: () => decision }, { id: "client" });
    await turns();
    expect(client.events.tryReceive()).toBeUndefined();
    expect(server.events.tryReceive()).toBeUndefined();
    expect(client.network.send(endpoint, "x")).toBe(SendStatus.ResourceNotAvailable);
    decide(true);
    expect((await nextOf(client.events, "connected")).ok).toBe(true);
    expect((await nextOf(server.events, "accepted")).peer?.id).toBe("client");
    stopAll(server, client);
  });
});

describe("the handshake's deadline", () => {
  it("ends the connector with ETIMEDOUT when no decision comes, and the listener silently", async () => {
    const clock = new FakeClock();
    const { server, client } = await pair(
      { id: "server", accept: () => new Promise<boolean>(() => {}), timeout: 500 },
      { id: "client", timeout: 1_000 },
      { clock },
    );
    await turns();
    clock.advance(499);
    await turns();
    expect(client.events.tryReceive()).toBeUndefined();
    clock.advance(1);
    // The listener gave up first: no event there, and it tells the connector why.
    const connected = await nextOf(client.events, "connected");
    expect(connected.error?.code).toBe("ETIMEDOUT");
    await server.nothingMore();
    stopAll(server, client);
  });

  it("ends the connector with ETIMEDOUT when the listener never decides", async () => {
    const clock = new FakeClock();
    const { server, client } = await pair(
      { id: "server", accept: () => new Promise<boolean>(() => {}), timeout: 10_000 },
      { id: "client", timeout: 500 },
      { clock },
    );
    await turns();
    clock.advance(500);
    const connected = await nextOf(client.events, "connected");
    expect(connected.error?.code).toBe("ETIMEDOUT");
    await server.nothingMore();
    expect(clock.pending).toBe(0); // the listener's deadline went with its connection
    stopAll(server, client);
  });
});

describe("a peer without identity", () => {
  it("that stays silent: the connector with identity ends with ETIMEDOUT; the other saw the hello as a message", async () => {
    const clock = new FakeClock();
    const { server, client } = await pair(undefined, { id: "client", timeout: 500 }, { clock });
    await nextOf(server.events, "accepted");
    expect((await nextOf(server.events, "message")).data[0]).toBe(0x01);
    clock.advance(500);
    expect((await nextOf(client.events, "connected")).error?.code).toBe("ETIMEDOUT");
    stopAll(server, client);
  });

  it("that echoes: the connector with identity ends with PROTOCOL_ERROR (its own hello is no answer)", async () => {
    const { server, client } = await pair(undefined, { id: "client" });
    const accepted = await nextOf(server.events, "accepted");
    const hello = await nextOf(server.events, "message");
    server.network.send(accepted.endpoint, hello.data);
    expect((await nextOf(client.events, "connected")).error?.code).toBe("PROTOCOL_ERROR");
    stopAll(server, client);
  });

  it("that connects and speaks first: the listener with identity closes it without an event", async () => {
    const { server, client, endpoint } = await pair({ id: "server" }, undefined);
    await nextOf(client.events, "connected");
    expect((await nextOf(client.events, "message")).data[0]).toBe(0x01); // the server's hello
    client.network.send(endpoint, "hello?");
    expect((await nextOf(client.events, "disconnected")).endpoint).toBe(endpoint);
    await server.nothingMore();
    stopAll(server, client);
  });
});

describe("one connection per peer id and listener", () => {
  it("the newer connection replaces the older: REPLACED on both sides of the older one", async () => {
    const adapter = memoryAdapter();
    const server = node(adapter, { id: "server" });
    const first = node(adapter, { id: "player-1" });
    const second = node(adapter, { id: "player-1" });
    const { addr } = await server.network.listen(MEMORY, "server:0");
    const older = await first.network.connectAsync(MEMORY, addr);
    const olderAccepted = await nextOf(server.events, "accepted");
    expect(server.handler.peers.endpoint("player-1")).toBe(olderAccepted.endpoint);

    const newer = await second.network.connectAsync(MEMORY, addr);
    const replaced = await nextOf(server.events, "disconnected");
    expect(replaced.endpoint).toBe(olderAccepted.endpoint);
    expect(replaced.error?.code).toBe("REPLACED");
    const newerAccepted = await nextOf(server.events, "accepted");
    expect(newerAccepted.peer?.id).toBe("player-1");
    expect(server.handler.peers.endpoint("player-1")).toBe(newerAccepted.endpoint);
    expect(server.handler.peers.ids()).toEqual(["player-1"]);

    await nextOf(first.events, "connected");
    const told = await nextOf(first.events, "disconnected");
    expect(told.endpoint).toBe(older);
    expect(told.error?.code).toBe("REPLACED");
    expect(first.handler.peers.ids()).toEqual([]);
    expect(second.network.send(newer, "still here")).toBe(SendStatus.Sent);
    expect(text((await nextOf(server.events, "message")).data)).toBe("still here");
    stopAll(server, first, second);
  });

  it("connections this node opened itself, or through another listener, are independent", async () => {
    const adapter = memoryAdapter();
    const a = node(adapter, { id: "a" });
    const b = node(adapter, { id: "b" });
    const one = await a.network.listen(MEMORY, "a:0");
    const two = await a.network.listen(MEMORY, "a:0");
    const { addr: bAddr } = await b.network.listen(MEMORY, "b:0");
    await b.network.connectAsync(MEMORY, one.addr);
    await b.network.connectAsync(MEMORY, two.addr);
    await a.network.connectAsync(MEMORY, bAddr);
    const aSaw = [await nextOf(a.events, "accepted"), await nextOf(a.events, "accepted"), await connectedOk(a)];
    const bSaw = [await connectedOk(b), await connectedOk(b), await nextOf(b.events, "accepted")];
    expect([...aSaw, ...bSaw].map((e) => e.peer?.id)).toEqual(["b", "b", "b", "a", "a", "a"]);
    expect(a.handler.peers.ids()).toEqual(["b"]);
    await a.nothingMore();
    await b.nothingMore();
    stopAll(a, b);
  });
});

describe("handler.peers", () => {
  it("finds, lists and sends to peers by id, and forgets a peer whose connections are gone", async () => {
    const { server, client, endpoint } = await pair({ id: "server" }, { id: "client" });
    await nextOf(client.events, "connected");
    const accepted = await nextOf(server.events, "accepted");
    expect(client.handler.peers.endpoint("server")).toBe(endpoint);
    expect(client.handler.peers.ids()).toEqual(["server"]);
    expect(server.handler.peers.endpoint("client")).toBe(accepted.endpoint);
    expect(server.handler.peers.send("client", "by id")).toBe(SendStatus.Sent);
    expect(text((await nextOf(client.events, "message")).data)).toBe("by id");
    expect(server.handler.peers.send("nobody", "x")).toBe(SendStatus.ResourceNotFound);
    expect(server.handler.peers.endpoint("nobody")).toBeUndefined();

    client.network.remove(endpoint.id);
    expect(client.handler.peers.ids()).toEqual([]);
    await nextOf(server.events, "disconnected");
    expect(server.handler.peers.ids()).toEqual([]);
    expect(server.handler.peers.send("client", "x")).toBe(SendStatus.ResourceNotFound);
    stopAll(server, client);
  });

  it("is empty on a node without identity", async () => {
    const { server, client } = await pair(undefined, undefined);
    await nextOf(client.events, "connected");
    expect(client.handler.peers.ids()).toEqual([]);
    stopAll(server, client);
  });
});

describe("pings on the node's clock", () => {
  /** The memory transport, with a switch that makes the listener's side stop sending (a frozen peer). */
  function freezable() {
    const state = { frozen: false };
    const adapter = onEachAccepted(memoryAdapter(), (connection) => {
      const send = connection.send.bind(connection);
      connection.send = (data) => (state.frozen ? SendStatus.Sent : send(data));
    });
    return { adapter, state };
  }

  it("measures rtt and lastPingAt, and ends a peer silent for two intervals with ETIMEDOUT", async () => {
    const clock = new FakeClock();
    const { adapter, state } = freezable();
    const server = node(adapter, { id: "server" }, { clock });
    const { node: client, connections } = decoratedNode(adapter, { id: "client", ping: 100 }, { clock });
    const { addr } = await server.network.listen(MEMORY, "server:0");
    const endpoint = await client.network.connectAsync(MEMORY, addr);
    const connection = connections[0] as { rtt?: number; lastPingAt?: number };
    expect(connection.rtt).toBeUndefined();
    clock.advance(100);
    await turns();
    expect(connection.rtt).toBe(0); // the fake clock stood still during the round trip
    expect(connection.lastPingAt).toBeGreaterThan(Date.now() - 60_000);

    state.frozen = true;
    clock.advance(199);
    await turns();
    expect(client.events.filter((e) => e.type === "disconnected")).toEqual([]);
    clock.advance(1);
    const gone = await client.waitFor((e) => e.type === "disconnected");
    expect(gone.type === "disconnected" && gone.endpoint === endpoint && gone.error?.code).toBe("ETIMEDOUT");
    expect(clock.pending).toBe(0);
    stopAll(server);
  });

  it("a ping tick of its own that runs late (a blocked loop, a throttled tab) does not count the wait as the peer's silence", async () => {
    const clock = new FakeClock();
    const { adapter, state } = freezable();
    const server = node(adapter, { id: "server" }, { clock });
    const { node: client } = decoratedNode(adapter, { id: "client", ping: 100 }, { clock });
    const { addr } = await server.network.listen(MEMORY, "server:0");
    await client.network.connectAsync(MEMORY, addr);
    clock.advance(100);
    await turns();

    // Our timers were held back for ten intervals: the peer's answers may be waiting unread.
    clock.stall(1_000);
    clock.advance(0);
    await turns();
    clock.advance(100);
    await turns();
    expect(client.events.filter((e) => e.type === "disconnected")).toEqual([]);

    // A peer that stops answering is still ended, two intervals after it was last heard.
    state.frozen = true;
    clock.advance(199);
    await turns();
    expect(client.events.filter((e) => e.type === "disconnected")).toEqual([]);
    clock.advance(1);
    const gone = await client.waitFor((e) => e.type === "disconnected");
    expect(gone.type === "disconnected" && gone.error?.code).toBe("ETIMEDOUT");
    stopAll(server);
  });
});

describe("inbound backpressure behind the handshake", () => {
  it("pauses and resumes the byte connection's reading as without identity", async () => {
    const calls: string[] = [];
    const recording = onEachAccepted(memoryAdapter(), (connection) => {
      connection.pauseReading = () => calls.push("pause");
      connection.resumeReading = () => calls.push("resume");
    });
    const server = node(recording, { id: "server" });
    const client = node(recording, { id: "client" });
    const { addr } = await server.network.listen(MEMORY, "server:0", { maxQueuedMessages: 10 });
    const endpoint = await client.network.connectAsync(MEMORY, addr);
    await nextOf(server.events, "accepted");
    for (let i = 0; i < 10; i++) client.network.send(endpoint, `m${i}`);
    await turns();
    expect(calls).toEqual(["pause"]);
    for (let i = 0; i < 5; i++) await nextOf(server.events, "message");
    expect(calls).toEqual(["pause", "resume"]);
    stopAll(server, client);
  });
});

describe("split's identity options", () => {
  const make =
    (identity: unknown, extra: Omit<SplitOptions, "codec"> = {}) =>
    () =>
      split({ identity: identity as IdentityOptions, ...extra });

  it("throws INVALID_ARGUMENT for an id empty or over 255 bytes of UTF-8", () => {
    expectThrowsCode(make({ id: "" }), "INVALID_ARGUMENT");
    expectThrowsCode(make({ id: "é".repeat(128) }), "INVALID_ARGUMENT"); // 256 bytes
    expectThrowsCode(make({ id: "x".repeat(10_000) }), "INVALID_ARGUMENT");
    expectThrowsCode(make({ id: 42 }), "INVALID_ARGUMENT");
    make({ id: `${"é".repeat(127)}x` })().handler.stop(); // 255 bytes
  });

  it("throws INVALID_ARGUMENT for other bad options", () => {
    expectThrowsCode(make({ id: "a", timeout: 0 }), "INVALID_ARGUMENT");
    expectThrowsCode(make({ id: "a", timeout: Number.NaN }), "INVALID_ARGUMENT");
    expectThrowsCode(make({ id: "a", ping: 5 }), "INVALID_ARGUMENT");
    expectThrowsCode(make({ id: "a", accept: "yes" }), "INVALID_ARGUMENT");
    expectThrowsCode(make({ id: "a", hello: 42 }), "INVALID_ARGUMENT");
    expectThrowsCode(make({ id: "a", hello: new Uint8Array(70_000) }), "INVALID_ARGUMENT");
    expectThrowsCode(make(null), "INVALID_ARGUMENT");
    const failing = {
      name: "failing",
      encode: () => {
        throw new Error("no");
      },
      decode: () => 0,
    };
    expectThrowsCode(make({ id: "a", hello: {} }, { codec: failing } as unknown as SplitOptions), "INVALID_ARGUMENT");
  });
});
