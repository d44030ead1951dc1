import net from "node:net";
import tls from "node:tls";
import { type ClientOptions, WebSocket } from "ws";
import { wsClientAdapter } from "../../src/adapters/ws-client.js";
import type { Adapter, WsConnectOptions, WsListenOptions } from "../../src/index.js";
import { letGoOfClosing, TurnCork } from "./connection.js";
import { nodeClientTls } from "./tls-options.js";
import { listenWs } from "./ws-server.js";

/**
 * `ws`'s client, sending every message of one event-loop turn in one write (as the stream adapters
 * do; about three times the throughput of a write per message), and letting go of the process once
 * closed, as the other Node sockets do. Its socket is opened here, through `ws`'s public
 * `createConnection` option, so that it is ours to cork and unref.
 */
class NodeWebSocket extends WebSocket {
  private socket: net.Socket | undefined;
  private cork: TurnCork | undefined;

  /** Called by `createConnection`, during the constructor: from then on writes are corked per turn. */
  adopt(socket: net.Socket): void {
    this.socket = socket;
    this.cork = new TurnCork(socket);
  }

  override send(data: any, options?: any, cb?: any): void {
    this.cork?.hold();
    super.send(data, options, cb);
  }

  override close(code?: number, data?: string | Buffer): void {
    super.close(code, data);
    letGoOfClosing(this, this.socket);
  }
}

/** `ws`'s own connect functions (`netConnect`, `tlsConnect`), for the socket it would have opened. */
function openSocket(options: net.NetConnectOpts & tls.ConnectionOptions & { socketPath?: string }, secure: boolean) {
  if (!secure) return net.connect({ ...options, path: options.socketPath } as net.NetConnectOpts);
  const host = options.host ?? "";
  const servername = options.servername || options.servername === "" ? options.servername : net.isIP(host) ? "" : host;
  return tls.connect({ ...options, path: undefined, servername });
}

const client = wsClientAdapter((url, options, limits) => {
  const { protocols, headers, tls: tlsOption } = options;
  const secure = url.startsWith("wss:");
  const maxPayload = limits.maxMessageSize >= 1 && limits.maxMessageSize < 2 ** 31 ? limits.maxMessageSize : 0;
  let ws: NodeWebSocket | undefined;
  let early: net.Socket | undefined;
  const clientOptions: ClientOptions = {
    ...nodeClientTls(tlsOption),
    headers,
    maxPayload,
    perMessageDeflate: false,
    createConnection: ((connectOptions: Parameters<typeof openSocket>[0]) => {
      const socket = openSocket(connectOptions, secure);
      if (ws === undefined) early = socket;
      else ws.adopt(socket);
      return socket;
    }) as ClientOptions["createConnection"],
  };
  ws = new NodeWebSocket(url, protocols, clientOptions);
  if (early !== undefined) ws.adopt(early);
  return ws;
});

/** `ws`: the shared client over the `ws` package's `WebSocket`, and the `ws` server. */
export const wsAdapter: Adapter<WsConnectOptions, WsListenOptions> = {
  ...client,
  listen: listenWs,
};
