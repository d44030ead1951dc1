import type { Endpoint } from "./endpoint.js";
import type { NetError } from "./errors.js";
import type { ResourceId } from "./resource-id.js";

/** What the network reports. Readonly and discriminated on `type`, so a `switch` is checked for exhaustiveness. */
export type NetEvent =
  /** The outcome of a `connect()`: exactly one per call, never during it. */
  | {
      readonly type: "connected";
      readonly endpoint: Endpoint;
      readonly ok: boolean;
      readonly error?: NetError;
    }
  /** A connection-oriented listener accepted a peer. */
  | { readonly type: "accepted"; readonly endpoint: Endpoint; readonly listener: ResourceId }
  /** A message: one per send on packet-based transports, a chunk of the stream on `tcp`. */
  | { readonly type: "message"; readonly endpoint: Endpoint; readonly data: Uint8Array }
  /** The last event of a connection. `error` says why when it did not end cleanly. Never for udp. */
  | { readonly type: "disconnected"; readonly endpoint: Endpoint; readonly error?: NetError };

export type NodeEvent<S> = NetEvent | { readonly type: "signal"; readonly signal: S };

/** The outcome of `network.send()`. */
export const SendStatus = {
  /** Handed to the connection (or the operating system): it will go out unless the connection dies. */
  Sent: "sent",
  /** Larger than the resource's `maxMessageSize`: nothing was sent. */
  MaxPacketSizeExceeded: "max-size-exceeded",
  /** No such resource (never existed, removed, disconnected, or the node stopped). */
  ResourceNotFound: "not-found",
  /** The connection is still pending: wait for `connected`. */
  ResourceNotAvailable: "not-available",
  /** The connection's `maxPendingBytes` would be exceeded: nothing was queued. */
  BufferFull: "buffer-full",
} as const;

export type SendStatus = (typeof SendStatus)[keyof typeof SendStatus];
