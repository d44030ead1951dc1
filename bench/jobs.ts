/** What the orchestrator asks its child processes to do, and what they answer. */
import type { BenchTransport, ServerKind } from "./peers/peer.js";

/** The library, the best hand-written raw code, the naive raw code (a write per message), socket.io. */
export type Impl = "lib" | "best" | "raw" | "socket.io";

export interface ServerJob {
  role: "server";
  impl: Impl;
  transport: BenchTransport;
  kind: ServerKind;
  /** A sink starts measuring this long after its first message, so JIT warm-up is not timed. */
  warmupMs: number;
}

export interface BlastJob {
  role: "client";
  mode: "blast";
  impl: Impl;
  transport: BenchTransport;
  addr: string;
  size: number;
  /** Messages sent per event-loop turn while the backlog is below its mark. */
  burst: number;
  durationMs: number;
}

export interface PingJob {
  role: "client";
  mode: "ping";
  impl: Impl;
  transport: BenchTransport;
  addr: string;
  warmupMs: number;
  durationMs: number;
}

export type Job = ServerJob | BlastJob | PingJob;

/** What a sink counted: `mark*` when the warm-up ended, `stamp*` at its latest time stamp. */
export interface SinkStats {
  bytes: number;
  markAt: number;
  markBytes: number;
  stampAt: number;
  stampBytes: number;
  /** CPU time of the process (user + system, µs) when the warm-up ended, and when these stats were taken. */
  markCpu: number;
  cpu: number;
}

export interface BlastResult {
  sentBytes: number;
  /** CPU time the client spent (user + system, µs). */
  cpu: number;
}

export interface PingResult {
  /** Round trips in microseconds. */
  median: number;
  p99: number;
  count: number;
  resent: number;
}

export type ChildMessage =
  | { type: "ready"; addr: string }
  | { type: "stats"; stats: SinkStats }
  | { type: "result"; result: BlastResult | PingResult }
  | { type: "error"; message: string };
