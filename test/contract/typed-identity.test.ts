/**
 * A codec with identity, and with reconnect, over real sockets (LAYERS.md sections 1, 2 and 4): the
 * hello is a typed MessagePack value both ways and `accept` sees it decoded; a payload that does not
 * decode after the handshake ends that connection with `DECODE_ERROR`; typed messages held while a
 * reconnecting link is down arrive decoded and in order once it is back.
 */
import { type Endpoint, msgpack, type Peer, SendStatus, Transport } from "message-io";
import { describe, expect, it } from "vitest";
import { dialAddress, freeAddress, guardEveryTest } from "../reliability/support.js";
import { nodeWith, stopIdentityNodes, typedNode } from "../support/identity.js";
import { isAccepted, isConnected, isDisconnected, isMessage, type Recorder } from "../support/recorder.js";

type Hello = { t: "hello"; role: "server" | "client"; version: number; since: Date; token: Uint8Array; seq: bigint };
type Msg = { t: "move"; n: number; at: Date } | { t: "chat"; text: string };

const FAST = { initialDelay: 20, factor: 2, maxDelay: 100, jitter: 0 };

guardEveryTest(stopIdentityNodes);

const helloOf = (role: Hello["role"], version = 3): Hello => ({
  t: "hello",
  role,
  version,
  since: new Date("2026-01-02T03:04:05.678Z"),
  token: Uint8Array.of(1, 2, 3, 255),
  seq: 2n ** 60n,
});

/** A node with msgpack and identity that echoes every message; `seen` gets each hello `accept` was shown. */
function typedPeer(id: string, hello: Hello, seen: unknown[] = []): Recorder {
  const node: Recorder = typedNode<unknown>(
    {
      codec: msgpack(),
      identity: {
        id,
        hello,
        accept: (peer: Peer<unknown>) => {
          seen.push(peer.hello);
          return (peer.hello as Hello | undefined)?.version === 3 || "needs version 3";
        },
      },
    },
    (event) => {
      if (event.type === "message") node.network.send(event.endpoint, event.message as never);
    },
  );
  return node;
}

const messagesOf = (node: Recorder, endpoint: Endpoint) =>
  node.about(endpoint.key).flatMap((e) => (e.type === "message" ? [e.message as unknown] : []));

