/**
 * The driver's guarantees against an adapter the test scripts by hand: whatever order or repetition
 * of sink calls an adapter produces, the user sees exactly one `connected`, `disconnected` last, and
 * nothing after `remove`/`stop`.
 */
import {
  type Adapter,
  type Connection,
  type ConnectionSink,
  Endpoint,
  type ListenerSink,
  NetError,
  SendStatus,
  split,
} from "message-io";
import { describe, expect, it } from "vitest";
import {
  describeEvent,
  expectNothingMore,
  expectRejectsCode,
  expectThrowsCode,
  nextOf,
  thrownBy,
  turns,
  utf8,
} from "./helpers.js";

const SCRIPTED = "scripted";

class ScriptedConnection implements Connection {
  sink: ConnectionSink | undefined;
  closes = 0;
  sent: Uint8Array[] = [];
  pending = 0;
  throwOnClose = false;
  maxMessageSize: number | undefined;

  constructor(readonly addr: string) {}

  send(data: Uint8Array): SendStatus {
    this.sent.push(data);
    return SendStatus.Sent;
  }

  pendingBytes(): number {
    return this.pending;
  }

  close(): void {
    this.closes += 1;
    if (this.throwOnClose) throw new Error("close failed");
  }
}

interface ScriptedListener {
  readonly addr: string;
  readonly sink: ListenerSink;
  closes: number;
  sentTo: [string, Uint8Array][];
}

/** An adapter that records everything and lets the test call the sinks. */
function scriptedAdapter(options: { onConnect?: (c: ScriptedConnection) => void; udpLike?: boolean } = {}) {
  const connections: ScriptedConnection[] = [];
  const listeners: ScriptedListener[] = [];
  const adapter: Adapter = {
    transport: SCRIPTED,
    info: { connectionOriented: true, packetBased: true, maxMessageSize: 1000 },
    connect({ remote, sink }) {
      const connection = new ScriptedConnection(remote);
      connection.sink = sink;
      connections.push(connection);
      options.onConnect?.(connection);
      return connection;
    },
    async listen({ addr, sink }) {
      const listener: ScriptedListener = { addr, sink, closes: 0, sentTo: [] };
      listeners.push(listener);
      return {
        addr,
        close: () => {
          listener.closes += 1;
        },
        ...(options.udpLike
          ? {
              sendTo: (to: string, data: Uint8Array) => {
                listener.sentTo.push([to, data]);
                return SendStatus.Sent;
              },
            }
          : {}),
      };
    },
  };
  return { adapter, connections, listeners };
}

function node(options: Parameters<typeof scriptedAdapter>[0] = {}) {
  const scripted = scriptedAdapter(options);
  const { handler, listener } = split<string>({ adapters: [scripted.adapter] });
  const events = listener.enqueue();
  const nothingMore = () => expectNothingMore(events, (marker) => handler.signals.send(marker));
  return { ...scripted, handler, network: handler.network, events, nothingMore };
}

function sinkOf(connection: ScriptedConnection | undefined): ConnectionSink {
  if (connection?.sink === undefined) throw new Error("no such connection");
  return connection.sink;
}

