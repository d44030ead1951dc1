/**
 * The contract suite: the same scenarios for every connection-oriented transport, modelled on
 * message-io's integration tests. Transport differences are read from `transportInfo`, not names.
 */
import {
  type Endpoint,
  NetError,
  type NetEvent,
  type NodeEvent,
  SendStatus,
  Transport,
  transportInfo,
} from "message-io";
import { afterEach, describe, expect, it } from "vitest";
import {
  concatBytes,
  isAccepted,
  isConnected,
  isDisconnected,
  isMessage,
  patternBytes,
  type Recorder,
  recordedNode,
  sameBytes,
  stopAll,
} from "../support/recorder.js";

type ConnectedEvent = Extract<NetEvent, { type: "connected" }>;

const transports = [Transport.Tcp, Transport.FramedTcp, Transport.Ws] as const;
const LOCAL = "127.0.0.1:0";

afterEach(stopAll);

/** A node that sends every message back where it came from. */
function echoServer<S = never>(): Recorder<S> {
  const server: Recorder<S> = recordedNode<S>((event) => {
    if (event.type === "message") server.network.send(event.endpoint, event.data);
  });
  return server;
}

/** Everything `endpoint` received, concatenated (a stream transport may split or merge messages). */
function receivedBytes<S>(node: Recorder<S>, endpoint: Endpoint): Uint8Array {
  return concatBytes(
    node
      .about(endpoint.key)
      .filter(isMessage)
      .map((e) => e.data),
  );
}

async function waitForBytes<S>(node: Recorder<S>, endpoint: Endpoint, length: number): Promise<Uint8Array> {
  const fromEndpoint = (e: NodeEvent<S>) => isMessage(e) && e.endpoint === endpoint;
  for (let count = 1; receivedBytes(node, endpoint).length < length; count++) {
    await node.waitForCount(fromEndpoint, count);
  }
  return receivedBytes(node, endpoint);
}

/** Resolves once every event queued before it on `node` was delivered (signals share the one FIFO). */
async function drained(node: Recorder<string>): Promise<void> {
  const mark = `barrier-${Math.random()}`;
  node.handler.signals.send(mark);
  await node.waitFor((e) => e.type === "signal" && e.signal === mark);
}

