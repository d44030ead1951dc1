/**
 * Hostile peers against a listener with identity (LAYERS.md section 2): a hello that never comes,
 * a hello of 10 MB, garbage instead of a hello, an id of 10,000 bytes, a flood of pings, and
 * thousands of half-done handshakes. Each ends only that connection (a failed handshake silently,
 * an accepted flooder with a code), nothing escapes to the process, and a good client is served.
 *
 * The attackers are nodes without identity, which send whatever bytes they like as messages, so
 * the same attacks run on every transport; the half-done handshakes are raw TCP sockets.
 */
import type { Socket } from "node:net";
import { type Endpoint, type NetEvent, type NodeEvent, SendStatus, Transport } from "message-io";
import { encodeVarint } from "message-io/adapter";
import { afterEach, describe, expect, it } from "vitest";
import { encodeHello, encodePing, Tag } from "../../src/layer/identity/wire.js";
import { identityNode, nodeWith, stopIdentityNodes } from "../support/identity.js";
import { isAccepted, isConnected, isDisconnected, isMessage, type Recorder } from "../support/recorder.js";
import { rawUpgrade } from "./raw-ws.js";
import { guardEveryTest, rawSocket, socketClosed } from "./support.js";

type Accepted = Extract<NetEvent, { type: "accepted" }>;
/** How a connector's connection ends: a failed `connected`, or `disconnected`. */
type Ended = { readonly error?: { readonly code: string } };

const LOCAL = "127.0.0.1:0";
const TIMEOUT = 400;
const transports = [Transport.FramedTcp, Transport.Ws] as const;
const utf8 = new TextEncoder();

guardEveryTest(stopIdentityNodes);
afterEach(stopIdentityNodes);

const dial = (transport: string, addr: string) => (transport === Transport.Ws ? `ws://${addr}/` : addr);

/** An echo server with identity and a short handshake deadline, and a good client already served. */
async function setUp(transport: string) {
  const server: Recorder = identityNode({ id: "server", timeout: TIMEOUT }, (event) => {
    if (event.type === "message") server.network.send(event.endpoint, event.data);
  });
  const { addr } = await server.network.listen(transport, LOCAL);
  const good = identityNode({ id: "good" });
  const endpoint = await good.network.connectAsync(transport, dial(transport, addr));
  await echo(good, endpoint, "before");
  return { server, addr, good, endpoint };
}

async function echo(node: Recorder, endpoint: Endpoint, content: string): Promise<void> {
  expect(node.network.send(endpoint, content)).toBe(SendStatus.Sent);
  await node.waitFor((e) => isMessage(e) && new TextDecoder().decode(e.data) === content);
}

/** The good client is still served, and the server never heard of anyone but it (and `also`). */
async function assertOnlyGoodServed(setup: Awaited<ReturnType<typeof setUp>>, also: string[] = []): Promise<void> {
  await echo(setup.good, setup.endpoint, "after");
  expect(setup.good.events.filter(isDisconnected)).toEqual([]);
  const others = setup.server.events.filter(
    (e) => e.type !== "message" && !(isAccepted(e) && e.peer?.id === "good") && !also.includes(idOf(setup.server, e)),
  );
  expect(others).toEqual([]);
}

/** The peer id of the connection an event is about, looked up in the server's `accepted` events. */
function idOf(server: Recorder, event: NodeEvent<never>): string {
  if (event.type === "signal") return "";
  const accepted = server.events.find((e) => isAccepted(e) && e.endpoint === event.endpoint);
  return accepted?.type === "accepted" ? (accepted.peer?.id ?? "") : "";
}

/** A node without identity connected to `addr`: it sees the server's hello as a message. */
async function attacker(transport: string, addr: string) {
  const node = nodeWith({});
  const endpoint = await node.network.connectAsync(transport, dial(transport, addr));
  expect((await node.waitFor(isMessage)).data[0]).toBe(Tag.Hello);
  return { node, endpoint };
}

