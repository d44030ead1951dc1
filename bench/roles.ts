/** The measuring loops, written once for every implementation. */
import type { BlastResult, PingResult, SinkStats } from "./jobs.js";
import { ACK_REQUEST, type Link } from "./peers/peer.js";
import { percentile } from "./stats.js";

/** Reading the clock costs about as much as a small message: a sink stamps one call in this many. */
const STAMP_EVERY = 32;
/** The backlog a blasting client keeps at most, as a careful user would (the library's limit is 16 MiB). */
const HIGH_WATER = 1 << 20;

/** Counts what a sink receives, time-stamping every STAMP_EVERY-th call (bytes and time read together). */
export class SinkCounter {
  private calls = 0;
  private firstAt = -1;
  private readonly stats: SinkStats = {
    bytes: 0,
    markAt: -1,
    markBytes: 0,
    stampAt: -1,
    stampBytes: 0,
    markCpu: 0,
    cpu: 0,
  };

  constructor(private readonly warmupMs: number) {}

  readonly add = (bytes: number): void => {
    const stats = this.stats;
    stats.bytes += bytes;
    if (this.calls++ % STAMP_EVERY !== 0) return;
    const now = performance.now();
    if (this.firstAt < 0) this.firstAt = now;
    if (stats.markAt < 0) {
      if (now - this.firstAt < this.warmupMs) return;
      stats.markAt = now;
      stats.markBytes = stats.bytes;
      stats.markCpu = cpuNow();
    }
    stats.stampAt = now;
    stats.stampBytes = stats.bytes;
  };

  snapshot(): SinkStats {
    return { ...this.stats, cpu: cpuNow() };
  }
}

function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Sends `size`-byte messages for `durationMs`, `burst` per turn while the backlog allows; resolves once flushed. */
export function blast(link: Link, size: number, burst: number, durationMs: number): Promise<BlastResult> {
  const payload = Buffer.alloc(size, 0x61);
  const start = performance.now();
  const cpuStart = cpuNow();
  let sentBytes = 0;
  return new Promise((resolve, reject) => {
    const flushed = () => {
      if (link.pending() === 0) resolve({ sentBytes, cpu: cpuNow() - cpuStart });
      else if (performance.now() - start > durationMs + 30_000) reject(new Error("the backlog never drained"));
      else setTimeout(flushed, 1);
    };
    const turn = () => {
      if (performance.now() - start >= durationMs) return flushed();
      if (link.pending() < HIGH_WATER) {
        for (let i = 0; i < burst; i++) link.send(payload);
        sentBytes += burst * size;
      }
      setImmediate(turn);
    };
    turn();
  });
}

/**
 * The udp sender: what a careful user writes, since a flood only measures how the kernel drops
 * datagrams. At most `window` messages are unacknowledged; every `ackEvery`-th asks the sink for an
 * ack. The window fits the receiver's buffer of `receiveBuffer` bytes (a datagram costs its size plus
 * about 1 KiB there). A stall of 20 ms (acks or messages lost) writes the window off.
 */
export function blastWindowed(
  link: Link,
  setOnMessage: (handler: (data: Uint8Array) => void) => void,
  size: number,
  durationMs: number,
  receiveBuffer: number,
): Promise<BlastResult> {
  const window = size <= 1024 ? 128 : Math.max(1, Math.floor(receiveBuffer / (size + 1024)));
  const ackEvery = size <= 1024 ? 16 : 1;
  const payload = Buffer.alloc(size, 0x61);
  const asking = Buffer.alloc(size, 0x61);
  asking[0] = ACK_REQUEST;
  const start = performance.now();
  const cpuStart = cpuNow();
  let sent = 0;
  let acked = 0;
  let lastAck = start;
  let sending = true;
  const fill = () => {
    while (sending && sent - acked < window) {
      sent += 1;
      link.send(sent % ackEvery === 0 ? asking : payload);
    }
  };
  setOnMessage(() => {
    acked = Math.min(sent, acked + ackEvery);
    lastAck = performance.now();
    fill();
  });
  return new Promise((resolve) => {
    const turn = () => {
      const now = performance.now();
      if (now - start >= durationMs) {
        sending = false;
        resolve({ sentBytes: sent * size, cpu: cpuNow() - cpuStart });
        return;
      }
      if (now - lastAck > 20) {
        acked = sent;
        lastAck = now;
      }
      fill();
      setImmediate(turn);
    };
    turn();
  });
}

/**
 * One-byte round trips, one at a time, for `durationMs` after `warmupMs`. A reply lost (udp) is
 * re-sent after 100 ms and that round trip is not counted.
 */
export function pingPong(
  link: Link,
  setOnMessage: (handler: (data: Uint8Array) => void) => void,
  warmupMs: number,
  durationMs: number,
): Promise<PingResult> {
  const ping = Buffer.from([1]);
  const samples = new Float64Array(1_000_000);
  let count = 0;
  let resent = 0;
  const start = performance.now();
  let sentAt = start;
  let lost = false;
  return new Promise((resolve) => {
    const watchdog = setInterval(() => {
      if (performance.now() - sentAt < 100) return;
      lost = true;
      resent += 1;
      sentAt = performance.now();
      link.send(ping);
    }, 100);
    setOnMessage(() => {
      const now = performance.now();
      if (!lost && now - start >= warmupMs && count < samples.length) samples[count++] = (now - sentAt) * 1000;
      lost = false;
      if (now - start >= warmupMs + durationMs) {
        clearInterval(watchdog);
        const taken = samples.subarray(0, count);
        resolve({ median: percentile(taken, 50), p99: percentile(taken, 99), count, resent });
        return;
      }
      sentAt = performance.now();
      link.send(ping);
    });
    link.send(ping);
  });
}
