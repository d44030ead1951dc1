/**
 * The contract's scenarios for an unreliable, unordered transport (`reliable: false`): what arrives
 * is whole and arrives once, at every size up to the limit. A message that must arrive is sent
 * again until its echo comes back.
 */
import { expect, it } from "vitest";
import type { Endpoint } from "../endpoint.js";
import { type NetEvent, SendStatus } from "../events.js";
import { patternBytes } from "./bytes.js";
import { type EventOf, isAccepted, isDisconnected, isMessage, type Recorder, sameBytes } from "./recorder.js";

/** What the suite gives these scenarios: its nodes, addresses and helpers. */
export interface UnreliableSuite {
  node(): Recorder<never>;
  echoServer(): Recorder<never>;
  listenAddr(): string;
  connectAddr(bound: string): string;
  dialAsync(recorder: Recorder<never>, addr: string): Promise<Endpoint>;
  echoed(recorder: Recorder<never>, endpoint: Endpoint, bytes: Uint8Array): Promise<EventOf<"message">>;
  send(recorder: Recorder<never>, endpoint: Endpoint, bytes: Uint8Array): SendStatus;
  payloadOf(event: Extract<NetEvent<any>, { type: "message" }>): Uint8Array;
  transport: string;
  /** Clients of the many-clients echo. */
  clients: number;
  /** The largest payload a scenario sends (the transport's limit, less a codec's overhead). */
  largeMessage: number;
}

const utf8 = new TextEncoder();

export function describeUnreliableScenarios(suite: UnreliableSuite): void {
  const { node, echoServer, listenAddr, connectAddr, dialAsync, echoed, send, payloadOf, transport } = suite;
  it.each([1, suite.clients])(
    "echoes for %i clients, a node each, each echo to its sender only; remove ends the peer's side",
    async (count) => {
      const server = echoServer();
      const { addr } = await server.network.listen(transport, listenAddr());
      const clients = Array.from({ length: count }, () => node());
      const endpoints = await Promise.all(clients.map((client) => dialAsync(client, connectAddr(addr))));
      await server.waitForCount(isAccepted, count);
      const payloads = endpoints.map((_, i) => utf8.encode(`hello from client ${i}`));
      await Promise.all(endpoints.map((endpoint, i) => echoed(clients[i]!, endpoint, payloads[i]!)));
      for (const [i, endpoint] of endpoints.entries()) {
        const received = clients[i]!.about(endpoint.key).filter(isMessage).map(payloadOf);
        expect(received.every((bytes) => sameBytes(bytes, payloads[i]!))).toBe(true);
      }
      endpoints.forEach((endpoint, i) => {
        expect(clients[i]!.network.remove(endpoint.id)).toBe(true);
      });
      const gone = await server.waitForCount(isDisconnected, count);
      expect(gone.every((e) => e.error === undefined)).toBe(true);
      expect(clients.flatMap((client) => client.ofType("disconnected"))).toEqual([]);
    },
  );

  it("delivers messages of every size up to largeMessage whole, the empty one included", async () => {
    const server = echoServer();
    const { addr } = await server.network.listen(transport, listenAddr());
    const client = node();
    const endpoint = await dialAsync(client, connectAddr(addr));
    const sizes = [0, 1, 100, 1200, 4096, suite.largeMessage].filter((size) => size <= suite.largeMessage);
    for (const [i, size] of sizes.entries()) {
      const bytes = patternBytes(size, i + 1);
      expect(payloadOf(await echoed(client, endpoint, bytes)).length).toBe(size);
    }
  });

  it("under a burst, what arrives is whole and arrives once: loss and reordering only", async () => {
    const server = echoServer();
    const { addr } = await server.network.listen(transport, listenAddr());
    const client = node();
    const endpoint = await dialAsync(client, connectAddr(addr));
    const size = 1000;
    // Numbered messages of a pattern of their number, each sent once, until the first buffer-full.
    const sent: Uint8Array[] = [];
    for (let seq = 0; seq < 1000; seq++) {
      const message = patternBytes(size, seq + 1);
      new DataView(message.buffer).setUint32(0, seq);
      if (send(client, endpoint, message) !== SendStatus.Sent) break;
      sent.push(message);
    }
    expect(sent.length).toBeGreaterThan(0);
    // A last message, sent until it comes back: what was sent before it had its chance.
    await echoed(client, endpoint, utf8.encode("the end"));
    const seen = new Set<number>();
    for (const event of client.about(endpoint.key).filter(isMessage)) {
      const bytes = payloadOf(event);
      if (bytes.length !== size) continue; // the last message
      const seq = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
      expect(sameBytes(bytes, sent[seq] ?? new Uint8Array(0)), `message ${seq} whole`).toBe(true);
      expect(seen.has(seq), `message ${seq} once`).toBe(false);
      seen.add(seq);
    }
  });
}