describe.each(transports)("%s listener with identity under attack", (transport) => {
  it("closes, silently, a connection whose hello never comes", async () => {
    const setup = await setUp(transport);
    const { node } = await attacker(transport, setup.addr);
    const started = performance.now();
    await node.waitFor(isDisconnected);
    expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT - 50);
    await assertOnlyGoodServed(setup);
  });

  it("closes, silently, a connection whose hello is 10 MB", async () => {
    const setup = await setUp(transport);
    const { node, endpoint } = await attacker(transport, setup.addr);
    const huge = encodeHello(utf8.encode("huge"), new Uint8Array(10 * 1024 * 1024), false);
    expect(node.network.send(endpoint, huge)).toBe(SendStatus.Sent);
    await node.waitFor(isDisconnected);
    await assertOnlyGoodServed(setup);
  });

  it("closes, silently, connections that send garbage instead of a hello", async () => {
    const setup = await setUp(transport);
    const garbage = [
      utf8.encode("GET / HTTP/1.1\r\n\r\n"),
      new Uint8Array(0),
      new Uint8Array([Tag.Hello]),
      new Uint8Array([Tag.Hello, 0x4d, 0x49, 99, 0, 1, 0x61]), // a version from the future
      new Uint8Array([Tag.Accept]),
      new Uint8Array([Tag.Data, 1, 2, 3]),
      encodePing(Tag.Ping, 1),
      encodeHello(new Uint8Array([0xff, 0xfe]), undefined, false), // an id that is not UTF-8
    ];
    for (const bytes of garbage) {
      const { node, endpoint } = await attacker(transport, setup.addr);
      node.network.send(endpoint, bytes);
      await node.waitFor(isDisconnected);
    }
    await assertOnlyGoodServed(setup);
  });

  it("closes, silently, a connection whose id has 10,000 bytes", async () => {
    const setup = await setUp(transport);
    const { node, endpoint } = await attacker(transport, setup.addr);
    const length = encodeVarint(10_000);
    const hello = new Uint8Array(5 + length.length + 10_000).fill(0x61);
    hello.set([Tag.Hello, 0x4d, 0x49, 1, 0], 0);
    hello.set(length, 5);
    node.network.send(endpoint, hello);
    await node.waitFor(isDisconnected);
    await assertOnlyGoodServed(setup);
  });

  it("ends a peer that floods pings with PROTOCOL_ERROR, and only it", async () => {
    const setup = await setUp(transport);
    const { node, endpoint } = await attacker(transport, setup.addr);
    node.network.send(endpoint, encodeHello(utf8.encode("flooder"), undefined, false));
    node.network.send(endpoint, new Uint8Array([Tag.Accept]));
    const accepted = await setup.server.waitFor((e): e is Accepted => isAccepted(e) && e.peer?.id === "flooder");
    for (let i = 0; i < 1_000; i++) node.network.send(endpoint, encodePing(Tag.Ping, i));
    const gone = await setup.server.waitFor((e) => isDisconnected(e) && e.endpoint === accepted.endpoint);
    expect(gone.type === "disconnected" && gone.error?.code).toBe("PROTOCOL_ERROR");
    await node.waitFor(isDisconnected);
    // It was answered until it flooded: some pongs came back.
    expect(node.events.filter((e) => isMessage(e) && e.data[0] === Tag.Pong).length).toBeGreaterThan(0);
    await assertOnlyGoodServed(setup, ["flooder"]);
  });
});

/**
 * Resolves when the server gave `socket` up: it closed it (framed-tcp), or sent a WebSocket close
 * frame (ws, whose closing handshake then waits for an answer the raw socket never gives).
 */
function givenUp(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    let buffered = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      // Unmasked server frames: opcode in the first byte's low bits, a 7-bit length (or 126 + 16 bits).
      for (;;) {
        if (buffered.length < 2) return;
        const short = (buffered[1] as number) & 0x7f;
        const header = short === 126 ? 4 : 2;
        if (buffered.length < header) return;
        const length = short === 126 ? buffered.readUInt16BE(2) : short;
        if (buffered.length < header + length) return;
        if (((buffered[0] as number) & 0x0f) === 0x8) resolve();
        buffered = buffered.subarray(header + length);
      }
    });
    socket.once("close", () => resolve());
    socket.resume();
  });
}