describe("connections made by connect()", () => {
  it("repeated or late sink calls still give one connected, then messages, then one disconnected last", async () => {
    const n = node();
    const endpoint = n.network.connect(SCRIPTED, "peer:1");
    const sink = sinkOf(n.connections[0]);
    sink.ready();
    sink.ready();
    sink.data(utf8("a"));
    sink.closed();
    sink.closed(new NetError("ECONNRESET", "again"));
    sink.data(utf8("late"));
    sink.ready();
    const events = [
      await nextOf(n.events, "connected"),
      await nextOf(n.events, "message"),
      await nextOf(n.events, "disconnected"),
    ];
    expect(events.map((e) => e.endpoint)).toEqual([endpoint, endpoint, endpoint]);
    expect(events.map(describeEvent)).toEqual([
      { connected: true, code: undefined },
      { message: "a" },
      { disconnected: "peer:1", code: undefined },
    ]);
    expect(n.network.isReady(endpoint.id)).toBeUndefined();
    await n.nothingMore();
    // A handle that ended by itself is not close()d afterwards.
    expect(n.connections[0]?.closes).toBe(0);
    n.handler.stop();
    expect(n.connections[0]?.closes).toBe(0);
  });

  it("data before ready proves the connection: connected comes first", async () => {
    const n = node();
    const endpoint = n.network.connect(SCRIPTED, "peer:1");
    sinkOf(n.connections[0]).data(utf8("early"));
    expect((await nextOf(n.events, "connected")).endpoint).toBe(endpoint);
    expect(n.network.isReady(endpoint.id)).toBe(true);
    expect((await nextOf(n.events, "message")).endpoint).toBe(endpoint);
    await n.nothingMore();
    n.handler.stop();
  });

  it("closed(error) before ready gives connected ok:false with that error; connectAsync rejects with it", async () => {
    const n = node();
    const pending = n.network.connectAsync(SCRIPTED, "peer:1");
    const failure = new NetError("ECONNREFUSED", "refused");
    sinkOf(n.connections[0]).closed(failure);
    await expect(pending).rejects.toBe(failure);
    const connected = await nextOf(n.events, "connected");
    expect(connected.ok).toBe(false);
    expect(connected.error).toBe(failure);
    expect(n.network.isReady(connected.endpoint.id)).toBeUndefined();
    await n.nothingMore();
    n.handler.stop();
  });

  it("closed() without an error before ready still reports an error: CONNECTION_LOST", async () => {
    const n = node();
    n.network.connect(SCRIPTED, "peer:1");
    sinkOf(n.connections[0]).closed();
    const connected = await nextOf(n.events, "connected");
    expect(connected.ok).toBe(false);
    expect(connected.error).toBeInstanceOf(NetError);
    expect(connected.error?.code).toBe("CONNECTION_LOST");
    n.handler.stop();
  });

  it("closed(error) after ready gives disconnected with that error", async () => {
    const n = node();
    const endpoint = n.network.connect(SCRIPTED, "peer:1");
    const failure = new NetError("PROTOCOL_ERROR", "garbage");
    sinkOf(n.connections[0]).ready();
    sinkOf(n.connections[0]).closed(failure);
    await nextOf(n.events, "connected");
    const disconnected = await nextOf(n.events, "disconnected");
    expect(disconnected.endpoint).toBe(endpoint);
    expect(disconnected.error).toBe(failure);
    n.handler.stop();
  });

  it.each([
    ["ready", (sink: ConnectionSink) => sink.ready(), [{ connected: true, code: undefined }]],
    ["data", (sink: ConnectionSink) => sink.data(utf8("x")), [{ connected: true, code: undefined }, { message: "x" }]],
    [
      "closed",
      (sink: ConnectionSink) => sink.closed(new NetError("ECONNREFUSED", "no")),
      [{ connected: false, code: "ECONNREFUSED" }],
    ],
  ] as const)("a sink.%s() made inside connect() is not seen during the call", async (_, call, expected) => {
    const n = node({ onConnect: (c) => call(sinkOf(c)) });
    const endpoint = n.network.connect(SCRIPTED, "peer:1");
    expect(n.events.tryReceive()).toBeUndefined();
    const seen: unknown[] = [];
    for (const e of expected) {
      const event = await nextOf(n.events, "connected" in e ? "connected" : "message");
      expect(event.endpoint).toBe(endpoint);
      seen.push(describeEvent(event));
    }
    expect(seen).toEqual(expected);
    await n.nothingMore();
    n.handler.stop();
  });

  it("a sink call made inside a connect() that then throws is not retried forever", async () => {
    // The driver defers a sink call made inside connect() until connect() returned; if connect()
    // throws instead, the resource never gets its endpoint, and the deferral must not loop.
    const original = globalThis.queueMicrotask;
    let scheduled = 0;
    globalThis.queueMicrotask = (callback) => {
      scheduled += 1;
      if (scheduled <= 10_000) original(callback); // past this, drop: a loop must not hang the run
    };
    try {
      const n = node({
        onConnect: (c) => {
          sinkOf(c).ready();
          throw new NetError("INVALID_ADDRESS", "bad address, found after all");
        },
      });
      expectThrowsCode(() => n.network.connect(SCRIPTED, "peer:1"), "INVALID_ADDRESS");
      await turns();
      expect(n.events.tryReceive()).toBeUndefined();
      n.handler.stop();
    } finally {
      globalThis.queueMicrotask = original;
    }
    expect(scheduled).toBeLessThan(100);
  });

  it("wraps an adapter's thrown error into a NetError, keeping its code and cause", () => {
    const failure = Object.assign(new Error("bad socket option"), { code: "EINVAL" });
    const n = node({
      onConnect: () => {
        throw failure;
      },
    });
    const error = thrownBy(() => n.network.connect(SCRIPTED, "peer:1"));
    expect(error).toBeInstanceOf(NetError);
    expect((error as NetError).code).toBe("EINVAL");
    expect((error as NetError).cause).toBe(failure);
    n.handler.stop();
  });

  it("rejects invalid limits with INVALID_ARGUMENT", () => {
    const n = node();
    expectThrowsCode(() => n.network.connect(SCRIPTED, "peer:1", { maxMessageSize: -1 }), "INVALID_ARGUMENT");
    expectThrowsCode(() => n.network.connect(SCRIPTED, "peer:1", { maxPendingBytes: Number.NaN }), "INVALID_ARGUMENT");
    expect(n.connections).toEqual([]);
    n.handler.stop();
  });
});