describe.each(transports)("%s", (transport) => {
  const { packetBased } = transportInfo(transport);

  it.each([1, 100])(
    "echoes for %i clients, one connected each, and remove disconnects the peer only",
    async (count) => {
      const server = echoServer();
      const { id: listenerId, addr } = await server.network.listen(transport, LOCAL);
      const client = recordedNode();
      const endpoints = Array.from({ length: count }, () => client.network.connect(transport, addr));

      const connected = await client.waitForCount(isConnected, count);
      expect(connected.map((e) => e.ok)).toEqual(endpoints.map(() => true));
      // The endpoint in the event is the very object connect() returned.
      expect(new Set(connected.map((e) => e.endpoint))).toEqual(new Set(endpoints));

      const accepted = await server.waitForCount(isAccepted, count);
      expect(accepted.every((e) => e.listener === listenerId)).toBe(true);

      const payloads = endpoints.map((_, i) => new TextEncoder().encode(`hello from client ${i}`));
      endpoints.forEach((endpoint, i) => {
        expect(client.network.send(endpoint, payloads[i] as Uint8Array)).toBe(SendStatus.Sent);
      });
      for (const [i, endpoint] of endpoints.entries()) {
        const expected = payloads[i] as Uint8Array;
        expect(await waitForBytes(client, endpoint, expected.length)).toEqual(expected);
        if (packetBased) expect(client.about(endpoint.key).filter(isMessage)).toHaveLength(1);
      }

      for (const endpoint of endpoints) expect(client.network.remove(endpoint.id)).toBe(true);
      await server.waitForCount(isDisconnected, count);
      // Every accepted connection ended exactly once, cleanly, and the client heard nothing of it.
      expect(new Set(server.ofType("disconnected").map((e) => e.endpoint))).toEqual(
        new Set(accepted.map((e) => e.endpoint)),
      );
      expect(server.ofType("disconnected").every((e) => e.error === undefined)).toBe(true);
      expect(client.ofType("disconnected")).toHaveLength(0);
      for (const endpoint of endpoints) {
        expect(client.about(endpoint.key).filter(isConnected)).toHaveLength(1);
        expect(client.network.isReady(endpoint.id)).toBeUndefined();
      }
    },
  );

  it("delivers an 8 MiB message intact", async () => {
    const server = echoServer();
    const { addr } = await server.network.listen(transport, LOCAL);
    const client = recordedNode();
    const endpoint = await client.network.connectAsync(transport, addr);
    const big = patternBytes(8 * 1024 * 1024, 7);
    expect(client.network.send(endpoint, big)).toBe(SendStatus.Sent);
    expect(sameBytes(await waitForBytes(client, endpoint, big.length), big)).toBe(true);
    if (packetBased) expect(client.about(endpoint.key).filter(isMessage)).toHaveLength(1);
  });

  it("takes the bytes at the call: the sender may reuse its buffer at once", async () => {
    const server = echoServer();
    const { addr } = await server.network.listen(transport, LOCAL);
    const client = recordedNode();
    const endpoint = await client.network.connectAsync(transport, addr);
    const count = 50;
    const scratch = new Uint8Array(100_000); // large enough to be queued, not written at once
    for (let i = 0; i < count; i++) {
      scratch.fill(i);
      client.network.send(endpoint, scratch);
    }
    scratch.fill(255);
    const received = await waitForBytes(client, endpoint, count * scratch.length);
    for (let i = 0; i < count; i++) {
      const part = received.subarray(i * scratch.length, (i + 1) * scratch.length);
      expect(part.every((byte) => byte === i)).toBe(true);
    }
  });

  it("keeps the order and bytes of one turn that mixes small and large messages", async () => {
    const server = echoServer();
    const { addr } = await server.network.listen(transport, LOCAL);
    const client = recordedNode();
    const endpoint = await client.network.connectAsync(transport, addr);
    // Small messages are staged per turn (more than one staging buffer's worth here), large ones
    // written on their own: the order must hold across both, and the scratch is reused at once.
    const sizes = Array.from({ length: 400 }, (_, i) => [1, 100, 1023, 1024, 1500, 64, 20_000][i % 7] as number);
    const scratch = new Uint8Array(20_000);
    const expected: Uint8Array[] = [];
    for (const [i, size] of sizes.entries()) {
      const message = patternBytes(size, i + 1);
      scratch.set(message);
      client.network.send(endpoint, scratch.subarray(0, size));
      scratch.fill(0);
      expected.push(message);
    }
    const all = concatBytes(expected);
    expect(sameBytes(await waitForBytes(client, endpoint, all.length), all)).toBe(true);
  });

  it("reports a connect to a closed port as one connected with ok: false", async () => {
    const probe = recordedNode();
    const { id, addr } = await probe.network.listen(transport, LOCAL);
    probe.network.remove(id); // now nothing listens there
    const client = recordedNode<string>();
    const endpoint = client.network.connect(transport, addr);
    expect(client.network.send(endpoint, "too early")).toBe(SendStatus.ResourceNotAvailable);
    expect(client.network.isReady(endpoint.id)).toBe(false);

    const event = await client.waitFor(isConnected);
    expect(event.endpoint).toBe(endpoint);
    expect(event.ok).toBe(false);
    expect(event.error).toBeInstanceOf(NetError);
    expect(event.error?.code).toBe("ECONNREFUSED");
    expect(client.network.isReady(endpoint.id)).toBeUndefined();
    expect(client.network.send(endpoint, "gone")).toBe(SendStatus.ResourceNotFound);
    await drained(client);
    expect(client.about(endpoint.key)).toHaveLength(1);

    const rejected = client.network.connectAsync(transport, addr);
    await expect(rejected).rejects.toMatchObject({ name: "NetError", code: "ECONNREFUSED" });
    // connectAsync still emits its connected event.
    await client.waitForCount(isConnected, 2);
  });

  it("resolves connectAsync with the endpoint of its connected event", async () => {
    const server = echoServer();
    const { addr } = await server.network.listen(transport, LOCAL);
    const client = recordedNode();
    const endpoint = await client.network.connectAsync(transport, addr);
    expect(client.network.isReady(endpoint.id)).toBe(true);
    const event = await client.waitFor(isConnected);
    expect(event).toMatchObject({ ok: true });
    expect(event.endpoint).toBe(endpoint);
  });

  it("removes listeners and connections without events, and tracks isReady", async () => {
    const server = echoServer<string>();
    const { id: listenerId, addr } = await server.network.listen(transport, LOCAL);
    expect(server.network.isReady(listenerId)).toBe(true);
    const client = recordedNode<string>();
    const first = client.network.connect(transport, addr);
    expect(client.network.isReady(first.id)).toBe(false);
    await client.waitFor(isConnected);
    expect(client.network.isReady(first.id)).toBe(true);
    const { endpoint: serverSide } = await server.waitFor(isAccepted);

    // Removing the listener closes no accepted connection and emits nothing.
    expect(server.network.remove(listenerId)).toBe(true);
    expect(server.network.isReady(listenerId)).toBeUndefined();
    expect(server.network.remove(listenerId)).toBe(false);
    client.network.send(first, "still here");
    await waitForBytes(client, first, "still here".length);
    const refused = client.network.connect(transport, addr);
    const outcome = await client.waitFor((e): e is ConnectedEvent => isConnected(e) && e.endpoint === refused);
    expect(outcome.ok).toBe(false);

    // Removing a connection: nothing of it is delivered after remove() returns, not even what was queued.
    client.network.send(first, "sent before the remove");
    await server.waitForCount((e) => isMessage(e) && e.endpoint === serverSide, 2);
    client.network.send(first, "in flight during the remove");
    expect(server.network.remove(serverSide.id)).toBe(true);
    const eventsAtRemoval = server.about(serverSide.key).length;
    expect(server.network.isReady(serverSide.id)).toBeUndefined();
    expect(server.network.send(serverSide, "after remove")).toBe(SendStatus.ResourceNotFound);
    const gone = await client.waitFor((e) => isDisconnected(e) && e.endpoint === first);
    expect(gone.type).toBe("disconnected");
    await drained(server);
    expect(server.about(serverSide.key).length).toBe(eventsAtRemoval);
    expect(server.ofType("disconnected")).toHaveLength(0);
    expect(client.network.isReady(first.id)).toBeUndefined();
  });

  it("stop() closes everything silently and makes the node final", async () => {
    const server = echoServer();
    const { id, addr } = await server.network.listen(transport, LOCAL);
    const client = recordedNode();
    const endpoint = await client.network.connectAsync(transport, addr);
    const { endpoint: serverSide } = await server.waitFor(isAccepted);
    const pending = client.network.connectAsync(transport, addr);

    client.handler.stop();
    await client.done;
    expect(client.handler.isRunning()).toBe(false);
    await expect(pending).rejects.toMatchObject({ code: "STOPPED" });
    expect(client.network.send(endpoint, "x")).toBe(SendStatus.ResourceNotFound);
    expect(() => client.network.connect(transport, addr)).toThrow(expect.objectContaining({ code: "STOPPED" }));
    await expect(client.network.connectAsync(transport, addr)).rejects.toMatchObject({ code: "STOPPED" });
    await expect(client.network.listen(transport, LOCAL)).rejects.toMatchObject({ code: "STOPPED" });
    expect(client.ofType("disconnected")).toHaveLength(0);

    // The peer sees the connection end.
    await server.waitFor((e) => isDisconnected(e) && e.endpoint === serverSide);
    expect(server.network.isReady(id)).toBe(true);
  });
});

