/**
 * Bounded resources: a peer that never reads cannot grow the sender's memory past
 * `maxPendingBytes`; a listener holds at most `maxConnections`; and the deadlines
 * (`handshakeTimeout`, `frameTimeout`, `idleTimeout`) close slow or silent peers, and only them.
 */
import type net from "node:net";
import { setImmediate as nextTurn } from "node:timers/promises";
import { type Endpoint, SendStatus, Transport } from "message-io";
import { describe, expect, it } from "vitest";
import { isAccepted, isConnected, isDisconnected, type Recorder, recordedNode } from "../support/recorder.js";
import { rawUpgrade } from "./raw-ws.js";
import { type Disconnected, echoNode, GoodClient, guardEveryTest, rawSocket, socketClosed } from "./support.js";

const LOCAL = "127.0.0.1:0";
const KiB = 1024;

guardEveryTest();

/** The bytes one 16 KiB message takes on the wire: its length prefix, or a server frame's header. */
const WIRE_OVERHEAD = { tcp: 0, "framed-tcp": 3, ws: 4 } as const;

/** The `disconnected` of the first connection `server` accepted after `before` accepts. */
async function nextAccepted(server: Recorder, before: number): Promise<Endpoint> {
  return ((await server.waitForCount(isAccepted, before + 1))[before] as { endpoint: Endpoint }).endpoint;
}

function disconnectedOf(server: Recorder, endpoint: Endpoint): Promise<Disconnected> {
  return server.waitFor((e): e is Disconnected => isDisconnected(e) && e.endpoint === endpoint);
}

describe.each([Transport.Tcp, Transport.FramedTcp, Transport.Ws] as const)("%s limits", (transport) => {
  it("a peer that never reads cannot grow the sender's backlog past maxPendingBytes", async () => {
    const maxPendingBytes = 256 * KiB;
    const message = new Uint8Array(16 * KiB).fill(7);
    const wireSize = message.length + WIRE_OVERHEAD[transport];
    const server = recordedNode();
    const { addr } = await server.network.listen(transport, LOCAL, { maxPendingBytes });
    const reader: net.Socket = transport === Transport.Ws ? await rawUpgrade(addr) : await rawSocket(addr);
    reader.pause(); // reads nothing: the kernel's buffers fill, then ours
    const endpoint = await nextAccepted(server, 0);

    let sent = 0;
    let refused = 0;
    let largest = 0;
    const started = performance.now();
    // Bounded: 20,000 messages (320 MiB) or 20 s, far more than the kernel's buffers hold.
    for (let i = 0; i < 20_000 && refused < 200 && performance.now() - started < 20_000; i++) {
      const status = server.network.send(endpoint, message);
      expect([SendStatus.Sent, SendStatus.BufferFull]).toContain(status);
      if (status === SendStatus.Sent) sent += 1;
      else refused += 1;
      largest = Math.max(largest, server.network.pendingBytes(endpoint));
      await nextTurn(); // let the socket hand what it can to the kernel
    }
    expect(refused, "send never answered buffer-full").toBe(200);
    expect(largest).toBeGreaterThan(maxPendingBytes - wireSize); // the limit was reached...
    expect(largest).toBeLessThanOrEqual(maxPendingBytes + wireSize); // ...and never passed by more than a message

    // Once the peer reads again, every message `send` accepted arrives: backpressure lost nothing.
    let received = 0;
    const expected = sent * wireSize;
    await new Promise<void>((resolve) => {
      reader.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received >= expected) resolve();
      });
      reader.resume();
    });
    expect(received).toBe(expected);
    reader.destroy();
  });

  it("maxConnections: a connection past the limit is closed at once, without accepted", async () => {
    const server = echoNode();
    const { addr } = await server.network.listen(transport, LOCAL, { maxConnections: 3 });
    const dial = transport === Transport.Ws ? `ws://${addr}/` : addr;
    const clients = recordedNode();
    const admitted = await Promise.all([1, 2, 3].map(() => clients.network.connectAsync(transport, dial)));
    await server.waitForCount(isAccepted, 3);

    // Two more: the transport connects them (TCP accept, ws upgrade), then the listener lets them go.
    const extra = [clients.network.connect(transport, dial), clients.network.connect(transport, dial)];
    const refused = await clients.waitForCount((e) => isDisconnected(e) && extra.includes(e.endpoint), 2);
    expect(refused).toHaveLength(2);
    expect(server.ofType("accepted")).toHaveLength(3);

    // A place freed is a place taken.
    clients.network.remove((admitted[0] as Endpoint).id);
    await server.waitFor(isDisconnected);
    const later = await GoodClient.connect(server, transport, addr);
    await later.assertServed(server);
    expect(server.ofType("accepted")).toHaveLength(4);
    expect(clients.ofType("connected").filter((e) => isConnected(e) && e.ok)).toHaveLength(5);
  });
});

