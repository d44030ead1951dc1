/**
 * The options of the built-in transports, typed without any platform type so that both builds
 * share them. Values that only exist on Node (a TLS key, an `http.Server`) are accepted structurally.
 */
import type { CommonListenOptions, CommonOptions } from "./adapter.js";
import type { BuiltinTransport } from "./transport.js";

/** PEM text or its bytes (Node accepts both). */
export type Pem = string | Uint8Array;

/** TLS on the connecting side: `true` for the system's trust store, or details. Verification stays on unless turned off. */
export type ClientTlsOptions =
  | boolean
  | {
      /** Trusted certificate authorities, replacing the system's. */
      ca?: Pem | Pem[];
      /** The name to verify (and to send as SNI); defaults to the host connected to. */
      servername?: string;
      /** `false` accepts any certificate: for tests only. Default `true`. */
      rejectUnauthorized?: boolean;
      /** A client certificate and key, for servers that ask for one. */
      cert?: Pem | Pem[];
      key?: Pem | Pem[];
    };

/** TLS on the listening side. Anything else Node's `tls.createServer` takes may be added. */
export interface ServerTlsOptions {
  key: Pem | Pem[];
  cert: Pem | Pem[];
  ca?: Pem | Pem[];
  [option: string]: unknown;
}

export interface TcpConnectOptions extends CommonOptions, ReconnectOption {
  /** The local address to bind before connecting, `"ip"` or `"ip:port"`. */
  sourceAddress?: string;
  /** TCP keep-alive: the idle time in ms before the first probe, or `false` (default) for none. */
  keepAlive?: number | false;
  /** Disables Nagle's algorithm. Default `true`: messages leave at once. */
  noDelay?: boolean;
  /** Fails the connect with `ETIMEDOUT` when it is not ready within this many ms. */
  timeout?: number;
  tls?: ClientTlsOptions;
  /** See {@link StreamTimeoutOptions.idleTimeout}: the server's silence ends the connection. */
  idleTimeout?: number;
  /** See {@link StreamTimeoutOptions.frameTimeout}. */
  frameTimeout?: number;
}

/**
 * Deadlines that close slow or silent peers (slowloris, vanished hosts). Each is in ms; `0` or
 * absent turns it off. A connection that misses one ends with `disconnected` and code `ETIMEDOUT`.
 * They are off by default on `tcp` and `framed-tcp` because every one of them also ends a
 * legitimate use (a protocol where the server speaks first, a 32 MiB message over a slow link, a
 * quiet connection): SECURITY.md gives values for a server on the internet.
 */
export interface StreamTimeoutOptions {
  /**
   * A peer must send its first byte within this many ms of being accepted. With `tls`, the TLS
   * handshake must also finish within it (Node's own default for that is 120 s).
   */
  handshakeTimeout?: number;
  /**
   * `framed-tcp` only: a message whose first byte arrived must be complete within this many ms.
   * Bounds how long a trickling peer can hold a connection; set it above `maxMessageSize` divided
   * by the slowest bandwidth you serve.
   */
  frameTimeout?: number;
  /**
   * Nothing received for this many ms ends the connection: the portable way to notice a peer
   * that vanished without closing (a stopped process, a cut link), since TCP keep-alive cannot
   * see a dead peer while our own data is unacknowledged. Pair it with traffic the peer sends
   * anyway (inputs, pings).
   */
  idleTimeout?: number;
}

export interface TcpListenOptions extends CommonListenOptions, StreamTimeoutOptions {
  keepAlive?: number | false;
  noDelay?: boolean;
  /** The kernel's queue of connections not yet accepted. */
  backlog?: number;
  tls?: ServerTlsOptions;
}

/** The socket's kernel buffers (`SO_RCVBUF`, `SO_SNDBUF`): bytes, capped by `net.core.rmem_max`/`wmem_max` on Linux. */
export interface UdpBufferOptions {
  /**
   * The receive buffer. Linux's default (about 208 KiB) holds three 60 KB datagrams: a sender of
   * large datagrams with more in flight needs more, or the kernel drops them.
   */
  recvBufferSize?: number;
  /** The send buffer. */
  sendBufferSize?: number;
}

export interface UdpConnectOptions extends CommonOptions, UdpBufferOptions {
  sourceAddress?: string;
  /** Allows sending to a broadcast address. */
  broadcast?: boolean;
  reuseAddress?: boolean;
}

export interface UdpListenOptions extends CommonListenOptions, UdpBufferOptions {
  reuseAddress?: boolean;
  broadcast?: boolean;
  /** Multicast listeners: the local interface address to join the group on. */
  multicastInterface?: string;
  /** Multicast listeners: receive this host's own datagrams to the group. Default `true`. */
  multicastLoopback?: boolean;
}

export interface WsConnectOptions extends CommonOptions, ReconnectOption {
  /** Sub-protocols to offer. */
  protocols?: string | string[];
  /** Extra handshake headers (Node only: browsers do not allow them). */
  headers?: Record<string, string>;
  tls?: ClientTlsOptions;
  /** Fails the connect with `ETIMEDOUT` when the handshake is not done within this many ms. */
  timeout?: number;
}

