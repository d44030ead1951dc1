/** One measurement: a fresh server process and a fresh client process, for one implementation. */
import { Child, sleep } from "./children.js";
import type { BlastResult, Impl } from "./jobs.js";
import type { BenchTransport } from "./peers/peer.js";

export interface Timing {
  warmupMs: number;
  durationMs: number;
}

export interface Throughput {
  messagesPerSecond: number;
  megabytesPerSecond: number;
  /** Received bytes / sent bytes: 1 on the reliable transports, below on a flooded udp. */
  delivered: number;
  /** CPU time per message (µs) of the receiving server after its warm-up, and of the sending client overall. */
  serverCpu: number;
  clientCpu: number;
}

export interface Latency {
  medianUs: number;
  p99Us: number;
  /** The echo server's CPU time per round trip (µs) after its warm-up: steadier than the times on a shared machine. */
  serverCpu: number;
}

async function withServer<T>(
  impl: Impl,
  transport: BenchTransport,
  kind: "sink" | "echo",
  timing: Timing,
  body: (server: Child, addr: string) => Promise<T>,
): Promise<T> {
  const server = new Child({ role: "server", impl, transport, kind, warmupMs: timing.warmupMs });
  try {
    const { addr } = await server.next("ready");
    return await body(server, addr);
  } finally {
    await server.stop();
  }
}

export function throughput(
  impl: Impl,
  transport: BenchTransport,
  size: number,
  burst: number,
  timing: Timing,
): Promise<Throughput> {
  return withServer(impl, transport, "sink", timing, async (server, addr) => {
    const durationMs = timing.warmupMs + timing.durationMs;
    const client = new Child({ role: "client", mode: "blast", impl, transport, addr, size, burst, durationMs });
    try {
      const { result } = await client.next("result");
      const { sentBytes: sent, cpu: clientCpu } = result as BlastResult;
      const reliable = transport !== "udp";
      // Wait until the sink has it all (reliable transports) or has been quiet for 100 ms (udp).
      let previous = -1;
      for (const deadline = performance.now() + 30_000; ; ) {
        server.send("stats");
        const { stats } = await server.next("stats");
        if (reliable ? stats.bytes >= sent : stats.bytes === previous) {
          const seconds = (stats.stampAt - stats.markAt) / 1000;
          const bytes = stats.stampBytes - stats.markBytes;
          if (!(seconds > 0)) throw new Error(`${impl} ${transport}: too few messages to measure`);
          return {
            messagesPerSecond: bytes / size / seconds,
            megabytesPerSecond: bytes / 1e6 / seconds,
            delivered: stats.bytes / sent,
            serverCpu: (stats.cpu - stats.markCpu) / ((stats.bytes - stats.markBytes) / size),
            clientCpu: clientCpu / (sent / size),
          };
        }
        if (performance.now() > deadline) throw new Error(`${impl} ${transport}: ${stats.bytes} of ${sent} bytes`);
        previous = stats.bytes;
        await sleep(reliable ? 10 : 100);
      }
    } finally {
      await client.stop();
    }
  });
}

export function latency(impl: Impl, transport: BenchTransport, timing: Timing): Promise<Latency> {
  return withServer(impl, transport, "echo", timing, async (server, addr) => {
    const client = new Child({ role: "client", mode: "ping", impl, transport, addr, ...timing });
    try {
      const { result } = await client.next("result");
      const { median, p99 } = result as { median: number; p99: number };
      server.send("stats");
      const { stats } = await server.next("stats");
      // One byte per round trip: the bytes after the mark are the round trips.
      const serverCpu = (stats.cpu - stats.markCpu) / (stats.bytes - stats.markBytes);
      return { medianUs: median, p99Us: p99, serverCpu };
    } finally {
      await client.stop();
    }
  });
}
