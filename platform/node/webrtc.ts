import { WebSocket } from "ws";
import { webRtcClientAdapter } from "../../src/adapters/webrtc-client.js";
import type { Adapter, WebRtcConnectOptions, WebRtcListenOptions } from "../../src/index.js";
import type { WebSocketLike } from "../../src/ws-client.js";
import { createWeriftPeer } from "./webrtc-peer.js";
import { listenWebRtc } from "./webrtc-server.js";
import { unrefClosing } from "./ws-unref.js";

/** The signalling socket: `ws`'s client, letting go of the process once closed. */
class SignalWebSocket extends WebSocket {
  override close(code?: number, data?: string | Buffer): void {
    super.close(code, data);
    unrefClosing(this);
  }
}

const client = webRtcClientAdapter((url, { headers, tls }, limits) => {
  const secure = typeof tls === "object" ? tls : {};
  return new SignalWebSocket(url, {
    ...secure,
    headers,
    maxPayload: limits.maxMessageSize,
    perMessageDeflate: false,
  }) as unknown as WebSocketLike;
}, createWeriftPeer);

/** `webrtc`: the shared connector over werift, and the listener. */
export const webRtcAdapter: Adapter<WebRtcConnectOptions, WebRtcListenOptions> = {
  ...client,
  listen: (request) => listenWebRtc(request, createWeriftPeer),
};