export interface WsListenOptions extends CommonListenOptions {
  /** Only upgrades on this path are accepted (default: any path). */
  path?: string;
  tls?: ServerTlsOptions;
  /** An existing `http`/`https` server to attach to, sharing its port (then `addr` is ignored). */
  server?: object;
  /** Allowed `Origin` header values; a handshake from another origin is refused. Default: any. */
  origins?: string[];
  /** Ping every this many ms, and disconnect a peer that did not answer the previous ping. */
  heartbeat?: number;
  /**
   * A connection must complete its WebSocket upgrade within this many ms of opening, or it is
   * closed without `accepted` (with `tls`, the TLS handshake gets as long again before that).
   * Default 10 000; `0` turns it off. Applies to the listener's own server only: with `server`,
   * that server's `headersTimeout` and `requestTimeout` govern the request.
   */
  handshakeTimeout?: number;
  /** Nothing received (pongs included) for this many ms ends the connection with `ETIMEDOUT`. Off by default. */
  idleTimeout?: number;
}

/**
 * `connect` on a connection-oriented transport: a connection that comes back by itself after a
 * drop (LAYERS.md section 4). `true` takes every default.
 */
export interface ReconnectOptions {
  /** The delay before the first retry, in ms. Default 500. */
  initialDelay?: number;
  /** The longest delay between attempts, in ms. Default 10 000. */
  maxDelay?: number;
  /** Each delay is the previous one times this. Default 2. */
  factor?: number;
  /** Each delay is randomised by this fraction (0.5: between 50 % and 150 %). Default 0.5. */
  jitter?: number;
  /** Attempts of one outage (the first connect included). Default `Infinity`. */
  maxAttempts?: number;
  /** Where the jitter's uniform numbers in [0, 1) come from. Default `Math.random`; tests pass their own. */
  random?: () => number;
}

/** The option every connection-oriented `connect` takes. */
export interface ReconnectOption {
  reconnect?: boolean | ReconnectOptions;
}

export interface WebRtcConnectOptions extends CommonOptions, ReconnectOption {
  /** `true`: reliable and ordered. Default `false` (unordered). */
  ordered?: boolean;
  /** How often a lost message is resent. Default 0 (never) unless `ordered` alone is given. */
  maxRetransmits?: number;
  /** STUN/TURN servers. Default none: then no third party is ever contacted. */
  iceServers?: { urls: string | string[]; username?: string; credential?: string }[];
  /** Fails the connect with `ETIMEDOUT` when the data channel is not open within this many ms. */
  timeout?: number;
  /** Extra signalling handshake headers (Node only). */
  headers?: Record<string, string>;
  tls?: ClientTlsOptions;
}

export interface WebRtcListenOptions extends CommonListenOptions {
  /** Only signalling upgrades on this path are accepted (default: any path). */
  path?: string;
  tls?: ServerTlsOptions;
  /** An existing `http`/`https` server to attach the signalling to (then `addr` is still the ICE address). */
  server?: object;
  /** Allowed `Origin` header values of the signalling socket. Default: any. */
  origins?: string[];
  /** From the signalling upgrade until the data channel is open, in ms. Default 10 000. */
  handshakeTimeout?: number;
  iceServers?: { urls: string | string[]; username?: string; credential?: string }[];
}

export interface ClusterListenOptions extends CommonListenOptions {
  /** The cluster's name: nodes of other clusters on the same Redis never meet. Default `"message-io"`. */
  cluster?: string;
  /** This node's id in the cluster, 1-255 bytes of UTF-8. Default `identity.id`, else a random id. */
  nodeId?: string;
  /** A node not heard from for this many ms leaves with `ETIMEDOUT`. Default 5 000. */
  presenceTimeout?: number;
  /** How long the first registration may take, in ms. Default 5 000. */
  connectTimeout?: number;
  /** For `rediss://`. */
  tls?: ClientTlsOptions;
}

export interface ConnectOptionsMap {
  tcp: TcpConnectOptions;
  "framed-tcp": TcpConnectOptions;
  udp: UdpConnectOptions;
  ws: WsConnectOptions;
  webrtc: WebRtcConnectOptions;
  cluster: never;
}

export interface ListenOptionsMap {
  tcp: TcpListenOptions;
  "framed-tcp": TcpListenOptions;
  udp: UdpListenOptions;
  ws: WsListenOptions;
  webrtc: WebRtcListenOptions;
  cluster: ClusterListenOptions;
}

/** The connect options of transport `T` (a custom transport gets the common ones, plus anything). */
export type ConnectOptionsOf<T extends string> = T extends BuiltinTransport
  ? ConnectOptionsMap[T]
  : CommonOptions & Record<string, unknown>;

/** The listen options of transport `T`. */
export type ListenOptionsOf<T extends string> = T extends BuiltinTransport
  ? ListenOptionsMap[T]
  : CommonListenOptions & Record<string, unknown>;
