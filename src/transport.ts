import { ErrorCode, NetError } from "./errors.js";

/** The built-in transports. A custom adapter adds its own string. */
export const Transport = {
  Tcp: "tcp",
  FramedTcp: "framed-tcp",
  Udp: "udp",
  Ws: "ws",
  /** Unreliable, unordered datagrams over a WebRTC data channel, signalled over a WebSocket (LAYERS.md section 7). */
  WebRtc: "webrtc",
  /** Server processes that meet through Redis (LAYERS.md section 6). Node only; listen only. */
  Cluster: "cluster",
} as const;

export type BuiltinTransport = (typeof Transport)[keyof typeof Transport];
/** A transport name: one of `Transport`, or the name of a custom adapter. */
export type TransportName = BuiltinTransport | (string & {});
export type Transport = TransportName;

/** What a transport can do: capabilities are data, so code and docs read them instead of branching on names. */
export interface TransportInfo {
  /** Connections have a life cycle (`connected`/`accepted` ... `disconnected`). */
  readonly connectionOriented: boolean;
  /** One `send` arrives as exactly one `message`. */
  readonly packetBased: boolean;
  /** The largest message `send` accepts by default (`Infinity` when unbounded). */
  readonly maxMessageSize: number;
  /** The default `maxPendingBytes`, when not the common 16 MiB (an unreliable channel drops sooner). */
  readonly maxPendingBytes?: number;
}

const MiB = 1024 * 1024;
/** Largest UDP payload over IPv4: 65535 - 20 (IP header) - 8 (UDP header). */
export const UDP_MAX_IPV4 = 65507;
/** Largest UDP payload over IPv6: 65535 - 40 (IP header) - 8 (UDP header). */
export const UDP_MAX_IPV6 = 65487;
export const DEFAULT_MAX_MESSAGE_SIZE = 32 * MiB;
export const DEFAULT_MAX_PENDING_BYTES = 16 * MiB;
/** Inbound backpressure (see `CommonOptions.maxQueuedMessages`): a few hundred kilobytes of events per connection. */
export const DEFAULT_MAX_QUEUED_MESSAGES = 4096;
export const DEFAULT_MAX_QUEUED_BYTES = 16 * MiB;

const builtinInfo: Record<BuiltinTransport, TransportInfo> = {
  tcp: { connectionOriented: true, packetBased: false, maxMessageSize: Number.POSITIVE_INFINITY },
  "framed-tcp": { connectionOriented: true, packetBased: true, maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE },
  udp: { connectionOriented: false, packetBased: true, maxMessageSize: UDP_MAX_IPV4 },
  ws: { connectionOriented: true, packetBased: true, maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE },
  webrtc: { connectionOriented: true, packetBased: true, maxMessageSize: 16 * 1024, maxPendingBytes: 64 * 1024 },
  cluster: { connectionOriented: true, packetBased: true, maxMessageSize: MiB },
};

/** Whether `name` is one of `Transport` (available on this platform or not). */
export function isBuiltinTransport(name: string): name is BuiltinTransport {
  return Object.hasOwn(builtinInfo, name);
}

/**
 * The capabilities of a built-in transport. A custom transport's are its node's (two nodes may
 * register different adapters under one name): ask it, `handler.network.transportInfo(name)`.
 */
export function transportInfo(transport: TransportName): TransportInfo {
  if (isBuiltinTransport(transport)) return builtinInfo[transport];
  throw new NetError(
    ErrorCode.UnsupportedTransport,
    `unknown transport "${transport}": a custom transport's info is its node's, handler.network.transportInfo("${transport}")`,
  );
}
