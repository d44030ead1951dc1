/**
 * The core's inbound backpressure, step by step, over a scripted transport: the test plays the
 * socket (calling the sinks) and the user (taking events one at a time), so every threshold is
 * checked exactly. The flood tests check the same over real sockets.
 */
import {
  type Adapter,
  type Connection,
  type ConnectionSink,
  type EventReceiver,
  type ListenerSink,
  SendStatus,
  split,
} from "message-io";
import { describe, expect, it } from "vitest";

const SCRIPTED = "scripted-backpressure";

/** A scripted connection that records when the core pauses and resumes its reading. */
class ScriptedConnection implements Connection {
  readonly addr = "peer:1";
  readonly calls: string[] = [];
  sink!: ConnectionSink;
  send(): SendStatus {
    return SendStatus.Sent;
  }
  pendingBytes(): number {
    return 0;
  }
  close(): void {
    this.calls.push("close");
  }
  pauseReading(): void {
    this.calls.push("pause");
  }
  resumeReading(): void {
    this.calls.push("resume");
  }
}

function scriptedNode(options: { maxQueuedMessages?: number; maxQueuedBytes?: number } = {}) {
  let connection!: ScriptedConnection;
  let listenerSink!: ListenerSink;
  const adapter: Adapter = {
    transport: SCRIPTED,
    info: { connectionOriented: true, packetBased: true, maxMessageSize: 1 << 20 },
    connect({ sink }) {
      connection = new ScriptedConnection();
      connection.sink = sink;
      queueMicrotask(() => sink.ready());
      return connection;
    },
    async listen({ sink }) {
      listenerSink = sink;
      return { addr: "here:1", close() {} };
    },
  };
  const node = split({ adapters: [adapter] });
  const receiver = node.listener.enqueue();
  return { node, receiver, options, connection: () => connection, listenerSink: () => listenerSink };
}

/** Takes `count` message events, failing on anything else. */
function take(receiver: EventReceiver<never>, count: number): void {
  for (let i = 0; i < count; i++) expect(receiver.tryReceive()?.type).toBe("message");
}

describe("inbound backpressure", () => {
  it("pauses reading at maxQueuedMessages and resumes once the listener has taken half", async () => {
    const { node, receiver, connection } = scriptedNode();
    await node.handler.network.connectAsync(SCRIPTED, "peer:1", { maxQueuedMessages: 10 });
    expect(receiver.tryReceive()?.type).toBe("connected");
    const c = connection();
    for (let i = 0; i < 9; i++) c.sink.data(new Uint8Array(1));
    expect(c.calls).toEqual([]);
    c.sink.data(new Uint8Array(1)); // the 10th
    expect(c.calls).toEqual(["pause"]);
    for (let i = 0; i < 5; i++) c.sink.data(new Uint8Array(1)); // what was already read still queues
    expect(c.calls).toEqual(["pause"]);
    take(receiver, 9); // 6 left: more than half
    expect(c.calls).toEqual(["pause"]);
    take(receiver, 1); // 5 left: half
    expect(c.calls).toEqual(["pause", "resume"]);
    take(receiver, 5);
    expect(receiver.tryReceive()).toBeUndefined();
    node.handler.stop();
  });

  it("pauses at maxQueuedBytes, a single message larger than it included", async () => {
    const { node, receiver, connection } = scriptedNode();
    await node.handler.network.connectAsync(SCRIPTED, "peer:1", { maxQueuedBytes: 1000 });
    receiver.tryReceive();
    const c = connection();
    c.sink.data(new Uint8Array(600));
    expect(c.calls).toEqual([]);
    c.sink.data(new Uint8Array(400));
    expect(c.calls).toEqual(["pause"]);
    take(receiver, 1); // 400 bytes left, under half
    expect(c.calls).toEqual(["pause", "resume"]);
    take(receiver, 1);
    c.sink.data(new Uint8Array(5000));
    expect(c.calls).toEqual(["pause", "resume", "pause"]);
    take(receiver, 1);
    expect(c.calls).toEqual(["pause", "resume", "pause", "resume"]);
    node.handler.stop();
  });

  it("never resumes a connection that was removed or has closed", async () => {
    const { node, receiver, connection } = scriptedNode();
    const endpoint = await node.handler.network.connectAsync(SCRIPTED, "peer:1", { maxQueuedMessages: 2 });
    receiver.tryReceive();
    const c = connection();
    c.sink.data(new Uint8Array(1));
    c.sink.data(new Uint8Array(1));
    c.sink.closed();
    expect(c.calls).toEqual(["pause"]);
    take(receiver, 2);
    expect(receiver.tryReceive()?.type).toBe("disconnected");
    expect(c.calls).toEqual(["pause"]);
    expect(node.handler.network.remove(endpoint.id)).toBe(false);
    node.handler.stop();
  });

  it("a connectionless listener drops datagrams past the limit, and takes them again once drained", async () => {
    const { node, receiver, listenerSink } = scriptedNode();
    await node.handler.network.listen(SCRIPTED, "here:1", { maxQueuedMessages: 3 });
    const sink = listenerSink();
    for (let i = 0; i < 10; i++) sink.datagram("peer:9", Uint8Array.of(i));
    const first = [1, 2, 3].map(() => receiver.tryReceive());
    expect(first.map((e) => (e?.type === "message" ? e.data[0] : undefined))).toEqual([0, 1, 2]);
    expect(receiver.tryReceive()).toBeUndefined();
    sink.datagram("peer:9", Uint8Array.of(42));
    const later = receiver.tryReceive();
    expect(later?.type === "message" && later.data[0]).toBe(42);
    node.handler.stop();
  });

  it("rejects invalid limits with INVALID_ARGUMENT", () => {
    const { node } = scriptedNode();
    for (const options of [{ maxQueuedMessages: -1 }, { maxQueuedBytes: Number.NaN }]) {
      expect(() => node.handler.network.connect(SCRIPTED, "peer:1", options)).toThrow(
        expect.objectContaining({ code: "INVALID_ARGUMENT" }),
      );
    }
    node.handler.stop();
  });
});
