import type { Socket } from "node:net";
import { WebSocket } from "ws";
import type { Adapter, WsConnectOptions, WsListenOptions } from "../../src/index.js";
import { type WebSocketLike, wsClientAdapter } from "../../src/ws-client.js";
import { listenWs } from "./ws-server.js";
import { unrefClosing } from "./ws-unref.js";

/**
 * `ws`'s client, sending every message of one event-loop turn in one write (as the stream adapters
 * do; about three times the throughput of a write per message), and letting go of the process once
 * closed, as the other Node sockets do.
 */
class NodeWebSocket extends WebSocket {
  private batching = false;

  override send(data: any, options?: any, cb?: any): void {
    const socket = (this as unknown as { _socket?: Socket | null })._socket;
    if (!this.batching && socket) {
      this.batching = true;
      socket.cork();
      process.nextTick(() => {
        this.batching = false;
        socket.uncork();
      });
    }
    super.send(data, options, cb);
  }

  override close(code?: number, data?: string | Buffer): void {
    super.close(code, data);
    unrefClosing(this);
  }
}

const client = wsClientAdapter((url, options, limits) => {
  const { protocols, headers, tls } = options;
  const secure = typeof tls === "object" ? tls : {};
  const maxPayload = limits.maxMessageSize >= 1 && limits.maxMessageSize < 2 ** 31 ? limits.maxMessageSize : 0;
  return new NodeWebSocket(url, protocols, {
    ...secure,
    headers,
    maxPayload,
    perMessageDeflate: false,
  }) as unknown as WebSocketLike;
});

/** `ws`: the shared client over the `ws` package's `WebSocket`, and the `ws` server. */
export const wsAdapter: Adapter<WsConnectOptions, WsListenOptions> = {
  ...client,
  listen: listenWs,
};
