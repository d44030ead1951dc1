import type { Connection, Listening, ResourceLimits } from "./adapter.js";
import type { Endpoint } from "./endpoint.js";
import type { NetError } from "./errors.js";
import type { EventOwner } from "./event-queue.js";
import type { ResourceId } from "./resource-id.js";

/** A connection's life: `pending` (connecting) -> `ready` -> `closed`. Accepted ones start `ready`. */
export type ConnectionState = "pending" | "ready" | "closed";

/** Settles a `connectAsync` promise. */
export interface ConnectWaiter {
  resolve(endpoint: Endpoint): void;
  reject(error: NetError): void;
}

/** A connection, made by `connect` or accepted by a listener. */
export class RemoteResource implements EventOwner {
  /** Set by `remove` and `stop`: the user asked for silence, so queued events are discarded. */
  dropped = false;
  state: ConnectionState;
  /** Undefined only while the adapter's `connect` is running. */
  handle: Connection | undefined;
  endpoint: Endpoint | undefined;
  waiter: ConnectWaiter | undefined;

  constructor(
    readonly id: ResourceId,
    readonly limits: ResourceLimits,
    /** The listener that accepted it, or `undefined` when made by `connect`. */
    readonly listener: LocalResource | undefined,
  ) {
    this.state = listener === undefined ? "pending" : "ready";
  }
}

/** A listener. */
export class LocalResource implements EventOwner {
  dropped = false;
  /** Connections it accepted that are still open, for `maxConnections`. */
  connections = 0;
  /** Undefined only while the adapter's `listen` is binding. */
  handle: Listening | undefined;

  constructor(
    readonly id: ResourceId,
    readonly limits: ResourceLimits,
    readonly maxConnections: number,
  ) {}
}

export type Resource = RemoteResource | LocalResource;
