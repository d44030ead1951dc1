/**
 * Hostile input on the `webrtc` signalling socket, from plain `ws` clients: each ends only that
 * attempt (no `accepted`, the socket closed), the handshakes in progress stay bounded, every peer
 * connection is released, and a well-behaved client is still served.
 */
import { type NodeEvent, Transport } from "message-io";
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createWeriftPeer } from "../../platform/node/webrtc-peer.js";
import { MAX_WEBRTC_HANDSHAKES } from "../../platform/node/webrtc-server.js";
import { CHANNEL_LABEL, channelOptions, gatheringComplete } from "../../src/adapters/webrtc-session.js";
import { guardEveryTest } from "../reliability/support.js";
import { isAccepted, isConnected, type Recorder, recordedNode } from "../support/recorder.js";

const sockets: WebSocket[] = [];
guardEveryTest(() => {
  for (const socket of sockets.splice(0)) socket.terminate();
});

/** A real offer from werift, without its candidates: an offer never followed by ICE. */
async function offerWithoutCandidates(): Promise<string> {
  const pc = createWeriftPeer({ iceServers: [], hostAddress: "127.0.0.1", maxMessageSize: 16384 });
  pc.createDataChannel(CHANNEL_LABEL, channelOptions({ ordered: false, maxRetransmits: 0 }));
  await pc.setLocalDescription();
  await gatheringComplete(pc);
  const sdp = pc.localDescription!.sdp;
  await pc.close();
  // Without `end-of-candidates` too: the listener waits for candidates that never come.
  const withoutCandidates = sdp.replace(/^a=(candidate:.*|end-of-candidates)\r?\n/gm, "");
  expect(withoutCandidates).not.toContain("a=candidate");
  expect(withoutCandidates).toContain("a=ice-ufrag");
  return JSON.stringify({ type: "offer", sdp: withoutCandidates, ordered: false, maxRetransmits: 0 });
}

/** Opens a plain `ws` client; resolves once open, and records what it receives and when it closes. */
async function rawClient(url: string) {
  const socket = new WebSocket(url);
  sockets.push(socket);
  const received: string[] = [];
  const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
  socket.on("message", (data) => received.push(String(data)));
  socket.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("close", () => reject(new Error("closed before open")));
  });
  return { socket, received, closed };
}

const udpHandles = () => process.getActiveResourcesInfo().filter((name) => name === "UDPWrap").length;

/** The listener still serves a well-behaved client. */
async function stillServes(server: Recorder, addr: string): Promise<void> {
  const client = recordedNode();
  client.network.connect(Transport.WebRtc, addr);
  expect((await client.waitFor(isConnected)).ok).toBe(true);
  await server.waitFor(isAccepted);
}

describe("hostile signalling", () => {
  it("garbage, a huge SDP, or a second offer: the socket is closed, nothing accepted", async () => {
    const server = recordedNode();
    const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0");
    const offer = await offerWithoutCandidates();
    const huge = JSON.stringify({ type: "offer", sdp: "a".repeat(200 * 1024), ordered: false, maxRetransmits: 0 });
    const inputs: (string | Buffer)[][] = [
      ["not json"],
      [Buffer.from([0xff, 0xfe, 0x00, 0x01])],
      ['{"type":"answer","sdp":"v=0"}'],
      ['{"type":"offer","sdp":"v=0 garbage","ordered":false,"maxRetransmits":0}'],
      ['{"type":"offer","sdp":"","ordered":"yes","maxRetransmits":0}'],
      [huge],
      [offer, offer],
    ];
    for (const frames of inputs) {
      const { socket, closed } = await rawClient(`ws://${addr}/`);
      for (const frame of frames) socket.send(frame);
      await closed;
    }
    expect(server.ofType("accepted")).toHaveLength(0);
    await stillServes(server, addr);
  });

  it("thousands of offers on one socket end it at the second", async () => {
    const server = recordedNode();
    const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0");
    const offer = await offerWithoutCandidates();
    const before = udpHandles();
    const { socket, closed } = await rawClient(`ws://${addr}/`);
    for (let i = 0; i < 2000; i++) socket.send(offer);
    await closed;
    await expect.poll(udpHandles, { timeout: 5000 }).toBeLessThanOrEqual(before);
    expect(server.ofType("accepted")).toHaveLength(0);
    await stillServes(server, addr);
  });

  it("offers never followed by ICE, from more sockets than the handshake bound: bounded, then all ended by the deadline", async () => {
    const server = recordedNode();
    const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0", { handshakeTimeout: 3000 });
    const offer = await offerWithoutCandidates();
    const before = udpHandles();
    const count = MAX_WEBRTC_HANDSHAKES + 72;
    const clients = await Promise.all(
      Array.from({ length: count }, () => rawClient(`ws://${addr}/`).catch(() => undefined)),
    );
    const opened = clients.filter((client) => client !== undefined);
    for (const client of opened) client.socket.send(offer);
    // Every socket past the bound was closed at its upgrade; the others got an answer, then the deadline.
    const codes = await Promise.all(opened.map((client) => client.closed));
    const answered = opened.filter((client) => client.received.some((text) => text.includes('"answer"')));
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.length).toBeLessThanOrEqual(MAX_WEBRTC_HANDSHAKES);
    expect(opened.length - answered.length).toBeGreaterThanOrEqual(count - MAX_WEBRTC_HANDSHAKES);
    expect(codes).toHaveLength(opened.length);
    expect(server.ofType("accepted")).toHaveLength(0);
    // Each answered handshake held a UDP socket; every one is released.
    await expect.poll(udpHandles, { timeout: 5000 }).toBeLessThanOrEqual(before);
    await stillServes(server, addr);
  });

  it("a signalling client that never sends is closed at handshakeTimeout, counted from the upgrade", async () => {
    const server = recordedNode();
    const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0", { handshakeTimeout: 300 });
    const started = performance.now();
    const { closed } = await rawClient(`ws://${addr}/`);
    await closed;
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3000);
    expect(server.events.filter((event: NodeEvent<never>) => event.type === "accepted")).toHaveLength(0);
  });
});