describe("send", () => {
  it("hands checked bytes to the adapter: strings as UTF-8, nothing while pending or oversize", async () => {
    const n = node();
    const endpoint = n.network.connect(SCRIPTED, "peer:1", { maxMessageSize: 8 });
    const connection = n.connections[0] as ScriptedConnection;
    expect(n.network.send(endpoint, "x")).toBe(SendStatus.ResourceNotAvailable);
    connection.sink?.ready();
    expect(n.network.send(endpoint, "ünï")).toBe(SendStatus.Sent);
    expect(n.network.send(endpoint, new Uint8Array(9))).toBe(SendStatus.MaxPacketSizeExceeded);
    expect(n.network.send(endpoint, new Uint8Array(8))).toBe(SendStatus.Sent);
    expect(connection.sent.map((d) => Array.from(d))).toEqual([
      Array.from(new TextEncoder().encode("ünï")),
      Array.from(new Uint8Array(8)),
    ]);
    // A smaller limit only the adapter knows wins.
    connection.maxMessageSize = 4;
    expect(n.network.send(endpoint, new Uint8Array(5))).toBe(SendStatus.MaxPacketSizeExceeded);
    n.handler.stop();
  });

  it("refuses with buffer-full past maxPendingBytes, but a lone large message still goes", () => {
    const n = node();
    const endpoint = n.network.connect(SCRIPTED, "peer:1", { maxPendingBytes: 100 });
    const connection = n.connections[0] as ScriptedConnection;
    connection.sink?.ready();
    expect(n.network.send(endpoint, new Uint8Array(500))).toBe(SendStatus.Sent);
    connection.pending = 90;
    expect(n.network.pendingBytes(endpoint)).toBe(90);
    expect(n.network.send(endpoint, new Uint8Array(10))).toBe(SendStatus.Sent);
    expect(n.network.send(endpoint, new Uint8Array(11))).toBe(SendStatus.BufferFull);
    expect(connection.sent.map((d) => d.length)).toEqual([500, 10]);
    n.handler.stop();
  });
});

