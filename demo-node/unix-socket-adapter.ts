/**
 * A custom transport, worked through in docs/adapters.md: framed messages over Unix domain
 * sockets (named pipes on Windows), for processes of one machine. The address is the socket's
 * path. Each message goes as `varint(length) ++ payload`, framed-tcp's format.
 *
 * The adapter only translates socket callbacks into sink calls; the core gives it every event
 * guarantee (one `connected` per connect, `disconnected` last, nothing after `remove`).
 *
 *   const { handler, listener } = split({ adapters: [unixSocketAdapter()] });
 *   await handler.network.listen("unix", "/tmp/app.sock");
 */
import net from "node:net";
import {
  type Adapter,
  type CommonListenOptions,
  type CommonOptions,
  type Connection,
  type ConnectionSink,
  // The framing of framed-tcp, reused: a decoder that handles every split of the stream.
  FrameDecoder,
  type Listening,
  NetError,
  type ResourceLimits,
  SendStatus,
  varintSize,
  writeVarint,
} from "message-io";

export const UNIX_TRANSPORT = "unix";

/** How long a closed connection may go on flushing what was sent before it is cut. */
const CLOSE_GRACE_MS = 10_000;

class UnixConnection implements Connection {
  private sink: ConnectionSink | undefined;
  private error: NetError | undefined;

  constructor(
    private readonly socket: net.Socket,
    readonly addr: string,
    limits: ResourceLimits,
  ) {
    const decoder = new FrameDecoder(limits.maxMessageSize);
    const deliver = (frame: Uint8Array) => this.sink?.data(frame);
    // Rule 2: the error listener first, so nothing the peer does can throw. The error is reported
    // by the `close` that always follows it.
    socket.on("error", (error) => {
      this.error ??= NetError.from(error);
    });
    socket.on("data", (chunk: Buffer) => {
      // Rule 6: frames are views of this fresh chunk, never reused, so they can go to the user as they are.
      const malformed = decoder.push(chunk, deliver);
      if (malformed !== undefined) {
        this.error = malformed;
        socket.destroy();
      }
    });
    // Rule 4: a connection that ends by itself says so once.
    socket.on("close", () => {
      const sink = this.sink;
      this.sink = undefined;
      sink?.closed(this.error);
    });
  }

  attach(sink: ConnectionSink): void {
    this.sink = sink;
  }

  send(data: Uint8Array): SendStatus {
    // Rule 5: the core already checked the size and the backlog; queue the frame and say so. The
    // socket keeps a reference to what it queues and the caller may reuse `data` as soon as send
    // returns, so the payload is copied, behind its prefix: one write per frame.
    const frame = Buffer.allocUnsafe(varintSize(data.length) + data.length);
    frame.set(data, writeVarint(data.length, frame, 0));
    this.socket.write(frame);
    return SendStatus.Sent;
  }

  pendingBytes(): number {
    return this.socket.writableLength;
  }

  // Inbound backpressure (optional in the contract): while the node's listener is behind, the core
  // stops reading this socket, and the kernel's flow control then slows the peer down.
  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }

  close(): void {
    // Rule 4: called once by the core, which ignores any sink call afterwards; stay silent.
    this.sink = undefined;
    const socket = this.socket;
    if (socket.destroyed) return;
    // Flush what was sent, then end; rule 7: never keep the process alive for it.
    socket.end();
    socket.unref();
    const cut = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
    cut.unref();
    socket.once("close", () => clearTimeout(cut));
  }
}

/** The `unix` transport: `connect` and `listen` take a socket path (on Windows, a pipe name such as `\\.\pipe\app`). */
export function unixSocketAdapter(): Adapter<CommonOptions, CommonListenOptions> {
  return {
    transport: UNIX_TRANSPORT,
    info: { connectionOriented: true, packetBased: true, maxMessageSize: 32 * 1024 * 1024 },

    connect({ remote, limits, sink }) {
      const socket = net.connect({ path: remote });
      const connection = new UnixConnection(socket, remote, limits);
      connection.attach(sink);
      // Rule 3: the outcome comes from the socket, later: `ready` here, or `closed(error)` above.
      socket.once("connect", () => sink.ready());
      return connection;
    },

    listen({ addr, limits, sink }) {
      const server = net.createServer();
      let accepted = 0;
      server.on("connection", (socket) => {
        // A Unix socket peer has no address of its own: number the connections of this listener.
        const connection = new UnixConnection(socket, `${addr}#${++accepted}`, limits);
        // `undefined`: refused (maxConnections, node stopped); the core has closed it already.
        const connectionSink = sink.accepted(connection);
        if (connectionSink !== undefined) connection.attach(connectionSink);
      });
      return new Promise<Listening>((resolve, reject) => {
        server.once("error", (error) => reject(NetError.from(error)));
        server.listen(addr, () => {
          server.on("error", () => {}); // once bound, errors concern single sockets, reported by them
          // Node removes the socket file when the server closes.
          resolve({ addr, close: () => server.close() });
        });
      });
    },
  };
}
