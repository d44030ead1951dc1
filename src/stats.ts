/**
 * Statistics (LAYERS.md section 3): per connection and per node. Counting is a few integer adds per
 * message on fields of the resource; the node's totals are summed only when asked, from the live
 * resources and what closed ones left behind, so a message is counted once, never twice.
 */

/** `handler.network.stats(endpoint)`: one live connection. Times are ms since the epoch. */
export interface ConnectionStats {
  /** The user's messages handed to the connection (not those still queued by `reconnect`). */
  readonly messagesSent: number;
  readonly messagesReceived: number;
  /** Their payload bytes: framing, hellos and pings are not counted. */
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** When the connection became ready (connected or accepted). */
  readonly openedAt: number;
  /** When the last message or ping arrived; `openedAt` until then. */
  readonly lastReceivedAt: number;
  /** With `identity.ping`: the smoothed round trip in ms. */
  readonly rtt?: number;
}

/** `handler.network.stats()`: the node's totals since it was created. */
export interface NodeStats {
  readonly messagesSent: number;
  readonly messagesReceived: number;
  readonly bytesSent: number;
  readonly bytesReceived: number;
  /** Live connections now (listeners excluded). */
  readonly connections: number;
  /** Messages received and thrown away: udp datagrams over the inbound limits, payloads that did not decode. */
  readonly dropped: number;
}

/** @internal The counts every resource keeps, and the node keeps for resources that are gone. */
export class Counters {
  messagesSent = 0;
  messagesReceived = 0;
  bytesSent = 0;
  bytesReceived = 0;

  /** Adds `other`'s counts to these. */
  add(other: Counters): void {
    this.messagesSent += other.messagesSent;
    this.messagesReceived += other.messagesReceived;
    this.bytesSent += other.bytesSent;
    this.bytesReceived += other.bytesReceived;
  }
}
