/**
 * The stream adapters (`tcp`, `framed-tcp`, and custom ones such as the Unix-socket example) over
 * Node's `net.Socket`. They differ in the codec (how bytes become messages and messages bytes) and
 * in the socket factory (TCP and TLS by default, a socket path for the example).
 */
import type net from "node:net";
import type {
  Adapter,
  CommonListenOptions,
  CommonOptions,
  ResourceLimits,
  StreamTimeoutOptions,
  TransportInfo,
} from "../../src/index.js";
import { ErrorCode, NetError } from "../../src/index.js";
import { streamOptionChecks } from "../../src/option-checks.js";
import type { Framing } from "./coalesce.js";
import { endGracefully, NodeConnection, whenBound } from "./connection.js";
import type { DeadlineOptions } from "./deadlines.js";

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

/** The options every stream transport takes: the common ones, a connect timeout and the deadlines. */
export interface StreamConnectOptions extends CommonOptions {
  timeout?: number;
  idleTimeout?: number;
  frameTimeout?: number;
}
export interface StreamListenOptions extends CommonListenOptions, StreamTimeoutOptions {
  backlog?: number;
}

/** How a stream transport opens its sockets. */
export interface SocketFactory<C extends StreamConnectOptions, L extends StreamListenOptions> {
  /**
   * Opens a socket to `remote` (throwing `INVALID_ADDRESS` for a bad one); `addr` is the endpoint's
   * address, and `readyEvent` the socket event that says it is connected.
   */
  connect(remote: string, options: C): { socket: net.Socket; addr: string; readyEvent: string };
  /** The listener's server, and the event it reports accepted sockets with. */
  createServer(options: L, deadlines: DeadlineOptions): { server: net.Server; connectionEvent: string };
  /** What `server.listen` takes for `addr`. */
  listenOptions(addr: string, options: L): net.ListenOptions;
  /** The listener's `addr` once bound. */
  boundAddress(server: net.Server, addr: string): string;
  /** The peer of an accepted socket, or `undefined` when it is already gone. */
  peerAddress(socket: net.Socket, listenerAddr: string): string | undefined;
  /** Per-socket settings (`noDelay`, `keepAlive`) once connected or accepted. */
  configure?(socket: net.Socket, options: C | L): void;
}

class StreamConnection extends NodeConnection {
  constructor(socket: net.Socket, addr: string, codec: StreamCodec, limits: ResourceLimits) {
    super(addr, socket, codec.framing);
    const decoder = codec.decoder(limits);
    // Rule 2: the error listener first, so nothing a peer does can throw out of the socket; the
    // `close` that always follows reports it.
    socket.on("error", (error) => this.noteError(NetError.from(error)));
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
      this.received(decoder.buffered, completed);
    });
    socket.on("close", () => this.reportClosed());
  }

  /** Ends the connection for a reason of ours: a broken stream. */
  private fail(error: NetError): void {
    this.noteError(error);
    this.socket.destroy();
  }

  protected override expire(): void {
    this.socket.destroy();
  }

  pendingBytes(): number {
    return this.socket.writableLength + this.writer.staged;
  }

  protected override pauseSource(): void {
    this.socket.pause();
  }

  protected override resumeSource(): void {
    this.socket.resume();
  }

  protected override closeGracefully(): void {
    endGracefully(this.socket);
  }
}

/** Builds a stream adapter for `transport` around `codec`, over `sockets` (`tcpSockets` for TCP and TLS). */
export function streamAdapter<C extends StreamConnectOptions, L extends StreamListenOptions>(
  transport: string,
  info: TransportInfo,
  codec: StreamCodec,
  sockets: SocketFactory<C, L>,
): Adapter<C, L> {
  return {
    transport,
    info,
    optionChecks: streamOptionChecks,

    connect({ remote, options, limits, sink }) {
      const deadlines: DeadlineOptions = { idleTimeout: options.idleTimeout, frameTimeout: options.frameTimeout };
      const { socket, addr, readyEvent } = sockets.connect(remote, options);
      const connection = new StreamConnection(socket, addr, codec, limits);
      connection.attach(sink);
      if (options.timeout !== undefined) {
        socket.setTimeout(options.timeout, () => {
          socket.destroy(new NetError(ErrorCode.Timeout, `no connection to ${remote} within ${options.timeout} ms`));
        });
      }
      socket.once(readyEvent, () => {
        socket.setTimeout(0);
        sockets.configure?.(socket, options);
        connection.startDeadlines(deadlines);
        sink.ready();
      });
      return connection;
    },

    listen({ addr, options, limits, sink }) {
      const deadlines: DeadlineOptions = {
        handshakeTimeout: options.handshakeTimeout,
        idleTimeout: options.idleTimeout,
        frameTimeout: options.frameTimeout,
      };
      const listenOptions = sockets.listenOptions(addr, options);
      const { server, connectionEvent } = sockets.createServer(options, deadlines);
      server.on(connectionEvent, (socket: net.Socket) => {
        const peer = sockets.peerAddress(socket, addr);
        if (peer === undefined) return void socket.destroy();
        sockets.configure?.(socket, options);
        const connection = new StreamConnection(socket, peer, codec, limits);
        const connectionSink = sink.accepted(connection);
        if (connectionSink === undefined) return;
        connection.attach(connectionSink);
        connection.startDeadlines(deadlines);
      });
      return whenBound(
        server,
        (done) => server.listen(listenOptions, done),
        () => ({ addr: sockets.boundAddress(server, addr), close: () => server.close() }),
      );
    },
  };
}
