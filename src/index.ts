/**
 * The core, shared by every platform build. It knows no platform: the entries in `platform/` bind
 * `split` to their adapters and re-export everything here.
 */
export type {
  Adapter,
  CommonListenOptions,
  CommonOptions,
  Connection,
  ConnectionSink,
  ConnectRequest,
  ListenerSink,
  Listening,
  ListenRequest,
  ResourceLimits,
} from "./adapter.js";
/** @deprecated Import it from `message-io/adapter`, with the rest of what adapters are written with. */
export { memoryAdapter } from "./adapters/memory.js";
export { formatHostPort, type HostPort, parseHostPort } from "./address.js";
export type { Clock } from "./clock.js";
export { Endpoint } from "./endpoint.js";
export { ErrorCode, NetError, type NetErrorCode } from "./errors.js";
export type { TimerId } from "./event-queue.js";
export { type NetEvent, type NodeEvent, type Peer, SendStatus } from "./events.js";
export type { Codec } from "./layer/codec.js";
export { json, text } from "./layer/codecs.js";
export type { GroupController, GroupSendOptions } from "./layer/groups.js";
export type { IdentityOptions } from "./layer/identity/options.js";
export type { Peers } from "./layer/identity/peers.js";
export { msgpack } from "./layer/msgpack.js";
export type { EventReceiver, NodeListener } from "./listener.js";
export type { NetworkController, Sendable, SendData } from "./network.js";
export type { Node, NodeHandler, SignalSender, Split, SplitOptions } from "./node.js";
export type * from "./options.js";
export { isLocal, type ResourceId, transportOf } from "./resource-id.js";
export type { ConnectionStats, NodeStats } from "./stats.js";
export {
  type BuiltinTransport,
  Transport,
  type TransportInfo,
  type TransportName,
  transportInfo,
} from "./transport.js";
