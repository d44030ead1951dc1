/**
 * The byte contract still holds behind the handshake: with identity on both ends, large messages
 * arrive intact, a sender may reuse its buffer at once, a burst stays in order, and `remove` and
 * `stop` behave as without identity. Every node has its own id (one id connecting many times to one
 * listener would be one peer replacing itself).
 */
import { SendStatus, Transport } from "message-io";
import { afterEach, describe, expect, it } from "vitest";
import { identityNode, stopIdentityNodes } from "../support/identity.js";
import { isAccepted, isDisconnected, isMessage, patternBytes, type Recorder, sameBytes } from "../support/recorder.js";

const LOCAL = "127.0.0.1:0";
let lastId = 0;

afterEach(stopIdentityNodes);

const dial = (transport: string, addr: string) => (transport === Transport.Ws ? `ws://${addr}/` : addr);

function echoServer(): Recorder {
  const server: Recorder = identityNode({ id: `server-${++lastId}` }, (event) => {
    if (event.type === "message") server.network.send(event.endpoint, event.data);
  });
  return server;
}

async function connectedPair(transport: string) {
  const server = echoServer();
  const { addr, id: listenerId } = await server.network.listen(transport, LOCAL);
  const client = identityNode({ id: `client-${++lastId}` });
  const endpoint = await client.network.connectAsync(transport, dial(transport, addr));
  const serverSide = (await server.waitFor(isAccepted)).endpoint;
  return { server, client, endpoint, serverSide, listenerId, addr };
}

describe.each([Transport.FramedTcp, Transport.Ws])("%s with identity on both ends", (transport) => {
  it("echoes an 8 MiB message and an empty one intact, one message each", async () => {
    const { client, endpoint } = await connectedPair(transport);
    const big = patternBytes(8 * 1024 * 1024, 7);
    expect(client.network.send(endpoint, big)).toBe(SendStatus.Sent);
    expect(client.network.send(endpoint, new Uint8Array(0))).toBe(SendStatus.Sent);
    const [first, second] = await client.waitForCount(isMessage, 2);
    expect(sameBytes(first?.data as Uint8Array, big)).toBe(true);
    expect(second?.data.length).toBe(0);
  });

  it("takes the bytes at the call: the sender may reuse its buffer at once", async () => {
    const { client, endpoint } = await connectedPair(transport);
    const scratch = new Uint8Array(100_000);
    for (let i = 0; i < 20; i++) {
      scratch.fill(i);
      client.network.send(endpoint, scratch);
    }
    scratch.fill(255);
    const echoed = await client.waitForCount(isMessage, 20);
    expect(echoed.map((e) => e.data.every((byte) => byte === e.data[0]) && e.data[0])).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
  });

  it("delivers a burst of 50,000 messages in strict order", async () => {
    const total = 50_000;
    let next = 0;
    let outOfOrder = 0;
    let finished!: () => void;
    const allReceived = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const server = identityNode({ id: `server-${++lastId}` }, (event) => {
      if (event.type !== "message") return;
      const view = new DataView(event.data.buffer, event.data.byteOffset, event.data.byteLength);
      if (event.data.length !== 4 || view.getUint32(0, true) !== next) outOfOrder += 1;
      if (++next === total) finished();
    });
    const { addr } = await server.network.listen(transport, LOCAL);
    const client = identityNode({ id: `client-${++lastId}` });
    const endpoint = await client.network.connectAsync(transport, dial(transport, addr));
    const message = new Uint8Array(4);
    const view = new DataView(message.buffer);
    for (let i = 0; i < total; i++) {
      view.setUint32(0, i, true);
      expect(client.network.send(endpoint, message)).toBe(SendStatus.Sent);
    }
    await allReceived;
    expect(outOfOrder).toBe(0);
  });

  it("remove ends the peer's side cleanly and emits nothing here; stop does the same for every connection", async () => {
    const { server, client, endpoint, serverSide } = await connectedPair(transport);
    expect(server.network.remove(serverSide.id)).toBe(true);
    const gone = await client.waitFor(isDisconnected);
    expect(gone.endpoint).toBe(endpoint);
    expect(gone.error).toBeUndefined();
    expect(server.events.filter(isDisconnected)).toEqual([]);
    expect(server.handler.peers.ids()).toEqual([]);

    const second = await connectedPair(transport);
    second.client.handler.stop();
    const ended = await second.server.waitFor(isDisconnected);
    expect(ended.endpoint).toBe(second.serverSide);
    expect(second.client.events.filter(isDisconnected)).toEqual([]);
  });
});