describe("remove and stop", () => {
  it("remove closes the handle exactly once; later sink calls are silent", async () => {
    const n = node();
    const endpoint = n.network.connect(SCRIPTED, "peer:1");
    const connection = n.connections[0] as ScriptedConnection;
    connection.sink?.ready();
    connection.sink?.data(utf8("queued"));
    expect(n.network.remove(endpoint.id)).toBe(true);
    expect(connection.closes).toBe(1);
    connection.sink?.data(utf8("late"));
    connection.sink?.closed(new NetError("ECONNRESET", "reset"));
    connection.sink?.ready();
    expect(n.network.remove(endpoint.id)).toBe(false);
    await n.nothingMore();
    n.handler.stop();
    expect(connection.closes).toBe(1);
  });

  it("remove of a pending connection: no connected event, ever", async () => {
    const n = node();
    const endpoint = n.network.connect(SCRIPTED, "peer:1");
    expect(n.network.remove(endpoint.id)).toBe(true);
    n.connections[0]?.sink?.ready();
    await n.nothingMore();
    n.handler.stop();
  });

  it("an adapter's close() that throws does not break remove or stop", async () => {
    const n = node();
    const a = n.network.connect(SCRIPTED, "peer:1");
    n.network.connect(SCRIPTED, "peer:2");
    for (const c of n.connections) c.throwOnClose = true;
    expect(n.network.remove(a.id)).toBe(true);
    expect(n.handler.isRunning()).toBe(true);
    expect(() => n.handler.stop()).not.toThrow();
    expect(n.connections.map((c) => c.closes)).toEqual([1, 1]);
  });

  it("stop closes every connection and listener exactly once and drops what was queued", async () => {
    const n = node();
    const { id } = await n.network.listen(SCRIPTED, "here:1");
    const listener = n.listeners[0] as ScriptedListener;
    const accepted = new ScriptedConnection("peer:9");
    const acceptedSink = listener.sink.accepted(accepted);
    n.network.connect(SCRIPTED, "peer:1");
    n.connections[0]?.sink?.ready();
    acceptedSink?.data(utf8("queued"));
    n.handler.stop();
    expect(n.events.tryReceive()).toBeUndefined();
    expect([listener.closes, accepted.closes, n.connections[0]?.closes]).toEqual([1, 1, 1]);
    // Nothing the adapter reports afterwards is seen, and nothing more is closed.
    acceptedSink?.closed();
    expect(listener.sink.accepted(new ScriptedConnection("peer:10"))).toBeUndefined();
    expect(n.network.remove(id)).toBe(false);
    expect(listener.closes).toBe(1);
    await expectRejectsCode(n.events.receive(), "STOPPED");
  });
});

