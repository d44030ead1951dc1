/**
 * With `iceServers` empty (the default), a `webrtc` connection contacts no third party: no name is
 * looked up and no UDP packet goes anywhere but 127.0.0.1 (LAYERS.md section 7).
 *
 * The method: every way this process can look a name up (`dns.lookup`, `dns.resolve*`, and their
 * promise forms, which werift uses) and every UDP socket's `bind` and `send` (werift's ICE, STUN
 * and mDNS all go through `node:dgram`) are wrapped for the whole file. A lookup of a name is
 * recorded and fails without reaching a resolver (an IP literal, which Node resolves without one,
 * passes); a datagram to an address other than 127.0.0.1 is recorded and
 * dropped, so even the test that proves the check sensitive (werift used directly, whose own
 * fallback asks Google's STUN server) sends nothing out. Signalling is a TCP socket to 127.0.0.1,
 * made by the test itself.
 */
import dgram from "node:dgram";
import dns from "node:dns";
import { isIP } from "node:net";
import { Transport } from "message-io";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RTCPeerConnection } from "werift";
import WebSocket from "ws";
import { guardEveryTest } from "../reliability/support.js";
import { isAccepted, isConnected, isMessage, recordedNode } from "../support/recorder.js";

const lookups: string[] = [];
const outside: string[] = [];
const binds: string[] = [];
const restore: (() => void)[] = [];

function wrap<T extends object>(target: T, name: keyof T & string, replacement: (original: any) => any): void {
  const original = target[name];
  (target as any)[name] = replacement(original);
  restore.push(() => {
    (target as any)[name] = original;
  });
}

/** A lookup of a name is refused and recorded; an IP literal (Node's own bind and listen pass one) needs no resolver. */
const refuseLookup =
  (name: string, original: (...args: unknown[]) => unknown) =>
  (host: unknown, ...rest: unknown[]) => {
    if (typeof host === "string" && isIP(host) !== 0) return original(host, ...rest);
    lookups.push(`${name}(${String(host)})`);
    const error = Object.assign(new Error(`no lookup allowed in this test: ${String(host)}`), { code: "ENOTFOUND" });
    const callback = rest.find((arg) => typeof arg === "function") as ((error: Error) => void) | undefined;
    if (callback === undefined) return Promise.reject(error);
    process.nextTick(() => callback(error));
    return undefined;
  };

const LOOPBACK = new Set(["127.0.0.1", "::ffff:127.0.0.1"]);

beforeAll(() => {
  for (const name of ["lookup", "resolve", "resolve4", "resolve6", "resolveAny", "resolveSrv"] as const) {
    wrap(dns, name, (original) => refuseLookup(name, original));
    wrap(dns.promises, name, (original) => refuseLookup(`promises.${name}`, original));
  }
  wrap(
    dgram.Socket.prototype,
    "send",
    (original) =>
      function (this: dgram.Socket, ...args: any[]) {
        // send(msg, port, address, cb) or send(msg, offset, length, port, address, cb)
        const address = typeof args[2] === "number" ? args[4] : args[2];
        if (typeof address === "string" && !LOOPBACK.has(address)) {
          outside.push(`${address}:${typeof args[2] === "number" ? args[3] : args[1]}`);
          return;
        }
        return original.apply(this, args);
      },
  );
  wrap(
    dgram.Socket.prototype,
    "bind",
    (original) =>
      function (this: dgram.Socket, ...args: any[]) {
        const first = args[0];
        const address = typeof first === "object" && first !== null ? first.address : args[1];
        binds.push(typeof address === "string" ? address : "(any address)");
        return original.apply(this, args);
      },
  );
});

afterAll(() => {
  for (const undo of restore.splice(0).reverse()) undo();
});

beforeEach(() => {
  lookups.length = 0;
  outside.length = 0;
  binds.length = 0;
});

guardEveryTest();

describe("no third party with the default iceServers", () => {
  it("a connection, its messages and its close: no name looked up, every UDP socket and packet on 127.0.0.1", async () => {
    const server = recordedNode((event) => {
      if (event.type === "message") server.network.send(event.endpoint, event.data);
    });
    const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0");
    const client = recordedNode();
    const endpoint = client.network.connect(Transport.WebRtc, `ws://${addr}/`);
    expect((await client.waitFor(isConnected)).ok).toBe(true);
    await server.waitFor(isAccepted);
    client.network.send(endpoint, "ping");
    await client.waitFor(isMessage);
    client.network.remove(endpoint.id);
    expect(lookups).toEqual([]);
    expect(outside).toEqual([]);
    expect(binds.length).toBeGreaterThanOrEqual(2);
    expect(binds.every((address) => address === "127.0.0.1")).toBe(true);
  });

  it("an offer whose candidates are names (mDNS .local, a host name) makes the listener look nothing up", async () => {
    const server = recordedNode();
    const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0", { handshakeTimeout: 1500 });
    const offerer = new RTCPeerConnection({ iceUseIpv4: false, iceUseIpv6: false, iceServers: [] });
    offerer.createDataChannel("message-io", { negotiated: true, id: 0 });
    const offer = await offerer.createOffer();
    await offerer.close();
    const named = [
      "a=candidate:1 1 udp 2122260223 4f8c0d2e-8b8e-4b5a-9e59-1b2c3d4e5f60.local 50000 typ host",
      "a=candidate:2 1 udp 2122260223 stun.example.org 50001 typ host",
    ].join("\r\n");
    const sdp = offer.sdp.replace(/(a=ice-ufrag:)/, `${named}\r\n$1`);
    const socket = new WebSocket(`ws://${addr}/`);
    socket.on("error", () => {});
    await new Promise((resolve) => socket.once("open", resolve));
    socket.send(JSON.stringify({ type: "offer", sdp, ordered: false, maxRetransmits: 0 }));
    await new Promise((resolve) => socket.once("close", resolve));
    expect(server.ofType("accepted")).toHaveLength(0);
    expect(lookups).toEqual([]);
    expect(outside).toEqual([]);
  });

  it("the check is sensitive: werift used directly with iceServers [] looks up and asks Google's STUN server", async () => {
    const pc = new RTCPeerConnection({ iceServers: [], iceUseIpv6: false, iceAdditionalHostAddresses: ["127.0.0.1"] });
    pc.createDataChannel("probe");
    await pc.setLocalDescription(await pc.createOffer());
    await expect.poll(() => lookups.length, { timeout: 10_000 }).toBeGreaterThan(0);
    await pc.close();
    expect(lookups.join(" ")).toContain("stun.l.google.com");
  });
});