describe.each(transports)("%s connector with identity against a hostile server", (transport) => {
  it("ends with PROTOCOL_ERROR for garbage, a 10 MB hello, a 10,000-byte id or a ping flood; nothing escapes", async () => {
    const longId = new Uint8Array(5 + encodeVarint(10_000).length + 10_000).fill(0x61);
    longId.set([Tag.Hello, 0x4d, 0x49, 1, 0x02], 0);
    longId.set(encodeVarint(10_000), 5);
    const serverHello = encodeHello(utf8.encode("server"), undefined, true);
    const pings = Array.from({ length: 1_000 }, (_, i) => encodePing(Tag.Ping, i));
    const attacks: Uint8Array[][] = [
      [utf8.encode("HTTP/1.1 200 OK\r\n\r\n")],
      [encodeHello(utf8.encode("server"), new Uint8Array(10 * 1024 * 1024), true)],
      [longId],
      [serverHello, new Uint8Array([Tag.Accept]), ...pings],
    ];
    for (const frames of attacks) {
      const server: Recorder = nodeWith({}, (event) => {
        if (event.type === "accepted") for (const frame of frames) server.network.send(event.endpoint, frame);
      });
      const { addr } = await server.network.listen(transport, LOCAL);
      const client = identityNode({ id: "client" });
      client.network.connect(transport, dial(transport, addr));
      // The flood comes after a completed handshake: connected, then disconnected.
      const ended = await client.waitFor((e) => (e.type === "connected" && !e.ok) || e.type === "disconnected");
      expect((ended as Ended).error?.code).toBe("PROTOCOL_ERROR");
    }
  });
});

interface HalfDone {
  readonly socket: Socket;
  /** Resolves when the server gave this connection up. */
  readonly gone: Promise<void>;
}

/** Opens one connection that starts a handshake and never finishes it. */
const halfDone: Record<(typeof transports)[number], (addr: string) => Promise<HalfDone>> = {
  // Half a hello: a frame prefix promising 50 bytes, and 3 of them.
  [Transport.FramedTcp]: async (addr) => {
    const socket = (await rawSocket(addr)).end(new Uint8Array([50, Tag.Hello, 0x4d, 0x49]));
    return { socket, gone: socketClosed(socket) };
  },
  // Upgraded, then silent. Watched at once: the server may give it up while the others open.
  [Transport.Ws]: async (addr) => {
    const socket = await rawUpgrade(addr);
    return { socket, gone: givenUp(socket) };
  },
};

describe.each(transports)("%s: thousands of half-done handshakes", (transport) => {
  it("hold bounded memory, end only themselves, and a good client is still served", async () => {
    const COUNT = 2_000;
    const server: Recorder = identityNode({ id: "server", timeout: 20_000 }, (event) => {
      if (event.type === "message") server.network.send(event.endpoint, event.data);
    });
    const { addr } = await server.network.listen(transport, LOCAL);
    const heapBefore = process.memoryUsage().heapUsed;
    const attackers: HalfDone[] = [];
    let evicted = 0;
    for (let i = 0; i < COUNT; i += 200) {
      const batch = await Promise.all(Array.from({ length: 200 }, () => halfDone[transport](addr)));
      for (const attacker of batch) void attacker.gone.then(() => evicted++);
      attackers.push(...batch);
    }
    // Past 1024 pending handshakes, the oldest are closed to make room.
    const good = identityNode({ id: "good" });
    const endpoint = await good.network.connectAsync(transport, dial(transport, addr));
    await echo(good, endpoint, "served");
    for (let i = 0; i < 200 && evicted < COUNT - 1024; i++) await new Promise((r) => setTimeout(r, 50));
    expect(evicted).toBeGreaterThanOrEqual(COUNT - 1024);
    expect(server.events.filter((e) => e.type !== "message")).toEqual([
      expect.objectContaining({ type: "accepted", peer: { id: "good" } }),
    ]);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
    for (const { socket } of attackers) socket.destroy();
    await Promise.all(attackers.map(({ socket }) => socketClosed(socket)));
    expect(good.events.filter(isConnected)).toHaveLength(1);
  });
});
