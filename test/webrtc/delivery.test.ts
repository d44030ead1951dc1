/**
 * `webrtc` delivery Node to Node: the control side channel over the signalling socket (the adapter's
 * hooks, used by the second layer), and loss and reordering under a burst, measured and printed.
 */
import { type Endpoint, SendStatus, split, Transport } from "message-io";
import { describe, expect, it } from "vitest";
import { webRtcAdapter } from "../../platform/node/webrtc.js";
import type { Connection, ConnectionSink, ResourceLimits } from "../../src/adapter.js";
import { guardEveryTest } from "../reliability/support.js";
import { isConnected, isMessage, type Recorder, recordedNode } from "../support/recorder.js";

guardEveryTest();

const limits: ResourceLimits = {
  maxMessageSize: 16 * 1024,
  maxPendingBytes: 64 * 1024,
  maxQueuedMessages: 4096,
  maxQueuedBytes: 16 * 1024 * 1024,
};
const utf8 = new TextEncoder();
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A sink that records what the adapter reports, in order. */
function recordingSink(log: string[], onReady?: () => void): ConnectionSink {
  return {
    ready: () => {
      log.push("ready");
      onReady?.();
    },
    data: (bytes) => log.push(`data ${text(bytes)}`),
    closed: (error) => log.push(`closed ${error?.code ?? "clean"}`),
    control: (bytes) => log.push(`control ${text(bytes)}`),
  };
}

