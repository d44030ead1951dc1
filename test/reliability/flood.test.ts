/**
 * Floods: a peer that sends faster than the listener consumes. Without inbound backpressure the
 * node's queue grows without bound, and cheaply for the attacker (an empty framed-tcp message is
 * one byte on the wire and an event object in the node). With it, each connection holds at most
 * `maxQueuedMessages` / `maxQueuedBytes` in the queue and the rest waits in the peer's TCP buffers;
 * over udp the excess is dropped. Nothing a reliable peer sent is lost: it is only slowed down.
 */

import dgram from "node:dgram";
import type net from "node:net";
import { setImmediate as nextTurn } from "node:timers/promises";
import { type NodeEvent, parseHostPort, split, Transport } from "message-io";
import { describe, expect, it } from "vitest";
import { isMessage, recordedNode } from "../support/recorder.js";
import { clientFrame, Opcode, rawUpgrade } from "./raw-ws.js";
import { guardEveryTest, rawSocket } from "./support.js";

const MiB = 1024 * 1024;
const LOCAL = "127.0.0.1:0";

const nodes: ReturnType<typeof split>[] = [];
guardEveryTest(() => {
  for (const node of nodes.splice(0)) node.handler.stop();
});

/** A node whose consumer holds the first message until `release()`: everything else queues up. */
function stalledNode() {
  const node = split();
  nodes.push(node);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const counts = { messages: 0, bytes: 0, lastByte: -1 };
  let waiter: { until: (c: typeof counts) => boolean; resolve(): void } | undefined;
  void node.listener.forEach(async (event: NodeEvent<never>) => {
    if (event.type !== "message") return;
    if (counts.messages === 0) await gate;
    counts.messages += 1;
    counts.bytes += event.data.length;
    counts.lastByte = event.data.at(-1) ?? -1;
    if (waiter?.until(counts)) waiter.resolve();
  });
  /** Resolves once `until(counts)` holds, within `ms`. */
  const delivered = (until: (c: typeof counts) => boolean, ms = 20_000) =>
    until(counts)
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`delivered ${JSON.stringify(counts)} within ${ms} ms`)), ms);
          waiter = {
            until,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          };
        });
  return { node, release, counts, delivered };
}

/** Writes `chunk` until `total` bytes went out, waiting for `drain` like a well-written sender would. */
function flood(socket: net.Socket, chunk: Uint8Array, total: number): { written: () => number } {
  let written = 0;
  const pump = () => {
    while (written < total && !socket.destroyed) {
      written += chunk.length;
      if (!socket.write(chunk)) return void socket.once("drain", pump);
    }
  };
  pump();
  return { written: () => written };
}

/** The largest growth of heap + array buffers seen over `ms`, sampled every 25 ms (a bounded watch, not a wait). */
async function peakGrowth(ms: number): Promise<number> {
  const used = () => {
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return heapUsed + arrayBuffers;
  };
  const base = used();
  let peak = 0;
  for (const started = performance.now(); performance.now() - started < ms; ) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    peak = Math.max(peak, used() - base);
  }
  return peak;
}

