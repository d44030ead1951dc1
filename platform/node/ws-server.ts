/**
 * The `ws` listener over the `ws` package, on a server of its own (`http`, or `https` with `tls`) or
 * attached to the user's `options.server`, sharing its port with the pages it serves.
 */
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { closeCodeError, wsPlatformError } from "../../src/adapters/ws-client.js";
import type { Listening, ListenRequest, WsListenOptions } from "../../src/index.js";
import { ErrorCode, formatHostPort, NetError, parseHostPort, SendStatus } from "../../src/index.js";
import type { Framing } from "./coalesce.js";
import { closeWebSocket, NodeConnection, whenBound } from "./connection.js";
import { peerAddress } from "./peer-address.js";

/** `ws` reads `maxPayload` as a 32-bit integer where 0 means unbounded. */
const WS_MAX_PAYLOAD = 2 ** 31 - 1;

/**
 * The default `handshakeTimeout`. An upgrade is always the client's first words, and a browser
 * sends it in one round trip after the TLS handshake; Node's own `headersTimeout` (60 s, checked
 * every 30 s) would let a slowloris hold a socket for up to 90 s.
 */
export const DEFAULT_WS_HANDSHAKE_TIMEOUT = 10_000;

const OPEN = 1;

/** A server's binary frame header (RFC 6455 5.2: FIN, opcode 2, unmasked, the payload's length). */
const wsServerFraming: Framing = {
  size: (length) => (length < 126 ? 2 : length < 65_536 ? 4 : 10),
  write(length, out, at) {
    out[at] = 0x82;
    if (length < 126) {
      out[at + 1] = length;
      return at + 2;
    }
    if (length < 65_536) {
      out[at + 1] = 126;
      out[at + 2] = length >>> 8;
      out[at + 3] = length & 0xff;
      return at + 4;
    }
    out[at + 1] = 127;
    const high = Math.floor(length / 2 ** 32);
    const low = length >>> 0;
    for (let i = 0; i < 4; i++) {
      out[at + 2 + i] = (high >>> (24 - 8 * i)) & 0xff;
      out[at + 6 + i] = (low >>> (24 - 8 * i)) & 0xff;
    }
    return at + 10;
  },
};

/**
 * A connection of the `ws` listener. `ws` parses what the peer sends and answers its control
 * frames; our messages go out as our own binary frames through the connection's turn writer
 * (the turn's small frames staged into one buffer, the copies recycled), whole frames in order
 * beside `ws`'s own (pings, the close frame, after a flush).
 */
class WsServerConnection extends NodeConnection {
  /** Whether the peer answered the last heartbeat ping. */
  alive = true;
  /** The pong listener is added by the first heartbeat: without one, a connection holds none. */
  private hearing = false;
  /** Reading is paused (inbound backpressure): the heartbeat waits. */
  private paused = false;

  constructor(
    readonly ws: WebSocket,
    socket: Socket,
    addr: string,
    maxMessageSize: number,
    private readonly ended: (connection: WsServerConnection) => void,
    idleTimeout: number,
  ) {
    super(addr, socket, wsServerFraming);
    if (idleTimeout > 0) {
      // Any byte counts as life (a pong, a fragment), as on the stream transports.
      this.startDeadlines({ idleTimeout });
      socket.on("data", () => this.received(0, false));
    }
    // Rule 2: the error listener first; `ws` then closes the socket itself.
    ws.on("error", (error) => this.noteError(wsPlatformError(error)));
    // A text frame arrives as its UTF-8 bytes, as a binary one does: a fresh Buffer per message.
    ws.on("message", (data: Buffer) => {
      const sink = this.sink;
      if (sink === undefined) return;
      if (data.length > maxMessageSize) {
        this.noteError(new NetError(ErrorCode.MessageTooLarge, `${addr} sent ${data.length} bytes, over the limit`));
        ws.close(1009);
        this.reportClosed();
        return;
      }
      sink.data(data);
    });
    ws.on("close", (code: number, reason: Buffer) => {
      this.ended(this);
      this.reportClosed(closeCodeError(code, reason.toString(), addr));
    });
  }

  /** Heartbeat: a peer that did not answer the previous ping is cut. */
  ping(): void {
    if (this.paused) {
      // We are not reading (inbound backpressure): its pong may be waiting behind its messages.
      this.alive = true;
      return;
    }
    if (!this.alive) {
      this.noteError(new NetError(ErrorCode.Timeout, `${this.addr} did not answer the heartbeat`));
      this.ws.terminate();
      return;
    }
    this.alive = false;
    if (!this.hearing) {
      this.hearing = true;
      this.ws.on("pong", () => {
        this.alive = true;
      });
    }
    this.ws.ping();
  }

  override send(data: Uint8Array): SendStatus {
    // Once closing, `ws` drops what is sent too: no frame may follow the close frame.
    return this.ws.readyState === OPEN ? super.send(data) : SendStatus.Sent;
  }

  /** `ws`'s count includes its socket's backlog, so our own frames once written, plus what is staged. */
  pendingBytes(): number {
    return this.ws.bufferedAmount + this.writer.staged;
  }

  protected override pauseSource(): void {
    this.paused = true;
    this.ws.pause();
  }

  protected override resumeSource(): void {
    this.paused = false;
    this.ws.resume();
  }

  protected override expire(): void {
    this.ws.terminate();
  }

