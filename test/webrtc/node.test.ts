/**
 * `webrtc` Node to Node (LAYERS.md section 7): the library's connector (werift) against its
 * listener, on 127.0.0.1 only, with the guarantees of a connection-oriented transport.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ErrorCode, SendStatus, Transport } from "message-io";
import { describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { makeCertificates } from "../reliability/certs.js";
import { ChildPeer, killAllPeers } from "../reliability/child-peer.js";
import { echoNode, guardEveryTest } from "../reliability/support.js";
import {
  isAccepted,
  isConnected,
  isDisconnected,
  isMessage,
  patternBytes,
  type Recorder,
  recordedNode,
  sameBytes,
} from "../support/recorder.js";

const foreign: { close(): void }[] = [];
guardEveryTest(async () => {
  for (const peer of foreign.splice(0)) peer.close();
  await killAllPeers();
});

/** A listener and a client connected to it: the client's endpoint and the server's. */
async function pair(server: Recorder, options: Record<string, unknown> = {}) {
  const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0");
  const client = recordedNode();
  const endpoint = client.network.connect(Transport.WebRtc, `ws://${addr}/`, options);
  const connected = await client.waitFor(isConnected);
  expect(connected.ok).toBe(true);
  const accepted = await server.waitFor(isAccepted);
  return { addr, client, endpoint, accepted: accepted.endpoint };
}

