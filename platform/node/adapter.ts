/**
 * `message-io/adapter` in Node: the platform-free adapter kit, plus the bases the built-in Node
 * adapters are made of, for custom transports over Node sockets. A stream transport is
 * `streamAdapter(name, info, codec, sockets)`: the Unix-socket example is framed-tcp's codec over
 * a socket factory of its own.
 * @module message-io/adapter
 */
export * from "../../src/adapters/index.js";
export { type CorkableSocket, type Framing, TurnWriter } from "./coalesce.js";
export { closeWebSocket, endGracefully, NodeConnection, TurnCork, whenBound } from "./connection.js";
export type { DeadlineOptions } from "./deadlines.js";
export { framedCodec } from "./framed-tcp.js";
export {
  type SocketFactory,
  type StreamCodec,
  type StreamConnectOptions,
  type StreamDecoder,
  type StreamListenOptions,
  streamAdapter,
} from "./stream.js";
export { tcpSockets } from "./tcp-sockets.js";
