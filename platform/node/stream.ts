/**
 * The stream adapters (`tcp`, `framed-tcp`) over `node:net` and `node:tls`. They differ only in the
 * codec: how bytes become messages and messages become bytes.
 */
import net from "node:net";
import tls from "node:tls";
import type {
  Adapter,
  Connection,
  ConnectionSink,
  ResourceLimits,
  TcpConnectOptions,
  TcpListenOptions,
  TransportInfo,
} from "../../src/index.js";
import { ErrorCode, formatHostPort, NetError, parseHostPort, SendStatus } from "../../src/index.js";

/** How one stream transport turns bytes into messages and back. */
export interface StreamCodec {
  /** A decoder for one connection: passes each message to `emit`, or returns an error that ends the connection. */
  decoder(limits: ResourceLimits): (chunk: Buffer, emit: (message: Uint8Array) => void) => NetError | undefined;
  /** Writes one message. The socket is corked for the current turn, so several writes go out in one syscall. */
  write(socket: net.Socket, data: Uint8Array): void;
}

/** How long a removed connection may go on flushing what was sent before it is cut. */
const CLOSE_GRACE_MS = 10_000;

class StreamConnection implements Connection {
  private sink: ConnectionSink | undefined;
  private error: NetError | undefined;
  private corked = false;

  constructor(
    readonly socket: net.Socket,
    readonly addr: string,
    private readonly codec: StreamCodec,
    limits: ResourceLimits,
  ) {
    const decode = codec.decoder(limits);
    // Rule 2: the error listener first, so nothing a peer does can throw out of the socket.
    socket.on("error", (error) => {
      this.error ??= NetError.from(error);
    });
    const emit = (message: Uint8Array) => this.sink?.data(message);
    socket.on("data", (chunk: Buffer) => {
      if (this.sink === undefined) return;
      const error = decode(chunk, emit);
      if (error !== undefined) {
        this.error = error;
        socket.destroy();
      }
    });
    socket.on("close", () => {
      this.sink?.closed(this.error);
      this.sink = undefined;
    });
  }

  attach(sink: ConnectionSink): void {
    this.sink = sink;
  }

  send(data: Uint8Array): SendStatus {
    const socket = this.socket;
    if (!this.corked) {
      // Batch every message sent in this turn of the event loop into one writev.
      this.corked = true;
      socket.cork();
      process.nextTick(this.uncork);
    }
    this.codec.write(socket, data);
    return SendStatus.Sent;
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  pendingBytes(): number {
    return this.socket.writableLength;
  }

  close(): void {
    this.sink = undefined;
    const socket = this.socket;
    if (socket.destroyed) return;
    // Flush what was sent, then FIN; never keep the process alive for it, and give up after a grace time.
    socket.end();
    socket.unref();
    const cut = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    cut.unref();
    socket.once("close", () => clearTimeout(cut));
  }
}

function applySocketOptions(socket: net.Socket, options: { noDelay?: boolean; keepAlive?: number | false }): void {
  socket.setNoDelay(options.noDelay ?? true);
  if (typeof options.keepAlive === "number") socket.setKeepAlive(true, options.keepAlive);
}

function peerAddress(socket: net.Socket): string | undefined {
  const { remoteAddress, remotePort } = socket;
  return remoteAddress === undefined || remotePort === undefined
    ? undefined
    : formatHostPort(remoteAddress, remotePort);
}

function clientTls(option: TcpConnectOptions["tls"], host: string): tls.ConnectionOptions | undefined {
  if (option === undefined || option === false) return undefined;
  const details = option === true ? {} : option;
  return { servername: net.isIP(host) ? undefined : host, ...details } as tls.ConnectionOptions;
}

/** Builds a stream adapter for `transport` around `codec`. */
export function streamAdapter(
  transport: string,
  info: TransportInfo,
  codec: StreamCodec,
): Adapter<TcpConnectOptions, TcpListenOptions> {
  return {
    transport,
    info,

    connect({ remote, options, limits, sink }) {
      const { host, port } = parseHostPort(remote);
      const source = options.sourceAddress === undefined ? undefined : parseSource(options.sourceAddress);
      const base = { host, port, localAddress: source?.host, localPort: source?.port };
      const secure = clientTls(options.tls, host);
      const socket = secure === undefined ? net.connect(base) : tls.connect({ ...base, ...secure });
      const connection = new StreamConnection(socket, formatHostPort(host, port), codec, limits);
      connection.attach(sink);
      if (options.timeout !== undefined) {
        socket.setTimeout(options.timeout, () => {
          socket.destroy(new NetError(ErrorCode.Timeout, `no connection to ${remote} within ${options.timeout} ms`));
        });
      }
      socket.once(secure === undefined ? "connect" : "secureConnect", () => {
        socket.setTimeout(0);
        applySocketOptions(socket, options);
        sink.ready();
      });
      return connection;
    },

    listen({ addr, options, limits, sink }) {
      const { host, port } = parseHostPort(addr);
      const server = options.tls === undefined ? net.createServer() : tls.createServer(options.tls as tls.TlsOptions);
      server.on(options.tls === undefined ? "connection" : "secureConnection", (socket: net.Socket) => {
        const peer = peerAddress(socket);
        if (peer === undefined) return void socket.destroy();
        applySocketOptions(socket, options);
        const connection = new StreamConnection(socket, peer, codec, limits);
        const connectionSink = sink.accepted(connection);
        if (connectionSink !== undefined) connection.attach(connectionSink);
      });
      // A failed TLS handshake is the peer's problem: drop its socket, keep listening.
      server.on("tlsClientError", (_error: Error, socket: net.Socket) => socket.destroy());
      return new Promise((resolve, reject) => {
        server.once("error", (error) => reject(NetError.from(error)));
        server.listen({ host, port, backlog: options.backlog }, () => {
          server.on("error", () => {}); // after binding, errors concern single sockets, already handled
          const bound = server.address() as net.AddressInfo;
          resolve({ addr: formatHostPort(bound.address, bound.port), close: () => server.close() });
        });
      });
    },
  };
}

function parseSource(source: string): { host: string; port: number | undefined } {
  return net.isIP(source) ? { host: source, port: undefined } : parseHostPort(source);
}
