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
import { type Framing, TurnWriter } from "./coalesce.js";
import { checkTimeout, type DeadlineOptions, Deadlines } from "./deadlines.js";
import { peerAddress } from "./peer-address.js";

/** One connection's decoder. */
export interface StreamDecoder {
  /** Passes each complete message in `chunk` to `emit`, or returns an error that ends the connection. */
  push(chunk: Uint8Array, emit: (message: Uint8Array) => void): NetError | undefined;
  /** Bytes of an unfinished message held back: what `frameTimeout` watches (always 0 for raw streams). */
  readonly buffered: number;
}

/** How one stream transport turns bytes into messages and back. */
export interface StreamCodec {
  /** A decoder for one connection. */
  decoder(limits: ResourceLimits): StreamDecoder;
  /** What precedes each message on the wire, if anything (see `coalesce.ts`). */
  framing?: Framing;
}

/** How long a removed connection may go on flushing what was sent before it is cut. */
const CLOSE_GRACE_MS = 10_000;

class StreamConnection implements Connection {
  private sink: ConnectionSink | undefined;
  private error: NetError | undefined;
  private deadlines: Deadlines | undefined;
  private readonly writer: TurnWriter;

  constructor(
    readonly socket: net.Socket,
    readonly addr: string,
    codec: StreamCodec,
    limits: ResourceLimits,
  ) {
    this.writer = new TurnWriter(socket, codec.framing);
    const decoder = codec.decoder(limits);
    // Rule 2: the error listener first, so nothing a peer does can throw out of the socket.
    socket.on("error", (error) => {
      this.error ??= NetError.from(error);
    });
    let completed = false;
    const emit = (message: Uint8Array) => {
      completed = true;
      this.sink?.data(message);
    };
    socket.on("data", (chunk: Buffer) => {
      if (this.sink === undefined) return;
      completed = false;
      const error = decoder.push(chunk, emit);
      if (error !== undefined) return this.fail(error);
      this.deadlines?.received(decoder.buffered, completed);
    });
    socket.on("close", () => {
      this.deadlines?.stop();
      this.sink?.closed(this.error);
      this.sink = undefined;
    });
  }

  /** Starts the connection's deadlines (see `deadlines.ts`), from now. */
  startDeadlines(options: DeadlineOptions): void {
    const deadlines = new Deadlines(options, this.addr, (error) => this.fail(error));
    if (deadlines.active) this.deadlines = deadlines;
  }

  /** Ends the connection for a reason of ours: a broken stream or a missed deadline. */
  private fail(error: NetError): void {
    this.error = error;
    this.deadlines?.stop();
    this.socket.destroy();
  }

  attach(sink: ConnectionSink): void {
    this.sink = sink;
  }

  send(data: Uint8Array): SendStatus {
    // Every message of this turn leaves in one writev, the small ones staged into one buffer.
    this.writer.send(data);
    return SendStatus.Sent;
  }

  pauseReading(): void {
    this.socket.pause();
    this.deadlines?.pause();
  }

  resumeReading(): void {
    this.socket.resume();
    this.deadlines?.resume();
  }

  pendingBytes(): number {
    return this.socket.writableLength + this.writer.staged;
  }

  close(): void {
    this.sink = undefined;
    this.deadlines?.stop();
    const socket = this.socket;
    if (socket.destroyed) return;
    this.writer.flush();
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

function clientTls(option: TcpConnectOptions["tls"], host: string): tls.ConnectionOptions | undefined {
  if (option === undefined || option === false) return undefined;
  const details = option === true ? {} : option;
  return { servername: net.isIP(host) ? undefined : host, ...details } as tls.ConnectionOptions;
}

/** The TLS server's options: `handshakeTimeout` also bounds the TLS handshake, unless `tls` sets its own. */
function serverTls(options: TcpListenOptions, deadlines: DeadlineOptions): tls.TlsOptions {
  const handshake = deadlines.handshakeTimeout ?? 0;
  return { ...(handshake > 0 ? { handshakeTimeout: handshake } : {}), ...(options.tls as tls.TlsOptions) };
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
      const deadlines: DeadlineOptions = {
        idleTimeout: checkTimeout("idleTimeout", options.idleTimeout),
        frameTimeout: checkTimeout("frameTimeout", options.frameTimeout),
      };
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
        connection.startDeadlines(deadlines);
        sink.ready();
      });
      return connection;
    },

    listen({ addr, options, limits, sink }) {
      const { host, port } = parseHostPort(addr);
      const deadlines: DeadlineOptions = {
        handshakeTimeout: checkTimeout("handshakeTimeout", options.handshakeTimeout),
        idleTimeout: checkTimeout("idleTimeout", options.idleTimeout),
        frameTimeout: checkTimeout("frameTimeout", options.frameTimeout),
      };
      const server = options.tls === undefined ? net.createServer() : tls.createServer(serverTls(options, deadlines));
      server.on(options.tls === undefined ? "connection" : "secureConnection", (socket: net.Socket) => {
        const peer = peerAddress(socket);
        if (peer === undefined) return void socket.destroy();
        applySocketOptions(socket, options);
        const connection = new StreamConnection(socket, peer, codec, limits);
        const connectionSink = sink.accepted(connection);
        if (connectionSink === undefined) return;
        connection.attach(connectionSink);
        connection.startDeadlines(deadlines);
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