describe("webrtc, Node to Node", () => {
  it("connects, and both sides exchange whole messages; the endpoint is the signalling peer", async () => {
    const server = echoNode();
    const { client, endpoint, accepted, addr } = await pair(server);
    expect(endpoint.addr).toBe(addr);
    expect(accepted.addr).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(accepted.addr).not.toBe(addr);
    const sizes = [0, 1, 1000, 16 * 1024]; // 0: werift sends no empty message by itself (webrtc-peer.ts)
    for (const [index, size] of sizes.entries()) {
      expect(client.network.send(endpoint, patternBytes(size, index + 1))).toBe(SendStatus.Sent);
      // Unordered and unreliable: one at a time, so the check does not rely on order (nothing is lost on loopback at this rate).
      const echoed = await client.waitForCount(isMessage, index + 1);
      expect(sameBytes(echoed[index]!.data, patternBytes(size, index + 1))).toBe(true);
    }
    expect(client.ofType("connected")).toHaveLength(1);
  });

  it('connects to "host:port" (ws://host:port/) and to a path the listener requires', async () => {
    const server = echoNode();
    const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0", { path: "/rtc" });
    const client = recordedNode();
    const wrongPath = client.network.connect(Transport.WebRtc, addr);
    const refused = await client.waitFor((e) => isConnected(e) && e.endpoint.id === wrongPath.id);
    expect(refused.type === "connected" && !refused.ok).toBe(true);
    const right = await client.network.connectAsync(Transport.WebRtc, `ws://${addr}/rtc`);
    expect(right.addr).toBe(addr);
  });

  it("refuses a message over 16 KiB at send, and over a smaller limit the listener announced", async () => {
    const server = echoNode();
    const { client, endpoint } = await pair(server);
    expect(client.network.send(endpoint, new Uint8Array(16 * 1024 + 1))).toBe(SendStatus.MaxPacketSizeExceeded);
    // A listener with a smaller limit announces it in its answer: the connector refuses at send.
    const small = recordedNode();
    const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0", { maxMessageSize: 1000 });
    const smallEndpoint = await small.network.connectAsync(Transport.WebRtc, `ws://${addr}/`);
    expect(small.network.send(smallEndpoint, new Uint8Array(1001))).toBe(SendStatus.MaxPacketSizeExceeded);
    expect(small.network.send(smallEndpoint, patternBytes(1000))).toBe(SendStatus.Sent);
    const echoed = await small.waitFor(isMessage);
    expect(sameBytes(echoed.data, patternBytes(1000))).toBe(true);
  });

  it("fails a connect: ECONNREFUSED, ETIMEDOUT past timeout, CONNECTION_LOST when the signalling drops", async () => {
    const client = recordedNode();
    const closed = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((resolve) => closed.once("listening", resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const refused = client.network.connect(Transport.WebRtc, `127.0.0.1:${port}`);
    const failed = await client.waitFor((e) => isConnected(e) && e.endpoint.id === refused.id);
    expect(failed.type === "connected" && failed.error?.code).toBe("ECONNREFUSED");

    // A signalling server that accepts the socket and never answers the offer.
    const silent = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    foreign.push(silent);
    await new Promise((resolve) => silent.once("listening", resolve));
    const silentPort = (silent.address() as { port: number }).port;
    const late = client.network.connect(Transport.WebRtc, `127.0.0.1:${silentPort}`, { timeout: 300 });
    const expired = await client.waitFor((e) => isConnected(e) && e.endpoint.id === late.id);
    expect(expired.type === "connected" && expired.error?.code).toBe(ErrorCode.Timeout);

    // One that drops the socket once it has the offer: the signalling is gone before the channel opened.
    silent.on("connection", (socket) => socket.once("message", () => socket.terminate()));
    const dropped = client.network.connect(Transport.WebRtc, `127.0.0.1:${silentPort}`);
    const lost = await client.waitFor((e) => isConnected(e) && e.endpoint.id === dropped.id);
    expect(lost.type === "connected" && lost.error?.code).toBe(ErrorCode.ConnectionLost);
  });

  it("ends both sides at once when either removes the connection, cleanly", async () => {
    const server = echoNode();
    const first = await pair(server);
    const started = performance.now();
    first.client.network.remove(first.endpoint.id);
    const serverSide = await server.waitFor(isDisconnected);
    expect(serverSide.error).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(2000);

    const client = recordedNode();
    const endpoint = await client.network.connectAsync(Transport.WebRtc, `ws://${first.addr}/`);
    const accepted = (await server.waitForCount(isAccepted, 2))[1]!;
    server.network.remove(accepted.endpoint.id);
    const clientSide = await client.waitFor(isDisconnected);
    expect(clientSide.endpoint.id).toBe(endpoint.id);
    expect(clientSide.error).toBeUndefined();
  });

  it("ends the other side's connection when a node stops", async () => {
    const server = echoNode();
    const { client } = await pair(server);
    await client.stop();
    expect((await server.waitFor(isDisconnected)).error).toBeUndefined();

    const other = recordedNode();
    const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0");
    await other.network.connectAsync(Transport.WebRtc, addr);
    await server.stop();
    expect((await other.waitFor(isDisconnected)).error).toBeUndefined();
  });

  it("refuses a connection past maxConnections before its handshake, and takes one again once below", async () => {
    const server = echoNode();
    const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0", { maxConnections: 1 });
    const client = recordedNode();
    const first = await client.network.connectAsync(Transport.WebRtc, addr);
    const second = client.network.connect(Transport.WebRtc, addr);
    const refused = await client.waitFor((e) => isConnected(e) && e.endpoint.id === second.id);
    expect(refused.type === "connected" && refused.ok).toBe(false);
    expect(server.ofType("accepted")).toHaveLength(1);
    client.network.remove(first.id);
    await server.waitFor(isDisconnected);
    await client.network.connectAsync(Transport.WebRtc, addr);
    expect(server.ofType("accepted")).toHaveLength(2);
  });

  it("a peer process killed: the other side ends at once with CONNECTION_LOST (its signalling socket is gone)", async () => {
    const server = echoNode();
    const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0");
    const childClient = ChildPeer.start("client", { transport: Transport.WebRtc, remote: addr });
    await childClient.waitFor((line) => line.event === "connected" && line.ok === true);
    await server.waitFor(isAccepted);
    let started = performance.now();
    await childClient.kill();
    const lost = await server.waitFor(isDisconnected);
    expect(lost.error?.code).toBe(ErrorCode.ConnectionLost);
    expect(performance.now() - started).toBeLessThan(2000);

    const childServer = ChildPeer.start("server", { listen: [[Transport.WebRtc, "127.0.0.1:0"]] });
    const listening = await childServer.listening(1);
    const client = recordedNode();
    await client.network.connectAsync(Transport.WebRtc, listening.get(Transport.WebRtc)!);
    started = performance.now();
    await childServer.kill();
    const gone = await client.waitFor(isDisconnected);
    expect(gone.error?.code).toBe(ErrorCode.ConnectionLost);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("signals over wss with tls on both sides, and refuses a certificate it does not trust", async () => {
    const certs = await makeCertificates();
    try {
      const server = echoNode();
      const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0", {
        tls: { key: certs.key, cert: certs.cert },
      });
      const url = `wss://localhost:${addr.slice(addr.lastIndexOf(":") + 1)}/`;
      const client = recordedNode();
      const endpoint = await client.network.connectAsync(Transport.WebRtc, url, { tls: { ca: certs.ca } });
      client.network.send(endpoint, "over a secured signalling socket");
      expect(new TextDecoder().decode((await client.waitFor(isMessage)).data)).toBe("over a secured signalling socket");
      const refused = client.network.connect(Transport.WebRtc, url, { tls: true });
      const failed = await client.waitFor((e) => isConnected(e) && e.endpoint.id === refused.id);
      expect(failed.type === "connected" && failed.error?.code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    } finally {
      await certs.dispose();
    }
  });

  it("attaches its signalling to the user's http server, with origins", async () => {
    const http = createServer((_request, response) => response.end("the game's page"));
    foreign.push(http);
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const port = (http.address() as AddressInfo).port;
    const server = echoNode();
    const origins = ["https://game.example"];
    const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0", {
      server: http,
      path: "/rtc",
      origins,
    });
    expect(addr).toBe(`127.0.0.1:${port}`);
    const client = recordedNode();
    const url = `ws://127.0.0.1:${port}/rtc`;
    await client.network.connectAsync(Transport.WebRtc, url, { headers: { Origin: "https://game.example" } });
    const stranger = client.network.connect(Transport.WebRtc, url, { headers: { Origin: "https://evil.example" } });
    const refused = await client.waitFor((e) => isConnected(e) && e.endpoint.id === stranger.id);
    expect(refused.type === "connected" && refused.ok).toBe(false);
    expect(server.ofType("accepted")).toHaveLength(1);
  });
});