describe.each([Transport.FramedTcp, Transport.Ws])("%s, reliable and ordered", (transport) => {
  it("delivers a burst of 200,000 messages in strict order", async () => {
    const total = 200_000;
    let next = 0;
    let outOfOrder = 0;
    let finished!: () => void;
    const allReceived = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const server = recordedNode((event) => {
      if (event.type !== "message") return;
      const view = new DataView(event.data.buffer, event.data.byteOffset, event.data.byteLength);
      if (event.data.length !== 4 || view.getUint32(0, true) !== next) outOfOrder += 1;
      next += 1;
      if (next === total) finished();
    });
    server.events.length = 0;
    const { addr } = await server.network.listen(transport, LOCAL);
    const client = recordedNode();
    const endpoint = await client.network.connectAsync(transport, addr);
    const message = new Uint8Array(4);
    const view = new DataView(message.buffer);
    for (let i = 0; i < total; i++) {
      view.setUint32(0, i, true);
      expect(client.network.send(endpoint, message)).toBe(SendStatus.Sent);
    }
    await allReceived;
    expect(outOfOrder).toBe(0);
    expect(next).toBe(total);
  });
});

describe("framed-tcp", () => {
  it("delivers an empty message as one empty message", async () => {
    const server = recordedNode();
    const { addr } = await server.network.listen(Transport.FramedTcp, LOCAL);
    const client = recordedNode();
    const endpoint = await client.network.connectAsync(Transport.FramedTcp, addr);
    client.network.send(endpoint, new Uint8Array(0));
    client.network.send(endpoint, "after");
    const messages = await server.waitForCount(isMessage, 2);
    expect(messages.map((m) => m.data.length)).toEqual([0, 5]);
  });

  it("ends a connection whose peer announces a message over maxMessageSize", async () => {
    const server = recordedNode();
    const { addr } = await server.network.listen(Transport.FramedTcp, LOCAL, { maxMessageSize: 1024 });
    const client = recordedNode();
    const endpoint = await client.network.connectAsync(Transport.FramedTcp, addr);
    expect(client.network.send(endpoint, new Uint8Array(2048))).toBe(SendStatus.Sent);
    const gone = await server.waitFor(isDisconnected);
    expect(gone.error?.code).toBe("MESSAGE_TOO_LARGE");
    await client.waitFor(isDisconnected);
  });

  it("refuses to send a message over its own maxMessageSize", async () => {
    const server = recordedNode();
    const { addr } = await server.network.listen(Transport.FramedTcp, LOCAL);
    const client = recordedNode();
    const endpoint = await client.network.connectAsync(Transport.FramedTcp, addr, { maxMessageSize: 100 });
    expect(client.network.send(endpoint, new Uint8Array(101))).toBe(SendStatus.MaxPacketSizeExceeded);
    expect(client.network.send(endpoint, new Uint8Array(100))).toBe(SendStatus.Sent);
    expect((await server.waitFor(isMessage)).data.length).toBe(100);
  });
});
