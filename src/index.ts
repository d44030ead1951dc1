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
export { memoryAdapter } from "./adapters/memory.js";
export { formatHostPort, type HostPort, parseHostPort } from "./address.js";
export type { Clock } from "./clock.js";
export { Endpoint } from "./endpoint.js";
export { ErrorCode, NetError } from "./errors.js";
export type { TimerId } from "./event-queue.js";
export { type NetEvent, type NodeEvent, type Peer, SendStatus } from "./events.js";
export { encodeVarint, FrameDecoder, MAX_PREFIX_BYTES, varintSize, writeVarint } from "./framing.js";
export type { Codec } from "./layer/codec.js";
export type { GroupController, GroupSendOptions } from "./layer/groups.js";
export type { IdentityOptions } from "./layer/identity/options.js";
export type { EventReceiver, NodeListener } from "./listener.js";
export type { NetworkController, SendData } from "./network.js";
export type { NodeHandler, SignalSender, SplitOptions } from "./node.js";
export type * from "./options.js";
export { isLocal, type ResourceId, transportOf } from "./resource-id.js";
export { Transport, type TransportInfo, transportInfo } from "./transport.js";