/** Waits until `condition` holds, checking every few ms, for at most `ms`. */
async function until(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("the control side channel (Connection.sendControl, ConnectionSink.control)", () => {
  it("carries control bytes both ways on the signalling socket, in order, none before ready", async () => {
    const serverLog: string[] = [];
    const clientLog: string[] = [];
    let accepted: Connection | undefined;
    const listening = await webRtcAdapter.listen!({
      addr: "127.0.0.1:0",
      options: {},
      limits,
      sink: {
        accepted(connection) {
          accepted = connection;
          // As the second layer's hello does: at once, before any other event.
          connection.sendControl!(utf8.encode("hello 1"));
          connection.sendControl!(utf8.encode("hello 2"));
          connection.send(utf8.encode("first data"));
          return recordingSink(serverLog);
        },
        datagram() {},
      },
    });
    let client: Connection | undefined;
    client = webRtcAdapter.connect!({
      remote: listening.addr,
      options: {},
      limits,
      sink: recordingSink(clientLog, () => client!.sendControl!(utf8.encode("hello back"))),
    });
    await until(() => clientLog.length >= 4 && serverLog.length >= 1);
    expect(clientLog[0]).toBe("ready");
    expect(clientLog.filter((entry) => entry.startsWith("control"))).toEqual(["control hello 1", "control hello 2"]);
    expect(clientLog).toContain("data first data");
    expect(serverLog).toEqual(["control hello back"]);
    client.close();
    await until(() => serverLog.length >= 2);
    expect(serverLog[1]).toBe("closed clean");
    expect(accepted).toBeDefined();
    listening.close();
  });
});

/** Sends `count` numbered messages of `size` bytes, waiting for the backlog to drain when send says buffer-full. */
async function sendNumbered(node: Recorder, endpoint: Endpoint, count: number, size: number) {
  let bufferFull = 0;
  for (let seq = 0; seq < count; ) {
    const message = new Uint8Array(size);
    new DataView(message.buffer).setUint32(0, seq);
    const status = node.network.send(endpoint, message);
    if (status === SendStatus.Sent) seq++;
    else if (status === SendStatus.BufferFull) {
      bufferFull++;
      await until(() => node.network.pendingBytes(endpoint) === 0);
    } else throw new Error(`send: ${status}`);
  }
  await until(() => node.network.pendingBytes(endpoint) === 0);
  return { bufferFull };
}

/** Loss, reordering and duplicates among what arrived, numbered 0..count-1. */
function tally(received: Uint8Array[], count: number) {
  const seen = new Set<number>();
  let reordered = 0;
  let duplicates = 0;
  let highest = -1;
  for (const message of received) {
    const seq = new DataView(message.buffer, message.byteOffset).getUint32(0);
    expect(seq).toBeLessThan(count);
    if (seen.has(seq)) duplicates++;
    if (seq < highest) reordered++;
    highest = Math.max(highest, seq);
    seen.add(seq);
  }
  return { received: seen.size, lost: count - seen.size, reordered, duplicates };
}

async function burst(options: Record<string, unknown>, count: number, size: number) {
  const server = recordedNode();
  const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0");
  const client = recordedNode();
  const endpoint = client.network.connect(Transport.WebRtc, addr, options);
  expect((await client.waitFor(isConnected)).ok).toBe(true);
  const started = performance.now();
  const { bufferFull } = await sendNumbered(client, endpoint, count, size);
  // Everything left the sender; what is not here once nothing has come for 500 ms is lost.
  let last = -1;
  await until(() => {
    const now = server.ofType("message").length;
    if (now === count) return true;
    const quiet = now === last;
    last = now;
    return quiet;
  }, 30_000).catch(() => {});
  const ms = performance.now() - started;
  const result = tally(
    server.ofType("message").map((event) => event.data),
    count,
  );
  return { ...result, bufferFull, ms: Math.round(ms) };
}

describe("loss and reordering under a burst", () => {
  it("unordered, no retransmits (the default): whole messages, no duplicates; loss and reordering measured", async () => {
    const count = 5000;
    const result = await burst({}, count, 1024);
    console.log(`webrtc burst, default (unordered, maxRetransmits 0), ${count} x 1 KiB:`, result);
    expect(result.duplicates).toBe(0);
    expect(result.received).toBeGreaterThan(0);
  });

  it("ordered: true is reliable and ordered: every message, in order", async () => {
    const count = 5000;
    const result = await burst({ ordered: true }, count, 1024);
    console.log(`webrtc burst, ordered: true, ${count} x 1 KiB:`, result);
    expect(result).toMatchObject({ received: count, lost: 0, reordered: 0, duplicates: 0 });
  });

  it("a burst in one turn: past maxPendingBytes (64 KiB) send returns buffer-full instead of queueing", async () => {
    const server = recordedNode();
    const { addr } = await server.network.listen(Transport.WebRtc, "127.0.0.1:0");
    const client = recordedNode();
    const endpoint = await client.network.connectAsync(Transport.WebRtc, addr);
    const statuses = Array.from({ length: 1000 }, () => client.network.send(endpoint, new Uint8Array(1024)));
    const sent = statuses.filter((status) => status === SendStatus.Sent).length;
    console.log(`webrtc one-turn burst of 1000 x 1 KiB: ${sent} sent, ${1000 - sent} buffer-full`);
    expect(statuses.filter((status) => status === SendStatus.BufferFull).length).toBe(1000 - sent);
    expect(sent).toBeGreaterThanOrEqual(64);
    expect(sent).toBeLessThanOrEqual(66);
    await server.waitFor(isMessage);
  });

  it("a listener that falls behind: past maxQueuedMessages an unreliable channel drops instead of queueing", async () => {
    const node = split();
    const receiver = node.listener.enqueue();
    try {
      const { addr } = await node.handler.network.listen(Transport.WebRtc, "127.0.0.1:0", { maxQueuedMessages: 50 });
      const client = recordedNode();
      const endpoint = await client.network.connectAsync(Transport.WebRtc, addr);
      // Nobody takes the listener's events while 500 messages arrive.
      await sendNumbered(client, endpoint, 500, 100);
      let messages = 0;
      for (
        let event = await receiver.receiveTimeout(5000);
        event !== undefined;
        event = await receiver.receiveTimeout(500)
      ) {
        if (event.type === "message") messages++;
      }
      expect(messages).toBeGreaterThanOrEqual(50);
      expect(messages).toBeLessThan(500);
    } finally {
      node.handler.stop();
    }
  });
});
