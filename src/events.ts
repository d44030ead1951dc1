import type { Endpoint } from "./endpoint.js";
import type { NetError } from "./errors.js";
import type { ResourceId } from "./resource-id.js";

/** The other side of a connection of a node with `identity` (LAYERS.md section 2): its id and its hello. */
export interface Peer<M = Uint8Array> {
  readonly id: string;
  readonly hello?: M;
}

/**
 * What the network reports. Readonly and discriminated on `type`, so a `switch` is checked for
 * exhaustiveness. `M` is the message type: the bytes, or what the node's codec decodes.
 */
export type NetEvent<M = Uint8Array> =
  /** The outcome of a `connect()`: exactly one per call, never during it. Checking `ok` narrows. */
  | {
      readonly type: "connected";
      readonly endpoint: Endpoint;
      readonly ok: true;
      readonly error?: undefined;
      /** With `identity`: the peer that accepted the hello. */
      readonly peer?: Peer<M>;
    }
  | { readonly type: "connected"; readonly endpoint: Endpoint; readonly ok: false; readonly error: NetError }
  /** A connection-oriented listener accepted a peer. */
  | { readonly type: "accepted"; readonly endpoint: Endpoint; readonly listener: ResourceId; readonly peer?: Peer<M> }
  /**
   * A message: one per send on packet-based transports, a chunk of the stream on `tcp`. `data` is
   * the bytes received; `message` what the codec decoded from them (without a codec, `data` itself).
   */
  | { readonly type: "message"; readonly endpoint: Endpoint; readonly data: Uint8Array; readonly message: M }
  /** The last event of a connection. `error` says why when it did not end cleanly. Never for udp. */
  | { readonly type: "disconnected"; readonly endpoint: Endpoint; readonly error?: NetError }
  /**
   * A connection made with `reconnect` lost its link, or failed an attempt, and will try again:
   * `attempt` is the number of the attempt to be made after `delay` ms (LAYERS.md section 4).
   */
  | {
      readonly type: "reconnecting";
      readonly endpoint: Endpoint;
      readonly attempt: number;
      readonly delay: number;
      readonly error?: NetError;
    }
  /** A connection made with `reconnect` has its link back. */
  | { readonly type: "reconnected"; readonly endpoint: Endpoint; readonly peer?: Peer<M> };

export type NodeEvent<S, M = Uint8Array> = NetEvent<M> | { readonly type: "signal"; readonly signal: S };

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
  /** Held for a connection made with `reconnect` while it has no link: it leaves, in order, once linked. */
  Queued: "queued",
} as const;

export type SendStatus = (typeof SendStatus)[keyof typeof SendStatus];