describe("listeners", () => {
  it("accepted: an event with the listener id, then messages, then disconnected", async () => {
    const n = node();
    const { id } = await n.network.listen(SCRIPTED, "here:1");
    const listener = n.listeners[0] as ScriptedListener;
    const connection = new ScriptedConnection("peer:7");
    const sink = listener.sink.accepted(connection);
    expect(sink).toBeDefined();
    sink?.data(utf8("hi"));
    sink?.closed();
    sink?.closed();
    const accepted = await nextOf(n.events, "accepted");
    expect(accepted.listener).toBe(id);
    expect(accepted.endpoint.addr).toBe("peer:7");
    expect((await nextOf(n.events, "message")).endpoint).toBe(accepted.endpoint);
    expect((await nextOf(n.events, "disconnected")).endpoint).toBe(accepted.endpoint);
    await n.nothingMore();
    expect(connection.closes).toBe(0);
    n.handler.stop();
  });

  it("maxConnections: refuses and closes past the limit, frees the slot on close or remove", async () => {
    const n = node();
    await n.network.listen(SCRIPTED, "here:1", { maxConnections: 1 });
    const listener = n.listeners[0] as ScriptedListener;
    const first = new ScriptedConnection("peer:1");
    const firstSink = listener.sink.accepted(first);
    const refused = new ScriptedConnection("peer:2");
    expect(listener.sink.accepted(refused)).toBeUndefined();
    expect(refused.closes).toBe(1);
    firstSink?.closed();
    const second = new ScriptedConnection("peer:3");
    expect(listener.sink.accepted(second)).toBeDefined();
    const accepted = [await nextOf(n.events, "accepted"), await nextOf(n.events, "disconnected")];
    const third = await nextOf(n.events, "accepted");
    expect(accepted[0]?.endpoint.addr).toBe("peer:1");
    expect(third.endpoint.addr).toBe("peer:3");
    expect(n.network.remove(third.endpoint.id)).toBe(true);
    expect(listener.sink.accepted(new ScriptedConnection("peer:4"))).toBeDefined();
    expect((await nextOf(n.events, "accepted")).endpoint.addr).toBe("peer:4");
    await n.nothingMore();
    n.handler.stop();
  });

  it("a removed listener refuses what its adapter still reports", async () => {
    const n = node({ udpLike: true });
    const { id } = await n.network.listen(SCRIPTED, "here:1");
    const listener = n.listeners[0] as ScriptedListener;
    expect(n.network.remove(id)).toBe(true);
    expect(listener.closes).toBe(1);
    const late = new ScriptedConnection("peer:1");
    expect(listener.sink.accepted(late)).toBeUndefined();
    expect(late.closes).toBe(1);
    listener.sink.datagram("peer:2", utf8("late"));
    await n.nothingMore();
    n.handler.stop();
  });

  it("datagrams: one message each, from an endpoint of the listener's id; replies go through sendTo", async () => {
    const n = node({ udpLike: true });
    const { id } = await n.network.listen(SCRIPTED, "here:1");
    const listener = n.listeners[0] as ScriptedListener;
    listener.sink.datagram("peer:1", utf8("one"));
    listener.sink.datagram("peer:1", utf8("two"));
    listener.sink.datagram("peer:2", utf8("three"));
    const messages = [
      await nextOf(n.events, "message"),
      await nextOf(n.events, "message"),
      await nextOf(n.events, "message"),
    ];
    expect(messages.map((m) => [m.endpoint.id, m.endpoint.addr])).toEqual([
      [id, "peer:1"],
      [id, "peer:1"],
      [id, "peer:2"],
    ]);
    expect(messages[0]?.endpoint.key).toBe(messages[1]?.endpoint.key);
    expect(messages[0]?.endpoint.key).not.toBe(messages[2]?.endpoint.key);
    expect(n.network.send(Endpoint.fromListener(id, "peer:3"), "reply")).toBe(SendStatus.Sent);
    expect(listener.sentTo.map(([to, data]) => [to, new TextDecoder().decode(data)])).toEqual([["peer:3", "reply"]]);
    expect(n.network.send(Endpoint.fromListener(id, "peer:3"), new Uint8Array(1001))).toBe(
      SendStatus.MaxPacketSizeExceeded,
    );
    n.handler.stop();
  });

  it("sending through a listener that cannot send is not-found", async () => {
    const n = node();
    const { id } = await n.network.listen(SCRIPTED, "here:1");
    expect(n.network.send(Endpoint.fromListener(id, "peer:1"), "x")).toBe(SendStatus.ResourceNotFound);
    n.handler.stop();
  });

  it("wraps a listen failure into a NetError with the platform's code and the original as cause", async () => {
    const failure = Object.assign(new Error("in use"), { code: "EADDRINUSE" });
    const adapter: Adapter = {
      transport: SCRIPTED,
      info: { connectionOriented: true, packetBased: true, maxMessageSize: 1000 },
      listen: () => Promise.reject(failure),
    };
    const { handler } = split<never>({ adapters: [adapter] });
    const error = await expectRejectsCode(handler.network.listen(SCRIPTED, "here:1"), "EADDRINUSE");
    expect(error.cause).toBe(failure);
    expectThrowsCode(() => handler.network.connect(SCRIPTED, "here:1"), "UNSUPPORTED_TRANSPORT");
    handler.stop();
  });
});
