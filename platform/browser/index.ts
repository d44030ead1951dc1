/**
 * The browser build: the core with the `ws` client over the native `WebSocket`, and the `webrtc` client over
 * the native `RTCPeerConnection`.
 * `import { split } from "message-io"` resolves here under the `browser` condition (Vite).
 */
import { webRtcClientAdapter } from "../../src/adapters/webrtc-client.js";
import type { PeerConnectionLike } from "../../src/adapters/webrtc-session.js";
import { ErrorCode, NetError } from "../../src/errors.js";
import { createSplit } from "../../src/node.js";
import { type WebSocketLike, wsClientAdapter } from "../../src/ws-client.js";

export * from "../../src/index.js";

function nativeWebSocket(url: string, protocols?: string | string[]): WebSocketLike {
  const NativeWebSocket = globalThis.WebSocket;
  if (typeof NativeWebSocket !== "function") {
    throw new NetError(ErrorCode.UnsupportedTransport, "this platform has no WebSocket");
  }
  return new NativeWebSocket(url, protocols) as WebSocketLike;
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

/**
 * Creates a node: `handler` acts (network, signals, stop), `listener` receives its events.
 * `S` is the type of the signals the program sends itself.
 */
export const split = createSplit({ adapters: [wsAdapter, webRtcAdapter] });
