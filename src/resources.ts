import type { Connection, Listening, ResourceLimits } from "./adapter.js";
import type { Endpoint } from "./endpoint.js";
import type { NetError } from "./errors.js";
import type { EventOwner } from "./event-queue.js";
import { InboundQueue } from "./inbound.js";
import type { ResourceId } from "./resource-id.js";
import { Counters } from "./stats.js";

/** A connection's life: `pending` (connecting) -> `ready` -> `closed`. Accepted ones start `ready`. */
export type ConnectionState = "pending" | "ready" | "closed";

/** Settles a `connectAsync` promise. */
export interface ConnectWaiter {
  resolve(endpoint: Endpoint): void;
  reject(error: NetError): void;
}

/** A connection, made by `connect` or accepted by a listener. Its counts are its statistics. */
export class RemoteResource extends Counters implements EventOwner {
  /** Set by `remove` and `stop`: the user asked for silence, so queued events are discarded. */
  dropped = false;
  state: ConnectionState;
  /** Undefined only while the adapter's `connect` is running. */
  handle: Connection | undefined;
  endpoint: Endpoint | undefined;
  waiter: ConnectWaiter | undefined;
  readonly inbound: InboundQueue;
  /** When it became ready, and when a message last arrived (ms since the epoch): for `stats`. */
  openedAt = 0;
  lastReceivedAt = 0;

  constructor(
    readonly id: ResourceId,
    readonly limits: ResourceLimits,
    /** The listener that accepted it, or `undefined` when made by `connect`. */
    readonly listener: LocalResource | undefined,
  ) {
    super();
    this.state = listener === undefined ? "pending" : "ready";
    this.inbound = new InboundQueue(limits);
  }

  /**
   * A message arrived for the queue. Returns `false` when it must be dropped (`lossy` transports
   * with a full queue); else counts it, and pauses reading once the queue is full.
   */
  admit(bytes: number, lossy: boolean): boolean {
    const inbound = this.inbound;
    if (lossy && inbound.full) return false;
    inbound.add(bytes);
    if (!lossy && !inbound.paused && inbound.full) {
      inbound.paused = true;
      this.handle?.pauseReading?.();
    }
    return true;
  }

  delivered(bytes: number): void {
    if (!this.inbound.remove(bytes)) return;
    this.inbound.paused = false;
    if (this.state !== "closed") this.handle?.resumeReading?.();
  }
}

/** A listener. A connectionless one counts the datagrams it sends and receives. */
export class LocalResource extends Counters implements EventOwner {
  dropped = false;
  /** Connections it accepted that are still open, for `maxConnections`. */
  connections = 0;
  /** Undefined only while the adapter's `listen` is binding. */
  handle: Listening | undefined;
  /** Datagrams of a connectionless listener waiting in the queue: past the limits, more are dropped. */
  readonly inbound: InboundQueue;

  constructor(
    readonly id: ResourceId,
    readonly limits: ResourceLimits,
    readonly maxConnections: number,
  ) {
    super();
    this.inbound = new InboundQueue(limits);
  }

  delivered(bytes: number): void {
    this.inbound.remove(bytes);
  }
}

export type Resource = RemoteResource | LocalResource;
