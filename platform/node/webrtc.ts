import { WebSocket } from "ws";
import { webRtcClientAdapter } from "../../src/adapters/webrtc-client.js";
import type { Adapter, WebRtcConnectOptions, WebRtcListenOptions } from "../../src/index.js";
import { letGoOfClosing } from "./connection.js";
import { nodeClientTls } from "./tls-options.js";
import { createWeriftPeer } from "./webrtc-peer.js";
import { listenWebRtc } from "./webrtc-server.js";

/** The signalling socket: `ws`'s client, letting go of the process once closed. */
class SignalWebSocket extends WebSocket {
  override close(code?: number, data?: string | Buffer): void {
    super.close(code, data);
    letGoOfClosing(this, undefined);
  }
}

const client = webRtcClientAdapter(
  (url, { headers, tls }, limits) =>
    new SignalWebSocket(url, {
      ...nodeClientTls(tls),
      headers,
      maxPayload: limits.maxMessageSize,
      perMessageDeflate: false,
    }),
  createWeriftPeer,
);

/** `webrtc`: the shared connector over werift, and the listener. */
export const webRtcAdapter: Adapter<WebRtcConnectOptions, WebRtcListenOptions> = {
  ...client,
  listen: (request) => listenWebRtc(request, createWeriftPeer),
};