describe.each([Transport.FramedTcp, Transport.Ws])("%s with msgpack and identity", (transport) => {
  it("the hello is a typed value both ways: accept and the events see it decoded, with its Date, bytes and BigInt", async () => {
    const serverSaw: unknown[] = [];
    const clientSaw: unknown[] = [];
    const server = typedPeer("server", helloOf("server"), serverSaw);
    const { addr } = await server.network.listen(transport, "127.0.0.1:0");
    const client = typedPeer("client", helloOf("client"), clientSaw);
    const endpoint = client.network.connect(transport, dialAddress(transport, addr));

    const connected = await client.waitFor(isConnected);
    expect(connected).toMatchObject({ ok: true, peer: { id: "server", hello: helloOf("server") } });
    const accepted = await server.waitFor(isAccepted);
    expect(accepted.peer).toEqual({ id: "client", hello: helloOf("client") });
    expect(serverSaw).toEqual([helloOf("client")]);
    expect(clientSaw).toEqual([helloOf("server")]);
    // Plain values on both sides: the bytes are a Uint8Array, not a Node Buffer.
    expect((accepted.peer?.hello as Hello | undefined)?.token.constructor).toBe(Uint8Array);

    const sent: Msg[] = [
      { t: "move", n: 1, at: new Date(5) },
      { t: "chat", text: "héllo" },
    ];
    for (const message of sent) expect(client.network.send(endpoint, message as never)).toBe(SendStatus.Sent);
    await client.waitForCount(isMessage, 2);
    expect(messagesOf(server, accepted.endpoint)).toEqual(sent);
    expect(messagesOf(client, endpoint)).toEqual(sent);
  });

  it("a typed hello the other side refuses: REJECTED with its reason, nothing for the listener", async () => {
    const server = typedPeer("server", helloOf("server"));
    const { addr } = await server.network.listen(transport, "127.0.0.1:0");
    const client = typedPeer("client", helloOf("client", 2));
    client.network.connect(transport, dialAddress(transport, addr));
    const refused = await client.waitFor(isConnected);
    expect(refused).toMatchObject({ ok: false, error: { code: "REJECTED", message: "needs version 3" } });
    expect(server.events).toEqual([]);
  });

  it("a payload that does not decode after the handshake ends that connection with DECODE_ERROR, after what came before", async () => {
    const server = typedPeer("server", helloOf("server"));
    const { addr } = await server.network.listen(transport, "127.0.0.1:0");
    // A peer of bytes: it speaks MessagePack by hand, until it does not.
    const hand = msgpack<unknown>();
    const client = nodeWith({ identity: { id: "by-hand", hello: hand.encode(helloOf("client")) } });
    const endpoint = await client.network.connectAsync(transport, dialAddress(transport, addr));
    const serverSide = (await server.waitFor(isAccepted)).endpoint;

    client.network.send(endpoint, hand.encode({ t: "chat", text: "fine" }));
    client.network.send(endpoint, Uint8Array.of(0xc1)); // never used in MessagePack
    client.network.send(endpoint, hand.encode({ t: "chat", text: "never seen" }));
    const ended = await server.waitFor(isDisconnected);
    expect(ended.endpoint).toBe(serverSide);
    expect(ended.error?.code).toBe("DECODE_ERROR");
    expect(messagesOf(server, serverSide)).toEqual([{ t: "chat", text: "fine" }]);
    expect(server.network.stats().dropped).toBe(1);
    expect(server.handler.peers.ids()).toEqual([]);
    await client.waitFor(isDisconnected);
  });

  it("a hello that does not decode is refused: REJECTED for the connector, nothing for the listener", async () => {
    const server = typedPeer("server", helloOf("server"));
    const { addr } = await server.network.listen(transport, "127.0.0.1:0");
    const client = nodeWith({ identity: { id: "by-hand", hello: Uint8Array.of(0xc1) } });
    client.network.connect(transport, dialAddress(transport, addr));
    const refused = await client.waitFor(isConnected);
    expect(refused).toMatchObject({ ok: false, error: { code: "REJECTED" } });
    expect(refused.ok === false && refused.error.message).toMatch(/^the hello does not decode/);
    expect(server.events).toEqual([]);
  });

  it("with reconnect: typed messages held before the first link and while down arrive decoded, in order, after the handshake", async () => {
    const addr = await freeAddress();
    const client = typedPeer("client", helloOf("client"));
    const endpoint = client.network.connect(transport, dialAddress(transport, addr), { reconnect: FAST });
    const early: Msg[] = [
      { t: "chat", text: "before any server" },
      { t: "move", n: 1, at: new Date(1) },
    ];
    for (const message of early) expect(client.network.send(endpoint, message as never)).toBe(SendStatus.Queued);
    let server = typedPeer("server", helloOf("server"));
    await server.network.listen(transport, addr);
    await client.waitFor(isConnected);
    const first = (await server.waitForCount(isMessage, 2))[0]?.endpoint as Endpoint;
    expect(server.about(first.key).map((e) => e.type)).toEqual(["accepted", "message", "message"]);
    expect(messagesOf(server, first)).toEqual(early);

    await server.stop();
    // The drop: attempt 1 (the refused attempts before the first link were 2, 3, ...).
    await client.waitFor((e) => e.type === "reconnecting" && e.attempt === 1);
    const held: Msg[] = Array.from({ length: 20 }, (_, n) => ({ t: "move", n, at: new Date(n) }));
    for (const message of held) expect(client.network.send(endpoint, message as never)).toBe(SendStatus.Queued);
    server = typedPeer("server", helloOf("server"));
    await server.network.listen(transport, addr);
    const back = await client.waitFor((e) => e.type === "reconnected");
    expect(back).toMatchObject({ peer: { id: "server", hello: helloOf("server") } });
    const second = (await server.waitForCount(isMessage, held.length))[0]?.endpoint as Endpoint;
    expect(messagesOf(server, second)).toEqual(held);
    // Echoed back: the client decodes them too, every one once.
    await client.waitForCount(isMessage, early.length + held.length);
    expect(messagesOf(client, endpoint)).toEqual([...early, ...held]);
  });

  it("with reconnect: a payload that does not decode is a drop (reconnecting DECODE_ERROR), not the end; the link comes back", async () => {
    // A server of bytes that answers its first message with garbage, then echoes.
    let answered = 0;
    const server: Recorder = nodeWith({}, (event) => {
      if (event.type !== "message") return;
      server.network.send(event.endpoint, answered++ === 0 ? Uint8Array.of(0xc1) : event.data);
    });
    const { addr } = await server.network.listen(transport, "127.0.0.1:0");
    const client = typedNode<unknown>({ codec: msgpack() });
    const endpoint = client.network.connect(transport, dialAddress(transport, addr), { reconnect: FAST });
    await client.waitFor(isConnected);
    client.network.send(endpoint, { t: "chat", text: "first" } as never);
    const drop = await client.waitFor((e) => e.type === "reconnecting");
    expect(drop).toMatchObject({ attempt: 1, error: { code: "DECODE_ERROR" } });
    await client.waitFor((e) => e.type === "reconnected");
    expect(client.network.send(endpoint, { t: "chat", text: "again" } as never)).toBe(SendStatus.Sent);
    await client.waitFor(isMessage);
    expect(messagesOf(client, endpoint)).toEqual([{ t: "chat", text: "again" }]);
    expect(client.events.filter(isDisconnected)).toEqual([]);
    expect(client.network.stats().dropped).toBe(1);
  });
});
