/**
 * What the browser page and the benchmark's WebSocket server say to each other. The first message
 * of a connection is a JSON `Command`; a 1-byte message ends a run.
 */
export interface Command {
  /** `send`: the page sends and the server counts; `receive`: the server sends and the page counts. */
  direction: "send" | "receive";
  size: number;
  durationMs: number;
}

/** The server's answer to the end of a `send` run. */
export interface SendReport {
  bytes: number;
}

/** Ends a run: a message of a size that no measured message has. */
export const END = new Uint8Array([0]);

/** The backlog a sender keeps at most, on both sides. */
export const HIGH_WATER = 1 << 20;

/** Messages per turn: about 16 KiB of small messages, or eight large ones. */
export const burstFor = (size: number) => (size <= 1024 ? 256 : 8);