  protected override closeGracefully(): void {
    closeWebSocket(this.ws, this.socket);
  }
}

/** Starts a `ws` listener (see the file's comment). */
export function listenWs({ addr, options, limits, sink }: ListenRequest<WsListenOptions>): Promise<Listening> {
  const attached = options.server as http.Server | undefined;
  const { path, origins, heartbeat } = options;
  // The options were checked by the core (src/option-checks.ts).
  const idleTimeout = options.idleTimeout ?? 0;
  const handshakeTimeout = options.handshakeTimeout ?? DEFAULT_WS_HANDSHAKE_TIMEOUT;
  const { host, port } = attached === undefined ? parseHostPort(addr) : { host: "", port: 0 };
  const maxMessageSize = limits.maxMessageSize;
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: maxMessageSize >= 1 && maxMessageSize <= WS_MAX_PAYLOAD ? maxMessageSize : 0,
  });
  const connections = new Set<WsServerConnection>();
  let listening = true;
  let pinger: NodeJS.Timeout | undefined;
  const stopPinger = () => {
    if (pinger !== undefined && !listening && connections.size === 0) {
      clearInterval(pinger);
      pinger = undefined;
    }
  };
  const ended = (connection: WsServerConnection) => {
    connections.delete(connection);
    stopPinger();
  };
  if (heartbeat !== undefined) {
    pinger = setInterval(() => {
      for (const connection of connections) connection.ping();
    }, heartbeat);
    pinger.unref();
  }

  /**
   * The sockets of our own server that have not upgraded yet, with what ends their deadline. Ending
   * it also drops the close listener, which would otherwise hold the spent timer for the
   * connection's whole life (0.4 KiB each, measured by `npm run load`).
   */
  const handshakes = new WeakMap<Duplex, () => void>();
  const startHandshake = (socket: Socket) => {
    if (handshakeTimeout === 0) return;
    const timer = setTimeout(() => socket.destroy(), handshakeTimeout);
    timer.unref();
    const end = () => {
      clearTimeout(timer);
      socket.off("close", end);
      handshakes.delete(socket);
    };
    handshakes.set(socket, end);
    socket.once("close", end);
  };

  const onUpgrade = (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => {}); // a peer's reset must not throw; `ws` and the close event report the rest
    if (!listening) return void socket.destroy();
    const pathname = (request.url ?? "/").split("?")[0];
    if (path !== undefined && pathname !== path) {
      // On a shared server, another upgrade handler may own that path.
      if (attached !== undefined && attached.listenerCount("upgrade") > 1) return;
      return refuse(socket, 404, "Not Found");
    }
    const origin = request.headers.origin;
    if (origins !== undefined && (origin === undefined || !origins.includes(origin))) {
      return refuse(socket, 403, "Forbidden");
    }
    const peer = peerAddress(request.socket);
    if (peer === undefined) return void socket.destroy();
    wss.handleUpgrade(request, socket, head, (ws) => {
      handshakes.get(socket)?.();
      const connection = new WsServerConnection(ws, socket as Socket, peer, maxMessageSize, ended, idleTimeout);
      connections.add(connection);
      const connectionSink = sink.accepted(connection);
      if (connectionSink !== undefined) connection.attach(connectionSink);
    });
  };

  const close = (server: http.Server) => {
    if (!listening) return;
    listening = false;
    server.off("upgrade", onUpgrade);
    if (server !== attached) server.close();
    stopPinger();
  };

  if (attached !== undefined) {
    attached.on("upgrade", onUpgrade);
    return new Promise((resolve, reject) => {
      const bound = () => {
        attached.off("error", failed);
        resolve({ addr: serverAddress(attached), close: () => close(attached) });
      };
      const failed = (error: Error) => {
        attached.off("listening", bound);
        close(attached);
        reject(NetError.from(error));
      };
      if (attached.listening) return bound();
      attached.once("listening", bound);
      attached.once("error", failed);
    });
  }

  const server =
    options.tls === undefined
      ? http.createServer()
      : https.createServer({
          ...(handshakeTimeout > 0 ? { handshakeTimeout } : {}),
          ...(options.tls as https.ServerOptions),
        });
  // The clock starts once the socket can speak HTTP: after the TLS handshake, itself bounded above.
  server.on(options.tls === undefined ? "connection" : "secureConnection", startHandshake);
  server.on("request", (_request: http.IncomingMessage, response: http.ServerResponse) => {
    // Not a WebSocket client (a scanner, a browser tab): answer once and hang up, holding nothing.
    response.writeHead(426, { "Content-Type": "text/plain", Upgrade: "websocket", Connection: "close" });
    response.end("a WebSocket endpoint of message-io\n");
  });
  server.on("upgrade", onUpgrade);
  // A failed TLS handshake or a garbled request is the peer's problem: drop its socket, keep listening.
  server.on("tlsClientError", (_error: Error, socket: Duplex) => socket.destroy());
  server.on("clientError", (_error: Error, socket: Duplex) => socket.destroy());
  return whenBound(
    server,
    (done) => server.listen({ host, port }, done),
    () => ({ addr: serverAddress(server), close: () => close(server) }),
    () => {
      listening = false;
      stopPinger();
    },
  );
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function serverAddress(server: http.Server): string {
  const address = server.address() as AddressInfo | string | null;
  if (address === null) return "";
  return typeof address === "string" ? address : formatHostPort(address.address, address.port);
}
