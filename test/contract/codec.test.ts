/**
 * Messages as values (LAYERS.md section 1) over real transports: typed messages both ways, `encode`
 * throwing as the caller's bug, a peer's undecodable payload ending that connection with
 * `DECODE_ERROR` (udp: dropped and counted), and `tcp` refused. The misbehaving peer is a node
 * without a codec, which sends whatever bytes it is given.
 */
import {
  type Codec,
  ErrorCode,
  type EventReceiver,
  json,
  memoryAdapter,
  msgpack,
  NetError,
  type NetworkController,
  type Node,
  type NodeEvent,
  SendStatus,
  split,
  Transport,
  text,
} from "message-io";
import { afterEach, describe, expect, it } from "vitest";
import { rawSocket, socketClosed } from "../reliability/support.js";
import { expectRejectsCode, expectThrowsCode, nextOf } from "../unit/helpers.js";

type Msg = { t: "move"; x: number; y: number } | { t: "chat"; text: string; at?: Date; blob?: Uint8Array };

const stops: (() => void)[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

/** Undecodable as MessagePack: an array of two that holds one element. */
const GARBAGE = Uint8Array.of(0x92, 0x01);

/** A node of `M` with `codec`, or of bytes without one; the test pulls its events. */
function node<M = Uint8Array>(
  codec: Codec<M> | undefined,
  adapters: ReturnType<typeof memoryAdapter>[],
): { network: NetworkController<M>; events: EventReceiver<never, M> } {
  const { handler, listener } =
    codec === undefined ? (split({ adapters }) as unknown as Node<never, M>) : split<never, M>({ codec, adapters });
  stops.push(handler.stop);
  return { network: handler.network, events: listener.enqueue() };
}

/** A listening node and a connected one, each with its codec (or none), over `transport`. */
async function pair<A, B>(
  transport: string,
  addr: string,
  serverCodec: Codec<A> | undefined,
  clientCodec: Codec<B> | undefined,
) {
  const adapters = [memoryAdapter()];
  const server = node(serverCodec, adapters);
  const client = node(clientCodec, adapters);
  const { addr: bound } = await server.network.listen(transport, addr);
  const toServer = client.network.connect(transport, bound);
  expect((await nextOf(client.events, "connected")).ok).toBe(true);
  const toClient = (await nextOf(server.events, "accepted")).endpoint;
  return { server, client, toServer, toClient };
}

describe.each([
  ["memory", "server:0"],
  [Transport.FramedTcp, "127.0.0.1:0"],
  [Transport.Ws, "127.0.0.1:0"],
])("a codec over %s", (transport, addr) => {
  it("sends typed messages both ways: the event carries the message and the bytes it was decoded from", async () => {
    const codec = msgpack<Msg>();
    const { server, client, toServer, toClient } = await pair(transport, addr, codec, msgpack<Msg>());
    const chat: Msg = { t: "chat", text: "héllo", at: new Date(1_700_000_000_123), blob: Uint8Array.of(1, 2, 3) };
    expect(client.network.send(toServer, { t: "move", x: 1.5, y: -2 })).toBe(SendStatus.Sent);
    expect(client.network.send(toServer, chat)).toBe(SendStatus.Sent);
    const move = await nextOf(server.events, "message");
    expect(move.message).toEqual({ t: "move", x: 1.5, y: -2 });
    expect(codec.decode(move.data)).toEqual(move.message);
    expect((await nextOf(server.events, "message")).message).toEqual(chat);
    server.network.send(toClient, { t: "chat", text: "back" });
    expect((await nextOf(client.events, "message")).message).toEqual({ t: "chat", text: "back" });
  });

  it("throws INVALID_ARGUMENT with the codec's error as cause when encode throws, and sends nothing", async () => {
    const { server, client, toServer } = await pair(transport, addr, json<unknown>(), json<unknown>());
    const error = (() => {
      try {
        client.network.send(toServer, { n: 1n });
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(NetError);
    expect((error as NetError).code).toBe(ErrorCode.InvalidArgument);
    expect((error as NetError).cause).toBeInstanceOf(TypeError);
    expect(client.network.stats(toServer)?.messagesSent).toBe(0);
    client.network.send(toServer, "next");
    expect((await nextOf(server.events, "message")).message).toBe("next");
  });

  it("ends the connection of a peer whose payload does not decode with DECODE_ERROR, after what came before", async () => {
    const { server, client, toServer } = await pair(transport, addr, msgpack<Msg>(), undefined);
    client.network.send(toServer, msgpack<Msg>().encode({ t: "chat", text: "fine" }));
    client.network.send(toServer, GARBAGE);
    client.network.send(toServer, msgpack<Msg>().encode({ t: "chat", text: "never delivered" }));
    expect((await nextOf(server.events, "message")).message).toEqual({ t: "chat", text: "fine" });
    const ended = await nextOf(server.events, "disconnected");
    expect(ended.error?.code).toBe(ErrorCode.DecodeError);
    expect(ended.error?.message).toMatch(/2 bytes that msgpack cannot decode/);
    expect(server.network.stats()).toMatchObject({ messagesReceived: 1, dropped: 1, connections: 0 });
    // The library closed it: the peer sees its end.
    expect((await nextOf(client.events, "disconnected")).endpoint).toBe(toServer);
  });

  it("ends a connection on the connecting side too when the listener's payload does not decode", async () => {
    const { client, server, toClient } = await pair(transport, addr, undefined, text());
    server.network.send(toClient, Uint8Array.of(0xff, 0xfe));
    expect((await nextOf(client.events, "disconnected")).error?.code).toBe(ErrorCode.DecodeError);
    expect(client.network.stats().dropped).toBe(1);
  });

  it("without a codec, a message is its bytes: message is data", async () => {
    const { server, client, toServer } = await pair(transport, addr, undefined, undefined);
    client.network.send(toServer, "bytes");
    const event = await nextOf(server.events, "message");
    expect(event.message).toBe(event.data);
  });

  it("takes a user's own codec of the same shape", async () => {
    const float64: Codec<number> = {
      name: "float64",
      encode: (n) => new Uint8Array(new Float64Array([n]).buffer),
      decode: (data) => new DataView(data.buffer, data.byteOffset, data.byteLength).getFloat64(0, true),
    };
    const { server, client, toServer } = await pair(transport, addr, float64, float64);
    client.network.send(toServer, Math.PI);
    const event = await nextOf(server.events, "message");
    expect(event.message).toBe(Math.PI);
    expect(event.data.length).toBe(8);
  });
});

describe("a raw socket, not the library, sending garbage", () => {
  it("is ended with DECODE_ERROR and its socket closed; a good client is still served", async () => {
    const server = node(msgpack<Msg>(), []);
    const { addr } = await server.network.listen(Transport.FramedTcp, "127.0.0.1:0");
    const raw = await rawSocket(addr);
    await nextOf(server.events, "accepted");
    raw.write(Uint8Array.of(GARBAGE.length, ...GARBAGE)); // one framed-tcp frame: a varint length, the payload
    expect((await nextOf(server.events, "disconnected")).error?.code).toBe(ErrorCode.DecodeError);
    await socketClosed(raw);
    const client = node(msgpack<Msg>(), []);
    const toServer = client.network.connect(Transport.FramedTcp, addr);
    await nextOf(client.events, "connected");
    await nextOf(server.events, "accepted");
    client.network.send(toServer, { t: "chat", text: "still here" });
    expect((await nextOf(server.events, "message")).message).toEqual({ t: "chat", text: "still here" });
  });
});

describe("a codec over udp", () => {
  it("drops and counts a datagram that does not decode; the next one arrives", async () => {
    const server = node(msgpack<Msg>(), []);
    const peer = node(undefined, []);
    const { addr } = await server.network.listen(Transport.Udp, "127.0.0.1:0");
    const toServer = peer.network.connect(Transport.Udp, addr);
    await nextOf(peer.events, "connected");
    peer.network.send(toServer, GARBAGE);
    peer.network.send(toServer, msgpack<Msg>().encode({ t: "move", x: 1, y: 2 }));
    const event = await nextOf(server.events, "message");
    expect(event.message).toEqual({ t: "move", x: 1, y: 2 });
    expect(server.network.stats()).toMatchObject({ messagesReceived: 1, dropped: 1 });
    // Typed answers through the listener's endpoint.
    server.network.send(event.endpoint, { t: "chat", text: "hello back" });
    expect(msgpack<Msg>().decode((await nextOf(peer.events, "message")).data)).toEqual({
      t: "chat",
      text: "hello back",
    });
  });

  it("a udp connection with a codec drops and counts an undecodable datagram, and stays", async () => {
    const peer = node(undefined, []);
    const client = node(msgpack<Msg>(), []);
    const { addr } = await peer.network.listen(Transport.Udp, "127.0.0.1:0");
    const toPeer = client.network.connect(Transport.Udp, addr);
    await nextOf(client.events, "connected");
    client.network.send(toPeer, { t: "chat", text: "hi" });
    const hi = await nextOf(peer.events, "message");
    peer.network.send(hi.endpoint, GARBAGE);
    peer.network.send(hi.endpoint, msgpack<Msg>().encode({ t: "move", x: 3, y: 4 }));
    expect((await nextOf(client.events, "message")).message).toEqual({ t: "move", x: 3, y: 4 });
    expect(client.network.stats()).toMatchObject({ messagesReceived: 1, dropped: 1, connections: 1 });
  });
});

describe("a codec needs message boundaries", () => {
  it("refuses tcp, a byte stream: connect throws, listen and connectAsync reject, with INVALID_ARGUMENT", async () => {
    const { network } = node(msgpack<Msg>(), []);
    expectThrowsCode(() => network.connect(Transport.Tcp, "127.0.0.1:1"), ErrorCode.InvalidArgument);
    await expectRejectsCode(network.listen(Transport.Tcp, "127.0.0.1:0"), ErrorCode.InvalidArgument);
    await expectRejectsCode(network.connectAsync(Transport.Tcp, "127.0.0.1:1"), ErrorCode.InvalidArgument);
    expect(network.stats().connections).toBe(0);
  });
});

/**
 * Compile-time checks of the typed API, run by `tsc` (never called): a wrong message type does not
 * compile, and each `@ts-expect-error` fails the type check if its line compiles.
 */
function typedApi(event: NodeEvent<never, Msg>) {
  const { handler } = split<never, Msg>({ codec: msgpack<Msg>() });
  const endpoint = handler.network.connect(Transport.Ws, "127.0.0.1:1");
  handler.network.send(endpoint, { t: "chat", text: "ok" });
  // @ts-expect-error a node of Msg does not send a string
  handler.network.send(endpoint, "text");
  // @ts-expect-error a node of Msg does not send bytes
  handler.network.send(endpoint, new Uint8Array(1));
  const bytesNode = split();
  bytesNode.handler.network.send(endpoint, new Float32Array(2));
  // @ts-expect-error a node of bytes does not send objects
  bytesNode.handler.network.send(endpoint, { t: "chat" });
  // @ts-expect-error a node of Msg needs its codec
  split<never, Msg>({});
  if (event.type === "message") return event.message.t;
  return undefined;
}
void typedApi;