describe.each([Transport.Tcp, Transport.FramedTcp] as const)("%s deadlines", (transport) => {
  it("handshakeTimeout: a peer that sends nothing is closed with ETIMEDOUT; one that spoke is not", async () => {
    const server = echoNode();
    const { addr } = await server.network.listen(transport, LOCAL, { handshakeTimeout: 300 });
    const good = await GoodClient.connect(server, transport, addr); // speaks at once
    const silent = await rawSocket(addr);
    const silentSide = await nextAccepted(server, 1);
    const started = performance.now();
    const gone = await disconnectedOf(server, silentSide);
    const waited = performance.now() - started;
    expect(gone.error?.code).toBe("ETIMEDOUT");
    expect(gone.error?.message).toMatch(/handshakeTimeout/);
    expect(waited).toBeGreaterThan(250);
    expect(waited).toBeLessThan(3_000);
    await socketClosed(silent);
    await good.assertServed(server);
  });

  it("idleTimeout: a peer silent for that long is closed with ETIMEDOUT; a talking one is not", async () => {
    const server = echoNode();
    const { addr } = await server.network.listen(transport, LOCAL, { idleTimeout: 300 });
    const good = await GoodClient.connect(server, transport, addr);
    const quiet = await rawSocket(addr);
    quiet.write(transport === Transport.Tcp ? "hello" : "\u0000"); // said something once, then nothing
    const quietSide = await nextAccepted(server, 1);
    const gone = disconnectedOf(server, quietSide);
    let finished = false;
    void gone.then(() => {
      finished = true;
    });
    const started = performance.now();
    for (let round = 0; !finished && round < 100_000 && performance.now() - started < 10_000; round++) {
      await good.echo();
    }
    expect((await gone).error?.message).toMatch(/idleTimeout/);
    expect(performance.now() - started).toBeGreaterThan(250);
    await socketClosed(quiet);
    await good.assertServed(server);
  });

  it("idleTimeout on connect: a server that goes silent ends the client's connection", async () => {
    const silentServer = recordedNode();
    const { addr } = await silentServer.network.listen(transport, LOCAL);
    const client = recordedNode();
    const endpoint = await client.network.connectAsync(transport, addr, { idleTimeout: 200 });
    const gone = await client.waitFor((e): e is Disconnected => isDisconnected(e) && e.endpoint === endpoint);
    expect(gone.error?.code).toBe("ETIMEDOUT");
  });

  it("rejects invalid deadline options with INVALID_ARGUMENT", async () => {
    const node = recordedNode();
    const invalid = expect.objectContaining({ code: "INVALID_ARGUMENT" });
    for (const options of [
      { handshakeTimeout: -5 },
      { frameTimeout: Number.POSITIVE_INFINITY },
      { idleTimeout: "9" },
    ]) {
      await expect(node.network.listen(transport, LOCAL, options as never)).rejects.toEqual(invalid);
    }
    for (const options of [{ frameTimeout: -1 }, { idleTimeout: Number.NaN }]) {
      expect(() => node.network.connect(transport, "127.0.0.1:9", options)).toThrow(invalid);
    }
  });
});

describe("framed-tcp frameTimeout", () => {
  it.each([
    ["a prefix and nothing more", Uint8Array.from([100])],
    ["a prefix and part of the message", Uint8Array.from([100, ...new Uint8Array(10)])],
    ["part of a prefix", Uint8Array.from([0x80])],
  ])("ends a connection that sends %s, with ETIMEDOUT", async (_name, bytes) => {
    const server = echoNode();
    const { addr } = await server.network.listen(Transport.FramedTcp, LOCAL, { frameTimeout: 200 });
    const good = await GoodClient.connect(server, Transport.FramedTcp, addr);
    const stalled = await rawSocket(addr);
    stalled.write(bytes);
    const gone = await disconnectedOf(server, await nextAccepted(server, 1));
    expect(gone.error?.code).toBe("ETIMEDOUT");
    expect(gone.error?.message).toMatch(/frameTimeout/);
    await good.assertServed(server);
  });

  it("ends a slowloris that trickles a message byte by byte, however steadily", async () => {
    const server = echoNode();
    const { addr } = await server.network.listen(Transport.FramedTcp, LOCAL, { frameTimeout: 300 });
    const good = await GoodClient.connect(server, Transport.FramedTcp, addr);
    const slow = await rawSocket(addr);
    const slowSide = nextAccepted(server, 1);
    slow.write(Uint8Array.from([0xe8, 0x07])); // 1000 bytes announced
    let dripped = 0;
    // A byte every 20 ms: never idle, never done (1000 bytes would take 20 s).
    const drip = setInterval(() => slow.write(Uint8Array.of(++dripped & 0xff)), 20);
    try {
      const gone = await disconnectedOf(server, await slowSide);
      expect(gone.error?.message).toMatch(/frameTimeout/);
      expect(dripped).toBeGreaterThan(5);
    } finally {
      clearInterval(drip);
    }
    await good.assertServed(server);
  });

  it("lets complete messages through, a 4 MiB one included, however many", async () => {
    const server = echoNode();
    const { addr } = await server.network.listen(Transport.FramedTcp, LOCAL, { frameTimeout: 2_000 });
    const good = await GoodClient.connect(server, Transport.FramedTcp, addr);
    const big = new Uint8Array(4 * 1024 * KiB).fill(1);
    const before = good.node.ofType("message").length;
    good.node.network.send(good.endpoint, big);
    const [echoed] = (await good.node.waitForCount((e) => e.type === "message", before + 1)).slice(before);
    expect(echoed?.type === "message" && echoed.data.length).toBe(big.length);
    for (let i = 0; i < 50; i++) await good.echo();
    await good.assertServed(server);
  });
});
