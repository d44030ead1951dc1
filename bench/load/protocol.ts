/** What the load test's orchestrator and its two processes say to each other. */
export type LoadTransport = "framed-tcp" | "ws";
export type LoadImpl = "lib" | "raw";

export interface ServerJob {
  impl: LoadImpl;
  transport: LoadTransport;
}

export interface ClientJob {
  transport: LoadTransport;
  addr: string;
  connections: number;
  /** Round trips each connection makes once open, one message at a time. */
  exchanges: number;
  /** Local addresses to connect from, in turn: each gives its own range of ephemeral ports. */
  sources: string[];
  /** Connections being opened at once. */
  concurrency: number;
}

/** `process.memoryUsage()` after a full garbage collection. */
export interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

export type ServerMessage =
  | { type: "ready"; addr: string; idle: Memory }
  | { type: "delay"; p50: number; p99: number; max: number }
  | { type: "memory"; memory: Memory; connections: number; messages: number };

export type ClientMessage =
  | { type: "connected"; open: number; failed: number; echoes: number; ms: number; firstError?: string }
  | { type: "burst"; echoes: number; ms: number };

/** The message every connection sends: 32 bytes. */
export const MESSAGE_SIZE = 32;
