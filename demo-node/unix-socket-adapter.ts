/**
 * A custom transport, worked through in docs/adapters.md: framed messages over Unix domain
 * sockets (named pipes on Windows), for processes of one machine. The address is the socket's
 * path. Each message goes as `varint(length) ++ payload`, framed-tcp's format.
 *
 * A stream transport is a codec over a socket factory: this one takes framed-tcp's codec and
 * opens Unix sockets instead of TCP ones. Everything else (copies of what is sent, writes batched
 * per turn, the end reported once, deadlines, backpressure, a close that flushes and lets the
 * process go) is the library's stream adapter, and the core gives every event guarantee.
 *
 *   const { handler, listener } = split({ adapters: [unixSocketAdapter()] });
 *   await handler.network.listen("unix", "/tmp/app.sock");
 */
import net from "node:net";
import {
  type Adapter,
  framedCodec,
  type SocketFactory,
  type StreamConnectOptions,
  type StreamListenOptions,
  streamAdapter,
} from "message-io/adapter";

export const UNIX_TRANSPORT = "unix";

/** Opens Unix sockets: `connect` and `listen` take a path (on Windows, a pipe name such as `\\.\pipe\app`). */
function unixSockets(): SocketFactory<StreamConnectOptions, StreamListenOptions> {
  let accepted = 0;
  return {
    connect: (remote) => ({ socket: net.connect({ path: remote }), addr: remote, readyEvent: "connect" }),
    createServer: () => ({ server: net.createServer(), connectionEvent: "connection" }),
    listenOptions: (addr, options) => ({ path: addr, backlog: options.backlog }),
    // Node removes the socket file when the server closes.
    boundAddress: (_server, addr) => addr,
    // A Unix socket peer has no address of its own: number the connections.
    peerAddress: (_socket, addr) => `${addr}#${++accepted}`,
  };
}

/** The `unix` transport. */
export function unixSocketAdapter(): Adapter<StreamConnectOptions, StreamListenOptions> {
  const info = { connectionOriented: true, packetBased: true, maxMessageSize: 32 * 1024 * 1024 };
  return streamAdapter(UNIX_TRANSPORT, info, framedCodec, unixSockets());
}