describe("a peer that floods a stalled listener", () => {
  it("framed-tcp: 8 million empty messages queue at most maxQueuedMessages, and all arrive once it consumes", async () => {
    const { node, release, delivered } = stalledNode();
    const { addr } = await node.handler.network.listen(Transport.FramedTcp, LOCAL);
    const flooder = await rawSocket(addr);
    const total = 8 * MiB; // each zero byte is an empty message
    const progress = flood(flooder, new Uint8Array(64 * 1024), total);
    // Unprotected, the node reads megabytes a second here and holds ~150 bytes per message.
    expect(await peakGrowth(1_500)).toBeLessThan(100 * MiB);
    expect(progress.written()).toBeLessThan(total); // the flooder is held back by TCP
    release();
    await delivered((c) => c.messages === total, 60_000);
    flooder.destroy();
  }, 90_000);

  it("tcp: 256 MiB of chunks queue at most maxQueuedBytes, and every byte arrives", async () => {
    const { node, release, delivered } = stalledNode();
    const { addr } = await node.handler.network.listen(Transport.Tcp, LOCAL, { maxQueuedBytes: 4 * MiB });
    const flooder = await rawSocket(addr);
    const total = 256 * MiB;
    const progress = flood(flooder, new Uint8Array(64 * 1024).fill(1), total);
    const growth = await peakGrowth(1_500);
    expect(growth).toBeLessThan(64 * MiB);
    expect(progress.written()).toBeLessThan(total);
    release();
    await delivered((c) => c.bytes === total, 60_000);
    flooder.destroy();
  }, 90_000);

  it("ws: 2 million tiny frames queue at most maxQueuedMessages, and all arrive", async () => {
    const { node, release, delivered } = stalledNode();
    const { addr } = await node.handler.network.listen(Transport.Ws, LOCAL);
    const flooder = await rawUpgrade(addr);
    const frame = clientFrame(Opcode.Binary, new Uint8Array(0));
    const perChunk = Math.floor((64 * 1024) / frame.length);
    const chunk = Buffer.concat(Array.from({ length: perChunk }, () => frame));
    const frames = 2_000_000 - (2_000_000 % perChunk);
    const progress = flood(flooder, chunk, (frames / perChunk) * chunk.length);
    expect(await peakGrowth(1_500)).toBeLessThan(100 * MiB);
    expect(progress.written()).toBeLessThan((frames / perChunk) * chunk.length);
    release();
    await delivered((c) => c.messages === frames, 60_000);
    flooder.destroy();
  }, 90_000);

  it("udp: datagrams past maxQueuedMessages are dropped while the listener is behind, then flow again", async () => {
    const { node, release, counts } = stalledNode();
    const { addr } = await node.handler.network.listen(Transport.Udp, LOCAL, { maxQueuedMessages: 100 });
    const { host, port } = parseHostPort(addr);
    const flooder = dgram.createSocket("udp4");
    flooder.on("error", () => {});
    try {
      // 1,000 datagrams, a turn of the event loop after each so that the node reads them as they come.
      for (let i = 0; i < 1_000; i++) {
        flooder.send(Uint8Array.of(i % 200), port, host);
        await nextTurn();
      }
      release();
      // Once the listener caught up, datagrams are taken again; a marker comes after all that was
      // queued (resent: udp may lose one).
      let markers = 0;
      for (; markers < 100 && counts.lastByte !== 0xee; markers++) {
        flooder.send(Uint8Array.of(0xee), port, host);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(counts.lastByte).toBe(0xee);
      // The one held at the gate and the 100 the queue had room for; the rest were dropped.
      expect(counts.messages - markers).toBeLessThan(300); // (a few may be read after the release)
      expect(counts.messages).toBeGreaterThanOrEqual(101);
    } finally {
      flooder.close();
    }
  });
});

it("framed-tcp: a well-behaved client is served promptly while another floods a slow listener", async () => {
  // A listener that yields a turn of the event loop every 64 events: far slower than the flood.
  const slow = split();
  nodes.push(slow);
  let seen = 0;
  void slow.listener.forEach(async (event) => {
    if (++seen % 64 === 0) await nextTurn();
    if (event.type === "message" && event.data.length > 0) slow.handler.network.send(event.endpoint, event.data);
  });
  const { addr } = await slow.handler.network.listen(Transport.FramedTcp, LOCAL);
  const flooder = await rawSocket(addr);
  flooder.resume();
  flood(flooder, new Uint8Array(64 * 1024), 1024 * MiB);
  try {
    const client = recordedNode();
    const endpoint = await client.network.connectAsync(Transport.FramedTcp, addr);
    for (let round = 0; round < 3; round++) {
      const asked = performance.now();
      client.network.send(endpoint, `still served ${round}`);
      await client.waitForCount(isMessage, round + 1, 10_000);
      // Behind at most a full queue of the flooder's (plus one read), not behind the whole flood.
      expect(performance.now() - asked).toBeLessThan(5_000);
    }
    expect(seen).toBeGreaterThan(10_000); // the flood was being consumed meanwhile
  } finally {
    flooder.destroy();
  }
});
