/**
 * # The adapter contract
 *
 * An adapter turns one platform's sockets into calls on the core's sinks. The core owns everything
 * else: resource ids, the registry, the `pending -> ready -> closed` life cycle, size and backlog
 * checks, and every user event. So an adapter is short, and a custom transport gets every guarantee
 * of the API (exactly one `connected`, `disconnected` last, nothing after `remove`) for free.
 *
 * Rules an adapter must follow:
 * 1. Translate, never decide. Report what the socket did (`ready`, `data`, `closed`, `accepted`,
 *    `datagram`); the core decides what the user sees.
 * 2. Never throw out of a socket callback, and never let a platform error go unhandled (attach the
 *    platform's error listener before anything else). A peer's misbehaviour is reported as
 *    `closed(error)` with a `NetError` whose `code` says why.
 * 3. Call sinks asynchronously, from the socket's own callbacks: never inside `connect()` or
 *    `listen()` themselves. (The core defends against it, but the order of events is then the core's guess.)
 * 4. `close()` is called by the core exactly once per handle, and the core ignores every sink call
 *    after it: release the socket and stay silent. A handle that ends by itself calls `closed()`
 *    once; it is not `close()`d afterwards.
 * 5. `send()` receives bytes the core has already checked against `maxMessageSize` and
 *    `maxPendingBytes`. It queues them on the socket and returns `SendStatus.Sent`; it may return
 *    another status only for what the core cannot know (`MaxPacketSizeExceeded` for a platform
 *    limit). It takes the bytes as they are at the call: the caller may change or reuse `data` as
 *    soon as `send()` returns, so copy it unless the platform has consumed it synchronously (a
 *    browser's `WebSocket.send` does; Node's sockets keep a reference). It never mutates `data`.
 * 6. The bytes passed to `data()` and `datagram()` become the user's: never reuse or mutate them
 *    afterwards. Slicing them out of a fresh platform buffer without copying is fine.
 * 7. Nothing an adapter holds keeps a process alive once every handle is closed.
 *
 * `platform/node/` holds the Node adapters; `src/adapters/memory.ts` is the template to copy for a
 * custom transport, and `docs/adapters.md` walks through writing one.
 */
import type { NetError } from "./errors.js";
import type { Peer, SendStatus } from "./events.js";
import type { TransportInfo, TransportName } from "./transport.js";

/** The limits the core resolved for one resource, from the user's options and the transport's defaults. */
export interface ResourceLimits {
  /** The largest message a peer may send us, and that we may send (`Infinity` for streams). */
  readonly maxMessageSize: number;
  /** The largest backlog of bytes accepted by `send` but not yet handed to the operating system. */
  readonly maxPendingBytes: number;
  /** Inbound backpressure: messages received and not yet delivered, past which reading pauses. */
  readonly maxQueuedMessages: number;
  /** Inbound backpressure: their bytes. */
  readonly maxQueuedBytes: number;
}

/** Options every transport understands; each adapter extends them with its own. */
export interface CommonOptions {
  /** Overrides the transport's default message size limit. */
  maxMessageSize?: number;
  /** Overrides the default backlog limit of 16 MiB. */
  maxPendingBytes?: number;
  /**
   * Inbound backpressure: when this many messages of one connection wait in the node's queue,
   * received but not yet delivered to the listener, the library stops reading from the peer (TCP
   * flow control then slows it down) until the listener has taken half of them. Over udp, datagrams
   * past it are dropped instead. Default 4096.
   */
  maxQueuedMessages?: number;
  /** The same for the bytes of those messages. Default 16 MiB. */
  maxQueuedBytes?: number;
}

/** Options every listener understands. */
export interface CommonListenOptions extends CommonOptions {
  /** Connection-oriented listeners: a connection past this many is closed at once, without `accepted`. */
  maxConnections?: number;
}

/** The core's side of one connection: the adapter calls these as the socket reports. */
export interface ConnectionSink {
  /**
   * The connection is established (only for connections the core asked for with `connect`).
   * `peer` is given by the second layer's handshake (`identity`), never by a byte adapter.
   */
  ready(peer?: Peer<unknown>): void;
  /** Bytes arrived: one message on packet-based transports, a chunk of the stream otherwise. */
  data(bytes: Uint8Array): void;
  /** The connection ended by itself. Before `ready`, the connect failed (an `error` is then expected). */
  closed(error?: NetError): void;
  /**
   * Bytes arrived on the connection's reliable side channel (see `Connection.sendControl`). Set by
   * the core only for nodes that use the second layer; an adapter calls it when present.
   */
  control?(bytes: Uint8Array): void;
  /**
   * For the `reconnect` decorator (src/layer/reconnect), never a byte adapter: an attempt failed or
   * the link dropped, and attempt number `attempt` starts in `delay` ms. A sink that wraps the
   * driver's must pass these two on.
   */
  reconnecting?(attempt: number, delay: number, error?: NetError): void;
  /** For the `reconnect` decorator: a link is back after a drop (`ready` reported the first one). */
  reconnected?(peer?: Peer<unknown>): void;
}

