/**
 * The browser build: the core with the `ws` client over the native `WebSocket` and the `webrtc`
 * client over the native `RTCPeerConnection`. `import { split } from "message-io"` resolves here
 * under the `browser` condition (Vite). Its types say what a browser can do: `listen` of a built-in
 * transport and `connect` of a Node-only one do not compile (at run time they fail with
 * `UNSUPPORTED_TRANSPORT`).
 * @module message-io/browser
 */
import { webRtcClientAdapter } from "../../src/adapters/webrtc-client.js";
import type { PeerConnectionLike } from "../../src/adapters/webrtc-session.js";
import { type WebSocketLike, wsClientAdapter } from "../../src/adapters/ws-client.js";
import type { Endpoint } from "../../src/endpoint.js";
import { ErrorCode, NetError } from "../../src/errors.js";
import type { Codec } from "../../src/layer/codec.js";
import type { NodeListener } from "../../src/listener.js";
import type { NetworkController } from "../../src/network.js";
import { createSplit, type NodeHandler, type SplitOptions } from "../../src/node.js";
import type { ConnectOptionsOf, ListenOptionsOf } from "../../src/options.js";
import type { ResourceId } from "../../src/resource-id.js";
import type { BuiltinTransport, Transport, TransportName } from "../../src/transport.js";

export * from "../../src/index.js";

/** The built-in transports made of Node's sockets: a browser cannot open them. */
export type NodeOnlyTransport =
  | typeof Transport.Tcp
  | typeof Transport.FramedTcp
  | typeof Transport.Udp
  | typeof Transport.Cluster;

/** `handler.network` in the browser: `NetworkController` without what a page cannot do. */
export interface BrowserNetworkController<M = Uint8Array>
  extends Omit<NetworkController<M>, "listen" | "connect" | "connectAsync"> {
  /** Only a custom transport can listen in a browser. */
  listen<T extends TransportName>(
    transport: T extends BuiltinTransport ? never : T,
    addr: string,
    options?: ListenOptionsOf<T>,
  ): Promise<{ id: ResourceId; addr: string }>;
  /** `ws` (and custom transports): `tcp`, `framed-tcp` and `udp` need Node. */
  connect<T extends TransportName>(
    transport: T extends NodeOnlyTransport ? never : T,
    remote: string,
    options?: ConnectOptionsOf<T>,
  ): Endpoint;
  connectAsync<T extends TransportName>(
    transport: T extends NodeOnlyTransport ? never : T,
    remote: string,
    options?: ConnectOptionsOf<T>,
  ): Promise<Endpoint>;
}

/** The acting half of a browser node. */
export interface BrowserNodeHandler<S, M = Uint8Array> extends Omit<NodeHandler<S, M>, "network"> {
  readonly network: BrowserNetworkController<M>;
}

/** A browser node: its two halves. */
export interface BrowserNode<S, M = Uint8Array> {
  handler: BrowserNodeHandler<S, M>;
  listener: NodeListener<S, M>;
}

function nativeWebSocket(url: string, protocols?: string | string[]): WebSocketLike {
  const NativeWebSocket = globalThis.WebSocket;
  if (typeof NativeWebSocket !== "function") {
    throw new NetError(ErrorCode.UnsupportedTransport, "this platform has no WebSocket");
  }
  return new NativeWebSocket(url, protocols);
}

/** Browsers take only `protocols`: `headers` and `tls` are Node options, ignored here (`wss://` is the URL's). */
const wsAdapter = wsClientAdapter((url, { protocols }) => nativeWebSocket(url, protocols));

/** `webrtc` over the native `RTCPeerConnection`, signalled over the native `WebSocket` (connect only). */
const webRtcAdapter = webRtcClientAdapter(
  (url) => nativeWebSocket(url),
  ({ iceServers }) => {
    const NativePeerConnection = globalThis.RTCPeerConnection;
    if (typeof NativePeerConnection !== "function") {
      throw new NetError(ErrorCode.UnsupportedTransport, "this platform has no RTCPeerConnection");
    }
    // The DOM's event types are richer than the interface's, not different: the cast only widens them.
    return new NativePeerConnection({ iceServers }) as unknown as PeerConnectionLike;
  },
);

const splitWithAdapters = createSplit({ adapters: [wsAdapter, webRtcAdapter] });

/**
 * Creates a node: `handler` acts (network, signals, stop), `listener` receives its events.
 * `S` is the type of the signals the program sends itself; with a `codec`, `M` is the type of its messages.
 */
export function split<S = never, M = Uint8Array>(options: SplitOptions<M> & { codec: Codec<M> }): BrowserNode<S, M>;
export function split<S = never>(options?: SplitOptions & { codec?: undefined }): BrowserNode<S>;
export function split(options?: SplitOptions<any>): BrowserNode<any, any> {
  return splitWithAdapters(options as SplitOptions & { codec?: undefined }) as BrowserNode<any, any>;
}