/** The adapter's side of one connection. */
export interface Connection {
  /** The peer's address, `"ip:port"` (for a `connect`, as the user gave it, normalised). */
  readonly addr: string;
  /** A smaller limit than `ResourceLimits.maxMessageSize` that only the adapter knows (UDP over IPv6). */
  readonly maxMessageSize?: number;
  /** Queues `data` for the peer; see rule 5. */
  send(data: Uint8Array): SendStatus;
  /** Bytes accepted by `send` and not yet handed to the operating system. */
  pendingBytes(): number;
  /** Closes the connection gracefully where the transport can (a close frame, a FIN); see rule 4. */
  close(): void;
  /**
   * Stops reading from the peer until `resumeReading` (inbound backpressure: the listener is behind).
   * Optional: a connection without it is never paused, so a fast peer can grow the node's queue.
   */
  pauseReading?(): void;
  resumeReading?(): void;
  /**
   * Optional: a reliable, ordered side channel for the library's own control messages (the hello,
   * pings, the reason of a close), for transports whose data path may lose or reorder messages
   * (`webrtc` has its signalling socket). Its bytes arrive at the peer's `ConnectionSink.control`.
   * Without it, control messages travel on the data path, tagged.
   */
  sendControl?(data: Uint8Array): void;
  /** Set by the second layer's pings (`identity.ping`): the smoothed round trip in ms. */
  readonly rtt?: number;
  /** Set by the second layer: when the last ping or pong arrived (ms since the epoch), for `stats`. */
  readonly lastPingAt?: number;
}

/** The core's side of one listener. */
export interface ListenerSink {
  /**
   * A connection-oriented listener accepted a peer. Returns the sink to report that connection to,
   * or `undefined` when the core refused it (`maxConnections`, node stopped): the core has then
   * already called `connection.close()`.
   */
  accepted(connection: Connection, peer?: Peer<unknown>): ConnectionSink | undefined;
  /** A packet-based, connectionless listener (udp) received `data` from `addr`. */
  datagram(addr: string, data: Uint8Array): void;
  /**
   * A listener that links several nodes (`Transport.Cluster`) received a group message published
   * by another node (see `Listening.publish`): the core hands it to this node's members of `group`
   * once the events queued before it were delivered, so in order with that node's messages.
   */
  published?(group: string, data: Uint8Array): void;
}

/** The adapter's side of one listener. */
export interface Listening {
  /** The real bound address, `"ip:port"` (`"[::1]:port"` for IPv6). */
  readonly addr: string;
  /** Connectionless listeners: sends `data` to `addr` (what `Endpoint.fromListener` targets). */
  sendTo?(addr: string, data: Uint8Array): SendStatus;
  /** The limit for `sendTo`, when smaller than `ResourceLimits.maxMessageSize`. */
  readonly maxMessageSize?: number;
  /** Stops listening. Connections it accepted stay open: they are resources of their own. */
  close(): void;
  /**
   * Optional, for listeners that link several nodes (`Transport.Cluster`): sends a group message
   * to every other node, each of which receives it through its `ListenerSink.published`, in order
   * with what this node `send`s to each of them.
   */
  publish?(group: string, data: Uint8Array): void;
}

export interface ConnectRequest<O> {
  /** `"host:port"`, or whatever address form the transport documents (a URL for ws). */
  readonly remote: string;
  readonly options: O;
  readonly limits: ResourceLimits;
  readonly sink: ConnectionSink;
}

export interface ListenRequest<O> {
  /** `"host:port"`; port 0 picks a free port. */
  readonly addr: string;
  readonly options: O;
  readonly limits: ResourceLimits;
  readonly sink: ListenerSink;
  /** The node's own id (`identity.id`) when it has one: a cluster listener's default `nodeId`. */
  readonly nodeId?: string;
}

/** A transport. Register custom ones with `split({ adapters: [myAdapter] })`. */
export interface Adapter<
  ConnectOptions extends CommonOptions = CommonOptions,
  ListenOptions extends CommonListenOptions = CommonListenOptions,
> {
  /** The transport name users pass to `connect` and `listen`. */
  readonly transport: TransportName;
  /** Capabilities and the default `maxMessageSize`. */
  readonly info: TransportInfo;
  /**
   * How the core checks the adapter's own options, before `connect` or `listen` is called (a bad
   * value throws `INVALID_ARGUMENT` before anything opens): a check per option name, returning
   * what was expected or `undefined` (`optionChecks` of `message-io/adapter` has the usual ones).
   * The common options are always checked; the built-in transports' tables are the core's.
   */
  readonly optionChecks?: {
    readonly connect?: Readonly<Record<string, (value: unknown) => string | undefined>>;
    readonly listen?: Readonly<Record<string, (value: unknown) => string | undefined>>;
  };
  /**
   * Starts a connection and returns its handle at once. Throws a `NetError` only for a bad
   * argument (`INVALID_ADDRESS`, `INVALID_ARGUMENT`); every other failure is `sink.closed(error)`.
   * Absent on transports that cannot connect on this platform.
   */
  connect?(request: ConnectRequest<ConnectOptions>): Connection;
  /**
   * Starts listening. Resolves once bound, with the real address; rejects with a `NetError`
   * (`EADDRINUSE`, `INVALID_ADDRESS`, ...). Absent on platforms that cannot listen (the browser).
   */
  listen?(request: ListenRequest<ListenOptions>): Promise<Listening>;
}
